"""Whole CLI runs keeping their tokens in MariaDB (`--token-store mysql://...`): four processes
racing for one rotating refresh token through the database lock, and no password or token in
any output of a run, nor of a run whose password is wrong."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN

from ..mariadb import MariaDB
from ..support import REPO, SPECS, cli_env, run_cli
from .conftest import MakeServer
from .test_auth_run import assert_one_refresh_per_expiry, race_four_runs, slow_specs

pytest_plugins = ["pytester"]


def test_four_processes_share_the_database_store_and_one_refresh_per_expiry(
    make_server: MakeServer, mariadb: MariaDB, tmp_path: Path
) -> None:
    """The Done-when of issue 20's database store: with the reference service rotating refresh
    tokens every 2 s, four concurrent runs sharing the database store, released together by a
    barrier, finish with no invalid_grant and one refresh per expiry (the service counts)."""
    ttl = 2.0
    server = make_server(token_ttl_s=ttl)
    spec = slow_specs(tmp_path / "specs", 1200)
    url = mariadb.url("oauthtoken", mariadb.new_database("race"))
    runs = race_four_runs(
        server, tmp_path, "barrier_stores:MySQLBarrierStore", spec,
        BARRIER_STORE_URL=url, **mariadb.env,
    )  # fmt: skip
    assert_one_refresh_per_expiry(server, runs, ttl)


def secrets_of(server_authority: object, mariadb: MariaDB) -> set[str]:
    """Every secret a run could leak: the database password, the client secret, and every
    access and refresh token the service ever issued (live and retired)."""
    found = {mariadb.password, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN}
    for name in ("_access", "_refresh", "_retired"):
        found |= set(getattr(server_authority, name))
    return found


def test_no_password_or_token_in_any_output_of_a_run_using_the_database_store(
    make_server: MakeServer, mariadb: MariaDB, tmp_path: Path
) -> None:
    server = make_server(token_ttl_s=2.0)
    database = mariadb.new_database("quiet")
    report = tmp_path / "report"
    done = run_cli(
        *[
            "run", str(SPECS / "trips.xml"), "--base-url", server.base_url, "--cases", "all",
            "--token-store", mariadb.url("oauthtoken", database), "--report-dir", str(report),
            "--json", str(tmp_path / "r.json"), "--junit", str(tmp_path / "junit.xml"), "-v",
        ],
        env=cli_env(APITEST_REFRESH_TOKEN=DEMO_REFRESH_TOKEN, **mariadb.env),
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr
    authority = server.state.authority
    assert authority.counts["refresh_token"] >= 1
    with contextlib.closing(mariadb.connect(database)) as db, db.cursor() as cursor:
        cursor.execute("SELECT refresh_token, client_secret FROM oauthtoken")
        [(rotated, client_secret)] = cursor.fetchall()
    assert rotated in authority._refresh  # the run kept the rotated token in the database
    assert client_secret is None
    files = [path for path in [*report.rglob("*"), *tmp_path.glob("*.*")] if path.is_file()]
    assert {path.suffix for path in files} >= {".json", ".html", ".xml"}
    texts = [done.stdout, done.stderr, *(path.read_text(errors="replace") for path in files)]
    leaked = [secret[:8] for secret in secrets_of(authority, mariadb) for t in texts if secret in t]
    assert leaked == []


def test_a_wrong_database_password_is_one_message_without_it(
    make_server: MakeServer, mariadb: MariaDB, tmp_path: Path
) -> None:
    server = make_server()
    wrong = "wrong-db-password-4711"
    done = run_cli(
        "run", str(SPECS / "trips.xml"), "--base-url", server.base_url,
        "--token-store", mariadb.url("oauthtoken"), "--report-dir", str(tmp_path / "report"),
        env=cli_env(APITEST_DB_PASSWORD=wrong),
    )  # fmt: skip
    assert done.returncode == 2
    output = done.stdout + done.stderr
    assert "--token-store mysql://apitest@127.0.0.1:" in output
    assert "refused user 'apitest' (access denied)" in output
    assert wrong not in output and mariadb.password not in output


def test_a_password_in_the_url_is_refused_before_anything_runs(tmp_path: Path) -> None:
    done = run_cli(
        "run", str(SPECS / "trips.xml"), "--base-url", "http://127.0.0.1:9",
        "--token-store", "mysql://app:hunter2-secret@127.0.0.1/tokens",
    )  # fmt: skip
    assert done.returncode == 2
    output = done.stdout + done.stderr
    assert "a password in the URL is refused" in output and "hunter2-secret" not in output


def test_pytest_xdist_workers_share_the_database_store(
    pytester: pytest.Pytester,
    make_server: MakeServer,
    mariadb: MariaDB,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--apitest-token-store mysql://...`: the second worker finds the token the first one
    got, so the rotating refresh token is spent once and no worker warns of a fallback."""
    server = make_server()
    shutil.copytree(SPECS, pytester.path / "specs")
    environ = {
        "APITEST_CLIENT_ID": DEMO_CLIENT_ID,
        "APITEST_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "APITEST_REFRESH_TOKEN": DEMO_REFRESH_TOKEN,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        **mariadb.env,
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    database = mariadb.new_database("xdist")
    result = pytester.runpytest_subprocess(
        "-n", "2", "-p", "no:cacheprovider", f"--apitest-base-url={server.base_url}",
        "--apitest-cases=positive", "-k", "GET and positive",
        f"--apitest-token-store={mariadb.url('oauthtoken', database)}",
    )  # fmt: skip
    result.assert_outcomes(passed=4)
    text = result.stdout.str() + result.stderr.str()
    assert "ApitestAuthWarning" not in text
    authority = server.state.authority
    assert authority.counts["refresh_token"] == 1
    assert authority.counts["refresh_token:invalid_grant"] == 0
    assert mariadb.password not in text and DEMO_REFRESH_TOKEN not in text
    with contextlib.closing(mariadb.connect(database)) as db, db.cursor() as cursor:
        cursor.execute("SELECT refresh_token FROM oauthtoken")
        [(rotated,)] = cursor.fetchall()
    assert rotated in authority._refresh  # the workers' token lives in the database
