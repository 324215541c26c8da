"""The MySQL/MariaDB token store (auth/_mysql_store.py) against a real MariaDB server: the CRM
SDK's table and how a Token maps onto it, a table of the SDK's used as it is, values too long
for their column refused, and the database lock (held across threads, excluding another
connection, freed when its holder dies)."""

from __future__ import annotations

import contextlib
import secrets
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from apitest.auth._mysql_store import CRM_COLUMNS, MySQLStore
from apitest.auth.stores import Token, load_store
from apitest.errors import UsageError

from ..mariadb import MariaDB
from ..support import REPO, cli_env

CRM_TABLE = (
    "CREATE TABLE oauthtoken (id varchar(10) NOT NULL, user_name varchar(255), "
    "client_id varchar(255), client_secret varchar(255), refresh_token varchar(255), "
    "access_token varchar(255), grant_token varchar(255), expiry_time varchar(20), "
    "redirect_url varchar(255), api_domain varchar(255), primary key (id))"
)
"""The Zoho CRM SDK's own statement, word for word."""
KEY = "default|1000.CLIENT|https://accounts.example/oauth/v2/token"


def make_store(mariadb: MariaDB, database: str, **options: str) -> MySQLStore:
    return MySQLStore.from_url(mariadb.url("oauthtoken", database, **options), mariadb.env)


@pytest.fixture
def database(mariadb: MariaDB) -> str:
    return mariadb.new_database("store")


@pytest.fixture
def store(mariadb: MariaDB, database: str) -> MySQLStore:
    return make_store(mariadb, database)


def raw(mariadb: MariaDB, database: str, sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(mariadb.connect(database)) as db, db.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def token(**fields: object) -> Token:
    values: dict[str, object] = {
        "id": "",
        "key": KEY,
        "access_token": "1000.access." + "a" * 32,
        "refresh_token": "1000.refresh." + "r" * 32,
        "expires_at": 1_900_000_000.5,
        "scopes": ("TravelAgency.trips.ALL",),
        "token_type": "Bearer",
    }
    values.update(fields)
    return Token(**values)  # type: ignore[arg-type]


def test_save_find_and_delete_round_trip(store: MySQLStore) -> None:
    saved = store.save_token(token())
    assert 0 < len(saved.id) <= 10 and saved.updated_at > 0
    assert store.find_token(KEY) == saved
    assert store.find_token_by_id(saved.id) == saved
    assert store.find_token("someone else") is None
    again = store.save_token(token(id="other", access_token="1000.access.second"))
    assert again.id == saved.id  # one row per key: the key keeps its id
    assert store.get_tokens() == [again]
    second = store.save_token(token(id="mine", key="reader|1000.CLIENT|url"))
    assert second.id == "mine"  # the caller's id when it fits and is free
    assert len(store.get_tokens()) == 2
    store.delete_token(saved.id)
    assert store.get_tokens() == [second]
    store.delete_tokens()
    assert store.get_tokens() == []


def columns_of(mariadb: MariaDB, database: str) -> list[tuple[object, ...]]:
    return raw(
        mariadb,
        database,
        "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, COLUMN_DEFAULT FROM "
        f"information_schema.COLUMNS WHERE TABLE_SCHEMA = '{database}' AND "
        "TABLE_NAME = 'oauthtoken' ORDER BY ORDINAL_POSITION",
    )


def test_a_save_waits_for_the_save_lock_another_connection_holds(
    mariadb: MariaDB, database: str, store: MySQLStore
) -> None:
    """The SDK's table has no unique user_name, so two first saves of one key could each
    insert a row: a save takes a short lock of its own, which another holder keeps it out of."""
    impatient = make_store(mariadb, database, lock_timeout="1")
    with contextlib.closing(mariadb.connect(database)) as db, db.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, 5)", (store.lock_name("save"),))
        assert cursor.fetchone() == (1,)
        with pytest.raises(UsageError, match="waited 1 s for the token lock 'apitest-save:"):
            impatient.save_token(token())
        assert store.get_tokens() == []
        cursor.execute("SELECT RELEASE_LOCK(%s)", (store.lock_name("save"),))
    impatient.save_token(token())
    impatient.save_token(token(access_token="1000.access.second"))
    assert len(store.get_tokens()) == 1


def test_the_store_through_the_unix_socket(mariadb: MariaDB, database: str) -> None:
    store = MySQLStore.from_url(mariadb.socket_url("oauthtoken", database), mariadb.env)
    saved = store.save_token(token())
    assert store.find_token(KEY) == saved
    with store.lock():
        assert other_lock_times_out(mariadb, database)  # one lock, whichever way in


