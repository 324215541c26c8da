"""Serve the items API on 127.0.0.1: `python serve.py PORT DATABASE`.

Eve 0.7 over one SQLite table (made afresh at DATABASE) through eve-sqlalchemy 0.7, as Eve's
docs set it up: `/items` lists (GET) and creates (POST), `/items/<id>` reads (GET), edits
(PATCH), replaces (PUT) and deletes (DELETE); Werkzeug's server, until it is stopped. IF_MATCH
is on (Eve's default): a PATCH, PUT or DELETE must send the record's current etag in
`If-Match` (428 without it, 412 with a stale one), and each write moves it on.

These Eve releases predate Python 3.10, which took the ABCs out of `collections`: the
virtualenv they are installed in puts them back with a .pth file (see test_eve.py).

EVE_DEFECTS (comma-separated) plants defects:
- "lost-update": a PATCH or PUT is answered 200 with a new etag, and nothing it sent is stored;
- "kept-delete": a DELETE is answered 204 and the record stays;
- "dropped-field": a create stores no `qty` (answered 201 all the same);
- "optional-if-match": a write without If-Match is carried out (ENFORCE_IF_MATCH off), not
  answered 428;
- "unchecked-qty": `qty` outside 0..1000 is stored, not answered 422.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from eve import Eve
from eve_sqlalchemy import SQL
from eve_sqlalchemy.config import DomainConfig, ResourceConfig
from eve_sqlalchemy.validation import ValidatorSQL
from sqlalchemy import Boolean, Column, DateTime, Float, Integer, String, func
from sqlalchemy.ext.declarative import declarative_base

port, database = sys.argv[1], sys.argv[2]
defects = set(filter(None, os.environ.get("EVE_DEFECTS", "").split(",")))

Base = declarative_base()


class Item(Base):  # type: ignore[misc,valid-type]
    __tablename__ = "items"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012  # a deleted id never comes back
    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(50), unique=True, nullable=False)
    qty = Column(Integer)
    price = Column(Float)
    done = Column(Boolean)
    _created = Column(DateTime, default=func.now())
    _updated = Column(DateTime, default=func.now(), onupdate=func.now())
    _etag = Column(String(40))


domain = DomainConfig({"items": ResourceConfig(Item)}).render()
schema = domain["items"]["schema"]
schema["name"]["minlength"] = 1
if "unchecked-qty" not in defects:
    schema["qty"].update(min=0, max=1000)

app = Eve(
    validator=ValidatorSQL,
    data=SQL,
    settings={
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "RESOURCE_METHODS": ["GET", "POST"],
        "ITEM_METHODS": ["GET", "PATCH", "PUT", "DELETE"],
        "IF_MATCH": True,
        "ENFORCE_IF_MATCH": "optional-if-match" not in defects,
        "DOMAIN": domain,
    },
)
db = app.data.driver
Base.metadata.bind = db.engine
db.Model = Base
db.create_all()


def fields(document: dict[str, Any]) -> list[str]:
    return [key for key in document if not key.startswith("_") and key != "id"]


def forget_updates(updates: dict[str, Any], original: dict[str, Any]) -> None:
    for key in fields(updates):
        del updates[key]


def forget_replacement(document: dict[str, Any], original: dict[str, Any]) -> None:
    for key in fields(document):
        document[key] = original.get(key)


def drop_qty(documents: list[dict[str, Any]]) -> None:
    for document in documents:
        document.pop("qty", None)


if "lost-update" in defects:
    app.on_update_items += forget_updates
    app.on_replace_items += forget_replacement
if "dropped-field" in defects:
    app.on_insert_items += drop_qty
if "kept-delete" in defects:
    app.data.remove = lambda *args, **kwargs: None

app.run(host="127.0.0.1", port=int(port), use_reloader=False)
