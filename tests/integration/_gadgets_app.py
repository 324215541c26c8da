"""A small gadgets API for the conformance corpus files of tests/data/zspec/ that need a record
lifecycle, headers and timing (test_zspec_corpus_more.py), served like _zest_app's API.

Rules of the correct API: GET /gadgets needs the header `X-Tenant` (3-10 lower-case letters) and
takes an optional `sort` param (name|size); it answers the header `X-Total` (the count). POST
/gadgets takes {"gadgets": [{"name": 1-20 chars, "size": 1..10}]} and answers 201 with the new
records; GET/PUT/DELETE /gadgets/{gadget_id} address one (404 when unknown or not digits; PUT
takes the POST's body with one gadget and answers the updated record).
Defects: "no-tenant-check" (any X-Tenant, or none, passes), "no-total" (no X-Total header),
"lost-size" (records are stored without their size), "stale-put" (PUT answers the update but
keeps the old record). POST /echo/{kind} answers 201 with the body
it was sent, changed by `app.state.mutate[kind]` when the test sets one (a defect on demand).
POST /oauth/v2/token issues the token "gadget-token" to any caller (the API checks no token:
the tests read where the runner put it from the recorded calls).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ._calls import Call

DEFECTS = frozenset({"no-tenant-check", "no-total", "lost-size", "stale-put"})
_TENANT = re.compile(r"[a-z]{3,10}")


def _valid(item: Any) -> bool:
    if not isinstance(item, dict) or set(item) - {"name", "size"}:
        return False
    name, size = item.get("name"), item.get("size")
    good_name = isinstance(name, str) and 1 <= len(name) <= 20
    return good_name and type(size) is int and 1 <= size <= 10


def make_app(defects: Collection[str] = ()) -> Starlette:
    unknown = set(defects) - DEFECTS
    assert not unknown, f"unknown defects {unknown}"
    calls: list[Call] = []
    store: dict[str, dict[str, Any]] = {}

    def note(request: Request) -> None:
        calls.append(Call.arriving(request.scope))

    async def listing(request: Request) -> JSONResponse:
        note(request)
        tenant = request.headers.get("x-tenant")
        if "no-tenant-check" not in defects and not (tenant and _TENANT.fullmatch(tenant)):
            return JSONResponse({"status": "error", "code": "TENANT"}, status_code=400)
        if request.query_params.get("sort", "name") not in ("name", "size"):
            return JSONResponse({"status": "error", "code": "SORT"}, status_code=400)
        headers = {} if "no-total" in defects else {"X-Total": str(len(store))}
        return JSONResponse({"gadgets": list(store.values())}, headers=headers)

    async def create(request: Request) -> JSONResponse:
        note(request)
        body = await request.json()
        items = body.get("gadgets") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items or not all(map(_valid, items)):
            return JSONResponse({"status": "error", "code": "INVALID"}, status_code=400)
        made: list[dict[str, Any]] = []
        for item in items:
            key = str(len(calls) * 100 + len(made) + 1)
            record = {"gadget_id": key, "name": item["name"], "size": item["size"]}
            if "lost-size" in defects:
                record["size"] = 0
            store[key] = record
            made.append(record)
        return JSONResponse({"gadgets": made}, status_code=201)

    async def one(request: Request) -> JSONResponse:
        note(request)
        key = request.path_params["gadget_id"]
        if key not in store:
            return JSONResponse({"status": "error", "code": "NOT_FOUND"}, status_code=404)
        if request.method == "DELETE":
            del store[key]
            return JSONResponse({"status": "success"})
        if request.method == "PUT":
            body = await request.json()
            items = body.get("gadgets") if isinstance(body, dict) else None
            if not isinstance(items, list) or len(items) != 1 or not _valid(items[0]):
                return JSONResponse({"status": "error", "code": "INVALID"}, status_code=400)
            size = 0 if "lost-size" in defects else items[0]["size"]
            updated = {"gadget_id": key, "name": items[0]["name"], "size": size}
            if "stale-put" not in defects:
                store[key] = updated
            return JSONResponse({"gadgets": [updated]})
        return JSONResponse({"gadgets": [store[key]]})

    async def echo(request: Request) -> JSONResponse:
        note(request)
        body = await request.json()
        mutate = app.state.mutate.get(request.path_params["kind"])
        return JSONResponse(body if mutate is None else mutate(body), status_code=201)

    async def token(request: Request) -> JSONResponse:
        note(request)
        return JSONResponse({"access_token": "gadget-token", "expires_in": "3600"})

    routes = [
        Route("/oauth/v2/token", token, methods=["POST"]),
        Route("/api/v1/echo/{kind}", echo, methods=["POST"]),
        Route("/api/v1/gadgets", listing, methods=["GET"]),
        Route("/api/v1/gadgets", create, methods=["POST"]),
        Route("/api/v1/gadgets/{gadget_id}", one, methods=["GET", "PUT", "DELETE"]),
    ]
    app = Starlette(routes=routes)
    app.state.calls = calls
    app.state.mutate = {}
    return app
