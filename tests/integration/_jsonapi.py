"""A JSON:API 1.0 server made with Flask-Restless-NG (PyPI) over two SQLite tables, people and
their articles, for tests/integration/test_jsonapi.py.

It shows what neither json-server nor Datasette does: a vendor media type on both sides
(`application/vnd.api+json`; a body sent as plain application/json is refused with 415, an
Accept header without the vendor type with 406), string ids, every record inside a `data`
envelope, a relationship (an article names its author's id), PATCH, DELETE answering 204,
errors as `{"errors": [{"status", "title", "detail", ...}]}`, and attributes the server fills
(an article's `created` and `updated`; since the server changes an article on update, its PATCH
answers 200 with the record, a person's 204 with no body).

The app is a file this module writes; `JSONAPI_DEFECT` (in the server's environment) plants one
defect in it, so a test can prove the run turns red and names it. One requirement installs it
all (Flask-Restless-NG brings Flask, Werkzeug's server and SQLAlchemy), in its own virtualenv.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from ..support import DATA, free_port
from ._thirdparty import Started, pypi_command, serving

FLASK_RESTLESS = "Flask-Restless-NG==3.3.0"
SPECS = DATA / "thirdparty" / "jsonapi"
MEDIA_TYPE = "application/vnd.api+json"

DEFECTS = {
    "drop_age": "a read of one person leaves out attributes.age",
    "created_200": "a create answers 200 instead of 201",
    "ignore_patch": "a PATCH answers 204 and changes nothing",
    "delete_nothing": "a DELETE answers 204 and deletes nothing",
    "plain_json": "every answer says Content-Type: application/json",
    "numeric_id": "ids are JSON numbers instead of strings",
    "drop_author": "a read of an article leaves out its author relationship",
    "no_location": "a create answers 201 without its Location header",
    "wrong_type": 'a person comes back as type "person", not "people"',
    "numeric_error_status": "an error object's status is a JSON number, not a string",
    "errors_on_read": "a read of one person answers 200 with an errors member beside data",
    "no_age_range": "a person's age is stored whatever its size (the range is not checked)",
    "no_total": "a list answers without meta.total",
}
"""The defects JSONAPI_DEFECT can plant, each as a run's report should make it visible."""

APP = '''
"""people and articles as JSON:API, with at most one planted defect (JSONAPI_DEFECT)."""
import json
import os
import sys
from datetime import datetime, timezone

from flask import Flask, Response, request
from flask_restless import APIManager
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import declarative_base, relationship, scoped_session, sessionmaker
from sqlalchemy.orm import validates

DEFECT = os.environ.get("JSONAPI_DEFECT", "")
Base = declarative_base()


class Person(Base):
    __tablename__ = "people"
    id = Column(Integer, primary_key=True)
    name = Column(String(60), nullable=False)
    age = Column(Integer)

    @validates("name")
    def _name(self, key, value):
        if not isinstance(value, str) or not 1 <= len(value) <= 60:
            raise ValueError("name must be a text of 1 to 60 characters")
        return value

    @validates("age")
    def _age(self, key, value):
        if DEFECT == "no_age_range" and type(value) is int:
            return value
        if value is not None and (type(value) is not int or not 0 <= value <= 150):
            raise ValueError("age must be a whole number from 0 to 150")
        return value


class Article(Base):
    __tablename__ = "articles"
    id = Column(Integer, primary_key=True)
    title = Column(String(80), nullable=False)
    author_id = Column(Integer, ForeignKey("people.id"), nullable=False)
    author = relationship(Person, backref="articles")
    created = Column(String(40), default=lambda: datetime.now(timezone.utc).isoformat())
    updated = Column(String(40), onupdate=lambda: datetime.now(timezone.utc).isoformat())

    @validates("title")
    def _title(self, key, value):
        if not isinstance(value, str) or not 1 <= len(value) <= 80:
            raise ValueError("title must be a text of 1 to 80 characters")
        return value


engine = create_engine(
    "sqlite:///" + os.path.join(os.getcwd(), "data.db"),
    connect_args={"check_same_thread": False},
)
Base.metadata.create_all(engine)
session = scoped_session(sessionmaker(bind=engine))
app = Flask(__name__)
manager = APIManager(app, session=session)
for model in (Person, Article):
    manager.create_api(
        model, methods=["GET", "POST", "PATCH", "DELETE"], validation_exceptions=[ValueError]
    )


@app.teardown_appcontext
def _remove_session(exc):
    session.remove()


@app.before_request
def _planted_before():
    if DEFECT == "ignore_patch" and request.method == "PATCH":
        return Response(status=204, mimetype="application/vnd.api+json")
    if DEFECT == "delete_nothing" and request.method == "DELETE":
        return Response(status=204, mimetype="application/vnd.api+json")
    return None


REWRITES = (
    "drop_age", "numeric_id", "drop_author", "wrong_type", "numeric_error_status",
    "errors_on_read", "no_total",
)


def _records(document):
    data = document.get("data") if isinstance(document, dict) else None
    if isinstance(data, dict):
        return [data]
    return [one for one in data or [] if isinstance(one, dict)]


@app.after_request
def _planted_after(response):
    if DEFECT == "created_200" and response.status_code == 201:
        response.status_code = 200
    if DEFECT == "plain_json":
        response.headers["Content-Type"] = "application/json"
    if DEFECT == "no_location":
        response.headers.pop("Location", None)
    if not response.data or DEFECT not in REWRITES:
        return response
    document = json.loads(response.get_data(as_text=True))
    single = request.path.rstrip("/").split("/")[-1].isdigit()
    if DEFECT == "errors_on_read" and single and request.method == "GET" and "data" in document:
        document["errors"] = [{"status": "500", "title": "partly read"}]
    if DEFECT == "no_total":
        document.get("meta", {}).pop("total", None)
    for error in document.get("errors") or []:
        if DEFECT == "numeric_error_status":
            error["status"] = int(error["status"])
    for record in _records(document):
        if DEFECT == "wrong_type" and record.get("type") == "people":
            record["type"] = "person"
        if DEFECT == "drop_age" and single and request.method == "GET":
            record.get("attributes", {}).pop("age", None)
        if DEFECT == "numeric_id" and "id" in record:
            record["id"] = int(record["id"])
        if DEFECT == "drop_author" and request.method == "GET":
            record.get("relationships", {}).pop("author", None)
    response.set_data(json.dumps(document))
    return response


app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=False)
'''


def jsonapi_server(folder: Path, defect: str = "") -> AbstractContextManager[Started]:
    """The app (not yet started) in `folder` over a new SQLite file, on a free port of
    127.0.0.1, with `defect` (a key of DEFECTS) planted, or none."""
    assert not defect or defect in DEFECTS, defect
    python = pypi_command(FLASK_RESTLESS, "python")
    folder.mkdir()
    (folder / "app.py").write_text(APP, encoding="utf-8")
    port = free_port()
    return serving(
        [str(python), "app.py", str(port)],
        f"http://127.0.0.1:{port}",
        "/api/people",
        folder / "server.log",
        env={"JSONAPI_DEFECT": defect},
    )
