"""Matrix Synapse (PyPI matrix-synapse) on 127.0.0.1:PORT, its SQLite database and its config
in FOLDER, behind a small proxy of this process that plants defects by name.

    python serve.py PORT FOLDER

The homeserver's config is generated into FOLDER (`--generate-config`, server name
`localhost`), then narrowed for a test: one client listener on a free port of 127.0.0.1, SQLite,
no presence, no federation sending, no trusted key servers, no metrics, no URL previews, no
stats report, no rate limit on creating rooms and sending their state (the run creates many
at once), and a `registration_shared_secret` that the test registers its admin with
(written to FOLDER/shared_secret). Synapse runs as a child of this process, which ends it (by
the PID it started) when it is itself ended.

Every request to PORT is passed on to Synapse, except where a planted defect changes it:
- `lost-update`: a PUT of a registration token reaches Synapse as `{}` (answered 200 with the
  token as it was), and a PUT of a user reaches it with none of its `displayname`;
- `kept-delete`: a DELETE of a registration token is read instead: answered 200 `{}` where the
  token is there (404 where it is not), and the token stays;
- `dropped-uses`: a create of a registration token reaches Synapse without its `uses_allowed`;
- `negative-uses-accepted`: a create or update of a registration token whose `uses_allowed`
  is a negative integer reaches Synapse with `uses_allowed: null` (no limit), and is accepted;
- `created-as-ok`: a PUT that creates a user is answered 200 (Synapse says 201);
- `kept-deactivate`: a deactivation of a user is answered 200 `{"id_server_unbind_result":
  "success"}` and never reaches Synapse: the user stays active;
- `kept-delete` also answers a room's DELETE 200 `{"delete_id": ...}` without passing it on,
  and `lost-update` a room's rename (its m.room.name state) 200 `{"event_id": ...}`: the room
  stays, and keeps its name.

And one that is no defect: `slow-purge` makes a deleted room read as it was for 2 s after the
DELETE was answered (the purge of a large room takes that long), which a spec's
validation-delay, or apitest's --eventually, must wait out.

`PUT /hunt/defects` with a JSON list of names plants those instead (an empty list: none), so
that one homeserver (whose start takes a few seconds) serves a whole module.
"""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

import yaml