def test_the_table_is_the_crm_sdks_then_three_nullable_columns_of_apitests(
    mariadb: MariaDB, database: str, store: MySQLStore
) -> None:
    """Compared with a table the SDK's own statement made, not with apitest's idea of it."""
    reference = mariadb.new_database("crm")
    raw(mariadb, reference, CRM_TABLE)
    crm = columns_of(mariadb, reference)
    assert len(crm) == 10
    ours = columns_of(mariadb, database)
    assert ours[:10] == crm
    assert ours[10:] == [
        ("apitest_scopes", "text", "YES", "", "NULL"),
        ("apitest_token_type", "varchar(40)", "YES", "", "NULL"),
        ("apitest_updated_at", "varchar(20)", "YES", "", "NULL"),
    ]


def test_how_a_token_lands_in_the_crm_columns(
    mariadb: MariaDB, database: str, store: MySQLStore
) -> None:
    saved = store.save_token(token())
    [row] = raw(
        mariadb,
        database,
        "SELECT id, user_name, client_id, client_secret, refresh_token, access_token, "
        "grant_token, expiry_time, redirect_url, api_domain, apitest_scopes, "
        "apitest_token_type, apitest_updated_at FROM oauthtoken",
    )
    assert row[:10] == (
        saved.id, KEY, None, None, saved.refresh_token, saved.access_token, None,
        "1900000000500", None, None,
    )  # fmt: skip
    assert row[10:12] == ('["TravelAgency.trips.ALL"]', "Bearer")
    assert row[12] == str(round(saved.updated_at * 1000))


def test_a_crm_sdk_table_is_used_as_it_is(mariadb: MariaDB, database: str) -> None:
    raw(mariadb, database, CRM_TABLE)
    raw(
        mariadb,
        database,
        "INSERT INTO oauthtoken (id, user_name, client_id, refresh_token, access_token, "
        "expiry_time) VALUES ('1', 'user@example.com', '1000.X', '1000.r', '1000.a', "
        "'1700000000000')",
    )
    store = make_store(mariadb, database)
    sdk = store.find_token("user@example.com")
    assert sdk is not None
    assert (sdk.id, sdk.access_token, sdk.expires_at) == ("1", "1000.a", 1_700_000_000.0)
    assert (sdk.scopes, sdk.token_type, sdk.updated_at) == ((), None, 0.0)
    saved = store.save_token(token())
    assert store.find_token(KEY) == Token(
        id=saved.id, key=KEY, access_token=saved.access_token,
        refresh_token=saved.refresh_token, expires_at=saved.expires_at,
    )  # fmt: skip  # no column for scopes, token type or update time: read as unknown
    names = raw(mariadb, database, "SHOW COLUMNS FROM oauthtoken")
    assert [name for name, *_ in names] == [name for name, _ in CRM_COLUMNS]  # never altered


def test_a_user_with_row_rights_only_uses_an_existing_table(
    mariadb: MariaDB, database: str
) -> None:
    """A DBA may grant the token user no more than reading and writing the SDK's rows: the
    store then creates nothing, and where the table is missing it says access was denied."""
    raw(mariadb, database, CRM_TABLE)
    user = f"rows{secrets.token_hex(3)}"
    with contextlib.closing(mariadb.root()) as db, db.cursor() as cursor:
        cursor.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (mariadb.password,))
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.oauthtoken TO '{user}'@'%'"
        )
    url = f"mysql://{user}@{mariadb.host}:{mariadb.port}/{database}"
    store = MySQLStore.from_url(f"{url}?table=oauthtoken", mariadb.env)
    saved = store.save_token(token())
    assert store.find_token(KEY) == replace(saved, scopes=(), token_type=None, updated_at=0.0)
    with pytest.raises(UsageError) as caught:
        MySQLStore.from_url(f"{url}?table=elsewhere", mariadb.env)
    denied = f"the database refused user '{user}' (access denied) while creating the token"
    assert denied in str(caught.value)
    assert mariadb.password not in str(caught.value)


def test_a_table_of_another_layout_is_refused(mariadb: MariaDB, database: str) -> None:
    raw(mariadb, database, "CREATE TABLE oauthtoken (id int primary key, token text)")
    with pytest.raises(UsageError, match=r"lacks the column.*user_name.*Zoho CRM SDK's"):
        make_store(mariadb, database)


