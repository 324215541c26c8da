"""`HookRunner`: the engine's `CallHooks`, calling a suite's Python hooks around each call.

Each user function runs in a daemon thread of its own, awaited through a future with a
timeout. Not the loop's default executor: a hook stuck in a socket or a `while True` would
hold an executor thread, and the interpreter joins those at exit, so one bad hook would hang
the process after the run. A timed-out hook is abandoned (a thread cannot be killed): its case
fails, and what it logs or changes later is ignored. Hooks are blocking code by contract, so
the engine's loop keeps serving every other chain while they run.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from apitest.auth.profiles import AuthConfig
from apitest.engine.hooks import TokenFor
from apitest.engine.http.client import Exchange, Request
from apitest.engine.records import DataManager
from apitest.hooks.bridge import LoopBridge
from apitest.hooks.connection import Connections
from apitest.hooks.context import RunState
from apitest.hooks.contract import Call, CheckEnded, CheckRequest, CheckResponse, describe
from apitest.hooks.registry import Hook, HookKind, HookModule
from apitest.plan.model import Step
from apitest.results import CaseResult, RunResult

_Result = tuple[Any, BaseException | None]
"""What a hook function returned, or what it raised."""


class HookRunner:
    """Runs the hooks of `modules` (in the suite's order, each module's in definition order)
    for the steps their filters choose. Failures come back as one-line messages for the case;
    what hooks log goes to `CaseResult.logs` (call hooks, checks) or the run's logs."""

    def __init__(
        self,
        modules: Sequence[HookModule],
        state: RunState,
        *,
        timeout_s: float,
        profile_name: str = "default",
    ) -> None:
        self.modules = tuple(modules)
        self.state = state
        self.timeout_s = timeout_s
        self.profile_name = profile_name

    @classmethod
    def create(
        cls,
        modules: Sequence[HookModule],
        *,
        base_url: str,
        writable_dir: Path,
        auth: AuthConfig | None,
        token_for: TokenFor | None,
        timeout_s: float,
        profile_name: str | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> HookRunner:
        """The runner of one run; `token_for(profile)` is awaited on the engine's loop."""
        bridge = LoopBridge(loop)
        connections = Connections(base_url, auth, token_for, bridge, timeout_s)
        state = RunState(writable_dir, connections, bridge, timeout_s)
        name = profile_name or (auth.default if auth is not None else "default")
        return cls(modules, state, timeout_s=timeout_s, profile_name=name)

    def bind(self, data: DataManager) -> None:
        self.state.data = data

    def close(self) -> None:
        """Close the run's connections (hooks still running past their timeout lose them)."""
        self.state.close()

    def has(self, hook: HookKind) -> bool:
        """Whether any hook of this kind exists (lets the engine skip building arguments)."""
        return any(module.chosen(hook) for module in self.modules)

    # --- the run ----------------------------------------------------------------------------
    async def before_run(self, run_logs: list[str]) -> list[str]:
        """Every before_run hook; logs and failures go to `run_logs` (failures as SEVERE
        lines), failures are also returned so the caller may stop the run."""
        return await self._run_level("before_run", (), run_logs)

    async def after_run(self, result: RunResult) -> list[str]:
        """Every after_run hook, with the finished result; logs go to `result.logs`."""
        return await self._run_level("after_run", (result,), result.logs)

    async def _run_level(self, kind: HookKind, args: tuple[Any, ...], logs: list[str]) -> list[str]:
        failures: list[str] = []
        for hook in self._chosen(kind, None):
            context = self.state.view(hook.home)
            failure = self._hook_failure(hook, await self._invoke(hook, (context, *args)))
            logs.extend(context.log.lines())
            if failure is not None:
                logs.append(f"SEVERE: {failure}")
                failures.append(failure)
        return failures

    # --- each call ----------------------------------------------------------------------------
    async def before_call(self, step: Step, case: CaseResult, request: Request) -> list[str]:
        """The step's before_call hooks in order; the first failure stops the rest (the
        request may be half-changed) and is returned: the case fails and the call should
        not be sent."""
        chosen = self._chosen("before_call", step)
        if not chosen:
            return []
        call = Call(step, request)
        for hook in chosen:
            failure = await self._call_hook(hook, call, case)
            if failure is not None:
                return [failure]
        return []

    async def after_call(self, step: Step, case: CaseResult, exchange: Exchange) -> list[str]:
        """Every after_call hook of the step (one failing does not stop the others)."""
        chosen = self._chosen("after_call", step)
        if not chosen:
            return []
        call = Call(step, exchange.request, exchange)
        failures = [await self._call_hook(hook, call, case) for hook in chosen]
        return [failure for failure in failures if failure is not None]

    async def check(self, step: Step, case: CaseResult, exchange: Exchange) -> list[str]:
        """Every check of the step; one message per check that failed."""
        failures: list[str] = []
        for hook in self._chosen("check", step):
            context = self.state.view(hook.home)
            req = CheckRequest(step, exchange, self.profile_name, context)
            resp = CheckResponse()
            result = await self._invoke(hook, (req, resp))
            case.logs.extend(context.log.lines())
            failure = _check_failure(hook, result, resp, self.timeout_s)
            if failure is not None:
                failures.append(failure)
        return failures

    async def _call_hook(self, hook: Hook, call: Call, case: CaseResult) -> str | None:
        context = self.state.view(hook.home)
        result = await self._invoke(hook, (context, call))
        case.logs.extend(context.log.lines())
        return self._hook_failure(hook, result)

    def _chosen(self, kind: HookKind, step: Step | None) -> list[Hook]:
        return [hook for module in self.modules for hook in module.chosen(kind, step)]

    def _hook_failure(self, hook: Hook, result: _Result | None) -> str | None:
        if result is None:
            return _late(hook, self.timeout_s)
        error = result[1]
        return None if error is None else f"hook {hook.name} raised {_what(error)}"

    # --- threads --------------------------------------------------------------------------------
    async def _invoke(self, hook: Hook, args: tuple[Any, ...]) -> _Result | None:
        """Run `hook.fn(*args)` in a daemon thread; its result, or None when it ran out of
        time (the thread is left to finish on its own)."""
        loop = asyncio.get_running_loop()
        self.state.bridge.adopt(loop)
        future: asyncio.Future[_Result] = loop.create_future()

        def settle(result: _Result) -> None:
            if not future.done():  # a timed-out wait cancelled it
                future.set_result(result)

        def target() -> None:
            result = _call(hook.fn, args)
            with contextlib.suppress(RuntimeError):  # the loop closed while it overran
                loop.call_soon_threadsafe(settle, result)

        thread = threading.Thread(target=target, name=f"apitest-hook-{hook.name}", daemon=True)
        thread.start()
        try:
            return await asyncio.wait_for(future, self.timeout_s)
        except TimeoutError:
            return None


def _call(fn: Callable[..., Any], args: tuple[Any, ...]) -> _Result:
    """Call a hook in its thread; an `async def` hook gets an event loop of its own."""
    try:
        value = fn(*args)
        if inspect.iscoroutine(value):
            value = asyncio.run(value)
        return value, None
    except BaseException as exc:  # everything a hook raises is its failure, even SystemExit
        return None, exc


def _check_failure(
    hook: Hook, result: _Result | None, resp: CheckResponse, timeout_s: float
) -> str | None:
    """resp.success/error decide when called (even if the check then swallowed the signal);
    otherwise an uncaught exception fails and a plain return passes, except `return False`:
    a Python check written `return answer["days"] > 0` means a verdict, and passing it would
    be a false green."""
    if result is None:
        return _late(hook, timeout_s)
    if resp.outcome == "error":
        said = "resp.error() was called" if resp.value is None else describe(resp.value)
        return f"check {hook.name}: {said}"
    value, error = result
    if resp.outcome == "success" or isinstance(error, CheckEnded):
        return None
    if error is None:
        return None if value is not False else f"check {hook.name} returned False"
    return f"check {hook.name} raised {_what(error)}"


def _late(hook: Hook, timeout_s: float) -> str:
    return f"hook {hook.name} did not finish within {timeout_s:g} s"


def _what(error: BaseException) -> str:
    detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__
