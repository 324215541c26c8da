"""Python hooks a suite names: code around the run's calls, after a serverless platform's habits.

A hook module marks plain functions::

    from apitest.hooks import after_call, before_call, check

    @before_call(resource="trips", kind="positive")
    def trace(context, call):
        call.headers["X-Trace"] = context.getCache().get("trace") or "none"

    @check(operation="GET trip")
    def days_match(req, resp):
        if req.response["trips"][0]["days"] < 1:
            resp.error("a trip of no days")

`load_hooks` imports a module, `HookRunner` runs its hooks for the engine (`CallHooks`).
Modules: registry (marks, filters, loading), context (the `context` object), stores (cache,
queue), connection (getConnection), contract (Call, req/resp), runner, bridge (thread to loop).
"""

from __future__ import annotations

from apitest.engine.hooks import TokenFor
from apitest.hooks.connection import Connection
from apitest.hooks.context import HookContext, HookLog, RunState
from apitest.hooks.contract import Call, CheckRequest, CheckResponse
from apitest.hooks.registry import (
    Hook,
    HookModule,
    HookSpec,
    after_call,
    after_run,
    before_call,
    before_run,
    check,
    load_hooks,
)
from apitest.hooks.runner import HookRunner
from apitest.hooks.stores import Cache, Queue

__all__ = [
    "Cache",
    "Call",
    "CheckRequest",
    "CheckResponse",
    "Connection",
    "Hook",
    "HookContext",
    "HookLog",
    "HookModule",
    "HookRunner",
    "HookSpec",
    "Queue",
    "RunState",
    "TokenFor",
    "after_call",
    "after_run",
    "before_call",
    "before_run",
    "check",
    "load_hooks",
]
