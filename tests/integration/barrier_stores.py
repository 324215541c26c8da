"""Token stores for the multi-process refresh tests, loaded by real CLI runs (`--token-store
barrier_stores:BarrierStore`, this folder on PYTHONPATH).

Why a barrier: processes started one after another reach their first token request tens of
milliseconds apart, and one refresh takes a few, so without a barrier they rarely overlap and a
test of the lock passes with or without it. Here each process, the first time it reaches the
refresh point (`lock()`, or `find_token` for the store without a lock), waits until every one
of `BARRIER_PARTIES` processes has arrived, and all go on at one instant: the moment the last
one arrived plus `_SETTLE_S`, read from the arrival files' modification times, so every process
computes the same moment instead of each noticing the last arrival when its poll comes round.

`BarrierStore` keeps the file store's lock; `LocklessBarrierStore` has none, which is what a
custom store that omits `lock()` gives the run (the proof that the lock is what is tested).
`MySQLBarrierStore` is the database store (`--token-store mysql://...`, its URL in
`BARRIER_STORE_URL`) with its GET_LOCK, the barrier before it likewise.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from apitest.auth.stores import FileStore, MySQLStore, Token

WAIT_S = 90.0
"""At most this long for every process to arrive (a slow machine imports and plans slowly)."""
_SETTLE_S = 0.3
"""Released this long after the last arrival: every process has seen it by then."""


class _Barrier:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parties = int(os.environ.get("BARRIER_PARTIES", "4"))
        self.passed = False

    def wait(self) -> None:
        """Once per process: arrive, wait for all, then go at the common instant."""
        if self.passed:
            return
        self.passed = True
        self.folder.mkdir(exist_ok=True)
        (self.folder / f"arrived-{os.getpid()}").write_text(str(time.time()), encoding="utf-8")
        deadline = time.monotonic() + WAIT_S
        while len(arrivals := list(self.folder.glob("arrived-*"))) < self.parties:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"barrier: {len(arrivals)} of {self.parties} processes arrived in {WAIT_S} s"
                )
            time.sleep(0.005)
        go = max(path.stat().st_mtime for path in arrivals) + _SETTLE_S
        time.sleep(max(0.0, go - time.time()))


class LocklessBarrierStore:
    """The file store's data without its lock: what a custom store lacking `lock()` gives."""

    def __init__(self, path: str) -> None:
        self._store = FileStore(path)
        self.barrier = _Barrier(Path(f"{path}.barrier"))

    def find_token(self, key: str) -> Token | None:
        self.barrier.wait()  # no lock() to wait in: the first read is the refresh point
        return self._store.find_token(key)

    def find_token_by_id(self, token_id: str) -> Token | None:
        return self._store.find_token_by_id(token_id)

    def save_token(self, token: Token) -> Token:
        return self._store.save_token(token)

    def get_tokens(self) -> list[Token]:
        return self._store.get_tokens()

    def delete_token(self, token_id: str) -> None:
        self._store.delete_token(token_id)

    def delete_tokens(self) -> None:
        self._store.delete_tokens()


class BarrierStore(LocklessBarrierStore):
    """The file store, lock included, with the barrier before its lock is first taken."""

    @contextmanager
    def lock(self) -> Iterator[None]:
        self.barrier.wait()  # before the lock: waiting inside it would hold the others out
        with self._store.lock():
            yield


class MySQLBarrierStore(BarrierStore):
    """The MySQL store the URL in `BARRIER_STORE_URL` names; `path` places only the barrier."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._store = MySQLStore.from_url(os.environ["BARRIER_STORE_URL"])  # type: ignore[assignment]
