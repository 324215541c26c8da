"""apitest/database.py: every form of a database URL, its defaults, and every bad form's one
message (never with the password in it)."""

from __future__ import annotations

import sys

import pytest

from apitest.database import (
    DEFAULT_PORT,
    PASSWORD_VARIABLE,
    DatabaseURL,
    driver,
    is_database_url,
    parse_url,
    shown,
)
from apitest.errors import UsageError

SECRET = "Pa55-w0rd-never-shown"


def parse(text: str, **environ: str) -> DatabaseURL:
    return parse_url(
        text,
        option="--token-store",
        default_database="zohooauth",
        default_table="oauthtoken",
        environ=environ,
    )


def refused(text: str, **environ: str) -> str:
    with pytest.raises(UsageError) as caught:
        parse(text, **environ)
    message = str(caught.value)
    assert message.startswith("--token-store ")
    assert SECRET not in message
    return message


def test_every_part_given() -> None:
    url = parse("mysql://app@db.example:3307/tokens?table=oauth_tokens", APITEST_DB_PASSWORD=SECRET)
    assert (url.host, url.port, url.user, url.database, url.table) == (
        "db.example", 3307, "app", "tokens", "oauth_tokens",
    )  # fmt: skip
    assert url.password == SECRET
    assert url.socket is None
    assert str(url) == "mysql://app@db.example:3307/tokens?table=oauth_tokens"


def test_the_crm_sdk_defaults_fill_what_the_url_leaves_out() -> None:
    url = parse("mysql://")
    assert (url.host, url.port, url.user, url.database, url.table) == (
        "localhost", DEFAULT_PORT, "root", "zohooauth", "oauthtoken",
    )  # fmt: skip
    assert url.password is None
    assert parse("mysql://db.example/").database == "zohooauth"
    assert parse("mysql://app@db.example").user == "app"


def test_mariadb_is_an_alias_and_schemes_ignore_case() -> None:
    assert parse("mariadb://u@h/d").host == "h"
    assert parse("MySQL://u@h/d").scheme == "mysql"
    assert is_database_url("MariaDB://x") and not is_database_url("sqlite")
    assert not is_database_url("mypackage.stores:Vault")


def test_socket_timeouts_and_ipv6() -> None:
    url = parse("mysql://u@[::1]:3310/d?socket=/run/mysqld/mysqld.sock&connect-timeout=2.5")
    assert url.host == "::1" and url.port == 3310
    assert url.socket == "/run/mysqld/mysqld.sock"
    assert url.connect_timeout == 2.5
    assert url.where() == "the socket /run/mysqld/mysqld.sock"
    assert str(url).startswith("mysql://u@[::1]:3310/d?")
    assert parse("mysql://u@h/d?read-timeout=5").read_timeout == 5.0


def test_a_percent_encoded_user() -> None:
    assert parse("mysql://app%40corp@h/d").user == "app@corp"


def test_the_password_comes_from_the_variable_password_env_names() -> None:
    url = parse("mysql://u@h/d?password-env=TOKENS_DB_PW", TOKENS_DB_PW=SECRET)
    assert url.password == SECRET and url.password_env == "TOKENS_DB_PW"
    assert "password-env=TOKENS_DB_PW" in str(url)
    message = refused("mysql://u@h/d?password-env=TOKENS_DB_PW")
    assert "TOKENS_DB_PW" in message and "not set" in message


def test_the_password_is_in_no_repr_and_no_str() -> None:
    url = parse("mysql://u@h/d", APITEST_DB_PASSWORD=SECRET)
    assert url.password == SECRET
    assert SECRET not in repr(url) and SECRET not in str(url)
    assert SECRET not in f"{url!r} {url}"


@pytest.mark.parametrize(
    "text",
    [
        f"mysql://u:{SECRET}@h/d",
        f"mysql://u:{SECRET}@h:3306/d?table=t",
        f"mariadb://:{SECRET}@h/d",
        f"mysql://u@h/d?password={SECRET}",
        f"mysql://u@h/d?table=t&PASSWD={SECRET}",
    ],
)
def test_a_password_in_the_url_is_refused_saying_why_without_echoing_it(text: str) -> None:
    message = refused(text, APITEST_DB_PASSWORD="other")
    assert "password in the URL is refused" in message
    assert "shell's history" in message and "process lists" in message and "CI logs" in message
    assert PASSWORD_VARIABLE in message
    assert "***" in message


def test_an_empty_password_in_the_url_is_refused_too() -> None:
    assert "password in the URL is refused" in refused("mysql://u:@h/d")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("postgres://u@h/d", "expected mysql://USER@HOST:PORT/DATABASE?table=NAME"),
        ("mysql://u@h:99999/d", "port must be a number from 1 to 65535"),
        ("mysql://u@h:abc/d", "port must be a number from 1 to 65535"),
        ("mysql://u@h:0/d", "port must be a number from 1 to 65535"),
        ("mysql://u@h/a/b", "the database name 'a/b' is not usable"),
        ("mysql://u@h/d?table=bad-name", "the table name 'bad-name' is not usable"),
        ("mysql://u@h/d?table=" + "t" * 65, "is not usable"),
        ("mysql://u@h/d?table=x;drop", "the table name"),
        ("mysql://u@h/d?tabel=x", "unknown option ?tabel=; the options are table, socket"),
        ("mysql://u@h/d?table=", "?table= needs a value"),
        ("mysql://u@h/d?connect-timeout=0", "?connect-timeout= must be a number of seconds"),
        ("mysql://u@h/d?read-timeout=soon", "?read-timeout= must be a number of seconds"),
        ("mysql://u@h/d#frag", "fragment"),
    ],
)
def test_every_bad_form_has_its_message(text: str, says: str) -> None:
    assert says in refused(text)


def test_a_use_may_accept_options_of_its_own() -> None:
    url = parse_url(
        "mysql://u@h/d?lock-timeout=5&table=t",
        option="--token-store",
        default_database="d",
        default_table="x",
        extra=("lock-timeout",),
        environ={},
    )
    assert url.option("lock-timeout") == "5" and url.option("other", "z") == "z"
    assert url.table == "t"
    assert str(url).endswith("?table=t&lock-timeout=5")


def test_shown_masks_passwords_wherever_they_are() -> None:
    assert shown(f"mysql://u:{SECRET}@h/d") == "mysql://u:***@h/d"
    assert shown(f"mysql://u:{SECRET}@h?password={SECRET}") == "mysql://u:***@h?password=***"
    assert shown("mysql://u@h/d?table=t") == "mysql://u@h/d?table=t"


def test_a_missing_driver_is_one_message_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pymysql", None)  # what an absent package looks like
    with pytest.raises(UsageError, match=r"pip install 'apitest\[mysql\]'"):
        driver()
