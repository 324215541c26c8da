"""The engine: fires the planned calls and judges what comes back.

Its public surface is named here (`from apitest.engine import run_plan, RunSettings`), but
loaded on first use (PEP 562): the events module is imported by reporters and by commands that
make no call (`apitest plan`), and importing the package must not pull in the chain runner, the
HTTP client and with it httpx and aiohttp (tests/cli/test_plan_imports.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apitest.engine.chains import Engine, EngineOptions
    from apitest.engine.events import FanOut, Listener, NullListener
    from apitest.engine.policy import CallPolicy
    from apitest.engine.runner import RunSettings, run_cleanup, run_plan

_HOMES = {
    "CallPolicy": "apitest.engine.policy",
    "Engine": "apitest.engine.chains",
    "EngineOptions": "apitest.engine.chains",
    "FanOut": "apitest.engine.events",
    "Listener": "apitest.engine.events",
    "NullListener": "apitest.engine.events",
    "RunSettings": "apitest.engine.runner",
    "run_cleanup": "apitest.engine.runner",
    "run_plan": "apitest.engine.runner",
}
"""Each public name -> the module that defines it, imported when the name is first asked for."""

__all__ = [
    "CallPolicy",
    "Engine",
    "EngineOptions",
    "FanOut",
    "Listener",
    "NullListener",
    "RunSettings",
    "run_cleanup",
    "run_plan",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
