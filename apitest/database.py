"""A MySQL or MariaDB database named by a URL on the command line: parsed, connected, and every
failure made one clear message.

`mysql://user@host:port/database?table=NAME` (`mariadb://` is the same). Used by every part that
keeps state in a shared database (the token store, auth/_mysql_store.py; the shared throttle
windows), so the URL form, the password rule and the messages are written once. It sits at the
bottom of the package (it imports only errors.py) so that any layer may use it.

The password never comes from the URL: a URL typed on a command line stays in the shell's
history, shows in every process list (`ps`) and in CI logs that echo commands. It is read from
the environment, `APITEST_DB_PASSWORD` or the variable `?password-env=NAME` names, and left out
of `repr`, `str` and every message. The driver, PyMySQL (pure Python), is an optional extra
(`pip install 'apitest[mysql]'`), imported only when a database is used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from apitest.errors import UsageError, clip

if TYPE_CHECKING:
    from pymysql.connections import Connection

SCHEMES = ("mysql", "mariadb")
PASSWORD_VARIABLE = "APITEST_DB_PASSWORD"
DEFAULT_HOST = "localhost"
DEFAULT_PORT = 3306
DEFAULT_USER = "root"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
"""Seconds one statement may take to answer: a hung server must end as a message, not a hang
(a statement that waits on purpose, GET_LOCK, is given this plus its own wait)."""
INSTALL = "pip install 'apitest[mysql]'"
NAME = re.compile(r"[A-Za-z0-9_$]{1,64}")
"""Database and table names: what MySQL takes unquoted (at most 64 characters), so a name can
be written into a statement without any quoting question."""
OPTIONS = ("table", "socket", "password-env", "connect-timeout", "read-timeout")
"""The query options every use understands; a use may accept more (`parse_url(extra=...)`)."""
SECRET_OPTIONS = frozenset({"password", "passwd", "pwd"})

_WHY_NOT_IN_URL = (
    "a password in the URL is refused: the URL stays in your shell's history, shows in process "
    "lists and in CI logs"
)
_ACCESS_DENIED = {1044, 1045, 1142, 1143, 1698}
"""Denied: the database (1044), the login (1045, 1698), a table or column command (1142/3)."""
_UNKNOWN_DATABASE = 1049
_CANNOT_CONNECT = {2002, 2003, 2005, 2006, 2013}


@dataclass(frozen=True)
class DatabaseURL:
    """One parsed database URL; `str()` is the URL as the user may see it again (never with
    the password, which `repr` leaves out too)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    user: str = DEFAULT_USER
    database: str = ""
    table: str = ""
    socket: str | None = None
    """A Unix socket to connect through instead of host:port (`?socket=/path`)."""
    password_env: str = PASSWORD_VARIABLE
    password: str | None = field(default=None, repr=False, compare=False)
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    extra: tuple[tuple[str, str], ...] = ()
    """Query options a use asked `parse_url` to accept beyond OPTIONS, in the URL's order."""
    scheme: str = "mysql"

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        text = f"{self.scheme}://{quote(self.user, safe='')}@{host}:{self.port}/{self.database}"
        query = [("table", self.table)] if self.table else []
        if self.socket:
            query.append(("socket", self.socket))
        if self.password_env != PASSWORD_VARIABLE:
            query.append(("password-env", self.password_env))
        query += list(self.extra)
        return text + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")

    def option(self, name: str, default: str | None = None) -> str | None:
        """The value of an extra query option (the last one given), else `default`."""
        found = [value for key, value in self.extra if key == name]
        return found[-1] if found else default

    def where(self) -> str:
        """Where the server is, for messages: host:port, or the socket."""
        return f"the socket {self.socket}" if self.socket else f"{self.host}:{self.port}"


def is_database_url(text: str) -> bool:
    """Whether `text` names a database (mysql:// or mariadb://) rather than a file or class."""
    return any(text.lower().startswith(f"{scheme}://") for scheme in SCHEMES)


def shown(text: str) -> str:
    """`text` safe to quote in a message: any password in the user part or the query masked."""
    scheme, sep, rest = text.partition("://")
    if sep:
        authority, slash, tail = _split_authority(rest)
        user_info, at, host = authority.rpartition("@")
        if at and ":" in user_info:
            authority = f"{user_info.partition(':')[0]}:***@{host}"
        text = f"{scheme}{sep}{authority}{slash}{tail}"
    path, mark, query = text.partition("?")
    if mark:
        pairs = [pair.partition("=") for pair in query.split("&")]
        query = "&".join(
            f"{key}{eq}{'***' if key.lower() in SECRET_OPTIONS and value else value}"
            for key, eq, value in pairs
        )
    return clip(path + mark + query, 200)


def _split_authority(rest: str) -> tuple[str, str, str]:
    """(authority, separator, remainder) of the part after `scheme://`."""
    ends = [index for index in (rest.find("/"), rest.find("?")) if index >= 0]
    if not ends:
        return rest, "", ""
    end = min(ends)
    return rest[:end], rest[end], rest[end + 1 :]


