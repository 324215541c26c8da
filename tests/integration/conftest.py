"""Fixtures: demo servers on 127.0.0.1 (one per xdist worker, plus per-test ones), clients."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from apitest.demo import DemoConfig, DemoServer
from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

from ..support import SPECS, loopback_client
from ._api import Api, client_token
from ._validator_hunt import CorrectRun, ValidatorHunt

MakeServer = Callable[..., DemoServer]


@pytest.fixture(scope="session")
def server() -> Iterator[DemoServer]:
    """The shared service, without read lag so tests see their writes at once."""
    with DemoServer(DemoConfig(lag_ms=0)) as running:
        yield running


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    with loopback_client() as session:
        yield session


@pytest.fixture(scope="session")
def api(http: httpx.Client, server: DemoServer) -> Api:
    """The shared service, called with a token holding every scope."""
    return Api(http, server, client_token(http, server))


@pytest.fixture
def make_server() -> Iterator[MakeServer]:
    """Start a server with its own DemoConfig knobs; every one is stopped after the test."""
    started: list[DemoServer] = []

    def make(**knobs: Any) -> DemoServer:
        knobs.setdefault("lag_ms", 0)
        running = DemoServer(DemoConfig(**knobs)).start()
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project folder holding the reference specs, with demo credentials in the env (for the
    pytest plugin's tests, whose modules load the `pytester` plugin)."""
    shutil.copytree(SPECS, pytester.path / "specs")
    monkeypatch.setenv("APITEST_CLIENT_ID", DEMO_CLIENT_ID)
    monkeypatch.setenv("APITEST_CLIENT_SECRET", DEMO_CLIENT_SECRET)
    return pytester


@pytest.fixture
def make_api(http: httpx.Client, make_server: MakeServer) -> Callable[..., Api]:
    """A fresh server with the given knobs, and a client holding an all-scope token for it."""

    def make(**knobs: Any) -> Api:
        running = make_server(**knobs)
        token = None if "no-auth" in knobs.get("bugs", ()) else client_token(http, running)
        return Api(http, running, token)

    return make


def create_case_under_pytest(
    project: pytest.Pytester, base_url: str, run: str, *options: str
) -> pytest.RunResult:
    """pytest on destinations.xml's one positive create case, through a suite that names
    `base_url` as its target and holds `run` (TOML lines) as its `[run]` table: how the
    plugin's tests show a `[run]` setting reaching a real call."""
    (project.path / "suite.toml").write_text(
        f'specs = ["specs/destinations.xml"]\n[target]\nbase_url = "{base_url}"\n[run]\n{run}\n',
        encoding="utf-8",
    )
    return project.runpytest(
        "specs/destinations.xml", "--apitest-suite=suite.toml", "--apitest-cases=positive",
        "-m", "create", "-p", "no:cacheprovider", *options,
    )  # fmt: skip


@pytest.fixture(scope="module")
def hunt_python(request: pytest.FixtureRequest) -> Path:
    """The Python of the virtualenv of the requesting module's validator hunt (its `HUNT`),
    made on first use."""
    hunt: ValidatorHunt = request.module.HUNT
    return hunt.python()


@pytest.fixture(scope="module")
def hunt_correct_run(
    request: pytest.FixtureRequest, hunt_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> CorrectRun:
    """`--cases all` against the correct app of the requesting module's `HUNT`: exit status,
    result and the records left; once per module, for the tests that read it."""
    hunt: ValidatorHunt = request.module.HUNT
    return hunt.planted_run(hunt_python, tmp_path_factory.mktemp(f"{hunt.name}-correct"))
