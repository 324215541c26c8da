"""Third-party APIs the tests install and start themselves: json-server and oauth2-mock-server
(npm, `npm_package`), Datasette (PyPI)
and any other PyPI server (`pypi_command`).

They show what our own reference service cannot: an API that validates nothing (json-server),
and one whose writes wrap the record in an envelope (Datasette's `{"row": {...}, "return": true}`).
Each is installed once into a cache folder (APITEST_TEST_CACHE, else ~/.cache/apitest-tests: not
XDG_CACHE_HOME, which tests/conftest.py points at a fresh folder per session),
under a file lock so pytest-xdist workers do not install it twice, and started per test on a
free port of 127.0.0.1. Where the registry cannot be reached the test is skipped, saying why.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from apitest.case_kinds import TAKEN

from ..support import assert_caught, cli_env, free_port, loopback_client, run_cli

JSON_SERVER = "json-server@0.17.4"
DATASETTE = "datasette==1.0a41"
MOTO = "moto[s3,apigateway]==5.2.6"
LOCALSTRIPE = "localstripe==1.15.10"
TASTYPIE = "django-tastypie==0.15.1"
DJANGO = "django==5.2.19"  # under DRF and tastypie both
MLFLOW = "mlflow==2.22.1"
FEATHERS = (
    "@feathersjs/feathers@5.0.50",
    "@feathersjs/express@5.0.50",
    "@feathersjs/memory@5.0.50",
)
SAILS = ("sails@1.5.18", "sails-hook-orm@4.0.3", "sails-disk@2.1.2")
SQLALCHEMY = "sqlalchemy==2.0.45"  # under MLflow 2.22, which SQLAlchemy 2.1 breaks
FLASK_APPBUILDER = (
    "flask-appbuilder==5.3.0",
    "marshmallow==3.26.2",  # FAB 5.3's schemas break on marshmallow 4
    "marshmallow-sqlalchemy==1.0.0",
    SQLALCHEMY,  # and on SQLAlchemy 2.1
)
INSTALL_TIMEOUT_S = 300
START_TIMEOUT_S = 30


def cache_root() -> Path:
    configured = os.environ.get("APITEST_TEST_CACHE")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "apitest-tests"


@contextmanager
def _install_lock(name: str) -> Iterator[Path]:
    """The folder of one installed package, held by a file lock while it is checked or made."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield root / name
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _install(name: str, commands: list[list[str]], what: str) -> Path:
    """Run `commands` once into the cache folder `name` (marked done by a file), or skip."""
    with _install_lock(name) as folder:
        done = folder / ".installed"
        if done.exists():
            return folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for command in commands:
            try:
                finished = subprocess.run(
                    command, cwd=folder, capture_output=True, text=True,
                    timeout=INSTALL_TIMEOUT_S, check=False,
                )  # fmt: skip
            except (OSError, subprocess.TimeoutExpired) as exc:
                shutil.rmtree(folder, ignore_errors=True)
                pytest.skip(f"{what} could not be installed ({command[0]}: {exc})")
            if finished.returncode != 0:
                shutil.rmtree(folder, ignore_errors=True)
                tail = (finished.stderr or finished.stdout).strip().splitlines()[-3:]
                pytest.skip(f"{what} could not be installed: {' / '.join(tail)}")
        done.write_text("ok\n", encoding="utf-8")
        return folder


def npm_package(package: str, *also: str) -> Path:
    """The folder `package` ("name@version") is installed in (its node_modules beneath), with
    `also` beside it (a peer dependency pinned), from the npm registry on first use; skipped
    where npm and node are missing."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip(f"{package} needs npm and node (Node.js), which this machine lacks")
    return _install(
        "+".join(name.lstrip("@").replace("@", "-").replace("/", "-") for name in (package, *also)),
        [[npm, "install", "--prefix", ".", package, *also, "--no-audit", "--no-fund",
          "--loglevel=error"]],
        f"{' and '.join((package, *also))} from the npm registry",
    )  # fmt: skip


def json_server_bin() -> Path:
    """json-server's command, installed from the npm registry on first use."""
    return npm_package(JSON_SERVER) / "node_modules" / ".bin" / "json-server"


