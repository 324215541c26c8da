"""One run from start to end: client, credentials, reachability, engine, cleanup sweep.

The sync shells (the CLI, later the pytest plugin) call `run_plan`; everything here is async
and owns its resources: the HTTP client and the ledger file are closed whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from apitest._gc import fewer_gc_pauses
from apitest.auth.memory import MemoryStore
from apitest.auth.notices import store_without_lock
from apitest.auth.placement import Authenticator
from apitest.auth.profiles import AuthConfig, from_environment
from apitest.auth.stores import TokenStore, unlocked_class
from apitest.engine.chains import Engine, EngineOptions, mark_unrun
from apitest.engine.cleanup import sweep
from apitest.engine.events import Listener, RunFinished, RunStarted
from apitest.engine.hooks import HooksFactory
from apitest.engine.http import eventloop
from apitest.engine.http.client import Caller, new_client
from apitest.engine.http.throttle import Throttles, WindowStore
from apitest.engine.ledger import Ledger, LedgerEntry
from apitest.engine.policy import CallPolicy
from apitest.engine.records import Record
from apitest.errors import EXIT_INTERRUPTED, TargetUnreachableError
from apitest.plan.estimate import estimate
from apitest.plan.model import Plan
from apitest.results import CaseResult, OperationInfo, RunResult, ShardInfo, TokenCall
from apitest.zspec.model import Catalog

PREFLIGHT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RunSettings:
    base_url: str
    ledger_path: Path
    auth: AuthConfig = field(default_factory=from_environment)
    store: TokenStore = field(default_factory=MemoryStore)
    policy: CallPolicy = field(default_factory=CallPolicy)
    extra_headers: dict[str, str] = field(default_factory=dict)
    extra_params: dict[str, str] = field(default_factory=dict)
    throttle_store: WindowStore = field(default_factory=WindowStore)
    """Where throttle windows are shared with other processes and machines (empty: this run
    alone)."""
    handle_signals: bool = False
    """Ctrl-C and SIGTERM stop the run cleanly (the CLI; not inside pytest, which has its
    own handling)."""
    hooks: HooksFactory | None = None
    """Makes the suite's Python hooks for the run (session/hooks.py); None: no hooks."""
    shard: ShardInfo | None = None
    """The plan is this shard of a larger one (`--shard K/N`): the result carries it, with
    this run's start and wall time, from its first event to its last."""


@dataclass
class _Session:
    caller: Caller
    auth: Authenticator
    ledger: Ledger


@asynccontextmanager
async def _session(catalog: Catalog, settings: RunSettings) -> AsyncIterator[_Session]:
    """Client, credentials check, reachability, caller and ledger; all closed on the way out."""
    client = new_client(
        settings.policy.concurrency,
        settings.policy.timeout_s,
        connect_timeout_s=settings.policy.connect_timeout_s,
        proxy=settings.policy.proxy,
    )
    ledger = Ledger(settings.ledger_path, settings.base_url)
    throttles = Throttles(store=settings.throttle_store, target=settings.base_url)
    try:
        auth = Authenticator(client, catalog, settings.base_url, settings.auth, settings.store)
        auth.check()
        await _preflight(client, settings.base_url, settings.policy.proxy)
        caller = Caller(
            client, auth, throttles, settings.policy.concurrency, base_url=settings.base_url
        )
        caller.max_body_bytes = settings.policy.max_body_bytes
        for profile in settings.auth.profiles.values():
            for secret in profile.credentials.secrets():
                caller.redactor.add(secret)
        caller.extra_headers.update(settings.extra_headers)
        caller.extra_params.update(settings.extra_params)
        yield _Session(caller, auth, ledger)
    finally:
        ledger.close()
        throttles.close()  # a quit message per pooled connection: nothing to wait for
        await client.aclose()


def run_cleanup(
    catalog: Catalog, entries: list[LedgerEntry], settings: RunSettings
) -> tuple[list[CaseResult], list[str]]:
    """Delete the ledger's leftover records (`apitest cleanup`), confirming each in the ledger."""
    with fewer_gc_pauses():
        return eventloop.run(_cleanup(catalog, entries, settings))


async def _cleanup(
    catalog: Catalog, entries: list[LedgerEntry], settings: RunSettings
) -> tuple[list[CaseResult], list[str]]:
    async with _session(catalog, settings) as session:
        records = [(entry.id, _record(entry)) for entry in entries]
        return await sweep(records, catalog, session.caller, session.ledger.deleted)


def _record(entry: LedgerEntry) -> Record:
    data = {**entry.data, **entry.keys}
    return Record(entry.resource, data, entry.keys, None, True, entry.id, address=entry.address)


