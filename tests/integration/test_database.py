"""apitest/database.py against a real MariaDB server (tests/mariadb.py): connecting over TCP with
a password and through the socket, and each way a connection fails as one message that never
carries the password."""

from __future__ import annotations

import contextlib

import pytest

from apitest.database import DatabaseURL, connect, failures, parse_url
from apitest.errors import UsageError

from ..mariadb import MariaDB
from ..support import free_port


def parse(text: str, environ: dict[str, str]) -> DatabaseURL:
    return parse_url(
        text, option="--token-store", default_database="d", default_table="t", environ=environ
    )


def who(url: DatabaseURL) -> tuple[str, str]:
    with contextlib.closing(connect(url, option="--token-store")) as db, db.cursor() as cursor:
        cursor.execute("SELECT CURRENT_USER(), DATABASE()")
        user, database = cursor.fetchone()
    return user, database


def refusal(url: DatabaseURL, password: str) -> str:
    with pytest.raises(UsageError) as caught:
        connect(url, option="--token-store")
    message = str(caught.value)
    assert password not in message
    assert message.startswith(f"--token-store {url}: ")
    return message


def test_tcp_with_the_password_from_the_environment(mariadb: MariaDB) -> None:
    url = parse(mariadb.url("oauthtoken"), mariadb.env)
    assert who(url) == ("apitest@%", "apitest")


def test_the_unix_socket(mariadb: MariaDB) -> None:
    url = parse(mariadb.socket_url("oauthtoken"), mariadb.env)
    assert url.socket == str(mariadb.socket)
    assert who(url) == ("apitest@localhost", "apitest")


def test_a_wrong_password_says_access_denied_and_where_the_password_comes_from(
    mariadb: MariaDB,
) -> None:
    wrong = "not-the-password-123"
    message = refusal(parse(mariadb.url(), {"APITEST_DB_PASSWORD": wrong}), wrong)
    assert "refused user 'apitest' (access denied)" in message
    assert "APITEST_DB_PASSWORD (is set)" in message
    assert mariadb.password not in message


def test_no_password_set_says_so(mariadb: MariaDB) -> None:
    assert "APITEST_DB_PASSWORD (is not set)" in refusal(parse(mariadb.url(), {}), mariadb.password)


def test_a_database_that_does_not_exist(mariadb: MariaDB) -> None:
    message = refusal(parse(mariadb.url(database="apitest_nosuch"), mariadb.env), mariadb.password)
    assert "database 'apitest_nosuch' does not exist" in message
    assert "CREATE DATABASE apitest_nosuch" in message


def test_a_database_the_user_has_no_rights_on(mariadb: MariaDB) -> None:
    message = refusal(parse(mariadb.url(database="mysql"), mariadb.env), mariadb.password)
    assert "access denied" in message and "rights on database 'mysql'" in message


def test_an_unreachable_server(mariadb: MariaDB) -> None:
    url = parse(f"mysql://apitest@127.0.0.1:{free_port()}/apitest?connect-timeout=3", mariadb.env)
    message = refusal(url, mariadb.password)
    assert f"cannot reach the database server at 127.0.0.1:{url.port}" in message
    assert "check that it is running" in message


def test_a_failing_statement_is_one_message(mariadb: MariaDB) -> None:
    url = parse(mariadb.url(), mariadb.env)
    with (
        contextlib.closing(connect(url, option="--token-store")) as db,
        pytest.raises(UsageError, match="the database failed while reading the tokens"),
        failures(url, "--token-store", "reading the tokens"),
        db.cursor() as cursor,
    ):
        cursor.execute("SELECT * FROM no_such_table")
