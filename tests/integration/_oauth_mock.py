"""oauth2-mock-server 9.3 (npm, by AXA), a third-party OAuth2 server, and a notes API that
trusts only its tokens: what apitest's OAuth2 is tested against besides our own demo server.

The mock server is installed once from the npm registry into the tests' cache (as json-server
is, under the same file lock) and started per test on a free port of 127.0.0.1 by
tests/data/thirdparty/oauth/mock_server.mjs, which adds what its CLI cannot set: a short token
lifetime, one accepted client, a refused refresh, a log of token requests, and `POST /check`
(the token's signature and expiry verified with the server's own keys: its /introspect calls
every token active). The notes API (Starlette, served like the demo service) asks /check for
each bearer token, and counts the calls that came with a genuine token past its expiry (what
refreshing ahead must prevent). Defects: "accepts-missing-token" (a call without Authorization
passes), "accepts-any-token" (any bearer token passes).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..support import DATA, free_port
from ._thirdparty import Started, npm_package, serving

OAUTH_MOCK_SERVER = "oauth2-mock-server@9.3.0"
SCRIPT = DATA / "thirdparty" / "oauth" / "mock_server.mjs"
CLIENT_ID = "notes-client"
CLIENT_SECRET = "s3cr3t-notes-client-secret"
READ, WRITE = "notes.read", "notes.write"
GRANTED_SCOPE = f"{READ} {WRITE}"
"""What the refresh tokens the tests give were granted (the spec's `<authentication scopes>`)."""
DEFECTS = frozenset({"accepts-missing-token", "accepts-any-token"})


@dataclass
class OAuthMock:
    """A started mock server and the log of the token requests it was sent."""

    server: Started
    log: Path

    def _lines(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line]

    def token_requests(self) -> list[dict[str, Any]]:
        """How each token request came: auth (basic/body), fields, grant_type, scope, query."""
        return [line for line in self._lines() if "issued" not in line]

    def issued_tokens(self) -> list[str]:
        """Every access and refresh token the server answered with."""
        return [token for line in self._lines() for token in line.get("issued", [])]


@contextmanager
def oauth_mock(
    folder: Path, *, ttl_s: int = 3600, refuse: Collection[str] = ()
) -> Iterator[OAuthMock]:
    """oauth2-mock-server on a free port of 127.0.0.1, its tokens living `ttl_s` seconds,
    refusing the grant types `refuse` names ("refresh_token", "client_credentials")."""
    installed = npm_package(OAUTH_MOCK_SERVER)
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / SCRIPT.name  # beside a link to node_modules, so that its imports resolve
    shutil.copyfile(SCRIPT, script)
    (folder / "node_modules").symlink_to(installed / "node_modules", target_is_directory=True)
    port = free_port()
    log = folder / "token-requests.jsonl"
    env = {
        "OAUTH_PORT": str(port), "OAUTH_TTL": str(ttl_s), "OAUTH_CLIENT_ID": CLIENT_ID,
        "OAUTH_CLIENT_SECRET": CLIENT_SECRET, "OAUTH_LOG": str(log),
        "OAUTH_GRANTED_SCOPE": GRANTED_SCOPE,
        "OAUTH_REFUSE_REFRESH": "1" if "refresh_token" in refuse else "0",
        "OAUTH_REFUSE_CLIENT_CREDENTIALS": "1" if "client_credentials" in refuse else "0",
    }  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    command = ["node", str(script)]
    with serving(command, url, "/jwks", folder / "oauth-server.log", env) as started:
        yield OAuthMock(started, log)


def notes_app(check_url: str, defects: Collection[str] = (), delay_s: float = 0.0) -> Starlette:
    """/api/v1/notes (GET, POST) and /api/v1/notes/{id} (GET, DELETE) for a live bearer token;
    each answer after `delay_s` (so that a run outlives a short-lived token). A read needs
    scope notes.read, a write notes.write (else 403); scopes are split on spaces (RFC 6749
    section 3.3) and commas (Zoho's form, what ZEST specs declare)."""
    unknown = set(defects) - DEFECTS
    assert not unknown, f"unknown defects {unknown}"
    notes: dict[int, dict[str, Any]] = {}
    counter = iter(range(1, 1_000_000))
    expired_calls: list[str] = []

    async def refusal(request: Request) -> Response | None:
        """401 or 403 for the call, or None to let it go on (its token checked as it
        arrives, then `delay_s`)."""
        request.state.scoped = True
        verdict = await checked(request)
        await asyncio.sleep(delay_s)
        if not verdict:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if not request.state.scoped:
            return JSONResponse({"error": "insufficient_scope"}, status_code=403)
        return None

    async def checked(request: Request) -> bool:
        header = request.headers.get("authorization")
        if header is None:
            return "accepts-missing-token" in defects
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        if "accepts-any-token" in defects:
            return True
        async with httpx.AsyncClient(trust_env=False) as http:
            answer = (await http.post(check_url, data={"token": token})).json()
        if answer.get("expired"):
            expired_calls.append(f"{request.method} {request.url.path}")
        if not answer.get("active"):
            return False
        granted = set(re.split(r"[ ,]+", str(answer.get("scope", ""))))
        request.state.scoped = (READ if request.method == "GET" else WRITE) in granted
        return True

    async def collection(request: Request) -> Response:
        if (refused := await refusal(request)) is not None:
            return refused
        if request.method == "GET":
            return JSONResponse(list(notes.values()))
        body = await request.json()
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not 1 <= len(text) <= 80 or set(body) - {"text"}:
            return JSONResponse({"error": "invalid note"}, status_code=400)
        note = {"id": next(counter), "text": text}
        notes[note["id"]] = note
        return JSONResponse(note, status_code=201)

    async def one(request: Request) -> Response:
        if (refused := await refusal(request)) is not None:
            return refused
        raw = request.path_params["id"]
        note = notes.get(int(raw)) if raw.isdigit() else None
        if note is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        if request.method == "DELETE":
            del notes[note["id"]]
            return Response(status_code=204)
        return JSONResponse(note)

    app = Starlette(
        routes=[
            Route("/api/v1/notes", collection, methods=["GET", "POST"]),
            Route("/api/v1/notes/{id}", one, methods=["GET", "DELETE"]),
        ]
    )
    app.state.expired_calls = expired_calls
    return app
