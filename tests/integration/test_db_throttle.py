"""Throttle windows shared across machines through a real MariaDB: processes that share the
database together stay under the threshold, a killed process's slot frees itself, and two CLI
runs against a service throttling 5 calls per 2 s get no 429 (where two runs that do not share
do get them)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from apitest.engine.http.throttle_db import DatabaseWindow, check_store, open_pool

from ..mariadb import MariaDB
from ..support import REPO, SPECS, cli_env, run_cli, started_cli, throttled_specs
from .conftest import MakeServer

pytest_plugins = ["pytester"]

TAKER = """
import asyncio, sys
from apitest.engine.http.throttle_db import DatabaseWindow, check_store, open_pool

async def main() -> None:
    pool = open_pool(check_store(sys.argv[1]))
    window = DatabaseWindow(pool, "k", 5, 0.5)
    for _ in range(6):
        slot, _ = await window.acquire()
        with pool.connection() as conn, conn.cursor() as cursor:  # the server's clock, twice:
            cursor.execute(  # when it gave the slot, and a moment before the call's answer
                f"SELECT deadline - {window.deadline_s}, UNIX_TIMESTAMP(NOW(6)) "
                f"FROM `{pool.table}` WHERE slot=%s", (slot,),
            )
            taken, answered = cursor.fetchone()
        await window.release(slot)
        print(taken, answered, flush=True)

asyncio.run(main())
"""

HOLDER = """
import asyncio, sys, time
from apitest.engine.http.throttle_db import DatabaseWindow, check_store, open_pool

async def main() -> None:
    window = DatabaseWindow(open_pool(check_store(sys.argv[1])), "dies", 1, 60, deadline_s=2)
    slot, _ = await window.acquire()
    print(slot, flush=True)
    time.sleep(600)  # killed while its call is in flight: never released

asyncio.run(main())
"""


@pytest.fixture
def db(mariadb: MariaDB) -> Shared:
    """The session's MariaDB, with a database of this test's own."""
    return Shared(mariadb, mariadb.new_database("throttle"))


class Shared:
    """One test's database on the server: its URLs, connections and rows."""

    def __init__(self, server: MariaDB, database: str) -> None:
        self.server, self.database = server, database
        self.env = server.env

    def url(self, table: str) -> str:
        return self.server.url(table=table, database=self.database)

    def connect(self) -> Any:
        return self.server.connect(self.database)

    def rows(self, table: str, sql: str) -> list[tuple[Any, ...]]:
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute(sql.format(table=f"`{table}`"))
            return list(cursor.fetchall())


def test_four_processes_never_exceed_the_threshold_in_any_window(db: Shared) -> None:
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", TAKER, db.url(table="throttle_four")],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=cli_env(**db.env),
        )
        for _ in range(4)
    ]
    lines = [line for run in runs for line in run.communicate(timeout=120)[0].splitlines()]
    assert len(lines) == 24 and all(run.returncode == 0 for run in runs)
    calls = sorted(tuple(map(float, line.split())) for line in lines)
    # by the server's clock: each call taken once a call of the five before it had been
    # answered a whole window earlier (its answer came after `answered`, so this is implied)
    for earlier, taken in zip(
        (calls[i : i + 5] for i in range(len(calls))), calls[5:], strict=False
    ):
        assert taken[0] >= min(answered for _, answered in earlier) + 0.5 - 1e-5


def test_a_killed_process_holds_its_slot_only_until_the_deadline(
    db: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = db.url(table="throttle_dies")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=cli_env(**db.env),
    )
    try:
        assert holder.stdout is not None
        held = holder.stdout.readline().strip()
        assert held, "the holder took no slot"
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(30)
    in_flight = db.rows("throttle_dies", "SELECT slot FROM {table} WHERE ended IS NULL")
    assert (held,) in in_flight  # its slot outlived it, unanswered

    for name, value in db.env.items():
        monkeypatch.setenv(name, value)

    async def take() -> str:
        window = DatabaseWindow(open_pool(check_store(url)), "dies", 1, 60, deadline_s=2)
        slot, _ = await asyncio.wait_for(window.acquire(), 60)  # a bound, not a measure
        await window.release(slot)
        return slot

    taken = asyncio.run(take())
    left = db.rows("throttle_dies", "SELECT slot FROM {table} WHERE slot<>''")
    assert left == [(taken,)]  # the dead one's slot expired and was swept


