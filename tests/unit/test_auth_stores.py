"""Token stores: round trips, file modes, atomic writes, the cross-process lock, `--token-store`.

Real files in tmp_path and real processes: a lost update or a half-written file is only
visible when the real filesystem and real concurrency are in play.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from apitest.auth.stores import FileStore, SQLiteStore, Token, TokenStore, load_store
from apitest.errors import UsageError

from ..support import REPO

STORES: dict[str, Callable[[Path], TokenStore]] = {"file": FileStore, "sqlite": SQLiteStore}
NAMES = {"file": "tokens.json", "sqlite": "tokens.db"}


@pytest.fixture(params=sorted(STORES))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _make(kind: str, folder: Path) -> tuple[TokenStore, Path]:
    path = folder / NAMES[kind]
    return STORES[kind](path), path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip_by_key_and_by_id(kind: str, tmp_path: Path) -> None:
    store, path = _make(kind, tmp_path)
    assert store.get_tokens() == []
    assert store.find_token("a") is None
    before = time.time()
    a = store.save_token(
        Token("", "a", "A1", "R1", expires_at=123.5, scopes=("x", "y"), token_type="Bearer")
    )
    assert len(a.id) == 32 and int(a.id, 16) >= 0  # a uuid4 hex
    assert before <= a.updated_at <= time.time()
    assert (a.access_token, a.refresh_token, a.scopes) == ("A1", "R1", ("x", "y"))
    b = store.save_token(Token("given-id", "b", "B1"))
    assert b.id == "given-id"
    assert store.find_token("a") == a
    assert store.find_token_by_id("given-id") == b
    assert store.find_token_by_id("no-such-id") is None
    assert store.get_tokens() == [a, b]
    assert STORES[kind](path).get_tokens() == [a, b]  # persisted, not cached in memory
    store.delete_token(a.id)
    store.delete_token("no-such-id")
    assert store.get_tokens() == [b]
    assert store.find_token("a") is None
    store.delete_tokens()
    assert store.get_tokens() == []


def test_saving_a_known_key_keeps_its_id_and_replaces_the_values(kind: str, tmp_path: Path) -> None:
    store, _ = _make(kind, tmp_path)
    first = store.save_token(Token("", "k", "old", "r-old", expires_at=1.0, scopes=("s",)))
    other = store.save_token(Token("", "other", "o"))
    second = store.save_token(Token("", "k", "new", None, expires_at=2.0))
    assert second.id == first.id
    assert store.find_token("k") == second
    assert (second.access_token, second.refresh_token, second.scopes) == ("new", None, ())
    assert second.updated_at >= first.updated_at
    third = store.save_token(Token("some-other-id", "k", "newer"))
    assert third.id == first.id  # the key decides the row, not the id offered
    clash = store.save_token(Token(other.id, "fresh", "f"))
    assert clash.id not in (other.id, first.id)  # an id in use by another key is not taken
    assert len(store.get_tokens()) == 3
    assert store.find_token("other") == other


def test_files_are_private_and_folders_created_0700(kind: str, tmp_path: Path) -> None:
    store, path = _make(kind, tmp_path / "a" / "b")
    store.save_token(Token("", "k", "secret"))
    with store.lock():
        pass
    assert _mode(path) == 0o600
    assert _mode(path.with_name(path.name + ".lock")) == 0o600
    assert _mode(tmp_path / "a") == 0o700
    assert _mode(tmp_path / "a" / "b") == 0o700
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_loose_store_file_made_by_hand_is_tightened_on_write(kind: str, tmp_path: Path) -> None:
    path = tmp_path / NAMES[kind]
    path.write_text('{"version": 1, "tokens": []}' if kind == "file" else "")
    path.chmod(0o644)
    STORES[kind](path).save_token(Token("", "k", "secret"))
    assert _mode(path) == 0o600


def test_file_store_write_lock_is_private_too(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "tokens.json")
    store.save_token(Token("", "k", "v"))
    assert _mode(tmp_path / "tokens.json.write.lock") == 0o600


WRITER = """
import os, sys, time
from apitest.auth.stores import FileStore, SQLiteStore, Token
store = {"file": FileStore, "sqlite": SQLiteStore}[sys.argv[1]](sys.argv[2])
stop, deadline, i = sys.argv[3], time.monotonic() + 120, 0
while not os.path.exists(stop) and time.monotonic() < deadline:  # until the reader has read
    store.save_token(Token("", "k", f"{i % 1_000_000:06d}" * 20_000, refresh_token="r" * 5_000))
    if i == 0:
        print("ready", flush=True)
    i += 1
