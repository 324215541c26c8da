"""Where OAuth2 tokens live between runs: a JSON file, a SQLite database, a MySQL/MariaDB table
shared across machines, or the user's own class.

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
import importlib
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from apitest.auth._file_store import FileStore
from apitest.auth._mysql_store import MySQLStore
from apitest.auth._sqlite_store import SQLiteStore
from apitest.auth._store_base import METHODS, Token, TokenStore
from apitest.database import is_database_url, shown
from apitest.errors import ApitestError, UsageError, clip

__all__ = [
    "FileStore",
    "MySQLStore",
    "SQLiteStore",
    "Token",
    "TokenStore",
    "load_store",
    "unlocked_class",
]


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
                f"{clip(str(exc))}; fix the class, or use --token-store file, sqlite or mysql://..."
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
            f"--token-store {clip(dotted)}: expected file, sqlite, mysql://USER@HOST/DATABASE, "
            "or the dotted path of a class such as mypackage.stores:VaultStore"
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
    """The store `--token-store` names: "file", "sqlite", a mysql:// (or mariadb://) URL, or a
    custom class's dotted path.

    A custom class is instantiated with no arguments, or with `path=` when a path is given. A
    database URL names everything itself: a path beside it is refused rather than ignored.
    """
    if is_database_url(spec):
        if path is not None:
            raise UsageError(
                f"--token-store {shown(spec)} keeps tokens in the database the URL names, so "
                f"--token-store-path (or [auth] store_path) {clip(path)} means nothing for it; "
                "drop the path, or name the table with ?table="
            )
        return MySQLStore.from_url(spec)
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
