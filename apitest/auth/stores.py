"""Where OAuth2 tokens live between runs: a JSON file, a SQLite database, or the user's own class.

Tokens must outlive a run and be shared by parallel processes (pytest-xdist workers, several CLI
runs at once) because refresh tokens may rotate: a refresh spends the old refresh token, so two
processes refreshing on their own would lock each other out. Every store therefore offers
`lock()`, an exclusive lock across processes and threads that a caller holds while it reads,
refreshes and saves, so one refresh serves every process.

The protocol follows the Zoho CRM SDK's token store (find/save/delete by key and by id), which
users of such SDKs already know how to implement for their own storage.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import json
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Protocol

from apitest.errors import ApitestError, UsageError, clip

FILE_VERSION = 1
METHODS: tuple[str, ...] = ("find_token", "find_token_by_id", "save_token", "get_tokens")
METHODS += ("delete_token", "delete_tokens")
"""What a custom store must provide; `lock()` is optional (see `_CustomStore`)."""

_MEND = "delete it to start afresh; tokens will be fetched again"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


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


def _os_failure(what: str, path: Path, exc: OSError, mend: str) -> UsageError:
    return UsageError(f"cannot {what} {path}: {exc.strerror or exc}; {mend}")


def _ensure_folder(folder: Path) -> None:
    """Create missing folders with mode 0700 one by one (`mkdir(parents=True)` applies `mode`
    to the last folder only), since they hold secrets."""
    for each in reversed([folder, *folder.parents]):
        if not each.is_dir():
            try:
                each.mkdir(mode=0o700, exist_ok=True)
            except OSError as exc:
                raise _os_failure(
                    "create the token store folder", each, exc, "create it or choose another path"
                ) from None


@contextmanager
def _flock(path: Path) -> Iterator[None]:
    """Hold an exclusive `flock` on `path`, created with mode 0600 if missing.

    The file is opened anew on each call: flock locks belong to an open file description, so
    two descriptions conflict whether they are in two processes or two threads of one.
    """
    _ensure_folder(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise _os_failure(
            "open the token store lock file", path, exc, "check the folder's permissions"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def _choose_id(token: Token, known_id: str | None, taken: set[str]) -> str:
    """A known key keeps its row id; otherwise the caller's id if free, else a new uuid4 hex."""
    if known_id is not None:
        return known_id
    if token.id and token.id not in taken:
        return token.id
    return uuid.uuid4().hex


