"""Every output of a run, scanned for every secret the run knew or the service handed out.

Two runs of the CLI in a subprocess, each with every output switched on (`-v`, `--jsonl`,
`--json`, `--report-dir`): an OAuth2 run against a service with a defect (failures print the
most: bodies, headers, curl commands), and a `type="token"` run with a static token. The
secrets are taken from the service's side, not from the runner's: every access and refresh
token the authority issued during the run is recorded as it is issued (an expired access token
leaves `authority._access`, so reading that dict at the end could miss one).

The scan reads each file as text and looks for each secret verbatim and in the text with all
whitespace removed (a console wraps long lines; a token split over two lines is still a leak).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from apitest.demo import DemoServer
from apitest.demo.credentials import DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN
from apitest.engine.http.capture import capture
from apitest.engine.http.client import Exchange, Request
from apitest.redact import Redactor
from apitest.results import MAX_BODY_CHARS, RunResult

from ..support import SPECS, cli_env, loopback_client, run_cli
from ._api import client_token
from .conftest import MakeServer

PLACEHOLDER = "${APITEST_ACCESS_TOKEN}"
COLUMNS = "100"
"""A narrow console, so long lines wrap: the scan must find a token split over two lines."""
STATIC_AUTH = (
    '<authentication type="token" name="Authorization" location="header" prefix="Zoho-oauthtoken"/>'
)
STATIC_PARAM_AUTH = '<authentication type="token" name="authtoken" location="param"/>'
_OAUTH2_AUTH = re.compile(r'<authentication\s+type="oauth2"[^>]*?schema="travel_oauth"[^>]*?/>')
_OAUTH2_SCHEMA = re.compile(r"\s*<authentication-schema>.*?</authentication-schema>", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")


def every_output(
    done: subprocess.CompletedProcess[str], root: Path, *places: Path
) -> dict[str, str]:
    """stdout, stderr and every file under each of `places` (a folder or a file), as text,
    by path relative to `root`."""
    found = {"stdout": done.stdout, "stderr": done.stderr}
    for place in places:
        files = [place] if place.is_file() else sorted(p for p in place.rglob("*") if p.is_file())
        for path in files:
            where = str(path.relative_to(root))
            found[where] = path.read_text(encoding="utf-8", errors="replace")
    return found


def leaks(outputs: dict[str, str], secrets: Iterable[str]) -> list[str]:
    """`where: first 8 chars of the secret` for each secret found in an output."""
    wanted = sorted({secret for secret in secrets if secret})
    found = []
    for where, text in outputs.items():
        squeezed = _WHITESPACE.sub("", text)
        found += [f"{where}: {s[:8]}..." for s in wanted if s in text or s in squeezed]
    return found


def record_issued(server: DemoServer, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every access and refresh token the server issues from now on, as it issues them (the
    server runs in this process, in a thread, so its authority can be watched directly)."""
    authority = server.state.authority
    issued: set[str] = set()
    issue: Callable[..., dict[str, Any]] = authority._issue

    def watched(*args: Any, **kwargs: Any) -> dict[str, Any]:
        answer = issue(*args, **kwargs)
        issued.update(str(answer[k]) for k in ("access_token", "refresh_token") if k in answer)
        return answer

    monkeypatch.setattr(authority, "_issue", watched)
    return issued


def known_to(server: DemoServer) -> set[str]:
    """What the authority holds at the end: live access and refresh tokens, retired ones."""
    authority = server.state.authority
    return {*authority._access, *authority._refresh, *authority._retired}


def test_the_scan_finds_a_secret_wherever_it_is_and_however_it_is_wrapped() -> None:
    secret = "1000." + "ab" * 16 + "." + "cd" * 16
    wrapped = {"console": "Authorization: Zoho-oauthtoken " + secret[:20] + "\n  " + secret[20:]}
    assert leaks(wrapped, [secret]) == ["console: 1000.aba..."]
    assert leaks({"report.html": "Zoho-oauthtoken " + PLACEHOLDER}, [secret]) == []