def test_a_key_longer_than_user_name_is_kept_as_its_digest(store: MySQLStore) -> None:
    long_key = "default|1000.CLIENT|https://accounts.example/" + "p" * 300
    saved = store.save_token(token(key=long_key))
    found = store.find_token(long_key)
    assert found is not None and found.id == saved.id
    assert found.key.startswith("sha256:") and len(found.key) == 71


@pytest.mark.parametrize("field", ["access_token", "refresh_token"])
def test_a_token_longer_than_its_column_is_refused_and_nothing_is_stored(
    store: MySQLStore, field: str
) -> None:
    long = "1000." + "x" * 300
    with pytest.raises(UsageError) as caught:
        store.save_token(token(**{field: long}))
    message = str(caught.value)
    assert f"is 305 characters, longer than the column oauthtoken.{field} (255)" in message
    assert "nothing was stored" in message and f"MODIFY {field} varchar(4096)" in message
    assert "x" * 20 not in message
    assert store.get_tokens() == []


def test_load_store_names_it_by_url_and_refuses_a_path_beside_it(
    mariadb: MariaDB, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APITEST_DB_PASSWORD", mariadb.password)
    url = mariadb.url("oauthtoken", database)
    store = load_store(url, None, default_folder=Path("/nonexistent"))
    assert isinstance(store, MySQLStore)
    assert repr(store) == f"MySQLStore({url!r})" and mariadb.password not in repr(store)
    assert mariadb.password not in repr(store.url) + str(store.url)
    alias = load_store(url.replace("mysql://", "mariadb://"), None, default_folder=Path("/x"))
    assert isinstance(alias, MySQLStore)
    with pytest.raises(UsageError, match=r"--token-store-path .* means nothing for it"):
        load_store(url, "tokens.json", default_folder=Path("/nonexistent"))


def other_lock_times_out(mariadb: MariaDB, database: str) -> bool:
    """Whether a second store (its own connection) is kept out of the lock for 1 s."""
    other = make_store(mariadb, database, lock_timeout="1")
    try:
        with other.lock():
            return False
    except UsageError as exc:
        assert "waited 1 s for the token lock 'apitest-refresh:" in str(exc)
        assert "?lock-timeout=SECONDS" in str(exc)
        return True


def test_the_lock_excludes_another_connection_until_released(
    mariadb: MariaDB, database: str, store: MySQLStore
) -> None:
    with store.lock():
        assert other_lock_times_out(mariadb, database)
    assert not other_lock_times_out(mariadb, database)


def test_names_at_mysqls_length_limit_make_lock_names_within_it(
    mariadb: MariaDB, database: str
) -> None:
    table = "t" * 64
    store = MySQLStore.from_url(mariadb.url(table, database), mariadb.env)
    assert len(store.lock_name()) == 64 and len(store.lock_name("save")) == 64
    assert store.lock_name() != store.lock_name("save")
    with store.lock():
        saved = store.save_token(token())
    assert store.find_token(KEY) == saved


def test_the_lock_taken_on_one_thread_and_left_on_another(
    mariadb: MariaDB, database: str, store: MySQLStore
) -> None:
    """What asyncio.to_thread does with the OAuth source's enter and exit."""
    manager = store.lock()
    entering = threading.Thread(target=manager.__enter__)
    entering.start()
    entering.join(30)
    assert other_lock_times_out(mariadb, database)
    leaving = threading.Thread(target=manager.__exit__, args=(None, None, None))
    leaving.start()
    leaving.join(30)
    assert not other_lock_times_out(mariadb, database)


def test_the_lock_is_released_when_the_refresh_raises(
    mariadb: MariaDB, database: str, store: MySQLStore
) -> None:
    with pytest.raises(RuntimeError), store.lock():
        raise RuntimeError("the refresh failed")
    assert not other_lock_times_out(mariadb, database)


HOLDER = """
import sys, time
from apitest.auth._mysql_store import MySQLStore
store = MySQLStore.from_url(sys.argv[1])
held = store.lock()  # kept: a lock object collected would close its connection
held.__enter__()
print("held", flush=True)
time.sleep(120)
"""


def test_the_server_frees_the_lock_when_its_holder_dies(mariadb: MariaDB, database: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, mariadb.url("oauthtoken", database)],
        cwd=REPO, env=cli_env(**mariadb.env), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert other_lock_times_out(mariadb, database)
        holder.send_signal(signal.SIGKILL)  # no exit handler runs: only the server can free it
        holder.wait(30)
        waiting = make_store(mariadb, database, lock_timeout="30")
        with waiting.lock():
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(30)