def _optional(row: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = row.get(name)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise ValueError(f"field {name!r} has the wrong type")
    return value


def _token_from_row(row: object) -> Token:
    """A Token from one JSON row, checked field by field (messages never quote values)."""
    if not isinstance(row, dict):
        raise ValueError("a token entry is not an object")
    if not isinstance(row.get("id"), str) or not row["id"] or not isinstance(row.get("key"), str):
        raise ValueError("a token entry lacks its 'id' or 'key'")
    scopes = row.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise ValueError("field 'scopes' is not a list of strings")
    expires_at = _optional(row, "expires_at", (int, float))
    return Token(
        id=row["id"],
        key=row["key"],
        access_token=_optional(row, "access_token", str),
        refresh_token=_optional(row, "refresh_token", str),
        expires_at=None if expires_at is None else float(expires_at),
        scopes=tuple(scopes),
        token_type=_optional(row, "token_type", str),
        updated_at=float(_optional(row, "updated_at", (int, float)) or 0.0),
    )


class FileStore:
    """Tokens in one JSON file (`{"version": 1, "tokens": [...]}`), mode 0600.

    Writes go to a temporary file in the same folder and are renamed over the store, so a
    reader never sees half a file and needs no lock. A read-modify-write (save, delete) holds a
    short internal lock on `<path>.write.lock`, separate from the caller's `lock()` on
    `<path>.lock`, so saves of different keys by different processes never lose each other and
    a save made while holding `lock()` cannot deadlock.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._write_lock_path = self.path.with_name(self.path.name + ".write.lock")

    def __repr__(self) -> str:
        return f"FileStore({str(self.path)!r})"

    def lock(self) -> AbstractContextManager[None]:
        return _flock(self._lock_path)

    def find_token(self, key: str) -> Token | None:
        return next((t for t in self._read() if t.key == key), None)

    def find_token_by_id(self, token_id: str) -> Token | None:
        return next((t for t in self._read() if t.id == token_id), None)

    def get_tokens(self) -> list[Token]:
        return self._read()

    def save_token(self, token: Token) -> Token:
        with _flock(self._write_lock_path):
            tokens = self._read()
            known = next((t for t in tokens if t.key == token.key), None)
            new_id = _choose_id(token, known.id if known else None, {t.id for t in tokens})
            stored = replace(token, id=new_id, updated_at=time.time())
            if known is None:
                tokens.append(stored)
            else:
                tokens = [stored if t.key == token.key else t for t in tokens]
            self._write(tokens)
        return stored

    def delete_token(self, token_id: str) -> None:
        with _flock(self._write_lock_path):
            tokens = self._read()
            kept = [t for t in tokens if t.id != token_id]
            if len(kept) != len(tokens):
                self._write(kept)

    def delete_tokens(self) -> None:
        with _flock(self._write_lock_path):
            self._write([])

    def _corrupt(self, why: str) -> UsageError:
        return UsageError(f"the token store {self.path} is unusable ({why}); {_MEND}")

    def _read(self) -> list[Token]:
        """Every token in the file; a missing file is an empty store."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except UnicodeDecodeError:
            raise self._corrupt("not UTF-8 text") from None
        except OSError as exc:
            raise _os_failure(
                "read the token store", self.path, exc, f"fix it, or {_MEND}"
            ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:  # its message gives a position, never content
            raise self._corrupt(f"not JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
            raise self._corrupt('expected an object with a "tokens" list')
        if data.get("version") != FILE_VERSION:
            raise self._corrupt(f"format version {clip(repr(data.get('version')))} is not 1")
        try:
            tokens = [_token_from_row(row) for row in data["tokens"]]
        except ValueError as exc:
            raise self._corrupt(str(exc)) from None
        count = len(tokens)
        if len({t.key for t in tokens}) < count or len({t.id for t in tokens}) < count:
            raise self._corrupt("two tokens share a key or an id")
        return tokens

    def _write(self, tokens: list[Token]) -> None:
        """Replace the file atomically: temp file (0600) in the same folder, fsync, rename."""
        payload = {"version": FILE_VERSION, "tokens": [asdict(t) for t in tokens]}
        data = json.dumps(payload, indent=2).encode("utf-8")
        _ensure_folder(self.path.parent)
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
            raise _os_failure("write the token store", self.path, exc, mend) from None
        with contextlib.suppress(OSError):  # make the rename itself durable
            folder = os.open(self.path.parent, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)


_FIELDS = tuple(item.name for item in fields(Token))
_COLUMNS = ", ".join(_FIELDS)


class SQLiteStore:
    """Tokens in one table of a SQLite database (stdlib `sqlite3`), the file mode 0600.

    A connection per call, with `timeout=30`, keeps the store safe across threads, and makes
    concurrent processes wait for each other instead of failing. Saves run in one
    `BEGIN IMMEDIATE` transaction, so they need no lock of their own; `lock()` is the same
    sidecar flock on `<path>.lock` as `FileStore`'s.
    """

    def __init__(self, path: str | Path, table: str = "apitest_tokens") -> None:
        if not _IDENTIFIER.fullmatch(table):
            raise UsageError(
                f"the SQLite token table name {clip(repr(table))} is not an identifier; "
                "use letters, digits and underscores, not starting with a digit"
            )
        self.path = Path(path).expanduser()
        self.table = table
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._ready = False

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r}, table={self.table!r})"

    def lock(self) -> AbstractContextManager[None]:
        return _flock(self._lock_path)

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
                stored = replace(token, id=_choose_id(token, row and row[0], taken))
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
            return _token_from_row(values)
        except (TypeError, ValueError) as exc:
            raise UsageError(
                f"the token store {self.path} (table {self.table}) is unusable ({exc}); {_MEND}"
            ) from None

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
                f"the token store {self.path} (table {self.table}) failed: {exc}; "
                f"check its permissions, or if it is damaged, {_MEND}"
            ) from None
        except sqlite3.Error as exc:
            raise UsageError(
                f"the token store {self.path} is not a usable SQLite database ({exc}); {_MEND}"
            ) from None

    def _prepare(self) -> None:
        """Create the file (mode 0600) and the table on first use."""
        _ensure_folder(self.path.parent)
        try:
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
        except OSError as exc:
            mend = "check its permissions or choose another path"
            raise _os_failure("open the token store", self.path, exc, mend) from None
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


