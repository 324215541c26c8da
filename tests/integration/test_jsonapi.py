"""Against a JSON:API 1.0 server (Flask-Restless-NG 3.3.0 from PyPI, tests/integration/_jsonapi.py)
with specs a user writes from ZEST's reference (tests/data/thirdparty/jsonapi/): the vendor
media type as every content's encode, string ids, the `data` envelope, an article that names
its author's id, PATCH, DELETE answering 204, and the JSON:API error body as the operations'
error condition.

A correct server passes with every case really tested (each write confirmed by its callback
read, nothing skipped); each planted defect turns the run red with a message naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support import loopback_client, run_cli
from ._jsonapi import MEDIA_TYPE, SPECS, jsonapi_server
from ._thirdparty import Started, case_named


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """Start the app (with a planted defect, if asked) over fresh tables."""
    contexts: list[Any] = []

    def start(defect: str = "") -> Started:
        context = jsonapi_server(tmp_path / f"app{len(contexts)}", defect)
        contexts.append(context)
        return context.__enter__()

    yield start
    for context in reversed(contexts):
        context.__exit__(None, None, None)


def _run(server: Started, folder: Path, *options: str) -> tuple[int, dict[str, Any]]:
    report = folder / "report.json"
    done = run_cli(
        "run", str(SPECS / "people.xml"), str(SPECS / "articles.xml"),
        "--base-url", server.url + "/api", "--seed", "5", "--report-dir", str(folder),
        "--json", str(report), "-q", *options,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return done.returncode, result


def _statuses(result: dict[str, Any]) -> dict[str, str]:
    return {f"{c['operation']} / {c['case']}": c["status"] for c in result["cases"]}


def _header(call: dict[str, Any], name: str) -> str | None:
    headers = call["request_headers"]
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _rows(server: Started, collection: str) -> list[Any]:
    """The collection's records as the server holds them (its own Accept rule: the vendor type)."""
    with loopback_client() as http:
        answer = http.get(f"{server.url}/api/{collection}", headers={"Accept": MEDIA_TYPE})
    rows: list[Any] = answer.json()["data"]
    return rows


def test_a_correct_jsonapi_server_passes_with_every_case_really_tested(
    tmp_path: Path, serve: Any
) -> None:
    server = serve()
    code, result = _run(server, tmp_path / "run", "--cases", "positive")
    statuses = _statuses(result)
    assert code == 0, {k: v for k, v in statuses.items() if v != "passed"}
    assert set(statuses.values()) == {"passed"}, statuses  # nothing skipped
    for resource, noun in (("people", "person"), ("articles", "article")):
        for write in ("create", "update", "delete"):
            verify = case_named(result, f"get {noun} / verify {write} {noun}")
            assert not any("not compared" in note for note in verify["notes"]), verify
        for write in ("create", "update"):
            call = case_named(result, f"{write} {noun} / positive")["calls"][0]
            assert _header(call, "Content-Type") == MEDIA_TYPE, call["request_headers"]
            sent = json.loads(call["request_body"])
            assert sent["data"]["type"] == resource
        listed = case_named(result, f"list {resource} / positive")["calls"][0]
        assert MEDIA_TYPE in (_header(listed, "Accept") or ""), listed["request_headers"]
    created = case_named(result, "create article / positive")["calls"][0]
    article = json.loads(created["request_body"])
    author = article["data"]["relationships"]["author"]["data"]
    assert author["type"] == "people" and isinstance(author["id"], str)
    assert _rows(server, "articles") == _rows(server, "people") == []  # the run removed its own
