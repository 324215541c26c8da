"""Tokens in a MySQL or MariaDB table laid out as the Zoho CRM SDK's DBStore's (stores.py).

`--token-store mysql://USER@HOST:PORT/DATABASE?table=NAME` (apitest/database.py parses it; the
password comes from `APITEST_DB_PASSWORD`). What the URL leaves out takes the CRM SDK's
defaults: host localhost, port 3306, user root, database zohooauth, table oauthtoken, so a
team that already keeps its SDK tokens there points apitest at the same place.

The table is the SDK's (created if absent, used as it is when present):

    id varchar(10) NOT NULL, user_name, client_id, client_secret, refresh_token, access_token,
    grant_token varchar(255), expiry_time varchar(20), redirect_url, api_domain varchar(255),
    primary key (id)

and a Token maps onto it so:
- `id`: the row id, at most 10 characters (the caller's id when it fits and is free, else 10
  random hex digits).
- `key` -> `user_name`, the column the SDK looks tokens up by. apitest's key is
  "profile|client_id|token_url"; one longer than the column (255) is stored as
  "sha256:<hex digest>", which finds the same row every time (get_tokens then shows the digest).
- `access_token`, `refresh_token` -> the same columns. A value longer than its column is
  refused before anything is written: in MySQL's non-strict mode a varchar silently keeps the
  first 255 characters, and a cut token fails later, far from its cause.
- `expires_at` -> `expiry_time` as the SDK writes it: epoch milliseconds, as text.
- `client_secret` and `grant_token` stay NULL: apitest never stores a client secret, and a grant
  token is spent once used. `client_id`, `redirect_url`, `api_domain` stay NULL too.
- `scopes`, `token_type`, `updated_at` have no column in the SDK's layout. When apitest creates
  the table it adds three nullable columns after the SDK's ten: `apitest_scopes` (JSON list),
  `apitest_token_type`, `apitest_updated_at` (epoch ms, text): the SDK reads its ten columns as
  ever. A table that already exists is never altered; without those columns the scopes read as
  unknown and `updated_at` as 0, so refresh-ahead keeps its full 60 s margin.

`lock()` is the database's own named lock (GET_LOCK), held on a connection of its own for as
long as the caller refreshes: processes on different machines sharing the database refresh one
at a time, and a process that dies holding it loses its connection, which frees the lock.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, closing, contextmanager, suppress
from dataclasses import replace
from types import TracebackType
from typing import Any

from apitest.auth._store_base import MEND, Token, token_from_row
from apitest.database import DatabaseURL, connect, driver, failures, parse_url, seconds
from apitest.errors import UsageError

OPTION = "--token-store"
DEFAULT_DATABASE = "zohooauth"
DEFAULT_TABLE = "oauthtoken"
LOCK_TIMEOUT_OPTION = "lock-timeout"
DEFAULT_LOCK_TIMEOUT_S = 60.0
"""How long a process waits while another refreshes (a refresh takes a second or two)."""
ID_LENGTH = 10
CRM_COLUMNS = (
    ("id", "varchar(10) NOT NULL"),
    ("user_name", "varchar(255)"),
    ("client_id", "varchar(255)"),
    ("client_secret", "varchar(255)"),
    ("refresh_token", "varchar(255)"),
    ("access_token", "varchar(255)"),
    ("grant_token", "varchar(255)"),
    ("expiry_time", "varchar(20)"),
    ("redirect_url", "varchar(255)"),
    ("api_domain", "varchar(255)"),
)
"""The Zoho CRM SDK's DBStore table, column for column."""
OWN_COLUMNS = (
    ("apitest_scopes", "text"),
    ("apitest_token_type", "varchar(40)"),
    ("apitest_updated_at", "varchar(20)"),
)
"""Added after the SDK's columns when apitest creates the table (never to an existing one)."""
_READ = ("id", "user_name", "access_token", "refresh_token", "expiry_time")