class _CustomStore:
    """A user's store class behind the full protocol.

    `lock()` is optional for custom stores: when the class has none, `lock()` here is a no-op
    context manager, so parallel processes get no exclusion and may each refresh a rotating
    refresh token; give the class a `lock()` to prevent that. A run with such a store says so
    (`unlocked_class`, auth/notices.py), since the failure it invites is otherwise silent.
    A `save_token` that returns no Token (as the CRM SDK's returns None) counts as storing the
    token as given. Exceptions from the user's code become one `UsageError` naming
    `--token-store`, never a traceback.
    """

    def __init__(self, store: Any, dotted: str) -> None:
        self._store = store
        self._dotted = dotted

    def __repr__(self) -> str:
        return f"_CustomStore({self._dotted!r})"

    @property
    def name(self) -> str:
        return self._dotted

    @property
    def has_lock(self) -> bool:
        return callable(getattr(self._store, "lock", None))

    def lock(self) -> AbstractContextManager[None]:
        if not self.has_lock:
            return contextlib.nullcontext()
        return self._call("lock")  # type: ignore[no-any-return]

    def find_token(self, key: str) -> Token | None:
        return self._call("find_token", key)  # type: ignore[no-any-return]

    def find_token_by_id(self, token_id: str) -> Token | None:
        return self._call("find_token_by_id", token_id)  # type: ignore[no-any-return]

    def save_token(self, token: Token) -> Token:
        stored = self._call("save_token", token)
        return stored if isinstance(stored, Token) else token

    def get_tokens(self) -> list[Token]:
        return list(self._call("get_tokens"))

    def delete_token(self, token_id: str) -> None:
        self._call("delete_token", token_id)

    def delete_tokens(self) -> None:
        self._call("delete_tokens")

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self._store, method)(*args)
        except ApitestError:
            raise
        except Exception as exc:
            raise UsageError(
                f"--token-store {self._dotted}: {method}() raised {type(exc).__name__}: "
                f"{clip(str(exc))}; fix the class, or use --token-store file or sqlite"
            ) from None


def unlocked_class(store: TokenStore) -> str | None:
    """The `--token-store` class named when `store` is a custom class without `lock()`; None
    for every store that excludes other processes (file, sqlite) or is shared by none (memory)."""
    if isinstance(store, _CustomStore) and not store.has_lock:
        return store.name
    return None


def _import_class(dotted: str) -> type:
    """The class a dotted path names: `package.module:Class` or `package.module.Class`."""
    module_name, sep, class_name = dotted.partition(":")
    if not sep:
        module_name, _, class_name = dotted.rpartition(".")
    if not module_name or not class_name:
        raise UsageError(
            f"--token-store {clip(dotted)}: expected file, sqlite, or the dotted path of a class "
            "such as mypackage.stores:VaultStore"
        )
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or module_name
        raise UsageError(
            f"--token-store {clip(dotted)}: cannot import module {missing!r}; check the spelling "
            "and that it is installed or on PYTHONPATH"
        ) from None
    except Exception as exc:  # the user's module itself failed while importing
        raise UsageError(
            f"--token-store {clip(dotted)}: importing {module_name!r} failed with "
            f"{type(exc).__name__}: {clip(str(exc))}"
        ) from None
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise UsageError(
            f"--token-store {clip(dotted)}: module {module_name!r} has no class {class_name!r}"
        )
    return cls


def load_store(spec: str, path: str | None, *, default_folder: Path) -> TokenStore:
    """The store `--token-store` names: "file", "sqlite" or a custom class's dotted path.

    A custom class is instantiated with no arguments, or with `path=` when a path is given.
    """
    if spec == "file":
        return FileStore(path or default_folder / "tokens.json")
    if spec == "sqlite":
        return SQLiteStore(path or default_folder / "tokens.db")
    cls = _import_class(spec)
    missing = [name for name in METHODS if not callable(getattr(cls, name, None))]
    if missing:
        raise UsageError(
            f"--token-store {clip(spec)}: class {cls.__name__} lacks {', '.join(missing)}; "
            f"a token store needs {', '.join(METHODS)} (and optionally lock)"
        )
    try:
        store = cls() if path is None else cls(path=path)
    except Exception as exc:
        how = "with no arguments" if path is None else "with path="
        raise UsageError(
            f"--token-store {clip(spec)}: creating {cls.__name__} {how} failed with "
            f"{type(exc).__name__}: {clip(str(exc))}"
        ) from None
    return _CustomStore(store, spec)
