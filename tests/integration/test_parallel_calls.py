"""The Parallel Calls case of an `auto-sync` operation fires its call twice at once, and holds
the resource alone while it does: the pair overlaps itself, which is the point, but no other
operation's call, which `auto-sync` is declared against. It went past the resource's lock, so
another chain's delete could land between the two (Jupyter's listing then answered 404).

The API here answers every call after 150 ms and records when each began and ended, so that
a call of another operation meeting the pair would show as an overlap."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._zest_app import run_spec

SLOW_S = 0.15
ITEM = """<content><encode type="application/json"/><structure-ref name="item"/></content>"""
ID_ARGUMENT = """<argument name="id" location="variable" required="true"><content>
        <encode type="text/plain"/>
        <structure><property type="integer" path="items:$.id"/></structure>
      </content></argument>"""
SPEC = f"""<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="items" product="Demo" pre-loaded="false" file-version="1">
  <components>
    <structure ref-name="item">
      <property name="id" type="integer" include-for="Request[],Response[read]"/>
      <property name="name" type="string" length="1,20" required-for="Request[create]"/>
    </structure>
  </components>
  <info title="Items" version="1.0"/>
  <resource-config primary-type="simple" primary-structure="item">
    <path-config><primary path="$.id"/></path-config>
  </resource-config>
  <server name="local" url="http://127.0.0.1:1/api/v1"/>
  <url path="/items">
    <operation method="post" name="create item" category="create">
      <request-body>{ITEM}</request-body>
      <response status="201">{ITEM}</response>
      <response status="400"/>
    </operation>
  </url>
  <url path="/items/{{id}}">
    <operation method="get" name="read item" category="read" auto-sync="true">
      {ID_ARGUMENT}
      <response status="200">{ITEM}</response>
      <response status="404"/>
    </operation>
    <operation method="delete" name="delete item" category="delete">
      {ID_ARGUMENT}
      <response status="204"/>
      <response status="404"/>
    </operation>
  </url>
</resource>
"""


def _slow_items() -> Starlette:
    """Items in memory; each call answered after SLOW_S, its (method, start, end) recorded."""
    items: dict[int, dict[str, object]] = {}
    spans: list[tuple[str, float, float]] = []

    async def create(request: Request) -> Response:
        began = time.monotonic()
        body = await request.json()
        await asyncio.sleep(SLOW_S)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= 20:
            answer: Response = JSONResponse({"error": "name"}, status_code=400)
        else:
            item = {"id": len(items) + 1, "name": name}
            items[len(items) + 1] = item
            answer = JSONResponse(item, status_code=201)
        spans.append(("POST", began, time.monotonic()))
        return answer

    async def one(request: Request) -> Response:
        began = time.monotonic()
        await asyncio.sleep(SLOW_S)
        key = int(request.path_params["id"])
        if request.method == "DELETE":
            answer: Response = Response(status_code=204 if items.pop(key, None) else 404)
        elif key in items:
            answer = JSONResponse(items[key])
        else:
            answer = JSONResponse({"error": "not found"}, status_code=404)
        spans.append((request.method, began, time.monotonic()))
        return answer

    app = Starlette(
        routes=[
            Route("/api/v1/items", create, methods=["POST"]),
            Route("/api/v1/items/{id:int}", one, methods=["GET", "DELETE"]),
        ]
    )
    app.state.calls = []
    app.state.spans = spans
    return app


def test_the_parallel_pair_of_an_auto_sync_read_meets_no_other_call(tmp_path: Path) -> None:
    app = _slow_items()
    done, report = run_spec(app, SPEC, tmp_path, "--cases", "all", "--seed", "1")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    (pair,) = [c for c in report["cases"] if c["case"] == "Parallel Calls"]
    assert pair["status"] == "passed", pair["message"]
    spans: list[tuple[str, float, float]] = app.state.spans
    reads = sorted((start, end) for method, start, end in spans if method == "GET")
    # the pair: the two reads that began together (all other reads come one at a time)
    first, second = next((a, b) for a, b in itertools.pairwise(reads) if b[0] < a[1])
    began, ended = min(first[0], second[0]), max(first[1], second[1])
    met = [
        (method, round(start - began, 3))
        for method, start, end in spans
        if (start, end) not in (first, second) and start < ended and end > began
    ]
    assert met == [], f"calls in flight beside the Parallel Calls pair: {met}"