class MySQLStore:
    """Tokens in one MySQL/MariaDB table; a connection per call (safe across threads), each
    driver failure one UsageError naming --token-store and the URL (never the password)."""

    def __init__(self, url: DatabaseURL) -> None:
        self.url = url
        self.lock_timeout = _lock_timeout(url)
        self._prepared = threading.Lock()
        self._columns: dict[str, int | None] = {}
        """The table's columns -> their length in characters (None: unbounded), once read."""

    @classmethod
    def from_url(cls, text: str, environ: Mapping[str, str] | None = None) -> MySQLStore:
        """The store `--token-store TEXT` names, its table ready (created if absent): a wrong
        URL, password or server shows before the run starts, not at its first token."""
        url = parse_url(
            text,
            option=OPTION,
            default_database=DEFAULT_DATABASE,
            default_table=DEFAULT_TABLE,
            extra=(LOCK_TIMEOUT_OPTION,),
            environ=environ,
        )
        store = cls(url)  # a missing driver is said by prepare's first connect
        store.prepare()
        return store

    def __repr__(self) -> str:
        return f"MySQLStore({str(self.url)!r})"

    def lock_name(self, purpose: str = "refresh") -> str:
        """A server-wide lock name for this database and table (MySQL allows 64 characters:
        a longer one is shortened to a digest of it)."""
        name = f"apitest-{purpose}:{self.url.database}.{self.url.table}"
        if len(name) <= 64:
            return name
        prefix = f"apitest-{purpose}:"
        return prefix + hashlib.sha256(name.encode()).hexdigest()[: 64 - len(prefix)]

    def lock(self) -> AbstractContextManager[None]:
        return _DatabaseLock(self, self.lock_name())

    def find_token(self, key: str) -> Token | None:
        rows = self._select("WHERE user_name = %s ORDER BY id LIMIT 1", self._user_name(key))
        return rows[0] if rows else None

    def find_token_by_id(self, token_id: str) -> Token | None:
        rows = self._select("WHERE id = %s", token_id)
        return rows[0] if rows else None

    def get_tokens(self) -> list[Token]:
        return self._select("ORDER BY id")

    def save_token(self, token: Token) -> Token:
        """Insert or replace the row of `token.key`, under a short write lock of its own (the
        SDK's table has no unique user_name, so two first saves of one key must not race)."""
        # times as the columns keep them (whole milliseconds): what is saved is what is read
        expires_at = None if token.expires_at is None else round(token.expires_at * 1000) / 1000
        stored = replace(token, expires_at=expires_at, updated_at=round(time.time() * 1000) / 1000)
        values = self._row(stored)
        with self._connection("saving a token") as db, _named(db, self.lock_name("save"), self):
            known = self._scalar(db, "SELECT id FROM {t} WHERE user_name = %s", values["user_name"])
            stored = replace(stored, id=known or self._new_id(db, token.id))
            values["id"] = stored.id
            names, marks = ", ".join(values), ", ".join(["%s"] * len(values))
            updates = ", ".join(f"{name} = VALUES({name})" for name in values if name != "id")
            with db.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {self._table} ({names}) VALUES ({marks}) "
                    f"ON DUPLICATE KEY UPDATE {updates}",
                    tuple(values.values()),
                )
        return stored

    def delete_token(self, token_id: str) -> None:
        with self._connection("deleting a token") as db, db.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self._table} WHERE id = %s", (token_id,))

    def delete_tokens(self) -> None:
        """Every row of the table, as the SDK's delete_tokens (a table shared with the SDK
        loses the SDK's tokens too: give apitest a ?table= of its own if that matters)."""
        with self._connection("deleting the tokens") as db, db.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self._table}")

    def prepare(self) -> None:
        """Learn the table's columns and their lengths (once), creating it first if absent.
        An existing table needs no CREATE right: a user limited to reading and writing rows
        of the SDK's table can use it."""
        with self._prepared:
            if self._columns:
                return
            with self._connection("reading the token table's layout", prepare=False) as db:
                found = self._layout(db)
                if not found:
                    columns = ", ".join(f"{n} {kind}" for n, kind in CRM_COLUMNS + OWN_COLUMNS)
                    creating = failures(self.url, OPTION, "creating the token table")
                    with creating, db.cursor() as cursor:
                        cursor.execute(
                            f"CREATE TABLE IF NOT EXISTS {self._table} ({columns}, "
                            "primary key (id))"
                        )
                    found = self._layout(db)
            missing = [name for name, _ in CRM_COLUMNS if name not in found]
            if missing:
                raise UsageError(
                    f"{OPTION} {self.url}: the table {self.url.table} lacks the column(s) "
                    f"{', '.join(missing)} of the Zoho CRM SDK's token table; name a table of "
                    "that layout, or a new one (apitest creates it), with ?table="
                )
            self._columns = {k: None if v is None else int(v) for k, v in found.items()}

    def _layout(self, db: Any) -> dict[str, Any]:
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT COLUMN_NAME, CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                (self.url.database, self.url.table),
            )
            return {str(name).lower(): length for name, length in cursor.fetchall()}

    @property
    def _table(self) -> str:
        return f"`{self.url.table}`"

    @property
    def columns(self) -> dict[str, int | None]:
        """The table's columns and their lengths, read (the table made) on first use."""
        self.prepare()
        return self._columns

    def _own(self, name: str) -> bool:
        return name in self.columns

    def _select(self, where: str, *args: str) -> list[Token]:
        own = [name for name, _ in OWN_COLUMNS if self._own(name)]
        names = ", ".join((*_READ, *own))
        with self._connection("reading the tokens") as db, db.cursor() as cursor:
            cursor.execute(f"SELECT {names} FROM {self._table} {where}", args)
            rows = cursor.fetchall()
        return [self._token(dict(zip((*_READ, *own), row, strict=True))) for row in rows]

    def _token(self, row: dict[str, Any]) -> Token:
        try:
            scopes = json.loads(row.get("apitest_scopes") or "[]")
            return token_from_row(
                {
                    "id": row["id"],
                    "key": row["user_name"] or "",
                    "access_token": row["access_token"],
                    "refresh_token": row["refresh_token"],
                    "expires_at": _from_millis(row["expiry_time"]),
                    "scopes": scopes,
                    "token_type": row.get("apitest_token_type"),
                    "updated_at": _from_millis(row.get("apitest_updated_at")) or 0.0,
                }
            )
        except (TypeError, ValueError) as exc:
            raise UsageError(
                f"{OPTION} {self.url}: the row {row['id']!r} of table {self.url.table} is "
                f"unusable ({exc}); delete that row ({MEND})"
            ) from None

    def _row(self, token: Token) -> dict[str, Any]:
        """The columns of `token`, each checked to fit (a value never shown: only its length)."""
        values: dict[str, Any] = {
            "id": token.id,
            "user_name": self._user_name(token.key),
            "access_token": token.access_token,
            "refresh_token": token.refresh_token,
            "expiry_time": _millis(token.expires_at),
            "client_secret": None,
            "grant_token": None,
        }
        if self._own("apitest_scopes"):
            values["apitest_scopes"] = json.dumps(list(token.scopes))
            values["apitest_token_type"] = token.token_type
            values["apitest_updated_at"] = _millis(token.updated_at)
        for name in ("access_token", "refresh_token", "apitest_token_type"):
            limit, value = self.columns.get(name), values.get(name)
            if isinstance(value, str) and limit is not None and len(value) > limit:
                raise UsageError(
                    f"{OPTION} {self.url}: the {name.replace('_', ' ')} is {len(value)} "
                    f"characters, longer than the column {self.url.table}.{name} "
                    f"({limit}); storing it would cut it, so nothing was stored: widen the "
                    f"column (ALTER TABLE {self.url.table} MODIFY {name} varchar(4096))"
                )
        return values

    def _user_name(self, key: str) -> str:
        limit = self.columns.get("user_name") or 255
        return key if len(key) <= limit else "sha256:" + hashlib.sha256(key.encode()).hexdigest()

    def _new_id(self, db: Any, wanted: str) -> str:
        """The caller's id when it fits the column and is free, else 10 random hex digits that
        are free (a taken id would make the upsert overwrite another key's row)."""
        candidate = wanted if wanted and len(wanted) <= ID_LENGTH else ""
        while not candidate or self._scalar(db, "SELECT id FROM {t} WHERE id = %s", candidate):
            candidate = secrets.token_hex(ID_LENGTH // 2)
        return candidate

    def _scalar(self, db: Any, sql: str, value: str) -> Any:
        with db.cursor() as cursor:
            cursor.execute(sql.format(t=self._table), (value,))
            row = cursor.fetchone()
        return None if row is None else row[0]

    @contextmanager
    def _connection(
        self, doing: str, *, prepare: bool = True, read_timeout: float | None = None
    ) -> Iterator[Any]:
        if prepare:
            self.prepare()
        with (
            closing(connect(self.url, option=OPTION, read_timeout=read_timeout)) as db,
            failures(self.url, OPTION, doing),
        ):
            yield db


class _DatabaseLock:
    """`GET_LOCK(name)` held on a connection of its own from enter to exit.

    Enter and exit may run on different threads (the OAuth source takes and leaves the lock
    through `asyncio.to_thread`): the server ties the lock to the connection, not to a thread,
    and the two calls never overlap, so handing the connection from one thread to the next is
    safe. Exit releases the lock and closes the connection, also when the refresh raised.
    """

    def __init__(self, store: MySQLStore, name: str) -> None:
        self._store = store
        self._name = name
        self._db: Any = None

    def __enter__(self) -> None:
        store = self._store
        wait = store.lock_timeout + store.url.read_timeout
        db = connect(store.url, option=OPTION, read_timeout=wait)
        try:
            _acquire(db, self._name, store)
        except BaseException:
            db.close()
            raise
        self._db = db

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        db, self._db = self._db, None
        if db is not None:
            _release(db, self._name)


def _acquire(db: Any, name: str, store: MySQLStore) -> None:
    """Wait up to the store's lock timeout for `name`, or one message saying who to look at."""
    with failures(store.url, OPTION, "waiting for the token lock"), db.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, %s)", (name, store.lock_timeout))
        got = cursor.fetchone()[0]
    if got != 1:
        raise UsageError(
            f"{OPTION} {store.url}: waited {store.lock_timeout:g} s for the token lock "
            f"{name!r}, which another process holds while it refreshes or saves a token (that "
            f"takes seconds); find it with SELECT IS_USED_LOCK('{name}') (its connection id, for "
            f"KILL) if it hangs, or wait longer with ?{LOCK_TIMEOUT_OPTION}=SECONDS"
        )


