"""SAFRS (PyPI safrs 3) serving two SQLAlchemy models over SQLite on 127.0.0.1:PORT, with
defects planted by name.

    python serve.py PORT FOLDER [DEFECT,...]

The app is SAFRS's own Flask quick start (`SAFRSAPI(app, prefix="/api")`, `expose_object`)
for a Person and a Book whose `author` is a many-to-one relationship to a Person (its foreign
key `author_id` a column SAFRS exposes as an attribute too). SAFRS serves JSON:API documents
at /api/People/ and /api/Books/, each record at /api/Books/{BookId}/, the relationship at
/api/Books/{BookId}/author, and its swagger at /api/swagger.json. Flask's development server
runs it, threaded, in this one process, so that the test ends it by the PID it started.

Defects, planted through model hooks (SAFRS's own `_s_post`, `_s_patch`, `_s_delete`, which
a SAFRS app overrides to customise a write), a SQLAlchemy attribute event and a Flask
`before_request` hook:
- `lost-update`: a PATCH of a book or a person is answered 200 with the record, unchanged.
- `kept-delete`: a DELETE of a book or a person is answered 204, and the record stays.
- `dropped-attribute`: a create stores no `year` (a book) and no `email` (a person).
- `unlinked-author`: setting a book's author (`author_id`, or a PATCH of
  /Books/{BookId}/author) is answered as done, and the book keeps the author it had.
- `reflected-author`: a PATCH of /Books/{BookId}/author is answered 200 with the resource
  identifier it sent (what SAFRS answers when the author is already that person), and the
  book keeps the author it had.
- `ignored-page-limit`: a list answers every record, whatever its `page[limit]` says.

`PUT /hunt/defects` with a JSON list of names plants those instead (an empty list: none), so
one server serves a whole test module.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from flask_sqlalchemy import SQLAlchemy
from safrs import SAFRSAPI, SAFRSBase
from sqlalchemy import event
from werkzeug.datastructures import ImmutableMultiDict

KNOWN = {
    "lost-update",
    "kept-delete",
    "dropped-attribute",
    "unlinked-author",
    "reflected-author",
    "ignored-page-limit",
}
AUTHOR = re.compile(r"^/api/Books/[^/]+/author$")
DEFECTS: set[str] = set()
DROPPED = {"Book": "year", "Person": "email"}
"""What `dropped-attribute` leaves out of a create, by type."""

db = SQLAlchemy()


class Hunted(SAFRSBase):
    """SAFRS's write hooks, each carrying out its planted defect."""

    __abstract__ = True

    @classmethod
    def _s_post(cls, jsonapi_id: Any = None, **params: Any) -> Any:
        if "dropped-attribute" in DEFECTS:
            params.pop(DROPPED.get(cls.__name__, ""), None)
        if "unlinked-author" in DEFECTS:
            params.pop("author_id", None)
        return super()._s_post(jsonapi_id, **params)

    def _s_patch(self, **attributes: Any) -> Any:
        if "lost-update" in DEFECTS:
            return self.get_instance(self.jsonapi_id)
        if "unlinked-author" in DEFECTS:
            attributes.pop("author_id", None)
        return super()._s_patch(**attributes)

    def _s_delete(self) -> None:
        if "kept-delete" in DEFECTS:
            return
        super()._s_delete()


class Person(Hunted, db.Model):
    """A person, who writes books."""

    __tablename__ = "People"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(60), nullable=False)
    email = db.Column(db.String(120))
    books = db.relationship("Book", back_populates="author")


class Book(Hunted, db.Model):
    """A book, written by a person (its author)."""

    __tablename__ = "Books"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(100), nullable=False)
    year = db.Column(db.Integer)
    author_id = db.Column(db.Integer, db.ForeignKey("People.id"))
    author = db.relationship("Person", back_populates="books")


@event.listens_for(Book.author, "set", retval=True, active_history=True)
def _keep_the_author(book: Book, value: Any, old: Any, _initiator: Any) -> Any:
    """`unlinked-author`: the relationship's setter keeps the author the book had."""
    if "unlinked-author" not in DEFECTS:
        return value
    return old if isinstance(old, Person) else None


def _plant() -> tuple[str, int]:
    names = set(json.loads(request.get_data() or b"[]"))
    if names - KNOWN:
        return json.dumps(sorted(names - KNOWN)), 422
    DEFECTS.clear()
    DEFECTS.update(names)
    return "", 204


def _before() -> Response | None:
    """`reflected-author`: the relationship's PATCH answered, not carried out;
    `ignored-page-limit`: the list never sees its page[limit]."""
    if "reflected-author" in DEFECTS and request.method == "PATCH" and AUTHOR.match(request.path):
        sent = json.loads(request.get_data() or b"{}")
        reflected = json.dumps({"data": sent.get("data")})
        return Response(reflected, 200, content_type="application/vnd.api+json")
    if "ignored-page-limit" in DEFECTS and "page[limit]" in request.args:
        kept = [(k, v) for k, v in request.args.items(multi=True) if k != "page[limit]"]
        request.args = ImmutableMultiDict(kept)  # type: ignore[misc]
    return None


def create_app(port: int, folder: Path) -> Flask:
    app = Flask("safrs-hunt")
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'safrs.sqlite'}")
    db.init_app(app)
    app.add_url_rule("/hunt/defects", "hunt_defects", _plant, methods=["PUT"])
    app.before_request(_before)
    with app.app_context():
        db.create_all()
        api = SAFRSAPI(app, host="127.0.0.1", port=port, prefix="/api")
        api.expose_object(Person)
        api.expose_object(Book)
    return app


def main(port: int, folder: Path, defects: set[str]) -> None:
    unknown = defects - KNOWN
    if unknown:
        sys.exit(f"unknown defect(s): {', '.join(sorted(unknown))}")
    DEFECTS.update(defects)
    folder.mkdir(parents=True, exist_ok=True)
    create_app(port, folder).run(host="127.0.0.1", port=port, threaded=True)


if __name__ == "__main__":
    planted = set(filter(None, (sys.argv[3] if len(sys.argv) > 3 else "").split(",")))
    main(int(sys.argv[1]), Path(sys.argv[2]), planted)
