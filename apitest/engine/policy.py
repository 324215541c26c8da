"""The settings that say how a run calls its target, apart from the runner so that the
shells' settings merge (session/config.py), which `apitest plan` uses too, can name them
without loading the HTTP client."""

from __future__ import annotations

from dataclasses import dataclass, field

from apitest.defaults import DEFAULTS

__all__ = ["CallPolicy"]


@dataclass(frozen=True)
class CallPolicy:
    """How the run calls the target and reads its answers: calls in flight at most, each
    call's read and connect timeouts, the proxy they go through, how much of an answer is
    read, how long a read-back that fails is polled again, and whether undeclared fields fail
    a case. The shells merge these from options, suite and defaults (session/config.py) into
    one of these and hand it on whole."""

    concurrency: int = DEFAULTS.concurrency
    eventually_s: float = DEFAULTS.eventually
    strict: bool = DEFAULTS.strict
    timeout_s: float = DEFAULTS.timeout
    connect_timeout_s: float = DEFAULTS.connect_timeout
    proxy: str | None = field(default=DEFAULTS.proxy, repr=False)
    """May carry the proxy's credentials (http://user:pass@host:port), so it is kept out of
    the repr."""
    max_body_bytes: int = DEFAULTS.max_body_bytes
