"""Tokens in one JSON file, replaced atomically and guarded by a file lock (stores.py)."""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from dataclasses import asdict, replace
from pathlib import Path

from apitest.auth._store_base import (
    FILE_VERSION,
    MEND,
    FileBackedStore,
    Token,
    choose_id,
    ensure_folder,
    flock,
    os_failure,
    token_from_row,
)
from apitest.errors import clip


class FileStore(FileBackedStore):
    """Tokens in one JSON file (`{"version": 1, "tokens": [...]}`), mode 0600.

    Writes go to a temporary file in the same folder and are renamed over the store, so a
    reader never sees half a file and needs no lock. A read-modify-write (save, delete) holds a
    short internal lock on `<path>.write.lock`, separate from the caller's `lock()` on
    `<path>.lock`, so saves of different keys by different processes never lose each other and
    a save made while holding `lock()` cannot deadlock.
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        self._write_lock_path = self.sidecar(".write.lock")

    def __repr__(self) -> str:
        return f"FileStore({str(self.path)!r})"

    def find_token(self, key: str) -> Token | None:
        return next((t for t in self._read() if t.key == key), None)

    def find_token_by_id(self, token_id: str) -> Token | None:
        return next((t for t in self._read() if t.id == token_id), None)

    def get_tokens(self) -> list[Token]:
        return self._read()

    def save_token(self, token: Token) -> Token:
        with flock(self._write_lock_path):
            tokens = self._read()
            known = next((t for t in tokens if t.key == token.key), None)
            new_id = choose_id(token, known.id if known else None, {t.id for t in tokens})
            stored = replace(token, id=new_id, updated_at=time.time())
            if known is None:
                tokens.append(stored)
            else:
                tokens = [stored if t.key == token.key else t for t in tokens]
            self._write(tokens)
        return stored

    def delete_token(self, token_id: str) -> None:
        with flock(self._write_lock_path):
            tokens = self._read()
            kept = [t for t in tokens if t.id != token_id]
            if len(kept) != len(tokens):
                self._write(kept)

    def delete_tokens(self) -> None:
        with flock(self._write_lock_path):
            self._write([])

    def _read(self) -> list[Token]:
        """Every token in the file; a missing file is an empty store."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except UnicodeDecodeError:
            raise self.unusable("not UTF-8 text") from None
        except OSError as exc:
            raise os_failure("read the token store", self.path, exc, f"fix it, or {MEND}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:  # its message gives a position, never content
            raise self.unusable(f"not JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
            raise self.unusable('expected an object with a "tokens" list')
        if data.get("version") != FILE_VERSION:
            raise self.unusable(f"format version {clip(repr(data.get('version')))} is not 1")
        try:
            tokens = [token_from_row(row) for row in data["tokens"]]
        except ValueError as exc:
            raise self.unusable(str(exc)) from None
        count = len(tokens)
        if len({t.key for t in tokens}) < count or len({t.id for t in tokens}) < count:
            raise self.unusable("two tokens share a key or an id")
        return tokens

    def _write(self, tokens: list[Token]) -> None:
        """Replace the file atomically: temp file (0600) in the same folder, fsync, rename."""
        payload = {"version": FILE_VERSION, "tokens": [asdict(t) for t in tokens]}
        data = json.dumps(payload, indent=2).encode("utf-8")
        ensure_folder(self.path.parent)
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            try:
                os.fchmod(fd, 0o600)  # the umask may have taken bits we need
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temp.unlink()
            mend = "check the folder's permissions and free space, or choose another path"
            raise os_failure("write the token store", self.path, exc, mend) from None
        with contextlib.suppress(OSError):  # make the rename itself durable
            folder = os.open(self.path.parent, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
