"""Every output of a run, scanned for every secret it knew: OAuth2 and static-token runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx

from apitest.demo import DemoServer
from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN

from ._support import cli_env, run_cli
from .conftest import MakeServer

REPO = Path(__file__).resolve().parents[2]


def outputs(done: subprocess.CompletedProcess[str], *folders: Path) -> dict[str, str]:
    found = {"stdout": done.stdout, "stderr": done.stderr}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and "tokens" not in path.name:  # the token store holds them by design
                found[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return found


def leaks(texts: dict[str, str], secrets: set[str]) -> list[tuple[str, str]]:
    return [(where, s[:8]) for where, text in texts.items() for s in secrets if s and s in text]


def issued(server: DemoServer) -> set[str]:
    authority = server.state.authority
    return {*authority._access, *authority._refresh, *authority._retired}


def test_an_oauth2_run_leaks_nothing_into_any_report(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server(bugs=["lost-update"])
    report, stream = tmp_path / "report", tmp_path / "events.jsonl"
    done = subprocess.run(
        [
            sys.executable, "-m", "apitest.cli", "run", "specs/trips.xml", "-v",
            "--base-url", server.base_url, "--report-dir", str(report), "--jsonl", str(stream),
            "--token-store-path", str(tmp_path / "tokens.json"),
        ],
        env=cli_env(APITEST_REFRESH_TOKEN=DEMO_REFRESH_TOKEN),
        cwd=REPO, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr
    texts = outputs(done, report)
    texts[str(stream)] = stream.read_text(encoding="utf-8")
    assert {"report.html", "junit.xml", "report.json", "ledger.jsonl"} <= {
        Path(name).name for name in texts
    }
    secrets = {DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN, *issued(server)}
    assert len(secrets) >= 4
    assert leaks(texts, secrets) == []
    html = texts[str(report / "report.html")]
    assert "${APITEST_ACCESS_TOKEN}" in html  # curl commands stay reproducible


def test_a_static_token_run_leaks_nothing(make_server: MakeServer, tmp_path: Path) -> None:
    server = make_server()
    answer = httpx.post(
        f"{server.root_url}/oauth/v2/token",
        data={"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID,
              "client_secret": DEMO_CLIENT_SECRET},
    )  # fmt: skip
    token = answer.json()["access_token"]
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("trips.xml", "destinations.xml"):
        text = (REPO / "specs" / name).read_text(encoding="utf-8")
        text = re.sub(
            r'<authentication type="oauth2"[^>]*/>',
            '<authentication type="token" name="Authorization" location="header" '
            'prefix="Zoho-oauthtoken"/>',
            text,
        )
        (specs / name).write_text(text, encoding="utf-8")
    report = tmp_path / "report"
    done = run_cli(
        "run", str(specs / "trips.xml"), "-v", "--base-url", server.base_url,
        "--report-dir", str(report), "--cases", "positive",
        env=cli_env(credentials=False, APITEST_TOKEN=token),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert leaks(outputs(done, report), {token}) == []