def parse_url(
    text: str,
    *,
    option: str,
    default_database: str,
    default_table: str,
    extra: tuple[str, ...] = (),
    environ: Mapping[str, str] | None = None,
) -> DatabaseURL:
    """The URL `option` was given, checked part by part; the password read from the
    environment. Every fault is one UsageError naming `option` and the URL (password masked)."""
    environ = os.environ if environ is None else environ
    where = f"{option} {shown(text)}"
    if not is_database_url(text):
        raise UsageError(f"{where}: expected mysql://USER@HOST:PORT/DATABASE?table=NAME")
    try:
        parts = urlsplit(text)
        port = parts.port
        if port == 0:
            raise ValueError(port)
    except ValueError:
        raise UsageError(f"{where}: the port must be a number from 1 to 65535") from None
    if parts.password is not None or any(
        key.lower() in SECRET_OPTIONS for key, _ in parse_qsl(parts.query, keep_blank_values=True)
    ):
        raise UsageError(
            f"{where}: {_WHY_NOT_IN_URL}; put it in the environment variable "
            f"{PASSWORD_VARIABLE} (or the one ?password-env=NAME names) instead"
        )
    if parts.fragment:
        raise UsageError(f"{where}: a URL fragment (#...) means nothing here; remove it")
    database = unquote(parts.path.removeprefix("/")) or default_database
    options = _options(parts.query, where, extra)
    table = options.pop("table", default_table)
    for what, name in (("database", database), ("table", table)):
        if not NAME.fullmatch(name):
            raise UsageError(
                f"{where}: the {what} name {clip(repr(name))} is not usable; use letters, digits, "
                "_ and $ (at most 64), in one path segment for the database"
            )
    password_env = options.pop("password-env", PASSWORD_VARIABLE)
    if password_env != PASSWORD_VARIABLE and password_env not in environ:
        raise UsageError(
            f"{where}: ?password-env={password_env} names a variable that is not set; "
            f"export {password_env} with the database password"
        )
    return DatabaseURL(
        host=parts.hostname or DEFAULT_HOST,
        port=port or DEFAULT_PORT,
        user=unquote(parts.username) if parts.username else DEFAULT_USER,
        database=database,
        table=table,
        socket=options.pop("socket", None),
        password_env=password_env,
        password=environ.get(password_env),
        connect_timeout=_seconds(options, "connect-timeout", DEFAULT_CONNECT_TIMEOUT, where),
        read_timeout=_seconds(options, "read-timeout", DEFAULT_READ_TIMEOUT, where),
        extra=tuple(options.items()),
        scheme=parts.scheme.lower(),
    )


def _options(query: str, where: str, extra: tuple[str, ...]) -> dict[str, str]:
    """The query's options by name (the last of a repeated one), each known and non-empty."""
    known = (*OPTIONS, *extra)
    options: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in known:
            raise UsageError(
                f"{where}: unknown option ?{clip(key, 40)}=; the options are {', '.join(known)}"
            )
        if not value:
            raise UsageError(f"{where}: ?{key}= needs a value")
        options[key] = value
    return options


def _seconds(options: dict[str, str], name: str, default: float, where: str) -> float:
    value = options.pop(name, None)
    return default if value is None else seconds(value, name, where)


def seconds(text: str, name: str, where: str) -> float:
    """A `?name=SECONDS` option's value: a number above 0, at most an hour."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise UsageError(f"{where}: ?{name}= must be a number of seconds above 0, at most 3600")
    return value


def driver(option: str = "") -> Any:
    """The PyMySQL module, or the one message (naming `option`) that says how to install it."""
    try:
        import pymysql
    except ImportError:
        where = f"{option}: " if option else ""
        raise UsageError(
            f"{where}a mysql:// or mariadb:// URL needs the PyMySQL driver, which is not "
            f"installed: {INSTALL}"
        ) from None
    return pymysql


def connect(url: DatabaseURL, *, option: str, read_timeout: float | None = None) -> Connection[Any]:
    """An autocommit connection (utf8mb4) to `url`'s database, bounded in time, or one
    UsageError naming `option`, the URL and how to mend what failed."""
    pymysql = driver(option)
    with failures(url, option, "connecting"):
        connection: Connection[Any] = pymysql.connect(
            host=url.host,
            port=url.port,
            user=url.user,
            password=url.password or "",
            database=url.database,
            unix_socket=url.socket,
            autocommit=True,
            charset="utf8mb4",
            connect_timeout=url.connect_timeout,
            read_timeout=url.read_timeout if read_timeout is None else read_timeout,
            write_timeout=url.read_timeout,
        )
    return connection


@contextmanager
def failures(url: DatabaseURL, option: str, doing: str) -> Iterator[None]:
    """Every driver error inside turned into one UsageError (`doing` says what was under way)."""
    pymysql = driver(option)
    try:
        yield
    except pymysql.err.Error as exc:
        raise failure(url, option, doing, exc) from None


def failure(url: DatabaseURL, option: str, doing: str, exc: BaseException) -> UsageError:
    """The message for a driver error: what failed and how to mend it, never the password
    (PyMySQL's own texts quote the user and host, which are not secret)."""
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
    where = f"{option} {url}"
    if code in _ACCESS_DENIED:
        has = "is set" if url.password else "is not set"
        return UsageError(
            f"{where}: the database refused user {url.user!r} (access denied) while {doing}; "
            f"check the user and the password in {url.password_env} ({has}), and that the user "
            f"has rights on database {url.database!r}"
        )
    if code == _UNKNOWN_DATABASE:
        return UsageError(
            f"{where}: database {url.database!r} does not exist on {url.where()}; create it "
            f"(CREATE DATABASE {url.database}) or name another in the URL's path"
        )
    if code in _CANNOT_CONNECT:
        return UsageError(
            f"{where}: cannot reach the database server at {url.where()} while {doing} "
            f"({driver_text(exc, url)}); check that it is running and the host, port or "
            "?socket= is right"
        )
    return UsageError(
        f"{where}: the database failed while {doing} ({type(exc).__name__} {code or ''}: "
        f"{driver_text(exc, url)})"
    )


def driver_text(exc: BaseException, url: DatabaseURL) -> str:
    """The driver's own words for `exc`, clipped, with the password masked should it appear."""
    text = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    if url.password and len(url.password) >= 4:
        text = text.replace(url.password, "***")
    return clip(text, 160)
