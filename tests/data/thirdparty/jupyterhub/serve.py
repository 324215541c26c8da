"""JupyterHub (PyPI jupyterhub 5) on 127.0.0.1:PORT, its SQLite database in FOLDER, an admin
service's token TOKEN, with defects planted by name.

    python serve.py PORT FOLDER TOKEN

JupyterHub's own application, as `jupyterhub` starts it, in this one process so that the test
ends it by the PID it started: the Hub's REST API at /hub/api. No configurable-http-proxy: the
Hub talks to a proxy only to route users' servers, and this one spawns none, so an in-memory
proxy (`RouteTable`) keeps the routes the Hub sets. Users log in with JupyterHub's
DummyAuthenticator, whose `username_pattern` is `[a-z][a-z0-9_-]{2,30}`; the API is called
with the token of a service that holds the admin role (`c.JupyterHub.services`). Defects,
planted by wrapping JupyterHub's own API handlers:
- `lost-admin`: a PATCH of a user answers 200 with the model it asked for, and the admin flag
  stays what it was (a rename still happens).
- `lost-rename`: a PATCH that renames a user answers 200 with its model under the new name,
  and the user keeps the old one.
- `copying-rename`: a PATCH that renames a user makes a user of the new name (answered with
  its model) and keeps the old one.
- `kept-user`: a DELETE of a user answers 204, and the user stays.
- `wrong-status`: a POST that makes a user answers 200, not 201.
- `lenient-names`: POST /users/{name} makes a user of any name (the Authenticator's
  username_pattern is not checked there).
- `dropped-member`: a POST of users to a group answers 200 with the group, and adds nobody.
- `kept-member`: a DELETE of users from a group answers 200 with the group, and removes nobody.
- `dropped-note`: a new token is made without the note sent (JupyterHub's default note).
- `kept-token`: a DELETE of a token answers 204, and the token stays.
- `open-door`: a call with no token, or a wrong one, is served as the admin service's (its
  writes still meet the Hub's XSRF check, 403: its reads are served).

`PUT /hunt/defects` with a JSON list of names plants those instead (an empty list: none), so
one Hub serves a whole module.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

KNOWN = {
    "lost-admin",
    "lost-rename",
    "copying-rename",
    "kept-user",
    "wrong-status",
    "lenient-names",
    "dropped-member",
    "kept-member",
    "dropped-note",
    "kept-token",
    "open-door",
}
DEFECTS: set[str] = set()
Replacement = Callable[..., Any]
SERVICE = "hunt-admin"


def plant_defects() -> None:
    """Wrap JupyterHub's handlers so that each planted defect takes effect."""
    from jupyterhub import orm
    from jupyterhub.apihandlers.base import APIHandler
    from jupyterhub.apihandlers.groups import GroupUsersAPIHandler
    from jupyterhub.apihandlers.users import (
        UserAPIHandler,
        UserTokenAPIHandler,
        UserTokenListAPIHandler,
    )
    from jupyterhub.auth import Authenticator
    from jupyterhub.handlers.base import BaseHandler

    def wrapping(cls: type, name: str) -> Callable[[Replacement], Replacement]:
        """Put `replacement(self, original, ...)` in place of `cls.name`."""

        def decorate(replacement: Replacement) -> Replacement:
            original = getattr(cls, name)

            @wraps(original)
            def method(self: Any, *args: Any, **kwargs: Any) -> Any:
                return replacement(self, original, *args, **kwargs)

            setattr(cls, name, method)
            return replacement

        return decorate

    @wrapping(UserAPIHandler, "patch")
    async def patch_user(self: Any, original: Any, user_name: str) -> None:
        body = self.get_json_body()
        if self.current_user is None or not isinstance(body, dict):
            await original(self, user_name)  # refused 403, or 400 for a body that is no object
            return
        new = body.get("name", user_name)
        if "lost-admin" in DEFECTS and "admin" in body and self.find_user(user_name):
            kept = self.find_user(user_name).admin
            await original(self, user_name)  # answers the user as asked for
            renamed = self.find_user(new)
            renamed.admin = kept
            self.db.commit()
            return
        if "lost-rename" in DEFECTS and isinstance(new, str) and new != user_name:
            await original(self, user_name)  # answers the user under its new name
            renamed = self.find_user(new)
            renamed.name = user_name
            self.db.commit()
            return
        if "copying-rename" in DEFECTS and isinstance(new, str) and new != user_name:
            await original(self, user_name)
            if self.find_user(user_name) is None:
                self.user_from_username(user_name)  # the old name names a user still
            return
        await original(self, user_name)

    @wrapping(UserAPIHandler, "delete")
    async def delete_user(self: Any, original: Any, user_name: str) -> None:
        if "kept-user" in DEFECTS and self.current_user and self.find_user(user_name):
            self.set_status(204)
            return
        await original(self, user_name)

    @wrapping(UserAPIHandler, "set_status")
    def set_status(self: Any, original: Any, status: int, *args: Any, **kwargs: Any) -> None:
        if "wrong-status" in DEFECTS and self.request.method == "POST" and status == 201:
            status = 200
        original(self, status, *args, **kwargs)

    @wrapping(Authenticator, "add_user")
    def add_user(self: Any, original: Any, user: Any) -> Any:
        if "lenient-names" in DEFECTS:
            return None  # the name unchecked (allow_all: nothing else to do)
        return original(self, user)

    @wrapping(GroupUsersAPIHandler, "_usernames_to_users")
    def members(self: Any, original: Any, usernames: list[str]) -> list[Any]:
        found = original(self, usernames)  # 400 for a user there is not
        adding = self.request.method == "POST"
        if ("dropped-member" if adding else "kept-member") in DEFECTS:
            return []
        return list(found)

    @wrapping(UserTokenListAPIHandler, "post")
    async def new_token(self: Any, original: Any, user_name: str) -> None:
        body = self.get_json_body()
        if "dropped-note" in DEFECTS and isinstance(body, dict):
            body.pop("note", None)
            self.request.body = json.dumps(body).encode()
        await original(self, user_name)

    @wrapping(UserTokenAPIHandler, "delete")
    def delete_token(self: Any, original: Any, user_name: str, token_id: str) -> None:
        user = self.find_user(user_name)
        if "kept-token" in DEFECTS and self.current_user and user is not None:
            self.find_token_by_id(user, token_id)  # 404 where there is none
            self.set_status(204)
            return
        original(self, user_name, token_id)

    @wrapping(BaseHandler, "get_current_user")
    async def current_user(self: Any, original: Any) -> Any:
        found = await original(self)
        if found is None and "open-door" in DEFECTS and isinstance(self, APIHandler):
            found = self._jupyterhub_user = orm.Service.find(self.db, SERVICE)
        return found