def json_server_over(
    folder: Path,
    data: dict[str, Any],
    options: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> AbstractContextManager[Started]:
    """json-server (not yet started) over a new db.json in `folder` holding `data`, with
    `options` after the file, on a free port of 127.0.0.1."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "db.json"
    db.write_text(json.dumps(data), encoding="utf-8")
    port = free_port()
    command = [str(json_server_bin()), str(db), "--port", str(port), "--host", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}"
    return serving([*command, *options], url, "/", folder / "server.log", env)


def pypi_command(requirement: str, command: str, *also: str) -> Path:
    """`command` of the PyPI package `requirement` ("name==version"), with `also` beside it
    (a dependency pinned), in a virtualenv of its own made on first use, so that its
    dependencies never meet ours."""
    name = "+".join(each.replace("==", "-") for each in (requirement, *also))
    folder = _install(
        name,
        [
            [sys.executable, "-m", "venv", "venv"],
            ["venv/bin/python", "-m", "pip", "install", "--quiet", requirement, *also],
        ],
        f"{' and '.join((requirement, *also))} from PyPI",
    )
    return folder / "venv" / "bin" / command


def moto_python() -> Path:
    """The Python of a virtualenv holding moto's S3 and API Gateway (one install serves both
    hunts), with the Flask its server wants."""
    return pypi_command(MOTO, "python", "flask==3.1.2", "flask-cors==6.0.1")


def mlflow_python() -> Path:
    """The Python of a virtualenv holding MLflow's tracking server."""
    return pypi_command(MLFLOW, "python", SQLALCHEMY)


def datasette_bin() -> Path:
    """Datasette's command, installed from PyPI on first use."""
    return pypi_command(DATASETTE, "datasette")


@dataclass
class Started:
    """A third-party server this test started (and will stop, by its PID)."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def get(self, path: str) -> httpx.Response:
        with loopback_client() as http:
            return http.get(self.url + path)


@contextmanager
def serving(
    command: list[str], url: str, ready_path: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[Started]:
    """Start `command` (with `env` added to ours), wait until `url + ready_path` answers, stop
    it at the end."""
    environment = {**os.environ, **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=log.parent, env=environment
        )
    started = Started(url, process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise AssertionError(f"{command[0]} exited: {log.read_text(errors='replace')}")
            try:
                if started.get(ready_path).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{command[0]} did not answer in {START_TIMEOUT_S} s")
            time.sleep(0.1)
        yield started
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def serving_app(
    python: Path,
    app: Path,
    folder: Path,
    argv: Sequence[str],
    ready_path: str = "/",
    env: dict[str, str] | None = None,
) -> Iterator[Started]:
    """`python APP/serve.py PORT ARGV...` (with `env` added) on a free port of 127.0.0.1,
    logging into `folder`: how the hunts in tests/data/thirdparty serve a third-party
    application, with defects planted by name in ARGV or the environment."""
    folder.mkdir(parents=True)
    port = free_port()
    command = [str(python), str(app / "serve.py"), str(port), *argv]
    url = f"http://127.0.0.1:{port}"
    with serving(command, url, ready_path, folder / "server.log", env=env) as api:
        yield api


@contextmanager
def serving_node(
    app: Path, modules: Path, folder: Path, ready_path: str, env: Mapping[str, str], *argv: str
) -> Iterator[Started]:
    """`node APP/serve.js PORT ARGV...` on a free port of 127.0.0.1 with the npm packages in
    `modules` on its NODE_PATH and `env` added (the defects a hunt plants), logging into
    `folder`: how the hunts in tests/data/thirdparty serve a Node application."""
    folder.mkdir(parents=True)
    port = free_port()
    command = ["node", str(app / "serve.js"), str(port), *argv]
    environment = {"NODE_PATH": str(modules), **env}
    url = f"http://127.0.0.1:{port}"
    with serving(command, url, ready_path, folder / "server.log", environment) as api:
        yield api


def run_with_token(
    spec: Path, api: Started, tmp_path: Path, token: str, *options: str, under: str = ""
) -> tuple[int, dict[str, Any]]:
    """`apitest run SPEC` against `api` (at the path `under` its root) with the static token
    `token` and no OAuth credentials: its exit status and JSON result. A run that could not
    judge (exit 2 or 3), or that let the token into any output, fails the test at once."""
    return run_spec(spec, api, tmp_path, *options, under=under, token=token)


def run_spec(
    spec: Path,
    api: Started,
    tmp_path: Path,
    *options: str,
    under: str = "",
    token: str = "",
    fields: Mapping[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """`apitest run SPEC` against `api` (at the path `under` its root) with no OAuth
    credentials, the static token `token` where one is given, and a login's `fields`
    (`APITEST_TOKEN_FIELD_<NAME>`): its exit status and JSON result. A run that could not
    judge (exit 2 or 3), that showed a traceback, or that let the token or a field's value
    into any output, fails the test at once."""
    report = tmp_path / "report.json"
    secrets = {
        f"APITEST_TOKEN_FIELD_{name.upper()}": value for name, value in (fields or {}).items()
    }
    if token:
        secrets["APITEST_TOKEN"] = token
    done = run_cli(
        "run", str(spec), "--base-url", api.url + under, "--report-dir", str(tmp_path / "r"),
        "--json", str(report), *options, env=cli_env(credentials=False, **secrets),
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    shown = done.stdout + done.stderr + report.read_text()
    assert not [name for name, secret in secrets.items() if secret in shown]
    result: dict[str, Any] = json.loads(report.read_text())
    return done.returncode, result


def assert_lints_clean(*specs: Path) -> None:
    """`apitest lint --strict` finds nothing in the specs (files or folders) a hunt wrote from
    the API's docs, loaded together."""
    done = run_cli("lint", "--strict", *map(str, specs))
    assert done.returncode == 0 and "no problems" in done.stdout, done.stdout + done.stderr


