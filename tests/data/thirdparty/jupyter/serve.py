"""Jupyter Server (PyPI jupyter_server 2) on 127.0.0.1:PORT over the folder ROOT, its token
TOKEN, with defects planted by name.

    python serve.py PORT ROOT TOKEN

Jupyter's own ServerApp, as `jupyter server` starts it (no browser, no config of the user's:
Jupyter's config, data and runtime folders are made beside ROOT), in this one process so that
the test ends it by the PID it started. Deletes are real (not to the trash). Defects, planted
by a contents manager that subclasses Jupyter's default one and by a handler patched in place:
- `lost-save`: a PUT of a file that exists answers 200 with its model, and keeps the content
  it had.
- `dropped-content`: a PUT that makes a file (201) makes it empty, whatever content was sent.
- `kept-delete`: a DELETE answers 204, and the file stays.
- `copying-rename`: a PATCH that renames answers 200 with the model at the new path, and the
  file is also still at the old one (a copy, not a move).
- `no-location`: a 201 or 200 of a write comes without its Location header.
- `lenient-format`: a file whose `format` is neither text nor base64 is saved as text, where
  Jupyter refuses it 400.
- `open-door`: a call with no token, or a wrong one, is served as an anonymous user's.

`PUT /hunt/defects` with a JSON list of names plants those instead (an empty list: none), so
one server serves a whole module.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

KNOWN = {
    "lost-save",
    "dropped-content",
    "kept-delete",
    "copying-rename",
    "no-location",
    "lenient-format",
    "open-door",
}
DEFECTS: set[str] = set()


def main(port: int, root: Path, token: str) -> None:
    home = root.parent / "jupyter"
    for name in ("config", "data", "runtime"):
        (home / name).mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTER_NO_CONFIG": "1",
            "JUPYTER_PLATFORM_DIRS": "1",
        }
    )
    # after the settings above: Jupyter reads them on import
    from jupyter_core.utils import ensure_async
    from jupyter_server.auth.identity import IdentityProvider, User
    from jupyter_server.serverapp import ServerApp
    from jupyter_server.services.contents.handlers import ContentsHandler
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from tornado import web

    class HuntContents(AsyncLargeFileManager):
        """Jupyter's default contents manager, with the planted defects."""

        async def save(self, model: dict[str, Any], path: str = "") -> dict[str, Any]:
            path = path.strip("/")
            exists = await ensure_async(self.file_exists(path))
            if model.get("type") == "file":
                if "lenient-format" in DEFECTS and model.get("format") not in ("text", "base64"):
                    model = {**model, "format": "text", "content": str(model.get("content"))}
                if "dropped-content" in DEFECTS and not exists:
                    model = {**model, "format": "text", "content": ""}
                if "lost-save" in DEFECTS and exists:
                    return await self.get(path, content=False)
            return await super().save(model, path)

        async def delete_file(self, path: str) -> None:
            if "kept-delete" in DEFECTS:
                if not await ensure_async(self.exists(path)):
                    raise web.HTTPError(404, f"file or directory does not exist: {path!r}")
                return
            await super().delete_file(path)

        async def rename_file(self, old_path: str, new_path: str) -> None:
            if "copying-rename" in DEFECTS and old_path.strip("/") != new_path.strip("/"):
                old, new = self._get_os_path(old_path), self._get_os_path(new_path)
                if os.path.exists(new):
                    raise web.HTTPError(409, f"File already exists: {new_path}")
                shutil.copy2(old, new)
                return
            await super().rename_file(old_path, new_path)

    class HuntIdentity(IdentityProvider):
        async def _get_user(self, handler: web.RequestHandler) -> User | None:
            user = await super()._get_user(handler)
            if user is None and "open-door" in DEFECTS:
                handler._token_authenticated = True  # no XSRF check, as for a token's call
                return User(username="anyone")
            return user

    finish_model = ContentsHandler._finish_model

    def without_location(handler: Any, model: dict[str, Any], location: bool = True) -> None:
        finish_model(handler, model, location and "no-location" not in DEFECTS)

    ContentsHandler._finish_model = without_location

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

    app = ServerApp()
    app.contents_manager_class = HuntContents
    app.identity_provider_class = HuntIdentity
    app.initialize(
        [
            f"--port={port}",
            "--ip=127.0.0.1",
            "--no-browser",
            "--allow-root",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}",
            "--FileContentsManager.delete_to_trash=False",
            "--ServerApp.port_retries=0",
            "--ServerApp.log_level=WARN",
        ]
    )
    app.web_app.add_handlers(".*$", [("/hunt/defects", Defects)])
    app.start()


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
