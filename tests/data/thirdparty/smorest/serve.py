"""Serve the pets API on 127.0.0.1: `python serve.py PORT DATABASE [--no-etag]`.

A Flask app built with flask-smorest, as its docs set one up: one Blueprint, `/pets` lists (GET)
and creates (POST), `/pets/<pet_id>` reads (GET), edits (PATCH), replaces (PUT) and deletes
(DELETE); the pets are kept in one SQLite table (plain sqlite3, made afresh at DATABASE);
Werkzeug's run_simple, until it is stopped. flask-smorest's own conventions are on:

- its ETag feature (`@blp.etag`): a GET, POST, PUT or PATCH answers the record's ETag in the
  `ETag` HEADER (a hash of the record as dumped, never in the body); a PUT, PATCH or DELETE
  must send it back in `If-Match`: 428 without it, 412 with a stale one (`blp.check_etag`).
  `--no-etag` switches the feature off (flask-smorest's ETAG_DISABLED): no header is needed;
- its pagination (`@blp.paginate`): the list answers a bare JSON array of `page_size` (10 by
  default) pets and the paging in an `X-Pagination` JSON header (`{"total", "total_pages",
  "page", "next_page", ...}`), not in the body;
- marshmallow validation: a body or query the schema refuses is answered 422
  `{"code": 422, "status": "Unprocessable Entity", "errors": {"json": {...}}}`, an unknown
  pet 404 `{"code": 404, "status": "Not Found"}`.

SMOREST_DEFECTS (comma-separated) plants defects:
- "lost-update": a PATCH or PUT is answered 200 with the record as it would be, and nothing it
  sent is stored;
- "kept-delete": a DELETE is answered 204 and the pet stays;
- "dropped-field": a create stores no `age` (answered 201 with the age sent all the same);
- "unchecked-age": `age` outside 0..100 is stored, not answered 422.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Any

from flask import Flask, g
from flask.views import MethodView
from flask_smorest import Api, Blueprint, abort
from marshmallow import Schema, fields, validate
from werkzeug.serving import run_simple

port, database = int(sys.argv[1]), sys.argv[2]
etag_on = "--no-etag" not in sys.argv[3:]
defects = set(filter(None, os.environ.get("SMOREST_DEFECTS", "").split(",")))
SPECIES = ("cat", "dog", "bird")
COLUMNS = ("name", "species", "age", "vaccinated")


class PetSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    species = fields.String(validate=validate.OneOf(SPECIES))
    age = fields.Integer(  # strict: the default takes 0.5 and stores 0, losing data
        allow_none=True,
        strict=True,
        validate=None if "unchecked-age" in defects else validate.Range(min=0, max=100),
    )
    vaccinated = fields.Boolean(allow_none=True)


class PetPatchSchema(PetSchema):
    name = fields.String(validate=validate.Length(min=1, max=50))


class PetQuerySchema(Schema):
    species = fields.String(validate=validate.OneOf(SPECIES))


def db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(database)
        g.db.row_factory = sqlite3.Row
    connection: sqlite3.Connection = g.db
    return connection


def close_db(_error: BaseException | None) -> None:
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()


def pet_or_404(pet_id: int) -> dict[str, Any]:
    row = db().execute("SELECT * FROM pets WHERE id = ?", (pet_id,)).fetchone()
    if row is None:
        abort(404)
    pet = dict(row)
    pet["vaccinated"] = None if pet["vaccinated"] is None else bool(pet["vaccinated"])
    return pet


def store(pet_id: int, values: dict[str, Any]) -> None:
    if "lost-update" in defects:
        return
    sets = ", ".join(f"{column} = ?" for column in values)
    with db() as connection:
        connection.execute(f"UPDATE pets SET {sets} WHERE id = ?", (*values.values(), pet_id))


app = Flask(__name__)
app.config.update(
    API_TITLE="Pets",
    API_VERSION="v1",
    OPENAPI_VERSION="3.0.2",
    ETAG_DISABLED=not etag_on,
)
app.teardown_appcontext(close_db)
api = Api(app)
blp = Blueprint("pets", __name__, url_prefix="/pets", description="Pets")


@blp.route("")
class Pets(MethodView):
    @blp.etag
    @blp.arguments(PetQuerySchema, location="query")
    @blp.response(200, PetSchema(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        where, bound = ("WHERE species = ?", (query["species"],)) if query else ("", ())
        found = db().execute(f"SELECT count(*) FROM pets {where}", bound).fetchone()
        pagination_parameters.item_count = found[0]
        rows = db().execute(
            f"SELECT * FROM pets {where} ORDER BY id LIMIT ? OFFSET ?",
            (*bound, pagination_parameters.page_size, pagination_parameters.first_item),
        )
        return [pet_or_404(row["id"]) for row in rows]

    @blp.etag
    @blp.arguments(PetSchema)
    @blp.response(201, PetSchema)
    def post(self, new: dict[str, Any]) -> dict[str, Any]:
        kept = {column: new.get(column) for column in COLUMNS}
        if "dropped-field" in defects:
            kept["age"] = None
        with db() as connection:
            made = connection.execute(
                "INSERT INTO pets (name, species, age, vaccinated) VALUES (?, ?, ?, ?)",
                tuple(kept.values()),
            )
        if "dropped-field" in defects:
            return {**pet_or_404(made.lastrowid or 0), "age": new.get("age")}
        return pet_or_404(made.lastrowid or 0)


@blp.route("/<int:pet_id>")
class PetById(MethodView):
    @blp.etag
    @blp.response(200, PetSchema)
    def get(self, pet_id: int) -> dict[str, Any]:
        return pet_or_404(pet_id)

    @blp.etag
    @blp.arguments(PetSchema)
    @blp.response(200, PetSchema)
    def put(self, new: dict[str, Any], pet_id: int) -> dict[str, Any]:
        pet = pet_or_404(pet_id)
        blp.check_etag(pet, PetSchema)
        values = {column: new.get(column) for column in COLUMNS}
        store(pet_id, values)
        return {**pet, **values}

    @blp.etag
    @blp.arguments(PetPatchSchema)
    @blp.response(200, PetSchema)
    def patch(self, changes: dict[str, Any], pet_id: int) -> dict[str, Any]:
        pet = pet_or_404(pet_id)
        blp.check_etag(pet, PetSchema)
        if changes:
            store(pet_id, changes)
        return {**pet, **changes}

    @blp.etag
    @blp.response(204)
    def delete(self, pet_id: int) -> None:
        pet = pet_or_404(pet_id)
        blp.check_etag(pet, PetSchema)
        if "kept-delete" not in defects:
            with db() as connection:
                connection.execute("DELETE FROM pets WHERE id = ?", (pet_id,))


api.register_blueprint(blp)

with sqlite3.connect(database) as connection:
    connection.execute(
        "CREATE TABLE pets (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
        "species TEXT, age INTEGER, vaccinated INTEGER)"
    )
connection.close()

run_simple("127.0.0.1", port, app, use_reloader=False, threaded=True)
