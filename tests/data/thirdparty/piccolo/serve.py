"""Serve the tasks API on 127.0.0.1: `python serve.py PORT DATABASE`.

piccolo-api's PiccoloCRUD over one Piccolo table in SQLite (made afresh at DATABASE), mounted
at /tasks/ of a Starlette app and served by uvicorn until it is stopped. Its conventions: a
create (POST /tasks/) answers 201 with a JSON array holding the new key, `[{"id": 1}]`; a list
(GET /tasks/) answers `{"rows": [...]}`, newest first, 15 a page (`__page`, `__page_size`);
GET /tasks/{id}/ answers the row; PATCH /tasks/{id}/ answers the row as stored, without its
id; DELETE /tasks/{id}/ answers 204; a body pydantic refuses is 400 in plain text, a unique
clash 422 `{"db_error": ...}`, an unknown id 404 in plain text.

PICCOLO_DEFECTS (comma-separated) plants defects: "lost-update" answers a PATCH with the row
as it would be and stores nothing (its transaction rolled back); "kept-delete" answers a
DELETE 204 and deletes nothing; "dropped-field" stores a create without its `priority` (the
column's default instead); "lost-create" answers a create 201 with the new key and deletes
the row at once; "long-names" takes a name of any length (the column 500 characters wide,
not 50). Invalid bodies are refused as ever, whatever is planted.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import uvicorn
from piccolo.columns import Boolean, Date, Integer, Real, Varchar
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table
from piccolo_api.crud.endpoints import PiccoloCRUD
from piccolo_api.crud.hooks import Hook, HookType
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

port, database = int(sys.argv[1]), sys.argv[2]
defects = set(filter(None, os.environ.get("PICCOLO_DEFECTS", "").split(",")))
DB = SQLiteEngine(path=database)


class Task(Table, db=DB):
    name = Varchar(length=500 if "long-names" in defects else 50, required=True, unique=True)
    done = Boolean(default=False)
    priority = Integer(default=0)
    due = Date(null=True, default=None)
    estimate = Real(null=True, default=None)


def drop_priority(row: Task) -> Task:
    """The create's `priority`, lost on the way to the database."""
    row.priority = 0
    return row


class Tasks(PiccoloCRUD):
    async def post_single(self, request: Request, data: dict[str, Any]) -> Response:
        made = await super().post_single(request, data)
        if "lost-create" in defects and made.status_code == 201:
            for row in json.loads(bytes(made.body)):
                await Task.delete().where(Task.id == row["id"]).run()  # gone at once
        return made

    async def patch_single(self, request: Request, row_id: Any, data: dict[str, Any]) -> Response:
        if "lost-update" not in defects:
            return await super().patch_single(request, row_id, data)
        async with DB.transaction() as transaction:
            answer = await super().patch_single(request, row_id, data)
            await transaction.rollback()  # answered as stored, and stored: nothing
        return answer

    async def delete_single(self, request: Request, row_id: Any) -> Response:
        if "kept-delete" in defects:
            return Response(status_code=204)
        return await super().delete_single(request, row_id)


asyncio.run(Task.create_table(if_not_exists=True).run())
hooks = [Hook(hook_type=HookType.pre_save, callable=drop_priority)]
crud = Tasks(Task, read_only=False, hooks=hooks if "dropped-field" in defects else None)
app = Starlette(routes=[Mount("/tasks", app=crud)])
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
