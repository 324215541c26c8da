"""A token store that lives as long as the run: for the bundled service started in-process.

Its tokens die with that service, so persisting them would only hand the next run tokens no
server knows. Same protocol as the file and SQLite stores.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from apitest.auth.stores import Token


class MemoryStore:
    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._mutex = threading.Lock()
        self._exclusive = threading.Lock()

    def find_token(self, key: str) -> Token | None:
        with self._mutex:
            return self._tokens.get(key)

    def save_token(self, token: Token) -> Token:
        with self._mutex:
            known = self._tokens.get(token.key)
            token_id = known.id if known else (token.id or uuid.uuid4().hex)
            stored = replace(token, id=token_id, updated_at=time.time())
            self._tokens[token.key] = stored
            return stored

    def delete_token(self, token_id: str) -> None:
        with self._mutex:
            self._tokens = {k: t for k, t in self._tokens.items() if t.id != token_id}

    def get_tokens(self) -> list[Token]:
        with self._mutex:
            return list(self._tokens.values())

    def delete_tokens(self) -> None:
        with self._mutex:
            self._tokens.clear()

    def find_token_by_id(self, token_id: str) -> Token | None:
        with self._mutex:
            return next((t for t in self._tokens.values() if t.id == token_id), None)

    @contextmanager
    def lock(self) -> Iterator[None]:
        with self._exclusive:
            yield
