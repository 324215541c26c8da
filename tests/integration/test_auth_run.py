"""OAuth2 over whole runs: short-lived tokens, rotating refresh tokens shared by processes,
read-only profiles, missing scopes, and no secret in any output."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree

from apitest.auth.stores import FileStore
from apitest.demo import DemoServer
from apitest.demo.credentials import DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN

from ..support import DATA, SPECS, cli_env, loopback_client, run_cli, started_cli
from ._api import token_request
from .conftest import MakeServer

SPEND = {"grant_type": "refresh_token", "refresh_token": DEMO_REFRESH_TOKEN}


def slow_specs(folder: Path, delay_ms: int) -> Path:
    """The reference specs with `delay` on every operation, so a run lasts long enough for
    short-lived tokens to expire many times."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("trips.xml", "destinations.xml"):
        text = (SPECS / name).read_text(encoding="utf-8")
        text = text.replace("<operation method=", f'<operation delay="{delay_ms}" method=')
        (folder / name).write_text(text, encoding="utf-8")
    return folder / "trips.xml"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_two_second_tokens_over_a_long_run_refresh_ahead_and_rotate(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server(token_ttl_s=2.0)
    spec = slow_specs(tmp_path / "specs", 1800)
    store = tmp_path / "tokens.json"
    started = time.monotonic()
    done = run_cli(
        *[
            "run", str(spec), "--base-url", server.base_url, "--cases", "positive", "--seed", "1",
            "--report-dir", str(tmp_path / "report"), "--json", str(tmp_path / "r.json"),
            "--token-store-path", str(store),
        ],
        env=cli_env(APITEST_REFRESH_TOKEN=DEMO_REFRESH_TOKEN),
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    result = load(tmp_path / "r.json")
    assert elapsed >= 15  # seven lifetimes of a token and more
    assert not [case for case in result["cases"] if case["http_status"] == 401]
    authority = server.state.authority
    assert authority.counts["refresh_token"] >= 5
    assert authority.counts["refresh_token:invalid_grant"] == 0
    saved = FileStore(store).get_tokens()
    assert len(saved) == 1
    rotated = saved[0].refresh_token
    assert rotated and rotated != DEMO_REFRESH_TOKEN
    assert rotated in authority._refresh  # the newest one, still valid on the server
    assert result["token_refreshes"] == authority.counts["refresh_token"]


HERE = Path(__file__).resolve().parent


def race_four_runs(
    server: DemoServer, tmp_path: Path, store_class: str, spec: Path, **extra_env: str
) -> list[tuple[int, str, Path]]:
    """Four CLI runs sharing one token store of `barrier_stores` (a file store with or
    without its lock, or the database store) and the demo refresh token: all four reach their
    first refresh together (the store's barrier), so a missing lock shows every time. (exit
    status, stdout, report folder) per run."""
    store = tmp_path / "shared-tokens.json"
    env = cli_env(
        APITEST_REFRESH_TOKEN=DEMO_REFRESH_TOKEN, BARRIER_PARTIES="4", pythonpath=[HERE],
        **extra_env,
    )  # fmt: skip

    def args(n: int) -> list[str]:
        return [
            "run", str(spec), "--base-url", server.base_url, "--cases", "positive",
            "--report-dir", str(tmp_path / f"report{n}"), "--token-store", store_class,
            "--token-store-path", str(store), "-q",
        ]  # fmt: skip

    with ExitStack() as running:
        runs = [running.enter_context(started_cli(*args(n), env=env)) for n in range(4)]
        outputs = [run.communicate(timeout=180) for run in runs]
    arrived = list(Path(f"{store}.barrier").glob("arrived-*"))
    assert len(arrived) == 4, [err for _, err in outputs]  # all four met at the barrier
    return [
        (run.returncode, out + err, tmp_path / f"report{n}")
        for n, (run, (out, err)) in enumerate(zip(runs, outputs, strict=True))
    ]


def test_four_processes_share_one_store_and_one_refresh_per_expiry(
    make_server: MakeServer, tmp_path: Path
) -> None:
    ttl = 2.0
    server = make_server(token_ttl_s=ttl)
    spec = slow_specs(tmp_path / "specs", 1200)
    runs = race_four_runs(server, tmp_path, "barrier_stores:BarrierStore", spec)
    assert_one_refresh_per_expiry(server, runs, ttl)


def assert_one_refresh_per_expiry(
    server: DemoServer, runs: list[tuple[int, str, Path]], ttl: float
) -> None:
    """The four raced runs passed with no notice, the service refused no refresh token, and it
    counted one refresh per expiry of its `ttl`-second tokens (its own record, not the runs')."""
    for code, output, report in runs:
        assert code == 0, output[-2000:]
        assert load(report / "report.json")["auth_notices"] == []
        assert "warning:" not in output
    authority = server.state.authority
    # all four asked for their first token at once; the lock made one refresh serve them all
    assert authority.counts["refresh_token:invalid_grant"] == 0
    assert authority.counts["client_credentials"] == 0
    refreshes = [when for grant, when in authority.issued if grant == "refresh_token"]
    assert len(refreshes) >= 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(refreshes)]
    # one refresh per expiry: a token is renewed only in the last quarter of its life, and
    # never twice for one expiry (two processes refreshing at once would be ms apart)
    assert min(gaps) >= ttl * 0.75 - 0.15, gaps


def test_without_the_lock_the_same_race_burns_the_refresh_token_and_every_output_says_so(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """The proof that the test above tests the lock: the same four runs on a store without
    one spend the refresh token (refused: invalid_grant) and fall back to client credentials.
    The runs still pass; the fallback and the lock-less store are what their outputs must say
    (issue 18, item 2)."""
    server = make_server()
    runs = race_four_runs(
        server, tmp_path, "barrier_stores:LocklessBarrierStore", SPECS / "trips.xml"
    )
    authority = server.state.authority
    assert authority.counts["refresh_token"] >= 1
    assert authority.counts["refresh_token:invalid_grant"] >= 1  # the lock's absence shows
    fallbacks = []
    for code, output, report in runs:
        assert code == 0, output[-2000:]  # green: only the notices tell
        notices = load(report / "report.json")["auth_notices"]
        kinds = [notice["kind"] for notice in notices]
        assert "store-without-lock" in kinds
        said = "\nwarning: the token store barrier_stores:LocklessBarrierStore has no lock()"
        assert said in output  # said at the start, and again in the summary
        assert output.count(said) == 2, output[-3000:]
        if "fallback" in kinds:
            fallbacks.append((output, report, notices[kinds.index("fallback")]))
    assert len(fallbacks) == authority.counts["refresh_token:invalid_grant"]
    output, report, notice = fallbacks[0]
    assert notice["refused"] == ["APITEST_REFRESH_TOKEN: invalid_grant"]
    assert notice["used"] == "client credentials"
    assert "spent by another process" in notice["message"]
    assert "share one token store with a lock" in notice["message"]
    assert f"warning: {notice['message']}" in output
    junit = (report / "junit.xml").read_text(encoding="utf-8")
    assert 'name="auth_notice"' in junit and "warning: profile" in junit
    assert 'id="auth-notices"' in (report / "report.html").read_text(encoding="utf-8")
    secrets = {DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN, *authority._access, *authority._refresh}
    for _, output, report in runs:
        texts = [output, *(p.read_text(encoding="utf-8") for p in report.glob("*.*"))]
        assert not [s[:12] for s in secrets | authority._retired for t in texts if s in t]


READER_PROFILES = """
[auth]
default = "admin"

[auth.profiles.admin]
client_id_env = "APITEST_CLIENT_ID"
client_secret_env = "APITEST_CLIENT_SECRET"

[auth.profiles.reader]
client_id_env = "APITEST_CLIENT_ID"
client_secret_env = "APITEST_CLIENT_SECRET"
scopes = ["TravelAgency.trips.READ", "TravelAgency.destinations.READ"]
read_only = true
"""


def run_with_profiles(
    server: DemoServer, tmp_path: Path, profiles: Path, cases: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """`apitest run specs/trips.xml --auth PROFILES --cases CASES` against `server`: the finished
    process and the cases of its JSON result."""
    done = run_cli(
        "run", "specs/trips.xml", "--base-url", server.base_url, "--auth", str(profiles),
        "--cases", cases, "--report-dir", str(tmp_path / "report"),
        "--json", str(tmp_path / "r.json"), "--token-store-path", str(tmp_path / "t.json"),
    )  # fmt: skip
    assert (tmp_path / "r.json").is_file(), done.stdout[-3000:] + done.stderr
    return done, load(tmp_path / "r.json")["cases"]


def test_a_read_only_profile_is_refused_every_write(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    profiles = tmp_path / "auth.toml"
    profiles.write_text(READER_PROFILES, encoding="utf-8")
    done, cases = run_with_profiles(server, tmp_path, profiles, "negative")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    reader = [case for case in cases if case["case"] == "Read Only Profile reader"]
    assert sorted(case["operation"] for case in reader) == [
        "DELETE destinations", "DELETE trips", "POST destinations", "POST trips", "PUT trips",
    ]  # fmt: skip
    assert all(case["status"] == "passed" and case["http_status"] == 403 for case in reader)


def test_the_same_profile_run_as_a_writer_fails_the_read_only_cases(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    profiles = tmp_path / "auth.toml"
    profiles.write_text(
        READER_PROFILES.replace(
            'scopes = ["TravelAgency.trips.READ", "TravelAgency.destinations.READ"]\n', ""
        )
    )
    done, cases = run_with_profiles(server, tmp_path, profiles, "negative")
    assert done.returncode == 1
    post = next(c for c in cases if c["name"] == "POST trips / Read Only Profile reader")
    assert post["status"] == "failed"
    assert post["message"] == (
        "the API accepted a create by the read-only profile 'reader' (answered 201)"
    )


def test_an_operation_needing_a_scope_the_token_lacks_is_skipped_with_the_reason(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    profiles = tmp_path / "auth.toml"
    narrow = """
[auth.profiles.narrow]
client_id_env = "APITEST_CLIENT_ID"
client_secret_env = "APITEST_CLIENT_SECRET"
scopes = ["TravelAgency.trips.READ", "TravelAgency.trips.CREATE", "TravelAgency.destinations.READ",
          "TravelAgency.destinations.CREATE", "TravelAgency.destinations.DELETE",
          "TravelAgency.trips.UPDATE"]
"""
    profiles.write_text(narrow, encoding="utf-8")
    done, cases = run_with_profiles(server, tmp_path, profiles, "positive")
    delete = next(c for c in cases if c["name"] == "DELETE trips / positive")
    assert delete["status"] == "skipped"
    assert "not granted TravelAgency.trips.DELETE" in delete["message"]
    assert delete["http_status"] is None  # never sent
    # the trip it could not delete is left behind, and the run says so and fails
    result = load(tmp_path / "r.json")
    assert done.returncode == 1
    # refused, and read back (issue 18, item 8): the record is still there, so NOT deleted
    assert any(
        "NOT deleted (DELETE trips answered 403; " in line and "still" in line
        for line in result["cleanup"]
    ), result["cleanup"]


def test_no_secret_reaches_any_output(make_server: MakeServer, tmp_path: Path) -> None:
    server = make_server(bugs=["lost-update"])  # a failing run prints the most detail
    report = tmp_path / "report"
    done = run_cli(
        *[
            "run", "specs/trips.xml", "--base-url", server.base_url, "-v",
            "--report-dir", str(report), "--json", str(tmp_path / "r.json"),
            "--token-store-path", str(tmp_path / "tokens.json"),
        ],
        env=cli_env(APITEST_REFRESH_TOKEN=DEMO_REFRESH_TOKEN),
    )  # fmt: skip
    assert done.returncode == 1
    authority = server.state.authority
    secrets = {DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN, *authority._access, *authority._refresh}
    secrets |= authority._retired
    assert len(secrets) >= 3
    outputs = {
        "stdout": done.stdout,
        "stderr": done.stderr,
        "json": (tmp_path / "r.json").read_text(encoding="utf-8"),
        "ledger": (report / "ledger.jsonl").read_text(encoding="utf-8"),
    }
    leaks = [(where, s[:12]) for where, text in outputs.items() for s in secrets if s in text]
    assert leaks == []
    assert "Zoho-oauthtoken" not in done.stdout


def test_old_specs_migrated_by_fix_run_and_keep_a_profiles_scope_narrowing(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """The bundled specs as they were before issue 17, rewritten by `lint --fix`: they run, and
    the migrated token call still sends the profile's `scopes` (it declares `scope`), so an
    operation needing a scope left out is skipped, not sent with an all-scopes token."""
    server = make_server()
    folder = tmp_path / "specs"
    shutil.copytree(DATA / "migrate" / "bundled", folder)
    fixed = run_cli("lint", "--fix", str(folder), env=cli_env())
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "<oauth2 token-url=" not in (folder / "trips.xml").read_text(encoding="utf-8")
    common = ["--base-url", server.base_url, "--cases", "positive"]
    done = run_cli(
        *[
            "run", str(folder / "trips.xml"), *common, "--report-dir", str(tmp_path / "all"),
            "--token-store-path", str(tmp_path / "all.json"),
        ],
        env=cli_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    profiles = tmp_path / "auth.toml"
    profiles.write_text(
        '[auth.profiles.narrow]\nclient_id_env = "APITEST_CLIENT_ID"\n'
        'client_secret_env = "APITEST_CLIENT_SECRET"\n'
        'scopes = ["TravelAgency.trips.READ", "TravelAgency.trips.CREATE",'
        ' "TravelAgency.destinations.READ", "TravelAgency.destinations.CREATE",'
        ' "TravelAgency.destinations.DELETE", "TravelAgency.trips.UPDATE"]\n',
        encoding="utf-8",
    )
    run_cli(
        *[
            "run", str(folder / "trips.xml"), *common, "--auth", str(profiles),
            "--report-dir", str(tmp_path / "narrow"), "--json", str(tmp_path / "r.json"),
            "--token-store-path", str(tmp_path / "narrow.json"),
        ],
        env=cli_env(),
    )  # fmt: skip
    cases = load(tmp_path / "r.json")["cases"]
    delete = next(c for c in cases if c["name"] == "DELETE trips / positive")
    assert delete["status"] == "skipped"
    assert "not granted TravelAgency.trips.DELETE" in delete["message"]


def run_with_refresh_token(
    server: DemoServer, tmp_path: Path, report: Path
) -> subprocess.CompletedProcess[str]:
    """The positive cases of specs/trips.xml against `server`, given the demo refresh token as
    well as the client credentials, reports in `report`."""
    return run_cli(
        "run", "specs/trips.xml", "--base-url", server.base_url, "--cases", "positive",
        "--report-dir", str(report), "--token-store-path", str(tmp_path / "tokens.json"),
        env=cli_env(APITEST_REFRESH_TOKEN=DEMO_REFRESH_TOKEN),
    )  # fmt: skip


def test_a_burned_refresh_token_hidden_by_client_credentials_is_said_everywhere(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """A refresh token spent elsewhere, with client credentials also set: the run passes as
    the client, and that used to be all anyone saw (issue 18, item 2). The console summary,
    report.json, junit.xml and report.html now say what was refused and why."""
    server = make_server()
    with loopback_client() as http:
        assert token_request(http, server, **SPEND).status_code == 200  # spent elsewhere
    report = tmp_path / "report"
    done = run_with_refresh_token(server, tmp_path, report)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    [notice] = load(report / "report.json")["auth_notices"]
    assert notice["kind"] == "fallback" and notice["used"] == "client credentials"
    assert notice["refused"] == ["APITEST_REFRESH_TOKEN: invalid_grant"]
    warning = f"warning: {notice['message']}"
    summary = done.stdout[done.stdout.index("Results by resource") :]
    assert warning in summary.splitlines()  # one line, beside the totals
    assert "the refresh token was already used" in warning and "Fix: let every run" in warning
    junit = etree.parse(str(report / "junit.xml")).getroot()
    for suite in junit.iter("testsuite"):
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert props["auth_notice"] == notice["message"]
        assert suite.findtext("system-out") == warning
    page = lxml.html.parse(str(report / "report.html")).getroot()
    [banner] = page.xpath('//*[@id="auth-notices"]')
    assert banner.get("role") == "alert" and "hidden" not in banner.attrib
    assert notice["message"] in banner.text_content()
    secrets = {DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN, *server.state.authority._access}
    texts = [done.stdout, done.stderr, *(p.read_text(encoding="utf-8") for p in report.iterdir())]
    assert not [s[:12] for s in secrets for text in texts if s in text]


def test_a_run_whose_first_flow_works_has_no_notice(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    report = tmp_path / "report"
    done = run_with_refresh_token(server, tmp_path, report)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert load(report / "report.json")["auth_notices"] == []
    assert "warning:" not in done.stdout
    assert 'name="auth_notice"' not in (report / "junit.xml").read_text(encoding="utf-8")
    assert 'id="auth-notices"' not in (report / "report.html").read_text(encoding="utf-8")


def test_specs_needing_more_scopes_than_the_stored_token_run_all_their_cases(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """`apitest run specs/destinations.xml` then `apitest run specs/trips.xml` on one API: the
    first stores a token granted destinations scopes only; the second, taking it, skipped 72 of
    its 114 cases as 'not granted' and passed."""
    server = make_server()
    store = tmp_path / "tokens.json"

    def run(spec: str) -> dict[str, Any]:
        done = run_cli(
            "run", spec, "--base-url", server.base_url, "--seed", "3",
            "--report-dir", str(tmp_path / "report"), "--json", str(tmp_path / "r.json"),
            "--token-store-path", str(store),
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        return load(tmp_path / "r.json")

    first = run("specs/destinations.xml")
    assert set(FileStore(store).get_tokens()[0].scopes) == {
        "TravelAgency.destinations.READ", "TravelAgency.destinations.CREATE",
        "TravelAgency.destinations.DELETE",
    }  # fmt: skip
    second = run("specs/trips.xml")
    skipped = [case["name"] for case in second["cases"] if case["status"] == "skipped"]
    assert skipped == [] and second["counts"]["passed"] == len(second["cases"]) > len(
        first["cases"]
    )
    assert "TravelAgency.trips.CREATE" in FileStore(store).get_tokens()[0].scopes
