"""The seam where user code runs around the engine's calls (suites' Python hooks).

The engine knows only this protocol; `apitest.hooks` implements it. Calls are awaited in the
chain that makes them, so a hook sees the call it was chosen for, may change the request before
it goes (a header, a body value), reads the answer after, and a custom check adds failures to
the case. `bind` hands over the run's Data Manager, to which hooks may add records. Every call
returns failure messages rather than raising: a hook that raises or overruns its time fails
the case it ran for, never the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from apitest.engine.client import Exchange, Request
    from apitest.engine.records import DataManager
    from apitest.plan.model import Step
    from apitest.report.model import CaseResult


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
