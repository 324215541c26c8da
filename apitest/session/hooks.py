"""A suite's Python hooks, made ready for the engine: the session loads the modules a suite
names and hands the engine a factory (engine/hooks.py `HooksFactory`), which the engine calls
once the run has its authenticator and event loop. So the engine imports no hooks module, and
the hooks (which use the engine's records and exchanges) sit above it, not beside it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from apitest.auth.profiles import AuthConfig
from apitest.engine.hooks import HooksFactory, RunHooks, TokenFor
from apitest.hooks.registry import HookModule, check_names, load_hooks
from apitest.hooks.runner import HookRunner
from apitest.session.suite import Suite
from apitest.zspec.model import Catalog


def suite_hooks(
    suite: Suite | None, catalog: Catalog, names: list[str] | None = None
) -> list[HookModule]:
    """The hook modules `suite` names (or `names`, a subset the caller chose), loaded, each
    hook's resource= and operation= checked against the specs of the run."""
    if suite is None:
        return []
    modules = [load_hooks(name, suite.folder) for name in (suite.hooks if names is None else names)]
    check_names(modules, catalog)
    return modules


def hooks_factory(
    modules: list[HookModule],
    *,
    base_url: str,
    writable_dir: Path,
    auth: AuthConfig | None,
    timeout_s: float,
) -> HooksFactory | None:
    """What the engine calls to make the run's hooks; None where the suite has none."""
    if not modules:
        return None

    def make(token_for: TokenFor, loop: asyncio.AbstractEventLoop) -> RunHooks:
        return HookRunner.create(
            modules, base_url=base_url, writable_dir=writable_dir, auth=auth,
            token_for=token_for, timeout_s=timeout_s, loop=loop,
        )  # fmt: skip

    return make
