"""`<throttling>` shared across machines: CI runners, shards and their workers, through MySQL or
MariaDB (`--throttle-store mysql://user@host:port/db?table=apitest_throttle`).

The same slots as the per-machine file window (throttle_shared.py): a row per call, in flight
with a deadline (in case its process dies) or answered and counted from the answer for the
window's duration. At most `threshold` calls in any `duration_s`, across every process and
machine using the same database, table and key.

Time is the DATABASE SERVER's clock (`UNIX_TIMESTAMP(NOW(6))`, in UTC so no daylight-saving
jump is seen): the machines' own clocks differ by whatever their NTP allows, and a window
compared across clocks that disagree by 0.3 s lets 0.3 s worth of extra calls through. Every
timestamp is written and compared inside SQL, so no machine's clock enters the count.

Exclusion is a transaction holding a row lock (`SELECT ... FOR UPDATE`) on the key's own lock
row (slot ''), not `GET_LOCK`: the lock and the writes it guards commit or roll back together,
so a process killed between counting and inserting leaves nothing half-done (the server rolls
back and drops the lock with the dead connection). `GET_LOCK` dies with its connection too,
but the statements under it commit one by one, and it is local to one server: the nodes of a
Galera cluster or a group replication do not see it, where a row lock's conflict surfaces as a
deadlock error, which is tried again. READ COMMITTED, so every statement reads what others
committed (no gap locks, no stale snapshot).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from apitest.database import DatabaseURL, connect, driver_text, parse_url
from apitest.engine.http.throttle_shared import IN_FLIGHT_DEADLINE_S
from apitest.errors import UsageError

if TYPE_CHECKING:
    import pymysql

    Connection = pymysql.connections.Connection[Any]
_POLL_S = 0.05
_IDLE_KEPT = 8
"""Connections a process keeps open between calls (more are opened when more calls wait at
once, and closed when they return)."""
_RETRIED = {1205, 1213}
"""Lock wait timeout and deadlock: the transaction is rolled back, so it is simply tried again."""
_RETRIES = 30
"""At most this many in a row (5 minutes of 10 s lock waits: a peer stuck holding the lock
row), then the call is an error rather than a hang."""
_NOW = "UNIX_TIMESTAMP(NOW(6))"
DEFAULT_TABLE = "apitest_throttle"
_T = TypeVar("_T")


def table_sql(table: str) -> str:
    """The slots table: one row per call (`slot`), plus one lock row per key (slot '')."""
    return (
        f"CREATE TABLE IF NOT EXISTS `{table}` ("
        " window_key CHAR(64) NOT NULL,"
        " slot VARCHAR(32) NOT NULL,"
        " ended DOUBLE NULL COMMENT 'server time the call was answered; NULL in flight',"
        " deadline DOUBLE NOT NULL COMMENT 'server time an unanswered slot stops counting',"
        " PRIMARY KEY (window_key, slot)"
        ") ENGINE=InnoDB"
    )


class ConnectionPool:
    """A process's connections to the throttle store, reused call after call (opening one per
    call would cost a TCP and auth handshake each). A connection serves one thread at a time;
    one that failed is closed, never handed out again."""

    def __init__(self, connect: Callable[[], Connection], url: DatabaseURL) -> None:
        self._connect = connect
        self.url = url
        """The store, for error messages (its `str` holds no password)."""
        self.table = url.table
        self._idle: list[Connection] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._open()
        try:
            yield conn
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise
        with self._lock:
            if len(self._idle) < _IDLE_KEPT:
                self._idle.append(conn)
                return
        conn.close()

    def _open(self) -> Connection:
        conn = self._connect()  # in autocommit already (database.connect)
        with conn.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cursor.execute("SET time_zone = '+00:00'")  # no daylight-saving jumps
            # a lock row is held for milliseconds: a longer wait is a stuck peer, tried again
            cursor.execute("SET SESSION innodb_lock_wait_timeout = 10")
        return conn

    def create_table(self) -> None:
        with self.connection() as conn, conn.cursor() as cursor:
            cursor.execute(table_sql(self.table))

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            with contextlib.suppress(Exception):
                conn.close()


class DatabaseWindow:
    """At most `threshold` calls in any `duration_s`, across every machine using the store."""

    def __init__(
        self,
        pool: ConnectionPool,
        key: str,
        threshold: int,
        duration_s: float,
        deadline_s: float = IN_FLIGHT_DEADLINE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = pool
        self._key = hashlib.sha256(key.encode()).hexdigest()
        self.threshold = max(1, threshold)
        self.duration_s = duration_s
        self.deadline_s = deadline_s
        self._clock = clock
        """Only measures this process's own wait; the window itself runs on the server's."""
        self._table = f"`{pool.table}`"

    async def acquire(self) -> tuple[str, float]:
        """Wait for a free slot; returns its id (hand it to `release`) and the seconds waited."""
        started = self._clock()
        while True:
            slot, wait = await asyncio.to_thread(self._attempt, self._try_take)
            if slot is not None:
                return slot, self._clock() - started
            await asyncio.sleep(min(max(wait, 0.001), self.duration_s))

    async def release(self, slot: str) -> None:
        await asyncio.to_thread(self._attempt, lambda conn: self._answer(conn, slot))

    def _attempt(self, work: Callable[[Connection], _T]) -> _T:
        """`work` on a pooled connection; a deadlock or lock timeout is tried again, a lost
        connection once on a new one; anything else is an error of the call (its case's), with
        the store named."""
        import pymysql  # the connection's own driver: loaded already

        lost = blocked = 0
        while True:
            try:
                with self._pool.connection() as conn:
                    return work(conn)
            except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as exc:
                code = exc.args[0] if exc.args else 0
                if code in _RETRIED and blocked < _RETRIES:
                    blocked += 1
                    continue
                self._pool.close()  # a server that went away took the idle ones with it
                lost += 1
                if lost > 1:
                    raise UsageError(
                        f"the throttle store {self._pool.url} stopped answering "
                        f"({driver_text(exc, self._pool.url)}); check the server, or run "
                        "without --throttle-store"
                    ) from None
            except pymysql.err.Error as exc:
                raise UsageError(
                    f"the throttle store {self._pool.url} refused a query "
                    f"({driver_text(exc, self._pool.url)}); is the table apitest's own?"
                ) from None

    def _try_take(self, conn: Connection) -> tuple[str | None, float]:
        table, key = self._table, self._key
        conn.begin()
        try:
            with conn.cursor() as cursor:
                if not cursor.execute(
                    f"SELECT 1 FROM {table} WHERE window_key=%s AND slot='' FOR UPDATE", (key,)
                ):
                    # the key's first call: its lock row, outside any transaction, so two
                    # machines racing to add it never hold a shared lock that deadlocks
                    conn.rollback()
                    cursor.execute(f"INSERT IGNORE INTO {table} VALUES (%s, '', NULL, 0)", (key,))
                    return None, 0.0
                cursor.execute(
                    f"DELETE FROM {table} WHERE window_key=%s AND slot<>'' AND "
                    f"(ended + %s <= {_NOW} OR (ended IS NULL AND deadline <= {_NOW}))",
                    (key, self.duration_s),
                )
                cursor.execute(
                    f"SELECT COUNT(*), MIN(ended) + %s - {_NOW} FROM {table} "
                    "WHERE window_key=%s AND slot<>''",
                    (self.duration_s, key),
                )
                count, free_in = cursor.fetchone() or (0, None)
                if count >= self.threshold:
                    conn.commit()
                    return None, _POLL_S if free_in is None else float(free_in)
                slot = uuid.uuid4().hex
                cursor.execute(
                    f"INSERT INTO {table} VALUES (%s, %s, NULL, {_NOW} + %s)",
                    (key, slot, self.deadline_s),
                )
            conn.commit()
            return slot, 0.0
        except BaseException:
            with contextlib.suppress(Exception):
                conn.rollback()
            raise

    def _answer(self, conn: Connection, slot: str) -> None:
        with conn.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self._table} SET ended={_NOW} WHERE window_key=%s AND slot=%s",
                (self._key, slot),
            )


def open_pool(url: DatabaseURL, option: str = "--throttle-store") -> ConnectionPool:
    """The connections to `url`, opened as the windows need them (a failure names `option`)."""
    return ConnectionPool(lambda: connect(url, option=option), url)


def check_store(text: str, option: str = "--throttle-store") -> DatabaseURL:
    """The store `--throttle-store` names, reached and its table made now: a bad URL, a
    missing driver, an unreachable server, a wrong password or no right to create the table
    is one UsageError before the run's first call, not an error at its first throttled one."""
    url = parse_url(text, option=option, default_database="apitest", default_table=DEFAULT_TABLE)
    pool = open_pool(url, option)
    try:
        pool.create_table()
    except UsageError:
        raise
    except Exception as exc:  # the driver's: its text names the right that is missing
        raise UsageError(
            f"{option} {url}: cannot create or read the table {url.table} "
            f"({driver_text(exc, url)}); grant the user CREATE, SELECT, INSERT, "
            f"UPDATE and DELETE on it, or create it as apitest would:\n{table_sql(url.table)}"
        ) from None
    finally:
        pool.close()
    return url
