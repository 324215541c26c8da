"""Serve the widgets API on 127.0.0.1: `python serve.py PORT`.

An APIFlask 3.1 app, as its docs set one up: marshmallow 4 schemas (`apiflask.Schema`, whose
`fields` and `validate` are marshmallow's) say what a request must keep through `@app.input`
(the JSON body, the query, the headers) and what an answer holds through `@app.output`.
APIFlask refuses a request a schema does not allow with its default 422 `{"detail":
{LOCATION: {FIELD: [MESSAGE, ...]}}, "message": "Validation error"}` before a view runs
(LOCATION `json`, `query` or `headers`; a nested field's errors nested under its name, a list
item's under its index). Unknown body fields are refused (marshmallow's RAISE: "Unknown
field."); unknown query parameters and headers are left out (webargs' EXCLUDE). marshmallow's
`validate.Regexp` MATCHES its pattern at the start of the value only (`re.match`), so each
pattern ends in `$` here. The widgets are kept in memory (a dict), served by Werkzeug's
run_simple until it is stopped:

- POST /widgets (its header X-Request-Id required: 8..36 of a-z, 0-9 and -) answers 201 with
  the widget, its `id` the server's, and its path in `Location`;
- GET /widgets answers `{"items": [...], "total": N}`, oldest first, `limit` of them (20
  unless asked, 1..100) from `offset`, of those every filter asked keeps (`colour`, `q` in the
  name);
- GET /widgets/{widget_id} the widget; PUT replaces it (what it does not send is gone), PATCH
  changes what it sends; each answers the widget as stored; DELETE answers 204; an unknown id
  is 404 `{"detail": {}, "message": "no widget has the id N"}`, and one that is no integer 404
  `{"detail": {}, "message": "Not Found"}` (Flask's router matches no route).

A field left out stays out of the widget; only `note` takes null.

APIFLASK_DEFECTS (comma-separated) plants defects:
- "lax-weight": `weight` loses its maximum (any weight from 1 is taken);
- "lax-code": `code` loses its Regexp (any text is taken);
- "lax-colour": `colour` loses its OneOf (any text is taken);
- "lax-name-length": `name` loses its Length (any text, the empty one too, is taken);
- "lax-tag-length": a tag loses its Length (the list keeps its own);
- "lax-limit": the list's `limit` loses its maximum;
- "lax-request-id": the header X-Request-Id loses its Regexp (any text of its length);
- "null-name": the widget's `name` takes null (allow_none; the maker's does not);
- "start-anchored-code": `code`'s pattern loses its `$`, so `re.match` takes "AB-123!" (a
  pattern copied from a spec's `regex` is);
- "end-anchored-code": `code` is checked by a hand-written validator that SEARCHES the pattern
  with its `$` and no `^` (`re.search`), so "!AB-123" is taken, "AB-123!" not;
- "note-not-nullable": `note` refuses the null the spec allows (no allow_none);
- "truncating-weight": `weight` is marshmallow's default `Integer` (not strict), which takes
  1.5 and stores 1;
- "lost-update": a PUT or PATCH is answered 200 with the widget as it would be, and nothing is
  stored;
- "kept-delete": a DELETE is answered 204 and the widget stays;
- "dropped-field": a create stores no `maker` (answered 201 with it all the same);
- "wrong-status": a create is answered 200, not 201.
Whatever is planted, a request the schemas (as planted) refuse is refused.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from apiflask import APIFlask, Schema, abort
from apiflask.fields import Boolean, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range, Regexp
from marshmallow import ValidationError
from werkzeug.serving import run_simple

port = int(sys.argv[1])
defects = set(filter(None, os.environ.get("APIFLASK_DEFECTS", "").split(",")))
KNOWN = {"lax-weight", "lax-code", "lax-colour", "lax-name-length", "lax-tag-length"}
KNOWN |= {"lax-limit", "lax-request-id", "null-name", "start-anchored-code", "end-anchored-code"}
KNOWN |= {"lost-update", "kept-delete", "dropped-field", "wrong-status", "note-not-nullable"}
KNOWN |= {"truncating-weight"}
if defects - KNOWN:  # a misspelt defect would plant nothing, and the hunt pass unseen
    sys.exit(f"unknown defects: {', '.join(sorted(defects - KNOWN))}")

COLOURS = ("red", "green", "blue", "black")
CODE = r"[A-Z]{2}-[0-9]{3}" if "start-anchored-code" in defects else r"[A-Z]{2}-[0-9]{3}$"
NAME = [] if "lax-name-length" in defects else [Length(min=1, max=40)]


def searched(value: str) -> None:
    """The "end-anchored-code" validator: the code's pattern searched, anchored at its end only."""
    if re.search(r"[A-Z]{2}-[0-9]{3}$", value) is None:
        raise ValidationError("String does not match expected pattern.")