def test_a_connection_the_server_dropped_is_replaced(
    db: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in db.env.items():
        monkeypatch.setenv(name, value)
    pool = open_pool(check_store(db.url(table="throttle_kill")))
    window = DatabaseWindow(pool, "k", 5, 1)

    async def call() -> None:
        slot, _ = await asyncio.wait_for(window.acquire(), 60)
        await window.release(slot)

    asyncio.run(call())
    with pool.connection() as conn:
        victim = conn.thread_id()
    with db.connect() as admin, admin.cursor() as cursor:
        cursor.execute(f"KILL CONNECTION {int(victim)}")
    asyncio.run(call())  # the pooled connection is gone: a new one serves
    with pool.connection() as conn:
        assert conn.thread_id() != victim
    pool.close()


def _two_runs(
    server_url: str, specs: Path, tmp_path: Path, store: list[str], env: dict[str, str]
) -> list[dict[str, Any]]:
    """Two concurrent CLI runs of twelve PUTs each, every PUT case of both from their JSON.
    Twelve at 5 per 2 s keep each run's PUTs coming for over 4 s, so the two overlap however
    late one of them starts on a busy machine (the control needs them to)."""

    def args(n: int) -> list[str]:
        return [
            "run", str(specs / "trips.xml"), "--base-url", server_url, "--cases", "positive",
            "--repeat", "12", "-q", "--report-dir", str(tmp_path / f"r{n}"),
            "--json", str(tmp_path / f"r{n}.json"), *store,
        ]  # fmt: skip

    with ExitStack() as running:
        runs = [
            running.enter_context(
                started_cli(*args(n), env=cli_env(XDG_CACHE_HOME=str(tmp_path / f"c{n}"), **env))
            )
            for n in range(2)
        ]
        for run in runs:
            out, err = run.communicate(timeout=180)
            assert "Traceback" not in out + err, out[-2000:] + err
    return [
        case
        for n in range(2)
        for case in json.loads((tmp_path / f"r{n}.json").read_text())["cases"]
        if case["name"] == "PUT trips / positive"
    ]


def _refused(puts: list[dict[str, Any]]) -> int:
    """Calls the service refused: a 429 is waited out (Retry-After) and the call sent again,
    so each shows as an attempt beyond the first (and as the status of a call kept)."""
    retried = sum(case["attempts"] - 1 for case in puts)
    return retried + sum(call["status"] == 429 for case in puts for call in case["calls"])


def test_two_runs_sharing_a_database_throttle_get_no_429(
    make_server: MakeServer, db: Shared, tmp_path: Path
) -> None:
    server = make_server(throttle_threshold=5, throttle_window_ms=2000, throttle_lock_ms=2000)
    specs = throttled_specs(tmp_path, 5, 2000, 2000)
    store = ["--throttle-store", db.url(table="throttle_runs")]
    puts = _two_runs(server.base_url, specs, tmp_path / "shared", store, db.env)
    assert len(puts) == 24
    assert _refused(puts) == 0
    assert all(case["http_status"] == 200 for case in puts)
    assert any(case["throttle_ms"] > 0 for case in puts)  # the window made them wait

    # the control: the same two runs, each with its own file folder, trip the service's limit
    control = make_server(throttle_threshold=5, throttle_window_ms=2000, throttle_lock_ms=2000)
    puts = _two_runs(control.base_url, specs, tmp_path / "apart", [], {})
    assert _refused(puts) > 0


def test_a_wrong_password_is_one_usage_error_that_never_shows_it(
    db: Shared, tmp_path: Path
) -> None:
    secret = "not-the-Password-42"
    done = run_cli(
        "run", str(SPECS / "trips.xml"), "--base-url", "http://127.0.0.1:9/api/v1",
        "--throttle-store", db.url(table="t"), "--report-dir", str(tmp_path),
        env=cli_env(**{**db.env, "APITEST_DB_PASSWORD": secret}),
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert secret not in done.stdout + done.stderr
    assert "--throttle-store" in done.stderr or "APITEST_DB_PASSWORD" in done.stderr


@pytest.mark.parametrize(
    "store",
    ["redis://u:hunter2@127.0.0.1/0", "mysql://u@127.0.0.1:{free}/db", "mysql:///nohost"],
)
def test_a_store_that_cannot_serve_is_one_usage_error(store: str, tmp_path: Path) -> None:
    from ..support import free_port

    done = run_cli(
        "run", str(SPECS / "trips.xml"), "--base-url", "http://127.0.0.1:9/api/v1",
        "--throttle-store", store.format(free=free_port()), "--report-dir", str(tmp_path),
        env=cli_env(APITEST_DB_PASSWORD="hunter2"),
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "hunter2" not in done.stdout + done.stderr
    assert done.stderr.count("\n") <= 3, done.stderr  # one message, not a cascade


def test_a_run_that_shares_no_database_never_loads_the_driver(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    done = run_cli(
        "run", str(SPECS / "trips.xml"), "--base-url", server.base_url, "--cases", "positive",
        "-q", "--report-dir", str(tmp_path), python=["-X", "importtime"],
        env=cli_env(XDG_CACHE_HOME=str(tmp_path / "cache")),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "throttle_shared" in done.stderr  # PUT trips is throttled: its window was made
    assert "pymysql" not in done.stderr and "throttle_db" not in done.stderr


def test_the_pytest_plugin_keeps_its_windows_in_the_database(
    pytester: pytest.Pytester, make_server: MakeServer, db: Shared
) -> None:
    shutil.copytree(SPECS, pytester.path / "specs")
    server = make_server()
    url = db.url(table="throttle_pytest")
    env = cli_env(**db.env)
    with pytest.MonkeyPatch.context() as patch:
        for name in ("PYTHONPATH", *db.env, "APITEST_CLIENT_ID", "APITEST_CLIENT_SECRET"):
            patch.setenv(name, env[name])
        result = pytester.runpytest_subprocess(
            "-n", "2", "-p", "no:cacheprovider", f"--apitest-base-url={server.base_url}",
            "--apitest-cases=positive", f"--apitest-throttle-store={url}", "-k", "PUT",
        )  # fmt: skip
    result.assert_outcomes(passed=2)
    answered = db.rows("throttle_pytest", "SELECT slot FROM {table} WHERE ended > 0")
    assert answered  # the PUT's slot, taken and answered in the database
    assert db.env["APITEST_DB_PASSWORD"] not in result.stdout.str()


def test_a_bad_pytest_throttle_store_is_said_once_without_its_password(
    pytester: pytest.Pytester,
) -> None:
    shutil.copytree(SPECS, pytester.path / "specs")
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--apitest-throttle-store=redis://u:pw9@x"
    )
    assert result.ret != 0
    text = result.stdout.str() + result.stderr.str()
    assert text.count("--apitest-throttle-store (or [run] throttle_store) 'redis://u:***@x'") == 1
    assert text.count("is not a throttle store") == 1 and "pw9" not in text
