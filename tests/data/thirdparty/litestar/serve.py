"""Serve the gadgets API on 127.0.0.1: `python serve.py PORT`.

A Litestar 2.25 app, code-first as its docs set one up: msgspec Structs, their members'
`Annotated[..., Meta(...)]` constraints and the parameters' `Parameter(...)` constraints say
what a request must keep, and Litestar refuses a request that breaks them with its default 400
`{"status_code": 400, "detail": "Validation failed for METHOD PATH", "extra": [{"message",
"key", "source"}]}` before a handler runs (msgspec stops at a value's first error, so each
refusal holds one error for the body and one for each parameter that broke). Structs forbid
unknown members (`forbid_unknown_fields`). A msgspec `pattern` is SEARCHED in the value (a
pattern matching anywhere in it is kept), so each is anchored ^...$ here. Litestar converts a
request with msgspec's lax mode (`strict=False`): text that reads as a number is taken for
one. The gadgets are kept in memory (a dict), served by uvicorn until it is stopped:

- POST /gadgets (its header X-Request-Id required: 8..36 of a-z, 0-9 and -) answers 201 with
  the gadget, its `id` the server's, and its path in `Location`;
- GET /gadgets answers `{"items": [...], "total": N}`, oldest first, `limit` of them (20
  unless asked, 1..100) from `offset`, of those every filter asked keeps (`colour`, `q` in
  the name);
- GET /gadgets/{gadget_id} the gadget; PUT replaces it (what it does not send is gone), PATCH
  changes what it sends; each answers the gadget as stored; DELETE answers 204; an unknown id
  is 404 `{"status_code": 404, "detail": "..."}`, and so is one that is no integer (Litestar's
  router matches no route: `{"status_code": 404, "detail": "Not Found"}`).

A member left out stays out of the gadget (msgspec's UNSET: no `null` stands for it); only
`note` takes null.

LITESTAR_DEFECTS (comma-separated) plants defects:
- "lax-weight": `weight` loses its `le` (any weight from 1 is taken);
- "lax-code": `code` loses its `pattern` (any text is taken);
- "lax-tag-length": a tag loses its `max_length` (the list keeps its own length);
- "lax-limit": the list's `limit` loses its `le` (a page of any size is asked for);
- "lax-request-id": the header X-Request-Id loses its `pattern` (any text of its length);
- "null-name": the gadget's `name` takes null (`Name | None`; the maker's does not);
- "lost-update": a PUT or PATCH is answered 200 with the gadget as it would be, and nothing is
  stored;
- "kept-delete": a DELETE is answered 204 and the gadget stays;
- "dropped-field": a create stores no `maker` (answered 201 with it all the same);
- "wrong-status": a create is answered 200, not 201;
- "unanchored-code": `code`'s pattern loses its ^...$, so msgspec searches it ("xAB-123y" is
  taken), as a pattern copied from a spec's `regex` is;
- "note-not-nullable": `note` refuses null (`Note`, not `Note | None`);
- "null-note-kept": a PUT or PATCH that sends `note` null keeps the note the gadget had (a
  handler that skips what is null: the note can never be cleared);
- "text-released-at": `released_at` is any text (`str`, not `datetime`), as it is stored.
Whatever is planted, a request the Structs (as planted) refuse is refused.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
import uvicorn
from litestar import Litestar, Response, delete, get, patch, post, put
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from msgspec import UNSET, Meta, Struct, UnsetType

port = int(sys.argv[1])
defects = set(filter(None, os.environ.get("LITESTAR_DEFECTS", "").split(",")))
KNOWN = {"lax-weight", "lax-code", "lax-tag-length", "lax-limit", "lax-request-id", "null-name"}
KNOWN |= {"lost-update", "kept-delete", "dropped-field", "wrong-status"}
KNOWN |= {"unanchored-code", "note-not-nullable", "text-released-at", "null-note-kept"}
if defects - KNOWN:  # a misspelt defect would plant nothing, and the hunt pass unseen
    sys.exit(f"unknown defects: {', '.join(sorted(defects - KNOWN))}")

Name = Annotated[str, Meta(min_length=1, max_length=40)]
GadgetName = Name | None if "null-name" in defects else Name
CODE = r"[A-Z]{2}-[0-9]{3}" if "unanchored-code" in defects else r"^[A-Z]{2}-[0-9]{3}$"
Code = Annotated[str, Meta(pattern=None if "lax-code" in defects else CODE)]
Weight = Annotated[int, Meta(ge=1, le=None if "lax-weight" in defects else 5000)]
Price = Annotated[float, Meta(ge=0, le=10000)]
Colour = Literal["red", "green", "blue", "black"]
Note = Annotated[str, Meta(max_length=200)]
NullableNote = Note if "note-not-nullable" in defects else Note | None
Tag = Annotated[str, Meta(min_length=1, max_length=None if "lax-tag-length" in defects else 15)]
Tags = Annotated[list[Tag], Meta(min_length=1, max_length=4)]
Moment = str if "text-released-at" in defects else datetime
Country = Annotated[str, Meta(pattern=r"^[A-Z]{2}$")]


class Maker(Struct, forbid_unknown_fields=True):
    name: Name
    country: Country | UnsetType = UNSET


class Gadget(Struct, forbid_unknown_fields=True):
    """A create's or a PUT's body: what it leaves out stays out of the gadget."""

    name: GadgetName
    code: Code
    weight: Weight
    price: Price | UnsetType = UNSET
    colour: Colour | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    note: NullableNote | UnsetType = UNSET
    released_at: Moment | UnsetType = UNSET
    maker: Maker | UnsetType = UNSET
    tags: Tags | UnsetType = UNSET


class GadgetPatch(Struct, forbid_unknown_fields=True):
    """A PATCH's body: every member optional, none but `note` nullable."""

    name: GadgetName | UnsetType = UNSET
    code: Code | UnsetType = UNSET
    weight: Weight | UnsetType = UNSET
    price: Price | UnsetType = UNSET
    colour: Colour | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    note: NullableNote | UnsetType = UNSET
    released_at: Moment | UnsetType = UNSET
    maker: Maker | UnsetType = UNSET
    tags: Tags | UnsetType = UNSET


