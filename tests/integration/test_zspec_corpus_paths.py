"""The official data-path forms of tests/data/zspec/data-path-*.xml, run by the CLI against a
small service on 127.0.0.1 whose answers the tests choose: an error condition written with
`REQUEST:`/`RESPONSE:` sections or a `{condition}` filter must hold exactly when the answer
says so (a 200 that carries an error fails its positive case), and lint must find nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apitest.demo import DemoServer

from ..support import DATA, run_cli

CORPUS = DATA / "zspec"
MODE: dict[str, str] = {}
"""What the service answers next, per route (the server thread reads it)."""


async def _items(request: Request) -> JSONResponse:
    mode = MODE.get("items", "ok")
    body = {"status": "error" if mode in ("error", "body-only") else "success"}
    headers = {"X-Error-Code": "E42"} if mode in ("error", "header-only") else {}
    return JSONResponse(body, headers=headers)


async def _jobs(request: Request) -> JSONResponse:
    second = "failed" if MODE.get("jobs") == "failed" else "done"
    jobs = [{"job_id": "j1", "state": "done"}, {"job_id": "j2", "state": second}]
    return JSONResponse({"jobs": jobs})


APP = Starlette(routes=[Route("/api/v1/items", _items), Route("/api/v1/jobs", _jobs)])


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = DemoServer()
    server.app = APP  # the demo's server machinery (loopback, free port), serving this app
    with server:
        yield server.root_url + "/api/v1"


def _run(spec: Path, base_url: str, tmp_path: Path) -> dict[str, Any]:
    """Run the spec's positive cases; the one case of its one operation, from the JSON report."""
    out = tmp_path / "result.json"
    done = run_cli(
        "run", str(spec), "--base-url", base_url, "--cases", "positive", "--json", str(out),
        "--report-dir", str(tmp_path / "reports"), "-q",
    )  # fmt: skip
    assert out.exists(), done.stderr
    cases = json.loads(out.read_text(encoding="utf-8"))["cases"]
    assert len(cases) == 1, cases
    case: dict[str, Any] = cases[0]
    assert done.returncode == (0 if case["status"] == "passed" else 1), done.stdout
    return case


@pytest.mark.parametrize(
    ("mode", "status"),
    [
        ("error", "failed"),  # body says error, header names it, call was to /items
        ("ok", "passed"),
        ("body-only", "passed"),  # `RESPONSE:$.headers.x-error-code` is really read
        ("header-only", "passed"),  # and so is `RESPONSE:$.body.status`
    ],
)
def test_request_and_response_sections_decide_the_error_verdict(
    mode: str, status: str, base_url: str, tmp_path: Path
) -> None:
    MODE["items"] = mode
    case = _run(CORPUS / "data-path-request-response.xml", base_url, tmp_path)
    assert case["status"] == status
    assert case["http_status"] == 200
    assert case["error_response"] is (status == "failed")
    if status == "failed":
        assert "the error condition `RESPONSE:$.body.status == 'error'" in case["message"]


@pytest.mark.parametrize(("mode", "status"), [("failed", "failed"), ("done", "passed")])
def test_a_filter_decides_the_error_verdict(
    mode: str, status: str, base_url: str, tmp_path: Path
) -> None:
    MODE["jobs"] = mode
    case = _run(CORPUS / "data-path-filter.xml", base_url, tmp_path)
    assert case["status"] == status
    assert case["error_response"] is (status == "failed")


def test_the_corpus_files_lint_clean() -> None:
    done = run_cli(
        "lint", str(CORPUS / "data-path-filter.xml"), str(CORPUS / "data-path-request-response.xml")
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 files, 2 resources, 2 operations: no problems" in done.stdout


def _variant(tmp_path: Path, condition: str) -> Path:
    """data-path-request-response.xml with another error condition."""
    text = (CORPUS / "data-path-request-response.xml").read_text(encoding="utf-8")
    start = text.index('<error condition="') + len('<error condition="')
    end = text.index('"/>', start)
    spec = tmp_path / "items.xml"
    spec.write_text(text[:start] + condition + text[end:], encoding="utf-8")
    return spec


def test_own_header_form_still_runs_and_lint_names_the_official_one(
    base_url: str, tmp_path: Path
) -> None:
    spec = _variant(tmp_path, "$.status == 'error' &amp;&amp; HEADER:X-Error-Code == 'E42'")
    done = run_cli("lint", str(spec))
    assert done.returncode == 0, done.stdout  # a warning, not an error
    assert "'HEADER:X-Error-Code' in 'condition' is apitest's own form" in done.stdout
    assert "RESPONSE:$.headers.X-Error-Code" in done.stdout
    assert "items.xml:13" in done.stdout
    MODE["items"] = "error"
    assert _run(spec, base_url, tmp_path)["status"] == "failed"


def test_a_malformed_filter_is_a_load_error_with_file_and_line(tmp_path: Path) -> None:
    spec = _variant(tmp_path, "RESPONSE:$.body.jobs{$.state = 'failed'}")
    done = run_cli("lint", str(spec))
    assert done.returncode == 2, done.stdout
    assert "items.xml:13" in done.stdout
    assert "compare with '=='" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