"""


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_reader_never_sees_a_half_written_store(kind: str, tmp_path: Path) -> None:
    """The writer is another process, so reads and writes truly overlap (no GIL between). It
    writes until the reader has read enough: a writer with a fixed count could finish before
    a loaded machine let the first read start, and the test would prove nothing."""
    store, path = _make(kind, tmp_path)
    stop = tmp_path / "stop"
    writer = _spawn(WRITER, kind, str(path), str(stop))
    assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
    seen: set[str] = set()
    reads, deadline = 0, time.monotonic() + 60
    try:
        while (reads < 50 or len(seen) < 3) and time.monotonic() < deadline:
            token = store.find_token("k")  # a torn file would raise UsageError here
            assert token is not None and token.access_token is not None
            assert len(token.access_token) == 120_000
            seen.add(token.access_token[:6])
            reads += 1
    finally:
        stop.touch()
    _, errors = writer.communicate(timeout=120)
    assert writer.returncode == 0, errors
    assert len(seen) >= 3  # the reads did overlap the writes


COUNTER = """
import sys, time
from dataclasses import replace
from apitest.auth.stores import FileStore, SQLiteStore, Token
store = {"file": FileStore, "sqlite": SQLiteStore}[sys.argv[1]](sys.argv[2])
for _ in range(20):
    with store.lock():
        t = store.find_token("k")
        n = int(t.access_token) if t and t.access_token else 0
        time.sleep(0.001)  # widen the window a missing lock would lose updates in
        store.save_token(replace(t or Token("", "k"), access_token=str(n + 1)))
"""


def test_lock_serialises_processes_so_no_update_is_lost(kind: str, tmp_path: Path) -> None:
    store, path = _make(kind, tmp_path)
    workers = [_spawn(COUNTER, kind, str(path)) for _ in range(4)]
    errors = [worker.communicate(timeout=120)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * 4, errors
    token = store.find_token("k")
    assert token is not None and token.access_token == "80"
    assert len(store.get_tokens()) == 1


SAVER = """
import sys
from apitest.auth.stores import FileStore, SQLiteStore, Token
store = {"file": FileStore, "sqlite": SQLiteStore}[sys.argv[1]](sys.argv[2])
for i in range(20):
    store.save_token(Token("", f"{sys.argv[3]}-{i}", "v"))
