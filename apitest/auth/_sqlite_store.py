"""Tokens in one table of a SQLite database (stores.py)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from apitest.auth._store_base import (
    IDENTIFIER,
    MEND,
    FileBackedStore,
    Token,
    choose_id,
    ensure_folder,
    os_failure,
    token_from_row,
)
from apitest.errors import UsageError, clip

_FIELDS = tuple(item.name for item in fields(Token))
_COLUMNS = ", ".join(_FIELDS)


class SQLiteStore(FileBackedStore):
    """Tokens in one table of a SQLite database (stdlib `sqlite3`), the file mode 0600.

    A connection per call, with `timeout=30`, keeps the store safe across threads, and makes
    concurrent processes wait for each other instead of failing. Saves run in one
    `BEGIN IMMEDIATE` transaction, so they need no lock of their own; `lock()` is the same
    sidecar flock on `<path>.lock` as `FileStore`'s.
    """

    def __init__(self, path: str | Path, table: str = "apitest_tokens") -> None:
        if not IDENTIFIER.fullmatch(table):
            raise UsageError(
                f"the SQLite token table name {clip(repr(table))} is not an identifier; "
                "use letters, digits and underscores, not starting with a digit"
            )
        super().__init__(path)
        self.table = table
        self._ready = False

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r}, table={self.table!r})"

    def where(self) -> str:
        return f"{self.path} (table {self.table})"

    def find_token(self, key: str) -> Token | None:
        return self._one(f"SELECT {_COLUMNS} FROM {self.table} WHERE key = ?", key)

    def find_token_by_id(self, token_id: str) -> Token | None:
        return self._one(f"SELECT {_COLUMNS} FROM {self.table} WHERE id = ?", token_id)

    def get_tokens(self) -> list[Token]:
        with self._connect() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM {self.table} ORDER BY rowid").fetchall()
        return [self._token(row) for row in rows]

    def save_token(self, token: Token) -> Token:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # the read and the write form one transaction
            with db:  # commits, or rolls back on an exception
                known = db.execute(f"SELECT id FROM {self.table} WHERE key = ?", (token.key,))
                row = known.fetchone()
                used = db.execute(f"SELECT id FROM {self.table} WHERE id = ?", (token.id,))
                taken = {token.id} if used.fetchone() else set()
                stored = replace(token, id=choose_id(token, row and row[0], taken))
                stored = replace(stored, updated_at=time.time())
                row_values = {**asdict(stored), "scopes": json.dumps(stored.scopes)}
                marks = ", ".join("?" * len(_FIELDS))
                db.execute(
                    f"INSERT OR REPLACE INTO {self.table} ({_COLUMNS}) VALUES ({marks})",
                    tuple(row_values.values()),
                )
        return stored

    def delete_token(self, token_id: str) -> None:
        with self._connect() as db:
            db.execute(f"DELETE FROM {self.table} WHERE id = ?", (token_id,))

    def delete_tokens(self) -> None:
        with self._connect() as db:
            db.execute(f"DELETE FROM {self.table}")

    def _one(self, sql: str, value: str) -> Token | None:
        with self._connect() as db:
            row = db.execute(sql, (value,)).fetchone()
        return None if row is None else self._token(row)

    def _token(self, row: tuple[Any, ...]) -> Token:
        values = dict(zip(_FIELDS, row, strict=True))
        try:
            values["scopes"] = json.loads(values["scopes"] or "[]")
            return token_from_row(values)
        except (TypeError, ValueError) as exc:
            raise self.unusable(exc) from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """An autocommit connection, every sqlite3 failure turned into one clear message."""
        try:
            if not self._ready:
                self._prepare()
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                yield db
            finally:
                db.close()
        except sqlite3.OperationalError as exc:  # locked too long, unwritable, wrong columns
            raise UsageError(
                f"the token store {self.where()} failed: {exc}; "
                f"check its permissions, or if it is damaged, {MEND}"
            ) from None
        except sqlite3.Error as exc:
            raise UsageError(
                f"the token store {self.path} is not a usable SQLite database ({exc}); {MEND}"
            ) from None

    def _prepare(self) -> None:
        """Create the file (mode 0600) and the table on first use."""
        ensure_folder(self.path.parent)
        try:
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
        except OSError as exc:
            mend = "check its permissions or choose another path"
            raise os_failure("open the token store", self.path, exc, mend) from None
        with contextlib.suppress(PermissionError):  # a file another user owns: theirs to mind
            os.chmod(self.path, 0o600)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (id TEXT PRIMARY KEY, "
                "key TEXT UNIQUE NOT NULL, access_token TEXT, refresh_token TEXT, "
                "expires_at REAL, scopes TEXT, token_type TEXT, updated_at REAL)"
            )
        finally:
            db.close()
        self._ready = True
