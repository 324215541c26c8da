"""Cleanup reads a record back before it says "NOT deleted" (issue 18, item 8): an API whose
DELETE does its work and then answers 500 (as json-server does once its data holds a null
foreign key) must not be reported as leaving records behind that are gone."""

from __future__ import annotations

import json
import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ._zest_app import run_spec

# What the create and the read both answer: the items, in a wrapper.
ITEMS = """<content><encode type="application/json"/>
        <structure><property name="items" type="collections"><structure>
          <property name="id" type="integer"/><property name="name" type="string"/>
        </structure></property></structure>
      </content>"""
SPEC = f"""<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="items" product="Demo" pre-loaded="false" file-version="1">
  <info title="Items" version="1.0"/>
  <resource-config>
    <path-config data-extraction-path="$.items"><primary path="$.id"/></path-config>
  </resource-config>
  <server name="local" url="http://127.0.0.1:1/api/v1"/>
  <url path="/items">
    <operation method="post" name="POST items" category="create" auto-test-dependency="true">
      <request-body><content><encode type="application/json"/>
        <structure><property name="name" type="string" required-for="Request[create]"
                             example-value="one"/></structure>
      </content></request-body>
      <response status="201">{ITEMS}</response>
    </operation>
    <operation method="get" name="GET items" category="read" auto-callback-get="true">
      <response status="200">{ITEMS}</response>
    </operation>
  </url>
  <url path="/items/{{id}}">
    <operation method="delete" name="DELETE item" category="delete" auto-test-dependency="true">
      <argument name="id" location="variable" required="true"><content>
        <encode type="text/plain"/>
        <structure><property type="integer" path="items:$.id"/></structure>
      </content></argument>
      <response status="200"/>
    </operation>
  </url>
</resource>
"""


def _app(*, deletes: bool, status: int = 500) -> Starlette:
    """Items in memory; every DELETE answers `status`, after deleting when `deletes`."""
    items: dict[int, dict[str, object]] = {}

    async def create(request: Request) -> JSONResponse:
        body = await request.json()
        item = {"id": len(items) + 1, "name": str(body.get("name", ""))}
        items[int(item["id"])] = item  # type: ignore[call-overload]
        return JSONResponse({"items": [item]}, status_code=201)

    async def listing(_: Request) -> JSONResponse:
        return JSONResponse({"items": list(items.values())})

    async def delete(request: Request) -> JSONResponse:
        if deletes:
            items.pop(int(request.path_params["id"]), None)
        return JSONResponse({"error": "internal"}, status_code=status)

    app = Starlette(
        routes=[
            Route("/api/v1/items", create, methods=["POST"]),
            Route("/api/v1/items", listing, methods=["GET"]),
            Route("/api/v1/items/{id:int}", delete, methods=["DELETE"]),
        ]
    )
    app.state.calls = []
    return app


def _cleanup_lines(tmp_path: Path, *, deletes: bool) -> list[str]:
    done, report = run_spec(_app(deletes=deletes), SPEC, tmp_path, "--cases", "positive")
    assert done.returncode == 1, done.stdout + done.stderr  # the DELETE's 500 fails its case
    lines: list[str] = report["cleanup"]
    return lines


def test_a_delete_that_answers_500_after_deleting_is_reported_deleted(tmp_path: Path) -> None:
    lines = _cleanup_lines(tmp_path, deletes=True)
    assert lines and all(line.endswith(" deleted") for line in lines), lines


def test_a_delete_that_answers_500_and_keeps_the_record_is_reported_not_deleted(
    tmp_path: Path,
) -> None:
    lines = _cleanup_lines(tmp_path, deletes=False)
    assert lines and all("NOT deleted (DELETE item answered 500; " in line for line in lines)
    assert all("still there" in line for line in lines), lines


def test_a_cleanup_delete_answered_200_that_kept_the_record_fails_its_case(
    tmp_path: Path,
) -> None:
    """The negative chain's cleanup delete has no read-back step: the end-of-run read finds
    the item kept, fails the delete's case (it was reported passed on its 200), says so
    again in the JSONL stream, and the sweep reports the item NOT deleted."""
    stream = tmp_path / "events.jsonl"
    done, report = run_spec(
        _app(deletes=False, status=200), SPEC, tmp_path, "--cases", "negative",
        "--jsonl", str(stream),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    (cleanup,) = [case for case in report["cases"] if case["kind"] == "cleanup"]
    assert (cleanup["http_status"], cleanup["status"]) == (200, "failed")
    assert re.fullmatch(
        r"DELETE item answered 200, but the items record \(id=(\d+)\) was still there when "
        r"read back at the end of the run",
        cleanup["message"],
    ), cleanup["message"]
    events = [json.loads(line) for line in stream.read_text().splitlines()]
    finished = [e["case"]["status"] for e in events if e["event"] == "case_finished"
                and e["case"]["id"] == cleanup["id"]]  # fmt: skip
    revised = [e["case"] for e in events if e["event"] == "case_revised"]
    assert finished == ["passed"]
    assert [(case["id"], case["status"]) for case in revised] == [(cleanup["id"], "failed")]
    assert [e["event"] for e in events][-1] == "run_finished"
    kept = cleanup["message"].split("the ")[1].split(" was")[0]
    assert any(f"{kept} was still there" in line for line in report["cleanup"])
