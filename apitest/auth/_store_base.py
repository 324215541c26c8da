"""What every token store shares: the Token record, the TokenStore protocol, and what the file
and SQLite stores share (`FileBackedStore`: the path, the caller's lock, the message for a store
that cannot be read; a cross-process file lock, private folders, row checks).
stores.py is the public face; see its docstring for why stores lock."""

from __future__ import annotations

import fcntl
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from apitest.errors import UsageError

FILE_VERSION = 1
METHODS: tuple[str, ...] = ("find_token", "find_token_by_id", "save_token", "get_tokens")
METHODS += ("delete_token", "delete_tokens")
"""What a custom store must provide; `lock()` is optional (see `_CustomStore`)."""

MEND = "delete it to start afresh; tokens will be fetched again"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass(frozen=True)
class Token:
    """One stored token; the secret fields are left out of `repr` so logs cannot leak them."""

    id: str
    key: str
    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None
    scopes: tuple[str, ...] = ()
    token_type: str | None = None
    updated_at: float = 0.0


class TokenStore(Protocol):
    """Token persistence; `key` is opaque to stores (the caller builds it)."""

    def find_token(self, key: str) -> Token | None: ...
    def save_token(self, token: Token) -> Token: ...
    def delete_token(self, token_id: str) -> None: ...
    def get_tokens(self) -> list[Token]: ...
    def delete_tokens(self) -> None: ...
    def find_token_by_id(self, token_id: str) -> Token | None: ...
    def lock(self) -> AbstractContextManager[None]: ...


def os_failure(what: str, path: Path, exc: OSError, mend: str) -> UsageError:
    return UsageError(f"cannot {what} {path}: {exc.strerror or exc}; {mend}")


def ensure_folder(folder: Path) -> None:
    """Create missing folders with mode 0700 one by one (`mkdir(parents=True)` applies `mode`
    to the last folder only), since they hold secrets."""
    for each in reversed([folder, *folder.parents]):
        if not each.is_dir():
            try:
                each.mkdir(mode=0o700, exist_ok=True)
            except OSError as exc:
                raise os_failure(
                    "create the token store folder", each, exc, "create it or choose another path"
                ) from None


@contextmanager
def flock(path: Path) -> Iterator[None]:
    """Hold an exclusive `flock` on `path`, created with mode 0600 if missing.

    The file is opened anew on each call: flock locks belong to an open file description, so
    two descriptions conflict whether they are in two processes or two threads of one.
    """
    ensure_folder(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise os_failure(
            "open the token store lock file", path, exc, "check the folder's permissions"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


class FileBackedStore:
    """The part of a store that lives in a file the user named: the path (`~` expanded), the
    caller's `lock()` as an flock on the sidecar `<path>.lock` (so both kinds lock alike, and
    swapping one for the other changes nothing for whoever waits), and the one message for a
    store whose content cannot be read.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self._lock_path = self.sidecar(".lock")

    def sidecar(self, suffix: str) -> Path:
        """A file beside the store: `<path><suffix>`."""
        return self.path.with_name(self.path.name + suffix)

    def lock(self) -> AbstractContextManager[None]:
        return flock(self._lock_path)

    def where(self) -> str:
        """How messages name the store."""
        return str(self.path)

    def unusable(self, why: object) -> UsageError:
        return UsageError(f"the token store {self.where()} is unusable ({why}); {MEND}")


def choose_id(token: Token, known_id: str | None, taken: set[str]) -> str:
    """A known key keeps its row id; otherwise the caller's id if free, else a new uuid4 hex."""
    if known_id is not None:
        return known_id
    if token.id and token.id not in taken:
        return token.id
    return uuid.uuid4().hex


def optional(row: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = row.get(name)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise ValueError(f"field {name!r} has the wrong type")
    return value


def token_from_row(row: object) -> Token:
    """A Token from one JSON row, checked field by field (messages never quote values)."""
    if not isinstance(row, dict):
        raise ValueError("a token entry is not an object")
    if not isinstance(row.get("id"), str) or not row["id"] or not isinstance(row.get("key"), str):
        raise ValueError("a token entry lacks its 'id' or 'key'")
    scopes = row.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise ValueError("field 'scopes' is not a list of strings")
    expires_at = optional(row, "expires_at", (int, float))
    return Token(
        id=row["id"],
        key=row["key"],
        access_token=optional(row, "access_token", str),
        refresh_token=optional(row, "refresh_token", str),
        expires_at=None if expires_at is None else float(expires_at),
        scopes=tuple(scopes),
        token_type=optional(row, "token_type", str),
        updated_at=float(optional(row, "updated_at", (int, float)) or 0.0),
    )
