"""Verification: pure verdicts over the spec model (status, error condition, body shape, headers,
record comparison).

Given what a call sent and what came back, these functions say whether the answer is what the
ZSPEC declares. They read the spec model and nothing else of the run: no sockets, no scheduler, no
engine state. That is why the package sits below the engine (spec <- plan <- verify <- engine):
the engine judges every call with it, and a contract hook (`apitest/hooks/contract.py`) or any
other tool can check a body against its structure without loading the engine or an HTTP library.
"""
