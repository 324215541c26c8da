"""Serve the contacts API on 127.0.0.1: `python serve.py PORT DATABASE USER:PASSWORD`.

Flask-AppBuilder's ModelRestApi over one SQLite table (made afresh at DATABASE), behind its
JWT login (`POST /api/v1/security/login`), with one admin user; Werkzeug's server, until it
is stopped. Its answers put the record in an envelope: a create answers
`{"id": 1, "result": {...}}`, a read `{"id": 1, "result": {...}, "label_columns": {...}, ...}`,
an update `{"result": {...}}` and a delete `{"message": "OK"}`.

FAB_DEFECTS (comma-separated) plants defects: "lost-update" answers an update with the record
as it was and changes nothing; "kept-delete" answers a delete 200 OK and deletes nothing.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder, Model
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.utils.legacy import get_sqla_class
from sqlalchemy import Column, Date, Float, Integer, String
from sqlalchemy.orm import object_session

port, database, credential = sys.argv[1], sys.argv[2], sys.argv[3]
username, password = credential.split(":", 1)
defects = set(filter(None, os.environ.get("FAB_DEFECTS", "").split(",")))


class Contact(Model):  # type: ignore[misc]
    __tablename__ = "contact"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), unique=True, nullable=False)
    email = Column(String(80))
    age = Column(Integer)
    birthday = Column(Date)
    score = Column(Float)


class ContactApi(ModelRestApi):  # type: ignore[misc]
    resource_name = "contact"
    datamodel = SQLAInterface(Contact)

    def pre_update(self, item: Contact) -> None:
        if "lost-update" in defects:
            object_session(item).expire(item)  # the values loaded again, as they were

    def delete_headless(self, pk: Any) -> Any:
        if "kept-delete" in defects:
            return self.response(200, message="OK")
        return super().delete_headless(pk)


app = Flask(__name__)
app.config.update(
    SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
    SECRET_KEY="apitest-tests-only",
    FAB_API_SWAGGER_UI=False,
    WTF_CSRF_ENABLED=False,
    AUTH_TYPE=1,  # AUTH_DB: users and passwords in the database
)
db = get_sqla_class()()
with app.app_context():
    db.init_app(app)
    builder = AppBuilder(app, db.session)
    builder.add_api(ContactApi)
    db.create_all()
    security = builder.sm
    security.add_user(username, "Q", "A", "qa@example.com", security.find_role("Admin"), password)

app.run(host="127.0.0.1", port=int(port), use_reloader=False)
