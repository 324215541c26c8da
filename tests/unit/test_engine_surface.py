"""The engine's public surface (apitest/engine/__init__.py): every name it promises resolves to
the object its home module defines, and importing the package, or its events module, loads no
HTTP library (reporters and `apitest plan` import the events and make no call)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import apitest.engine
from apitest.engine import Engine, RunSettings, run_plan
from apitest.engine.chains import Engine as SchedulerEngine
from apitest.engine.runner import RunSettings as RunnerSettings
from apitest.engine.runner import run_plan as runner_run_plan

from ..support import REPO, cli_env

HTTP_LIBRARIES = ("aiohttp", "httpx")


def test_the_surface_is_the_home_modules_objects() -> None:
    assert run_plan is runner_run_plan
    assert RunSettings is RunnerSettings
    assert Engine is SchedulerEngine


@pytest.mark.parametrize("name", apitest.engine.__all__)
def test_every_promised_name_resolves(name: str) -> None:
    assert getattr(apitest.engine, name) is not None
    assert name in dir(apitest.engine)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = apitest.engine.no_such_name


def _http_libraries_after(code: str) -> list[str]:
    """The HTTP libraries a fresh interpreter holds after running `code`."""
    held = f"sorted(set({HTTP_LIBRARIES!r}) & set(sys.modules))"
    probe = f"{code}\nimport json, sys\nprint(json.dumps({held}))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=cli_env(credentials=False),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    found: list[str] = json.loads(done.stdout)
    return found


@pytest.mark.parametrize("code", ["import apitest.engine", "import apitest.engine.events"])
def test_importing_the_package_or_its_events_loads_no_http_library(code: str) -> None:
    assert _http_libraries_after(code) == []


def test_asking_for_the_runner_does_load_them() -> None:
    """The check above can fail: the same probe sees them once the runner is asked for."""
    assert _http_libraries_after("from apitest.engine import run_plan") == list(HTTP_LIBRARIES)
