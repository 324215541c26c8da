"""Serve the items API on 127.0.0.1: `python serve.py PORT`.

A FastAPI 0.165 app, code-first as its docs set one up: Pydantic v2 models (in their default,
lax mode) and the parameters' own constraints say what a request must keep, and FastAPI refuses
a request that breaks them with its default 422 `{"detail": [{"type", "loc", "msg", "input",
"ctx"}]}` before a handler runs. The models forbid unknown members (`extra="forbid"`). A
`pattern` is Pydantic v2's Rust regex, which SEARCHES the value (a pattern matching anywhere
in it is kept), so each is anchored ^...$ here. The items are kept in memory (a dict), served
by uvicorn until it is stopped:

- POST /items (its header X-Request-Id required: 8..36 of a-z, 0-9 and -) answers 201 with
  the item, its `id` the server's, and its path in `Location`;
- GET /items answers `{"items": [...], "total": N}`, oldest first, `limit` of them (20 unless
  asked, 1..100) from `offset`, of those every filter asked keeps (`category`, `q` in the name,
  `active`);
- GET /items/{item_id} the item; PUT replaces it (what it does not send is gone), PATCH changes
  what it sends; each answers the item as stored; DELETE answers 204; an unknown id 404
  `{"detail": "..."}`, one that is no integer 422.

A member left out stays out of the item (no `null` stands for it); only `price` takes null.
A PATCH's members are optional but not nullable: each has the default None with a type that
refuses None, and Pydantic validates no default, so only an explicit null is refused.

FASTAPI_DEFECTS (comma-separated) plants defects:
- "lax-quantity": `quantity` loses its `le` (any count from 0 is taken);
- "lax-sku": `sku` loses its `pattern` (any text of its length is taken);
- "lax-limit": the list's `limit` loses its `le` (a page of any size is asked for);
- "lost-update": a PUT or PATCH is answered 200 with the item as it would be, and nothing is
  stored;
- "kept-delete": a DELETE is answered 204 and the item stays;
- "dropped-field": a create stores no `supplier` (answered 201 with it all the same);
- "wrong-status": a create is answered 200, not 201.
Whatever is planted, a request the models (as planted) refuse is refused.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import Annotated, Any, Literal

import uvicorn
from fastapi import FastAPI, Header, HTTPException, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

port = int(sys.argv[1])
defects = set(filter(None, os.environ.get("FASTAPI_DEFECTS", "").split(",")))
KNOWN = {"lax-quantity", "lax-sku", "lax-limit", "lost-update", "kept-delete"}
KNOWN |= {"dropped-field", "wrong-status"}
if defects - KNOWN:  # a misspelt defect would plant nothing, and the hunt pass unseen
    sys.exit(f"unknown defects: {', '.join(sorted(defects - KNOWN))}")

Name = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Sku = Annotated[
    str,
    StringConstraints(pattern=None if "lax-sku" in defects else r"^[A-Z]{3}-[0-9]{4}$"),
]
Quantity = Annotated[int, Field(ge=0, le=None if "lax-quantity" in defects else 10000)]
Price = Annotated[float, Field(ge=0, le=100000)]
Category = Literal["tools", "toys", "books", "food"]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=20)]
Tags = Annotated[list[Tag], Field(min_length=1, max_length=5)]


class Supplier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = None  # type: ignore[assignment]


class Item(BaseModel):
    """A create's or a PUT's body: what it leaves out stays out of the item."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    sku: Sku
    quantity: Quantity
    price: Price | None = None
    category: Category = None  # type: ignore[assignment]
    active: bool = None  # type: ignore[assignment]
    released_at: datetime = None  # type: ignore[assignment]
    supplier: Supplier = None  # type: ignore[assignment]
    tags: Tags = None  # type: ignore[assignment]


class ItemPatch(BaseModel):
    """A PATCH's body: every member optional, none but `price` nullable."""

    model_config = ConfigDict(extra="forbid")

    name: Name = None  # type: ignore[assignment]
    sku: Sku = None  # type: ignore[assignment]
    quantity: Quantity = None  # type: ignore[assignment]
    price: Price | None = None
    category: Category = None  # type: ignore[assignment]
    active: bool = None  # type: ignore[assignment]
    released_at: datetime = None  # type: ignore[assignment]
    supplier: Supplier = None  # type: ignore[assignment]
    tags: Tags = None  # type: ignore[assignment]


RequestId = Annotated[
    str, Header(alias="X-Request-Id", min_length=8, max_length=36, pattern=r"^[a-z0-9-]+$")
]
ItemId = Annotated[int, Path(ge=1)]

items: dict[int, dict[str, Any]] = {}
made = 0
app = FastAPI(title="Items", docs_url=None, redoc_url=None, openapi_url=None)


def stored(body: BaseModel) -> dict[str, Any]:
    """The members a body sent, as JSON (a datetime in ISO 8601)."""
    return body.model_dump(mode="json", exclude_unset=True)


def found(item_id: int) -> dict[str, Any]:
    if item_id not in items:
        raise HTTPException(404, f"no item has the id {item_id}")
    return items[item_id]


@app.post("/items", status_code=201)
async def create_item(body: Item, x_request_id: RequestId) -> JSONResponse:
    global made
    made += 1
    item = {"id": made, **stored(body)}
    items[made] = dict(item)
    if "dropped-field" in defects:
        items[made].pop("supplier", None)
    status = 200 if "wrong-status" in defects else 201
    return JSONResponse(item, status, headers={"Location": f"/items/{made}"})


@app.get("/items")
async def list_items(
    limit: Annotated[int, Query(ge=1, le=None if "lax-limit" in defects else 100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    category: Category | None = None,
    q: Annotated[str | None, Query(min_length=2, max_length=40)] = None,
    active: bool | None = None,
) -> dict[str, Any]:
    chosen = [
        item
        for item in items.values()
        if (category is None or item.get("category") == category)
        and (q is None or q.lower() in item["name"].lower())
        and (active is None or item.get("active") == active)
    ]
    return {"items": chosen[offset : offset + limit], "total": len(chosen)}


@app.get("/items/{item_id}")
async def get_item(item_id: ItemId) -> dict[str, Any]:
    return found(item_id)


@app.put("/items/{item_id}")
async def replace_item(item_id: ItemId, body: Item) -> dict[str, Any]:
    found(item_id)
    item = {"id": item_id, **stored(body)}
    if "lost-update" not in defects:
        items[item_id] = item
    return item


@app.patch("/items/{item_id}")
async def patch_item(item_id: ItemId, body: ItemPatch) -> dict[str, Any]:
    item = {**found(item_id), **stored(body)}
    if "lost-update" not in defects:
        items[item_id] = item
    return item


@app.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: ItemId) -> Response:
    found(item_id)
    if "kept-delete" not in defects:
        del items[item_id]
    return Response(status_code=204)


uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