def ledger_of(tmp_path: Path) -> list[dict[str, Any]]:
    """The cleanup ledger of the run `run_spec` or `run_with_token` made in `tmp_path`: a line
    per record made, moved or deleted."""
    lines = (tmp_path / "r" / "ledger.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def edited_spec(spec: Path, folder: Path, edit: Callable[[Any], None]) -> Path:
    """A copy of `spec` in `folder` (made here if it is not there yet: several copies may
    share one), its XML tree changed by `edit` first."""
    tree = etree.parse(spec)
    edit(tree)
    folder.mkdir(exist_ok=True)
    tree.write(folder / spec.name)
    return folder / spec.name


def without_skips(spec: Path, folder: Path) -> Path:
    """A copy of `spec` in `folder` with no `auto-skip-cases`: every case the spec skips for
    the API's own reasons is made (a test then shows the API fails it for those reasons)."""

    def unskipped(tree: Any) -> None:
        for operation in tree.xpath("//operation[@auto-skip-cases]"):
            del operation.attrib["auto-skip-cases"]

    return edited_spec(spec, folder, unskipped)


def without_attribute(spec: Path, folder: Path, element: str, attribute: str) -> Path:
    """A copy of `spec` in `folder` whose one element at the XPath `element` lacks
    `attribute` (a spec as a user who left out a `unique-for` or a `validation-delay` has it)."""

    def edit(tree: Any) -> None:
        (found,) = tree.xpath(element)
        del found.attrib[attribute]

    return edited_spec(spec, folder, edit)


def list_only_spec(spec: Path, read_by_key: str, folder: Path) -> Path:
    """A copy of `spec` in `folder` without its operation `read_by_key`, so that the list
    read verifies every write (how the paging hunts put a list's pages to the test)."""

    def edit(tree: Any) -> None:
        (by_key,) = tree.xpath(f"//operation[@name='{read_by_key}']")
        by_key.getparent().remove(by_key)

    return edited_spec(spec, folder, edit)


def fill(
    url: str,
    field: str,
    count: int,
    status: int,
    *,
    form: bool = False,
    headers: dict[str, str] | None = None,
) -> None:
    """`count` records posted to `url` before a run, `{field: "before N"}` each (as a form with
    `form`), each answered `status`: what the run makes then stands past a list's first page."""
    with loopback_client() as http:
        for number in range(count):
            body = {field: f"before {number}"}
            made = http.post(url, headers=headers, **({"data": body} if form else {"json": body}))
            assert made.status_code == status, made.text


def datasette_server(
    folder: Path, statements: Iterable[str], permissions: str, ready_path: str
) -> AbstractContextManager[Started]:
    """Datasette (not yet started) over a new SQLite file in `folder` made by `statements`,
    with `permissions` as its datasette.yaml, on a free port of 127.0.0.1."""
    folder.mkdir()
    with sqlite3.connect(folder / "data.db") as db:
        for statement in statements:
            db.execute(statement)
    (folder / "datasette.yaml").write_text(permissions, encoding="utf-8")
    port = free_port()
    command = [str(datasette_bin()), "serve", "data.db", "-c", "datasette.yaml",
               "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    return serving(command, f"http://127.0.0.1:{port}", ready_path, folder / "server.log")


DATASETTE_PERMISSIONS = "permissions:\n  insert-row: true\n  update-row: true\n  delete-row: true\n"
"""Datasette's configuration that lets anyone write: what its write API needs to be tested."""


def plant(api: Started, *defects: str) -> None:
    """Plant `defects` by name in a hunt's server (none: the API as it comes), through the
    `PUT /hunt/defects` its serve script answers with 204: one server serves a whole module."""
    with loopback_client() as http:
        answer = http.put(f"{api.url}/hunt/defects", json=list(defects))
    assert answer.status_code == 204, answer.text


def emptied(api: Started, paths: Iterable[str], headers: Mapping[str, str] | None = None) -> None:
    """A hunt's shared server after a test: no defect planted, and each record at `paths`
    (read past apitest, relative to its root) deleted, so a test that kept one leaves
    nothing to the next."""
    plant(api)
    with loopback_client() as http:
        for path in paths:
            http.delete(api.url + path, headers=headers)


def case_named(result: dict[str, Any], name: str) -> dict[str, Any]:
    """The case `OPERATION / CASE` of a run's report.json."""
    found: dict[str, Any] = next(
        c for c in result["cases"] if f"{c['operation']} / {c['case']}" == name
    )
    return found


def must_refuse(case: dict[str, Any]) -> bool:
    """A case of a run's report.json the API must refuse: a negative one, but not one the API
    must take (a null its spec allows, case_kinds.TAKEN)."""
    kind = case["negative_kind"]
    return kind is not None and kind not in TAKEN


def failures(result: dict[str, Any]) -> dict[str, str]:
    """Each case of a run's report.json that did not pass, by id, with its message: what a
    failed assertion shows."""
    return {c["id"]: c["message"] for c in result["cases"] if c["status"] != "passed"}


def listed(
    api: Started,
    path: str,
    under: str | None = None,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The records the API lists at `path` (in its answer's member `under`, where it wraps
    them), read past apitest: what a hunt asserts a run left behind."""
    with loopback_client() as http:
        answer = http.get(api.url + path, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    found: list[dict[str, Any]] = body[under] if under is not None else body
    return found


def the_case(result: dict[str, Any], name: str) -> dict[str, Any]:
    """The one case `OPERATION / CASE` of a run's report.json (there must be exactly one)."""
    (found,) = [c for c in result["cases"] if f"{c['operation']} / {c['case']}" == name]
    return found


def assert_passed_clean(
    status: int, result: dict[str, Any], left: list[dict[str, Any]], verifies: Sequence[str]
) -> None:
    """A correct API's run: exit 0, its read-backs `verifies` in that order, nothing the
    end-of-run sweep had to delete, and nothing of the run's left on the server."""
    assert status == 0, failures(result)
    done = [c["case"] for c in result["cases"] if c["kind"] == "operation validation"]
    assert done == list(verifies)
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert left == []


def assert_caught_alone(
    status: int,
    result: dict[str, Any],
    said: Mapping[str, str],
    left: Sequence[Any] | None = None,
    kept: int = 0,
) -> None:
    """A run against an API with defects planted: it failed, each case `said` names (as
    `OPERATION / CASE`) failed saying its words, and no other case failed: a defect caught by
    the wrong case, or one that fails a correct part too, is no catch. Given the records
    `left` on the server, they are the `kept` ones the sweep reported NOT deleted."""
    assert status == 1, failures(result)
    for name, words in said.items():
        operation, case = name.split(" / ")
        assert_caught([c for c in result["cases"] if c["operation"] == operation], case, words)
    caught = {f"{c['operation']} / {c['case']}" for c in result["cases"] if c["status"] != "passed"}
    assert caught == set(said), failures(result)
    if left is not None:
        assert len(left) == result["cleanup_counts"]["not_deleted"] == kept, result["cleanup"]


Planted = tuple[str, dict[str, str], int]
"""A defect a validating app's hunt plants: its name, what each case it must fail says (as
`assert_caught_alone` takes them), and how many records it leaves on the server."""