def _release(db: Any, name: str) -> None:
    """RELEASE_LOCK, then close: closing alone frees the lock too, so a failure of the first
    (a connection the server dropped) changes nothing."""
    try:
        _release_lock(db, name)
    finally:
        with suppress(driver().err.Error):
            db.close()


@contextmanager
def _named(db: Any, name: str, store: MySQLStore) -> Iterator[None]:
    """A short named lock on `db` (the save's own), released on the way out."""
    _acquire(db, name, store)
    try:
        yield
    finally:
        _release_lock(db, name)


def _release_lock(db: Any, name: str) -> None:
    """RELEASE_LOCK(name) on `db`; a failure is let go (the lock dies with the connection)."""
    with suppress(driver().err.Error), db.cursor() as cursor:
        cursor.execute("SELECT RELEASE_LOCK(%s)", (name,))


def _lock_timeout(url: DatabaseURL) -> float:
    text = url.option(LOCK_TIMEOUT_OPTION)
    if text is None:
        return DEFAULT_LOCK_TIMEOUT_S
    return seconds(text, LOCK_TIMEOUT_OPTION, f"{OPTION} {url}")


def _millis(seconds: float | None) -> str | None:
    return None if seconds is None else str(round(seconds * 1000))


def _from_millis(millis: object) -> float | None:
    """Epoch milliseconds as text (the SDK's expiry_time) -> seconds; None stays None."""
    if millis is None or millis == "":
        return None
    if not isinstance(millis, str | int) or not str(millis).strip().isdigit():
        raise ValueError("expiry_time is not epoch milliseconds")
    return int(millis) / 1000
