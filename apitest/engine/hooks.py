"""The seam where user code runs around the engine's calls (suites' Python hooks).

The engine knows only these protocols; `apitest.hooks` implements them, and the session layer
hands the engine a `HooksFactory` that makes them (the engine imports no hooks module). Calls
are awaited in the chain that makes them, so a hook sees the call it was chosen for, may change
the request before it goes (a header, a body value), reads the answer after, and a custom check
adds failures to the case. `bind` hands over the run's Data Manager, to which hooks may add
records. Every call returns failure messages rather than raising: a hook that raises or
overruns its time fails the case it ran for, never the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from apitest.engine.http.client import Exchange, Request
    from apitest.engine.records import DataManager
    from apitest.plan.model import Step
    from apitest.results import CaseResult, RunResult


class CallHooks(Protocol):
    def bind(self, data: DataManager) -> None: ...

    async def before_call(self, step: Step, case: CaseResult, request: Request) -> list[str]:
        """Failure messages ([] when every hook ran): a failure fails the case, and the call
        should not be sent (the request may be half-changed)."""
        ...

    async def after_call(self, step: Step, case: CaseResult, exchange: Exchange) -> list[str]:
        """Failure messages of the after-call hooks ([] when all ran); each fails the case."""
        ...

    async def check(self, step: Step, case: CaseResult, exchange: Exchange) -> list[str]:
        """Failure messages of the custom checks chosen for this step ([] when all pass)."""
        ...


class RunHooks(CallHooks, Protocol):
    """The hooks of a whole run: the call hooks, and those around the run."""

    async def before_run(self, run_logs: list[str]) -> list[str]:
        """Failure messages of the before-run hooks ([] when all ran): any one stops the run,
        every case an error saying why."""
        ...

    async def after_run(self, result: RunResult) -> list[str]:
        """Failure messages of the after-run hooks, given the finished result."""
        ...

    def close(self) -> None:
        """Let go of what the hooks hold (their named connections)."""
        ...


TokenFor = Callable[[str], Awaitable["tuple[str, str] | None"]]
"""The run's credential header for a profile name (hooks' named connections call with it)."""

HooksFactory = Callable[[TokenFor, asyncio.AbstractEventLoop], RunHooks]
"""Makes a run's hooks once the run has its authenticator and event loop (session/hooks.py)."""
