"""Serve a books API on 127.0.0.1: `python serve.py PORT DATABASE`.

sandman2 (PyPI) as its `sandman2ctl` would run it: every table of a SQLite file (made afresh at
DATABASE, one table `book`) reflected into a REST resource, served by Werkzeug's run_simple until
it is stopped. What it answers (sandman2 1.2.3's service.py):

- `GET /book/` lists every record as `{"resources": [...]}`, with no paging unless `page` is sent
  (`limit` caps it, any other known column filters, an unknown parameter is 400);
- `POST /book/` creates: 201 with the record, 400 `{"message": ...}` for a missing NOT NULL
  column or an unknown field, 204 with no body when an identical record exists;
- `GET /book/<int:id>` reads one, `PATCH` and `PUT` update it (200, the record), `DELETE`
  deletes it (204); an unknown id is 404 `{"message": null}`, a non-integer id Flask's HTML 404.

SANDMAN2_DEFECTS (comma-separated) plants defects:
- "lost-update": PATCH answers 200 with the record as it would be, and stores nothing;
- "kept-delete": DELETE answers 204 and deletes nothing;
- "dropped-field": POST stores the book without its `pages`, yet answers with what was sent;
- "bare-list": GET /book/ answers a bare array instead of the `resources` envelope;
- "missing-is-200": GET /book/<id> of an unknown id answers 200 `{"message": null}`, not 404.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Any

import flask
from flask import request
from sandman2 import get_app
from sandman2.exception import NotFoundException
from sandman2.model import db
from sandman2.service import Service
from werkzeug.serving import run_simple

KNOWN = {"lost-update", "kept-delete", "dropped-field", "bare-list", "missing-is-200"}
port, database = int(sys.argv[1]), sys.argv[2]
defects = set(filter(None, os.environ.get("SANDMAN2_DEFECTS", "").split(",")))
if defects - KNOWN:
    sys.exit(f"unknown defect: {', '.join(sorted(defects - KNOWN))}")

with sqlite3.connect(database) as made:
    made.execute("DROP TABLE IF EXISTS book")
    made.execute(
        "CREATE TABLE book (id INTEGER PRIMARY KEY AUTOINCREMENT, title VARCHAR(100) NOT NULL,"
        " author VARCHAR(60) NOT NULL, pages INTEGER, rating FLOAT)"
    )

if "lost-update" in defects:
    honest_patch = Service.patch

    def lost_patch(self: Service, resource_id: Any) -> Any:
        resource = self._resource(resource_id)  # 404 for an unknown id, as before
        if not isinstance(request.json, dict) or not request.json:
            return honest_patch(self, resource_id)  # its 400, as before
        return flask.jsonify({**resource.to_dict(), **request.json})

    Service.patch = lost_patch

if "kept-delete" in defects:

    def kept_delete(self: Service, resource_id: Any) -> Any:
        self._resource(resource_id)  # 404 for an unknown id, as before
        return self._no_content_response()

    Service.delete = kept_delete

if "dropped-field" in defects:
    honest_post = Service.post

    def dropped_post(self: Service) -> Any:
        answer = honest_post(self)
        if answer.status_code == 201:
            record = self.__model__.query.get(answer.get_json()["id"])
            record.pages = None
            db.session().commit()
        return answer  # as sent: pages and all

    Service.post = dropped_post

if "bare-list" in defects:
    honest_get = Service.get

    def bare_get(self: Service, resource_id: Any = None) -> Any:
        answer = honest_get(self, resource_id)
        if resource_id is None and answer.status_code == 200 and answer.is_json:
            answer.set_data(flask.json.dumps(answer.get_json()["resources"]))
        return answer

    Service.get = bare_get

if "missing-is-200" in defects:
    honest_resource = Service._resource

    def resource_or_200(self: Service, resource_id: Any) -> Any:
        try:
            return honest_resource(self, resource_id)
        except NotFoundException:
            if request.method != "GET":
                raise
            flask.abort(flask.make_response(flask.jsonify(message=None), 200))

    Service._resource = resource_or_200

app = get_app(f"sqlite:///{database}")
app.config["SECRET_KEY"] = "apitest-tests-only"
run_simple("127.0.0.1", port, app, use_reloader=False, threaded=True)
