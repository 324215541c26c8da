"""A small API for the conformance corpus of ZEST's argument cases (tests/data/zspec/): GET
/api/v1/things, which validates what those specs declare, and defect modes that each let one
rule slip. Served under uvicorn on 127.0.0.1 like the reference service (DemoServer's
machinery, with this app in place of the demo's).

Rules of the correct API: `ids` is 1..3 ids joined by "|" (each 1-6 digits, no leading 0);
`ids` and `name` are never sent together; `from` and `to` (dates) come together or not at
all; `name` is 1..20 characters; with `require_ids`, a call without `ids` is refused; `sort`
is name or size, `order` asc or desc and only after sort=name; `per_page` is 1..50 and `page`
a number, only with `per_page`.
Defects: "accepts-too-many" (more than 3 ids pass), "accepts-non-concurrent" (ids with name
pass), "accepts-lonely" (from without to passes), "crash" (every call answers 500).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Collection
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apitest.demo import DemoConfig, DemoServer

from ..support import run_cli

DEFECTS = frozenset({"accepts-too-many", "accepts-non-concurrent", "accepts-lonely", "crash"})
_ID = re.compile(r"[1-9][0-9]{0,5}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def make_app(*, require_ids: bool = False, defects: Collection[str] = ()) -> Starlette:
    unknown = set(defects) - DEFECTS
    assert not unknown, f"unknown defects {unknown}"
    calls: list[dict[str, str]] = []

    async def things(request: Request) -> JSONResponse:
        params = dict(request.query_params)
        calls.append(params)
        if "crash" in defects:
            return JSONResponse({"code": "INTERNAL_ERROR"}, status_code=500)
        problem = _problem(params, require_ids, defects)
        if problem:
            return JSONResponse({"code": problem}, status_code=400)
        ids = params["ids"].split("|") if "ids" in params else ["1"]
        return JSONResponse({"things": [{"id": each} for each in ids]})

    app = Starlette(routes=[Route("/api/v1/things", things)])
    app.state.calls = calls
    return app


def _problem(params: dict[str, str], require_ids: bool, defects: Collection[str]) -> str:
    """The error code the correct API answers with, or "" to accept the call."""
    if "ids" in params:
        ids = params["ids"].split("|") if params["ids"] else []
        if not all(_ID.fullmatch(each) for each in ids):
            return "INVALID_ID"
        if not ids or (len(ids) > 3 and "accepts-too-many" not in defects):
            return "ID_COUNT"
        if "name" in params and "accepts-non-concurrent" not in defects:
            return "IDS_WITH_NAME"
    elif require_ids:
        return "IDS_REQUIRED"
    if "name" in params and not 1 <= len(params["name"]) <= 20:
        return "INVALID_NAME"
    if listing := _listing_problem(params):
        return listing
    window = [params[key] for key in ("from", "to") if key in params]
    if not all(_DATE.fullmatch(day) for day in window):
        return "INVALID_DATE"
    if len(window) == 1 and "accepts-lonely" not in defects:
        return "FROM_WITHOUT_TO"
    return ""


def _listing_problem(params: dict[str, str]) -> str:
    """The rules of sorting and paging (argument-condition.xml): "" where the call keeps them."""
    if params.get("sort", "name") not in ("name", "size"):
        return "INVALID_SORT"
    if "order" in params and params["order"] not in ("asc", "desc"):
        return "INVALID_ORDER"
    if "order" in params and params.get("sort") != "name":
        return "ORDER_WITHOUT_SORT_BY_NAME"
    per_page = params.get("per_page", "1")
    if not (per_page.isdigit() and 1 <= int(per_page) <= 50):
        return "INVALID_PER_PAGE"
    if "page" in params and not params["page"].isdigit():
        return "INVALID_PAGE"
    if "page" in params and "per_page" not in params:
        return "PAGE_WITHOUT_PER_PAGE"
    return ""


class AppServer(DemoServer):
    """DemoServer's socket and uvicorn thread, serving `app` (base URL .../api/v1)."""

    def __init__(self, app: Starlette) -> None:
        super().__init__(DemoConfig(lag_ms=0))
        self.app = app

    @property
    def calls(self) -> list[dict[str, str]]:
        """The query parameters of every call, in order."""
        found: list[dict[str, str]] = self.app.state.calls
        return found


def run_spec(
    app: Starlette, spec: Path | str, tmp_path: Path, *options: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """`apitest run SPEC OPTIONS` against `app` served on 127.0.0.1 (quiet, its reports under
    tmp_path): the finished process and its report.json. `spec` is a file, or a spec's text
    (written to tmp_path/spec.xml). The app's state outlives the server, for a test to see
    what the run left."""
    if isinstance(spec, str):
        written = tmp_path / "spec.xml"
        written.write_text(spec, encoding="utf-8")
        spec = written
    report = tmp_path / "run-report.json"
    with AppServer(app) as server:
        done = run_cli(
            "run", str(spec), "--base-url", server.base_url, "-q", *options,
            "--report-dir", str(tmp_path / "report"), "--json", str(report),
        )  # fmt: skip
    result: dict[str, Any] = json.loads(report.read_text()) if report.exists() else {}
    return done, result