"""


def test_saves_of_different_keys_without_lock_keep_each_other(kind: str, tmp_path: Path) -> None:
    """`save_token` alone is a safe read-modify-write: no process's key is dropped."""
    store, path = _make(kind, tmp_path)
    workers = [_spawn(SAVER, kind, str(path), str(n)) for n in range(4)]
    errors = [worker.communicate(timeout=120)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * 4, errors
    assert len(store.get_tokens()) == 80


def test_lock_serialises_threads_of_one_process(kind: str, tmp_path: Path) -> None:
    store, _ = _make(kind, tmp_path)

    def count() -> None:
        for _ in range(20):
            with store.lock():
                t = store.find_token("k")
                n = int(t.access_token) if t and t.access_token else 0
                time.sleep(0.0005)
                store.save_token(replace(t or Token("", "k"), access_token=str(n + 1)))

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    token = store.find_token("k")
    assert token is not None and token.access_token == "80"


def test_a_corrupt_store_is_one_clear_error_naming_the_path(kind: str, tmp_path: Path) -> None:
    path = tmp_path / NAMES[kind]
    path.write_bytes(b"{not json, not sqlite" * 200)
    with pytest.raises(UsageError) as caught:
        STORES[kind](path).get_tokens()
    assert str(path) in str(caught.value)
    assert "delete it to start afresh" in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [
        '{"version": 1, "tokens": [{"id": "1", "key": "k", "access_token": "s3cr3t", '
        '"expires_at": "soon"}]}',
        '{"version": 1, "tokens": [{"key": "k", "refresh_token": "s3cr3t"}]}',
        '{"version": 2, "tokens": []}',
        '["s3cr3t"]',
        '{"version": 1, "tokens": [{"id": "1", "key": "k"}, {"id": "2", "key": "k"}]}',
        "\udcff",
    ],
)
def test_a_malformed_file_store_names_the_path_never_the_secret(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(UsageError) as caught:
        FileStore(path).find_token("k")
    assert str(path) in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


def test_a_sqlite_table_name_must_be_an_identifier(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not an identifier"):
        SQLiteStore(tmp_path / "t.db", table="t; DROP TABLE x")
    custom = SQLiteStore(tmp_path / "t.db", table="my_tokens")
    custom.save_token(Token("", "k", "v"))
    assert SQLiteStore(tmp_path / "t.db").get_tokens() == []  # the default table is another


def test_token_repr_hides_secrets() -> None:
    text = repr(Token("id1", "p|c|u", access_token="AAA-secret", refresh_token="RRR-secret"))
    assert "AAA-secret" not in text and "RRR-secret" not in text
    assert "p|c|u" in text


def test_load_store_builtin_kinds_and_default_paths(tmp_path: Path) -> None:
    file_store = load_store("file", None, default_folder=tmp_path)
    assert isinstance(file_store, FileStore) and file_store.path == tmp_path / "tokens.json"
    sqlite_store = load_store("sqlite", None, default_folder=tmp_path)
    assert isinstance(sqlite_store, SQLiteStore) and sqlite_store.path == tmp_path / "tokens.db"
    chosen = load_store("file", str(tmp_path / "x.json"), default_folder=tmp_path)
    assert isinstance(chosen, FileStore) and chosen.path == tmp_path / "x.json"


CUSTOM = """
from contextlib import contextmanager

EVENTS = []


class MemoryStore:
    def __init__(self, path=None):
        EVENTS.append(("init", path))
        self.tokens = {}

    def find_token(self, key):
        return self.tokens.get(key)

    def save_token(self, token):
        self.tokens[token.key] = token
        return token

    def delete_token(self, token_id):
        self.tokens = {k: t for k, t in self.tokens.items() if t.id != token_id}

    def get_tokens(self):
        return list(self.tokens.values())

    def delete_tokens(self):
        self.tokens.clear()

    def find_token_by_id(self, token_id):
        return next((t for t in self.tokens.values() if t.id == token_id), None)


class LockingStore(MemoryStore):
    @contextmanager
    def lock(self):
        EVENTS.append(("lock",))
        yield
        EVENTS.append(("unlock",))


class SdkStyleStore(MemoryStore):
    def save_token(self, token):
        self.tokens[token.key] = token  # returns None, like the CRM SDK's


class Incomplete:
    def find_token(self, key):
        return None


class Failing(MemoryStore):
    def __init__(self):
        raise RuntimeError("vault unreachable")


class Raising(MemoryStore):
    def find_token(self, key):
        raise KeyError("boom")
"""


@pytest.fixture
def custom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[object, ...]]]:
    """The custom store module on sys.path; yields its EVENTS list."""
    (tmp_path / "apitest_custom_store.py").write_text(CUSTOM)
    (tmp_path / "apitest_bad_store.py").write_text("raise RuntimeError('half configured')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import apitest_custom_store  # type: ignore[import-not-found]

    yield apitest_custom_store.EVENTS
    for name in ("apitest_custom_store", "apitest_bad_store"):
        sys.modules.pop(name, None)


def test_load_store_custom_class_without_lock(custom: list[tuple[object, ...]]) -> None:
    store = load_store("apitest_custom_store:MemoryStore", None, default_folder=Path("/nowhere"))
    assert custom == [("init", None)]
    with store.lock():  # a no-op, but a working context manager
        saved = store.save_token(Token("i1", "k", "v"))
    assert store.find_token("k") == saved
    assert store.find_token_by_id("i1") == saved
    assert store.get_tokens() == [saved]
    store.delete_token("i1")
    assert store.get_tokens() == []


def test_load_store_custom_class_with_lock_and_path(custom: list[tuple[object, ...]]) -> None:
    store = load_store("apitest_custom_store.LockingStore", "/some/path", default_folder=Path("."))
    with store.lock():
        custom.append(("inside",))
    assert custom == [("init", "/some/path"), ("lock",), ("inside",), ("unlock",)]


def test_a_custom_save_token_returning_none_counts_as_stored(
    custom: list[tuple[object, ...]],
) -> None:
    store = load_store("apitest_custom_store:SdkStyleStore", None, default_folder=Path("."))
    token = Token("i1", "k", "v")
    assert store.save_token(token) == token


@pytest.mark.parametrize(
    ("spec", "path", "expected"),
    [
        ("no_such_module_xyz:Store", None, "cannot import module 'no_such_module_xyz'"),
        ("apitest_custom_store:Nope", None, "has no class 'Nope'"),
        ("apitest_custom_store:EVENTS", None, "has no class 'EVENTS'"),
        ("apitest_custom_store:Incomplete", None, "lacks find_token_by_id, save_token, get_tokens"),
        ("apitest_custom_store:Failing", None, "RuntimeError: vault unreachable"),
        ("apitest_custom_store:Failing", "/p", "with path= failed with TypeError"),
        ("apitest_bad_store:Store", None, "RuntimeError: half configured"),
        ("vault", None, "expected file, sqlite, mysql://USER@HOST/DATABASE, or the dotted path"),
    ],
)
def test_load_store_errors_name_the_option_and_the_path(
    custom: list[tuple[object, ...]], spec: str, path: str | None, expected: str
) -> None:
    with pytest.raises(UsageError) as caught:
        load_store(spec, path, default_folder=Path("."))
    assert str(caught.value).startswith(f"--token-store {spec}: ")
    assert expected in str(caught.value)


def test_a_custom_store_failing_at_run_time_is_a_usage_error(
    custom: list[tuple[object, ...]],
) -> None:
    store = load_store("apitest_custom_store:Raising", None, default_folder=Path("."))
    with pytest.raises(UsageError, match=r"--token-store .*find_token\(\) raised KeyError"):
        store.find_token("k")


def test_a_database_url_with_a_path_beside_it_is_refused_before_any_connection() -> None:
    """Port 9 (discard) answers nothing: the refusal comes before anything is tried."""
    with pytest.raises(UsageError) as caught:
        load_store("mysql://app@127.0.0.1:9/tokens", "t.json", default_folder=Path("."))
    message = str(caught.value)
    assert message.startswith("--token-store mysql://app@127.0.0.1:9/tokens keeps tokens")
    assert "--token-store-path (or [auth] store_path) t.json means nothing for it" in message


def test_a_database_url_without_the_driver_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pymysql", None)  # what an absent package looks like
    said = r"^--token-store: .*PyMySQL driver.*pip install 'apitest\[mysql\]'"
    with pytest.raises(UsageError, match=said):
        load_store("mariadb://app@127.0.0.1:9/tokens", None, default_folder=Path("."))