def test_an_oauth2_run_writes_no_secret_anywhere(
    make_server: MakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_server(bugs=["lost-update"])  # failures: the most verbose outputs
    issued = record_issued(server, monkeypatch)
    report, stream, result = tmp_path / "report", tmp_path / "events.jsonl", tmp_path / "r.json"
    store = tmp_path / "store" / "tokens.json"  # outside the scanned places: it holds tokens
    done = run_cli(
        "run", "specs/trips.xml", "--base-url", server.base_url, "-v", "--seed", "7",
        "--report-dir", str(report), "--jsonl", str(stream), "--json", str(result),
        "--token-store-path", str(store),
        env=cli_env(COLUMNS=COLUMNS, APITEST_REFRESH_TOKEN=DEMO_REFRESH_TOKEN),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr  # the lost update is caught
    outputs = every_output(done, tmp_path, report, stream, result)
    names = {Path(where).name for where in outputs}
    assert {"report.html", "junit.xml", "ledger.jsonl", "events.jsonl", "r.json"} <= names

    secrets = {DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN, *issued, *known_to(server)}
    # the run refreshed with the demo token (retiring it) and used the access token it got
    assert DEMO_REFRESH_TOKEN in server.state.authority._retired
    assert len(issued) >= 2 and issued <= secrets
    assert leaks(outputs, secrets) == []
    # the scan is not blind: the token store holds the rotated refresh token by design
    assert leaks({"store": store.read_text(encoding="utf-8")}, secrets) != []

    # replay scripts still reproduce the calls: the token and the client credentials are
    # shell variables, not masked away (and the scan above read them in r.json and the HTML)
    html = outputs["report/report.html"]
    assert f"Zoho-oauthtoken {PLACEHOLDER}" in html
    cases = json.loads(outputs["r.json"])["cases"]
    failed = next(c for c in cases if c["status"] == "failed" and c["calls"])
    script = failed["repro"]
    assert f"-H 'Authorization: Zoho-oauthtoken '\"{PLACEHOLDER}\"" in script
    assert '"client_secret":"${APITEST_CLIENT_SECRET}"' in script


def static_token_specs(folder: Path, authentication: str) -> Path:
    """specs/trips.xml and destinations.xml with every OAuth2 authentication replaced by
    `authentication` (and the `<authentication-schema>` dropped, so no OAuth2 flow can run)."""
    folder.mkdir(parents=True)
    for name in ("trips.xml", "destinations.xml"):
        text = (SPECS / name).read_text(encoding="utf-8")
        text, replaced = _OAUTH2_AUTH.subn(authentication, text)
        text = _OAUTH2_SCHEMA.sub("", text)
        assert replaced >= 1 and "oauth2" not in text, name
        (folder / name).write_text(text, encoding="utf-8")
    return folder / "trips.xml"


@pytest.mark.parametrize(
    ("authentication", "exit_status", "shown"),
    [
        (STATIC_AUTH, 0, f"Zoho-oauthtoken {PLACEHOLDER}"),
        # in the query string: the service reads only the Authorization header, so every call
        # is refused (401) and the run fails, printing every call it made
        (STATIC_PARAM_AUTH, 1, f"authtoken={PLACEHOLDER}"),
    ],
    ids=["header", "query-param"],
)
def test_a_static_token_run_writes_the_token_nowhere(
    make_server: MakeServer, tmp_path: Path, authentication: str, exit_status: int, shown: str
) -> None:
    server = make_server()
    spec = static_token_specs(tmp_path / "specs", authentication)
    lint = run_cli("lint", str(spec.parent), env=cli_env(credentials=False))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    with loopback_client() as http:
        token = client_token(http, server)
    report, stream, result = tmp_path / "report", tmp_path / "events.jsonl", tmp_path / "r.json"
    done = run_cli(
        "run", str(spec), "--base-url", server.base_url, "-v", "--cases", "positive",
        "--report-dir", str(report), "--jsonl", str(stream), "--json", str(result),
        env=cli_env(credentials=False, COLUMNS=COLUMNS, APITEST_TOKEN=token),
    )  # fmt: skip
    assert done.returncode == exit_status, done.stdout[-3000:] + done.stderr
    # the run used the given token and nothing else: no call reached the token endpoint
    assert sum(server.state.authority.counts.values()) == 1
    run = RunResult.from_dict(json.loads(result.read_text(encoding="utf-8")))
    assert sum(1 for case in run.cases if case.calls) >= 5
    outputs = every_output(done, tmp_path, report, stream, result)
    assert {"report.html", "junit.xml", "events.jsonl", "r.json"} <= {
        Path(where).name for where in outputs
    }
    assert leaks(outputs, [token]) == []
    assert shown in outputs["report/report.html"]


def test_a_secret_cut_by_the_body_clip_is_still_masked() -> None:
    """A body may hold a secret the run knows (an API echoing the request, a client secret sent
    in a form): where the report's clip falls inside it, no part of it may remain."""
    token = "1000." + "ab" * 16 + "." + "cd" * 16
    redactor = Redactor([token])
    answer = "x" * (MAX_BODY_CHARS - 40) + token + "y" * 100
    exchange = Exchange(Request("get", "http://127.0.0.1/x"), status=200, raw_text=answer)
    record = capture(exchange, redactor)
    assert record.clipped and record.response_body is not None
    assert token[:40] not in record.response_body
    sent = Exchange(Request("post", "http://127.0.0.1/x", body=answer), status=200)
    request_body = capture(sent, redactor).request_body
    assert request_body is not None and token[:40] not in request_body