KNOWN = {
    "lost-update",
    "kept-delete",
    "dropped-uses",
    "negative-uses-accepted",
    "created-as-ok",
    "kept-deactivate",
    "slow-purge",
}
ADMIN = "/_synapse/admin"
TOKENS_NEW = re.compile(rf"^{ADMIN}/v1/registration_tokens/new$")
TOKEN = re.compile(rf"^{ADMIN}/v1/registration_tokens/(?!new$)[^/?]+$")
USER = re.compile(rf"^{ADMIN}/v2/users/[^/?]+$")
DEACTIVATE = re.compile(rf"^{ADMIN}/v1/deactivate/[^/?]+$")
ROOM_DELETE = re.compile(rf"^{ADMIN}/v2/rooms/(?P<room>[^/?]+)$")
ROOM_READ = re.compile(rf"^{ADMIN}/v1/rooms/(?P<room>[^/?]+)$")
ROOM_NAME = re.compile(r"^/_matrix/client/v3/rooms/[^/?]+/state/m\.room\.name$")
PURGE_S = 2.0
PURGING: dict[str, tuple[float, bytes]] = {}
"""slow-purge: each room deleted lately, with when it stops reading and what it reads as."""
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}
DEFECTS: set[str] = set()
LOCK = threading.Lock()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def configure(folder: Path, python: str) -> Path:
    """Generate Synapse's config into `folder` and narrow it for a test: its path."""
    config = folder / "homeserver.yaml"
    subprocess.run(
        [python, "-m", "synapse.app.homeserver", "--server-name", "localhost",
         "--config-path", str(config), "--data-directory", str(folder),
         "--generate-config", "--report-stats=no"],
        cwd=folder, check=True, capture_output=True,
    )  # fmt: skip
    settings: dict[str, Any] = yaml.safe_load(config.read_text())
    settings.update(
        {
            "listeners": [
                {
                    "port": free_port(),
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
            "presence": {"enabled": False},
            "federation_sender_instances": [],
            "federation_domain_whitelist": [],
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "enable_metrics": False,
            "url_preview_enabled": False,
            "report_stats": False,
            "enable_registration": False,
            # the admin's own calls of the client API (createRoom, state events) unthrottled
            "rc_message": {"per_second": 1000, "burst_count": 1000},
            "rc_room_creation": {"per_second": 1000, "burst_count": 1000},
            "rc_joins": {"local": {"per_second": 1000, "burst_count": 1000}},
        }
    )
    settings.pop("log_config", None)  # Synapse logs to its stderr: the test's server.log
    (folder / "shared_secret").write_text(settings["registration_shared_secret"])
    config.write_text(yaml.safe_dump(settings))
    return config


class Proxy(BaseHTTPRequestHandler):
    synapse_port = 0
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # an answer goes out in one write, flushed after each request

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(
        self, status: int, body: bytes, headers: list[tuple[str, str]] | None = None
    ) -> None:
        headers = headers or []
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body and not any(name.lower() == "content-type" for name, _ in headers):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self, method: str, body: bytes) -> tuple[int, bytes, list[tuple[str, str]]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.synapse_port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        if body or method in ("POST", "PUT"):
            headers["Content-Length"] = str(len(body))
        try:
            connection.request(method, self.path, body=body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
        except OSError as exc:
            return 502, json.dumps({"error": f"synapse: {exc}"}).encode(), []
        finally:
            connection.close()
        kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP]
        return answer.status, data, kept

    def _handle(self) -> None:
        method, path = self.command, self.path.split("?", 1)[0]
        body = self._body()
        if method == "PUT" and path == "/hunt/defects":
            names = set(json.loads(body))
            if names - KNOWN:
                return self._answer(422, json.dumps(sorted(names - KNOWN)).encode())
            with LOCK:
                DEFECTS.clear()
                DEFECTS.update(names)
            return self._answer(204, b"")
        with LOCK:
            defects = set(DEFECTS)
        sent = _json(body)
        if method == "PUT" and TOKEN.match(path) and "lost-update" in defects:
            body = b"{}"
        elif method == "PUT" and USER.match(path) and "lost-update" in defects and sent:
            sent.pop("displayname", None)
            body = json.dumps(sent).encode()
        if method == "DELETE" and TOKEN.match(path) and "kept-delete" in defects:
            status, data, headers = self._forward("GET", b"")
            return self._answer(status, b"{}" if status == 200 else data, headers)
        if method == "POST" and TOKENS_NEW.match(path) and "dropped-uses" in defects and sent:
            sent.pop("uses_allowed", None)
            body = json.dumps(sent).encode()
        writes_token = (method == "POST" and TOKENS_NEW.match(path)) or (
            method == "PUT" and TOKEN.match(path)
        )
        if writes_token and "negative-uses-accepted" in defects and sent is not None:
            uses = sent.get("uses_allowed")
            if type(uses) is int and uses < 0:
                sent["uses_allowed"] = None
                body = json.dumps(sent).encode()
        if (room := ROOM_DELETE.match(path)) and method == "DELETE":
            if "kept-delete" in defects:
                return self._answer(200, b'{"delete_id": "kept"}')
            if "slow-purge" in defects:
                return self._slowly_purged(room["room"], body)
        if (room := ROOM_READ.match(path)) and method == "GET":
            with LOCK:
                until, held = PURGING.get(room["room"], (0.0, b""))
            if time.monotonic() < until:
                return self._answer(200, held)
        if method == "PUT" and ROOM_NAME.match(path) and "lost-update" in defects:
            return self._answer(200, b'{"event_id": "$kept"}')
        if method == "POST" and DEACTIVATE.match(path) and "kept-deactivate" in defects:
            return self._answer(200, b'{"id_server_unbind_result": "success"}')
        status, data, headers = self._forward(method, body)
        if method == "PUT" and USER.match(path) and status == 201 and "created-as-ok" in defects:
            status = 200
        self._answer(status, data, headers)

    def _slowly_purged(self, room: str, body: bytes) -> None:
        """A room's DELETE passed on, the room read as it was for PURGE_S after."""
        path, self.path = self.path, self.path.replace("/v2/rooms/", "/v1/rooms/", 1)
        status, held, _ = self._forward("GET", b"")
        self.path = path
        answer = self._forward("DELETE", body)
        if status == 200 and answer[0] == 200:
            with LOCK:
                PURGING[room] = (time.monotonic() + PURGE_S, held)
        self._answer(*answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


def _json(body: bytes) -> dict[str, Any] | None:
    """The JSON object a request sent, or None (no body, not JSON, not an object)."""
    try:
        sent = json.loads(body) if body else None
    except ValueError:
        return None
    return sent if isinstance(sent, dict) else None


def main(port: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    config = configure(folder, sys.executable)
    settings = yaml.safe_load(config.read_text())
    Proxy.synapse_port = settings["listeners"][0]["port"]
    synapse = subprocess.Popen(
        [sys.executable, "-m", "synapse.app.homeserver", "--config-path", str(config)],
        cwd=folder,
    )
    server = ThreadingHTTPServer(("127.0.0.1", port), Proxy)
    server.daemon_threads = True

    def stop(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        synapse.terminate()
        try:
            synapse.wait(timeout=10)
        except subprocess.TimeoutExpired:
            synapse.kill()
            synapse.wait(timeout=10)


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