def main(port: int, folder: Path, token: str) -> None:
    from jupyterhub.app import JupyterHub
    from jupyterhub.proxy import Proxy
    from tornado import web
    from traitlets.config import Config

    plant_defects()

    class RouteTable(Proxy):
        """A proxy that only remembers the routes the Hub sets: no server is spawned here."""

        should_start = False

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.routes: dict[str, dict[str, Any]] = {}

        async def add_route(self, routespec: str, target: str, data: dict[str, Any]) -> None:
            spec = self.validate_routespec(routespec)
            self.routes[spec] = {"routespec": spec, "target": target, "data": data}

        async def delete_route(self, routespec: str) -> None:
            self.routes.pop(self.validate_routespec(routespec), None)

        async def get_all_routes(self) -> dict[str, dict[str, Any]]:
            return dict(self.routes)

    class Defects(web.RequestHandler):
        def check_xsrf_cookie(self) -> None:
            """The hunt's own switch, called by the test only."""

        def put(self) -> None:
            names = set(json.loads(self.request.body or b"[]"))
            if names - KNOWN:
                self.set_status(422)
                self.finish(json.dumps(sorted(names - KNOWN)))
                return
            DEFECTS.clear()
            DEFECTS.update(names)
            self.set_status(204)
            self.finish()

    class HuntHub(JupyterHub):
        def init_handlers(self) -> None:
            super().init_handlers()
            self.handlers.insert(0, (r"/hunt/defects", Defects))

    config = {
        "JupyterHub": {
            "hub_ip": "127.0.0.1",
            "hub_port": port,
            "ip": "127.0.0.1",
            "port": 0,
            "db_url": f"sqlite:///{folder / 'jupyterhub.sqlite'}",
            "cookie_secret_file": str(folder / "jupyterhub_cookie_secret"),
            "pid_file": str(folder / "jupyterhub.pid"),
            "proxy_class": RouteTable,
            "authenticator_class": "dummy",
            "cleanup_servers": False,
            "services": [{"name": SERVICE, "api_token": token}],
            "load_roles": [{"name": "admin", "services": [SERVICE]}],
            "log_level": "WARN",
        },
        "Authenticator": {"allow_all": True, "username_pattern": r"^[a-z][a-z0-9_-]{2,30}$"},
    }
    hub = HuntHub.instance(config=Config(config))
    hub.launch_instance([])


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
