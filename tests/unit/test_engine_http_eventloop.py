"""The event loop a run goes on: uvloop by default where installed, asyncio's on request,
and a clear usage error for a value that names no loop."""

from __future__ import annotations

import asyncio
import sys
import warnings

import pytest

from apitest.engine.http import eventloop
from apitest.errors import UsageError


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_on_uvloop_where_it_is_a_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    if sys.platform == "win32":
        pytest.skip("uvloop is not a dependency on Windows")
    monkeypatch.delenv(eventloop.ENV, raising=False)
    assert eventloop.run(_loop_module()).startswith("uvloop")


@pytest.mark.parametrize("value", ["asyncio", " AsyncIO "])
def test_asyncio_runs_on_the_standard_loop(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(eventloop.ENV, value)
    assert eventloop.run(_loop_module()).startswith("asyncio")


def test_run_returns_the_coroutines_value_and_raises_its_error() -> None:
    async def fails() -> None:
        raise KeyError("inside")

    async def answers() -> int:
        await asyncio.sleep(0)
        return 42

    assert eventloop.run(answers()) == 42
    with pytest.raises(KeyError, match="inside"):
        eventloop.run(fails())


def test_an_unknown_loop_is_a_usage_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(eventloop.ENV, "trio")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the coroutine not run must not warn "never awaited"
        with pytest.raises(UsageError) as caught:
            eventloop.run(_loop_module())
    message = str(caught.value)
    assert "APITEST_EVENT_LOOP='trio'" in message
    assert "auto, uvloop, asyncio" in message


def test_uvloop_asked_for_but_missing_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvloop cannot be uninstalled for one test: a None entry in sys.modules makes its
    import fail as it does where it is not installed."""
    monkeypatch.setitem(sys.modules, "uvloop", None)
    monkeypatch.setenv(eventloop.ENV, "uvloop")
    with pytest.raises(UsageError, match="uvloop is not installed"):
        eventloop.loop_factory()
    monkeypatch.setenv(eventloop.ENV, "auto")
    assert eventloop.loop_factory() is None  # auto falls back to the standard loop
