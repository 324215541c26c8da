"""The engine's transport: the HTTP client a run makes, its connection pools, what a report keeps
of each exchange, throttling (in-process and shared between processes) and the event loop.

It is the one part of the engine that talks to sockets, and it knows nothing of chains, steps,
records or verdicts: the rest of the engine drives it, never the other way round (checked by
tests/unit/test_layers.py).
"""