RequestId = Annotated[
    str,
    Parameter(
        header="X-Request-Id",
        min_length=8,
        max_length=36,
        pattern=None if "lax-request-id" in defects else r"^[a-z0-9-]+$",
    ),
]
GadgetId = Annotated[int, Parameter(ge=1)]
Limit = Annotated[int, Parameter(ge=1, le=None if "lax-limit" in defects else 100)]
Offset = Annotated[int, Parameter(ge=0)]
Query = Annotated[str | None, Parameter(min_length=2, max_length=40)]

gadgets: dict[int, dict[str, Any]] = {}
made = 0


def stored(body: Struct) -> dict[str, Any]:
    """The members a body sent, as JSON (UNSET left out, a datetime in RFC 3339)."""
    builtins: dict[str, Any] = msgspec.to_builtins(body)
    return builtins


def found(gadget_id: int) -> dict[str, Any]:
    if gadget_id not in gadgets:
        raise NotFoundException(f"no gadget has the id {gadget_id}")
    return gadgets[gadget_id]


@post("/gadgets")
async def create_gadget(data: Gadget, x_request_id: RequestId) -> Response[dict[str, Any]]:
    global made
    made += 1
    gadget = {"id": made, **stored(data)}
    gadgets[made] = dict(gadget)
    if "dropped-field" in defects:
        gadgets[made].pop("maker", None)
    status = 200 if "wrong-status" in defects else 201
    return Response(gadget, status_code=status, headers={"Location": f"/gadgets/{made}"})


@get("/gadgets")
async def list_gadgets(
    limit: Limit = 20, offset: Offset = 0, colour: Colour | None = None, q: Query = None
) -> dict[str, Any]:
    chosen = [
        gadget
        for gadget in gadgets.values()
        if (colour is None or gadget.get("colour") == colour)
        and (q is None or q.lower() in gadget["name"].lower())
    ]
    return {"items": chosen[offset : offset + limit], "total": len(chosen)}


@get("/gadgets/{gadget_id:int}")
async def get_gadget(gadget_id: GadgetId) -> dict[str, Any]:
    return found(gadget_id)


def kept_note(before: dict[str, Any], gadget: dict[str, Any]) -> dict[str, Any]:
    """The gadget as a write stores it: with "null-note-kept", a null note is skipped."""
    if "null-note-kept" in defects and gadget.get("note", "") is None and "note" in before:
        return {**gadget, "note": before["note"]}
    return gadget


@put("/gadgets/{gadget_id:int}")
async def replace_gadget(gadget_id: GadgetId, data: Gadget) -> dict[str, Any]:
    gadget = kept_note(found(gadget_id), {"id": gadget_id, **stored(data)})
    if "lost-update" not in defects:
        gadgets[gadget_id] = gadget
    return gadget


@patch("/gadgets/{gadget_id:int}")
async def patch_gadget(gadget_id: GadgetId, data: GadgetPatch) -> dict[str, Any]:
    gadget = kept_note(found(gadget_id), {**found(gadget_id), **stored(data)})
    if "lost-update" not in defects:
        gadgets[gadget_id] = gadget
    return gadget


@delete("/gadgets/{gadget_id:int}")
async def delete_gadget(gadget_id: GadgetId) -> None:
    found(gadget_id)
    if "kept-delete" not in defects:
        del gadgets[gadget_id]


app = Litestar(
    [create_gadget, list_gadgets, get_gadget, replace_gadget, patch_gadget, delete_gadget],
    openapi_config=None,
)
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