CODE_RULE: list[Any] = [] if "lax-code" in defects else [Regexp(CODE)]
CODE_RULE = [searched] if "end-anchored-code" in defects else CODE_RULE
TAG = [] if "lax-tag-length" in defects else [Length(min=1, max=15)]


class Maker(Schema):
    name = String(required=True, validate=Length(min=1, max=40))
    country = String(validate=Regexp(r"[A-Z]{2}$"))


def widget_fields(required: bool) -> dict[str, Any]:
    """The fields of a widget's body: `name`, `code` and `weight` `required` (a create's, a
    PUT's) or not (a PATCH's)."""
    return {
        "name": String(required=required, allow_none="null-name" in defects, validate=NAME),
        "code": String(required=required, validate=CODE_RULE),
        "weight": Integer(  # strict: the default takes 1.5 and stores 1, losing data
            required=required,
            strict="truncating-weight" not in defects,
            validate=Range(min=1, max=None if "lax-weight" in defects else 5000),
        ),
        "price": Float(validate=Range(min=0, max=10000)),
        "colour": String(validate=[] if "lax-colour" in defects else OneOf(COLOURS)),
        "active": Boolean(),
        "note": String(allow_none="note-not-nullable" not in defects, validate=Length(max=200)),
        "released_at": DateTime(),
        "maker": Nested(Maker),
        "tags": List(String(validate=TAG), validate=Length(min=1, max=4)),
    }


WidgetIn = Schema.from_dict(widget_fields(True), name="WidgetIn")
WidgetPatch = Schema.from_dict(widget_fields(False), name="WidgetPatch")


class Widget(Schema):
    """An answer: the widget as stored (its moment as marshmallow writes it)."""

    id = Integer()
    name = String()
    code = String()
    weight = Integer()
    price = Float()
    colour = String()
    active = Boolean()
    note = String(allow_none=True)
    released_at = DateTime()
    maker = Nested(Maker)
    tags = List(String())


class Page(Schema):
    items = List(Nested(Widget))
    total = Integer()


class Created(Schema):
    x_request_id = String(
        data_key="X-Request-Id",
        required=True,
        validate=[Length(min=8, max=36)]
        + ([] if "lax-request-id" in defects else [Regexp(r"[a-z0-9-]+$")]),
    )


class Query(Schema):
    limit = Integer(
        load_default=20, validate=Range(min=1, max=None if "lax-limit" in defects else 100)
    )
    offset = Integer(load_default=0, validate=Range(min=0))
    colour = String(validate=OneOf(COLOURS))
    q = String(validate=Length(min=2, max=40))


app = APIFlask(__name__, title="Widgets", version="1.0")
widgets: dict[int, dict[str, Any]] = {}
made = 0


def found(widget_id: int) -> dict[str, Any]:
    if widget_id not in widgets:
        abort(404, f"no widget has the id {widget_id}")
    return widgets[widget_id]


@app.post("/widgets")
@app.input(Created, location="headers")
@app.input(WidgetIn, arg_name="body")
@app.output(Widget, status_code=200 if "wrong-status" in defects else 201)
def create_widget(headers_data: dict[str, Any], body: dict[str, Any]) -> Any:
    global made
    made += 1
    widget = {"id": made, **body}
    widgets[made] = dict(widget)
    if "dropped-field" in defects:
        widgets[made].pop("maker", None)
    return widget, {"Location": f"/widgets/{made}"}


@app.get("/widgets")
@app.input(Query, location="query")
@app.output(Page)
def list_widgets(query_data: dict[str, Any]) -> Any:
    colour, q = query_data.get("colour"), query_data.get("q")
    chosen = [
        widget
        for widget in widgets.values()
        if (colour is None or widget.get("colour") == colour)
        and (q is None or q.lower() in (widget.get("name") or "").lower())
    ]
    offset, limit = query_data["offset"], query_data["limit"]
    return {"items": chosen[offset : offset + limit], "total": len(chosen)}


@app.get("/widgets/<int:widget_id>")
@app.output(Widget)
def get_widget(widget_id: int) -> Any:
    return found(widget_id)


@app.put("/widgets/<int:widget_id>")
@app.input(WidgetIn, arg_name="body")
@app.output(Widget)
def replace_widget(widget_id: int, body: dict[str, Any]) -> Any:
    found(widget_id)
    widget = {"id": widget_id, **body}
    if "lost-update" not in defects:
        widgets[widget_id] = widget
    return widget


@app.patch("/widgets/<int:widget_id>")
@app.input(WidgetPatch, arg_name="body")
@app.output(Widget)
def patch_widget(widget_id: int, body: dict[str, Any]) -> Any:
    widget = {**found(widget_id), **body}
    if "lost-update" not in defects:
        widgets[widget_id] = widget
    return widget


@app.delete("/widgets/<int:widget_id>")
@app.output({}, status_code=204)
def delete_widget(widget_id: int) -> Any:
    found(widget_id)
    if "kept-delete" not in defects:
        del widgets[widget_id]
    return ""


run_simple("127.0.0.1", port, app, threaded=True)