def run_plan(catalog: Catalog, plan: Plan, settings: RunSettings, listener: Listener) -> RunResult:
    """Run `plan` and return its result; raises TargetUnreachableError (exit 3) when the
    target cannot be reached at all, UsageError when credentials are missing.

    `listener` hears every event of the run. The run's first and last are emitted here, outside
    the event loop and the run's garbage-collector setting, so what listeners do at the end
    (writing the report files) runs as it would after the run."""
    listener.handle(RunStarted(settings.base_url, plan, settings.shard))
    try:
        with fewer_gc_pauses():
            result = eventloop.run(_run(catalog, plan, settings, listener))
    except TargetUnreachableError as exc:
        if isinstance(exc.result, RunResult):  # every case an error saying why: still reported
            listener.handle(RunFinished(exc.result, reached=False))
        raise
    listener.handle(RunFinished(result))
    return result


async def _run(
    catalog: Catalog, plan: Plan, settings: RunSettings, listener: Listener
) -> RunResult:
    result = RunResult(
        target=settings.base_url,
        seed=plan.seed,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        estimate_s=estimate(plan, settings.policy.concurrency).ms / 1000,
        operations=operation_infos(catalog),
    )
    if settings.shard is not None:
        result.shard = replace(settings.shard, started_at=result.started_at)
    unlocked = unlocked_class(settings.store)
    if unlocked is not None:
        result.auth_notices.append(store_without_lock(unlocked))
    try:
        return await _run_session(catalog, plan, settings, listener, result)
    except TargetUnreachableError as exc:
        mark_unrun(plan, result, str(exc), status="error")
        exc.result = result
        raise
    finally:
        if result.shard is not None:
            result.shard.duration_s = result.duration_s


async def _run_session(
    catalog: Catalog, plan: Plan, settings: RunSettings, listener: Listener, result: RunResult
) -> RunResult:
    async with _session(catalog, settings) as session:
        options = EngineOptions(
            seed=plan.seed,
            eventually_s=settings.policy.eventually_s,
            strict=settings.policy.strict,
        )
        hooks = (
            settings.hooks(session.auth.credential_header, asyncio.get_running_loop())
            if settings.hooks is not None
            else None
        )
        engine = Engine(catalog, plan, session.caller, session.ledger, options, listener, hooks)
        if settings.handle_signals:
            _stop_on_signals(engine)
        try:
            refused = await hooks.before_run(result.logs) if hooks is not None else []
            if refused:  # as pytest does when a fixture fails: each case an error saying why
                mark_unrun(plan, result, f"a before-run hook failed ({refused[0]})", "error")
            else:
                await engine.run(result)
            if hooks is not None:
                await hooks.after_run(result)
        finally:
            if hooks is not None:
                hooks.close()
        result.token_refreshes = session.auth.refreshes()
        result.token_call = token_call(session.auth)
        result.auth_notices.extend(session.auth.notices())
    return result


def token_call(auth: Authenticator) -> TokenCall | None:
    """The run's token call with placeholders for the credentials, for replay scripts."""
    found = auth.replay_token_call()
    if found is None:
        return None
    endpoint, request, token_path = found
    path = (endpoint.path or endpoint.url) if request.url == endpoint.url else request.url
    return TokenCall(
        method=request.method, path=path, token_path=token_path, **vars(request.parts())
    )


def _stop_on_signals(engine: Engine) -> None:
    """Ctrl-C or SIGTERM: stop new calls, cancel those in flight, clean up and report what
    ran (marked interrupted). A second one exits at once: the ledger on disk already says
    what to delete (`apitest cleanup`)."""
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if engine.stopping:
            os._exit(EXIT_INTERRUPTED)
        engine.interrupt()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)


def operation_infos(catalog: Catalog) -> list[OperationInfo]:
    return [
        OperationInfo(
            resource=res.name,
            name=op.name,
            method=op.method.upper(),
            url=op.url_path,
            category=op.category,
            statuses=sorted({response.status for response in op.responses}),
            error_condition=op.error.condition.text if op.error is not None else None,
            file=op.loc.file,
            line=op.loc.line,
        )
        for res in catalog.resources
        for op in res.operations
    ]


async def _preflight(client: httpx.AsyncClient, base_url: str, proxy: str | None) -> None:
    """One plain GET of the base URL: any HTTP answer means the target is there. Through a
    proxy, the message names it (its host only: its URL may carry a password), since the
    proxy may be what cannot be reached."""
    try:
        await client.get(base_url, timeout=PREFLIGHT_TIMEOUT_S)
    except httpx.TransportError as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if proxy is None:
            where, check = "", "check --base-url, or that the service is running"
        else:
            url = httpx.URL(proxy)
            port = url.port or (443 if url.scheme == "https" else 80)
            where = f" through the proxy {url.host}:{port}"
            check = "check --proxy and --base-url, and that both are running"
        raise TargetUnreachableError(
            f"cannot reach the target {base_url}{where} ({detail}); {check}"
        ) from None
