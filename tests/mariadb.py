"""A real MariaDB server for the tests that keep state in a database (token store, throttle).

Debian's `mariadb-server` package provides the binaries (`.ci/run` installs it); the system
service is never used. The `mariadb` fixture (tests/conftest.py) starts one server per pytest
process (each xdist worker its own) the first time a test asks for it: a fresh data folder made
by `mariadb-install-db`, `mariadbd` on 127.0.0.1 at a free port and on a Unix socket, kept small
(the machines are shared). The tests connect as a user WITH a password, as a user would; the
server's root (no password, reachable only through the socket) creates databases for them.

Import PyMySQL only through here or apitest.database: both need it from the `test` extra.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .support import free_port

MARIADBD = Path("/usr/sbin/mariadbd")
INSTALL_DB = Path("/usr/bin/mariadb-install-db")
MISSING = "Debian's mariadb-server is not installed; .ci/run installs it"
START_TIMEOUT_S = 30.0
"""How long the server may take to accept connections: a bound on a hang (it takes ~1 s)."""
STOP_TIMEOUT_S = 30.0
PR_SET_PDEATHSIG = 1
USER = "apitest"
DATABASE = "apitest"
PASSWORD_VARIABLE = "APITEST_DB_PASSWORD"
SMALL = (
    "--innodb-buffer-pool-size=16M",
    "--innodb-log-file-size=4M",
    "--skip-log-bin",
    "--performance-schema=OFF",
    "--max-connections=200",
)
"""Server settings that keep it small: two cores and little memory are shared by many runs."""


def missing() -> str | None:
    """Why no server can be started here, or None."""
    if not (MARIADBD.exists() and INSTALL_DB.exists() and shutil.which("mariadb-install-db")):
        return MISSING
    try:
        import pymysql  # noqa: F401
    except ImportError:
        return "PyMySQL is not installed; pip install -e '.[test]'"
    return None


@dataclass
class MariaDB:
    """One running server: where it listens, the test user's password, and its process."""

    folder: Path
    socket: Path
    port: int
    process: subprocess.Popen[bytes]
    password: str = field(repr=False)
    host: str = "127.0.0.1"
    user: str = USER
    database: str = DATABASE
    _made: int = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def env(self) -> dict[str, str]:
        """What a process connecting as the test user needs in its environment."""
        return {PASSWORD_VARIABLE: self.password}

    def url(self, table: str = "", database: str | None = None, **options: str) -> str:
        """`mysql://apitest@127.0.0.1:PORT/DATABASE?table=...` (no password: it goes in env)."""
        query = [("table", table)] if table else []
        query += [(key.replace("_", "-"), value) for key, value in options.items()]
        text = f"mysql://{self.user}@{self.host}:{self.port}/{database or self.database}"
        return text + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")

    def socket_url(self, table: str = "", database: str | None = None) -> str:
        """The same database reached through the Unix socket (`?socket=`)."""
        return self.url(table, database, socket=str(self.socket))

    def connect(self, database: str | None = None, **kwargs: Any) -> Any:
        """A PyMySQL connection as the test user (TCP, with its password), autocommit."""
        import pymysql

        return pymysql.connect(
            host=self.host, port=self.port, user=self.user, password=self.password,
            database=database or self.database, autocommit=True, connect_timeout=10, **kwargs,
        )  # fmt: skip

    def root(self) -> Any:
        """A connection as the server's root through the socket, for setting up and looking."""
        import pymysql

        return pymysql.connect(
            unix_socket=str(self.socket), user="root", autocommit=True, connect_timeout=10
        )

    def new_database(self, prefix: str = "t") -> str:
        """A fresh, empty database the test user owns (its name starts with `apitest_`), so a
        test's tables never meet another test's."""
        self._made += 1
        name = f"{DATABASE}_{prefix}_{self._made}_{secrets.token_hex(3)}"
        with contextlib.closing(self.root()) as db, db.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}`")
        return name

    def error_log_tail(self, lines: int = 20) -> str:
        log = self.folder / "error.log"
        if not log.exists():
            return "(no error log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """End the server (our own process, by its PID) and remove its files."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT_S)
        shutil.rmtree(self.socket.parent, ignore_errors=True)


def _as_root() -> tuple[str, ...]:
    """`--user=root` when we are root (mariadbd refuses to run as root without it); nothing
    otherwise (the server runs as whoever starts it)."""
    return ("--user=root",) if os.geteuid() == 0 else ()


def _install(data: Path, log: Path) -> None:
    """The bootstrap server's temporary tables go in our own folder: in /tmp (its default),
    another process cleaning /tmp on a shared machine deleted one mid-install once."""
    done = subprocess.run(
        [str(INSTALL_DB), "--no-defaults", f"--datadir={data}",
         "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
         f"--tmpdir={log.parent}", *_as_root(), *SMALL],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    log.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
        raise RuntimeError(f"mariadb-install-db failed ({done.returncode}):\n{tail}")


def _die_with_parent() -> None:
    """In the server's child process before exec: Linux ends it when the pytest process that
    started it dies (a worker killed mid-run must not leave a server behind)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _launch(folder: Path) -> MariaDB:
    port = free_port()
    # A Unix socket path may not exceed ~107 bytes: pytest's folders can, /tmp's cannot.
    socket = Path(tempfile.mkdtemp(prefix="apitest-mdb-")) / "mysqld.sock"
    process = subprocess.Popen(
        [str(MARIADBD), "--no-defaults", f"--datadir={folder / 'data'}", f"--socket={socket}",
         f"--port={port}", "--bind-address=127.0.0.1", "--skip-name-resolve",
         f"--log-error={folder / 'error.log'}", f"--pid-file={folder / 'mysqld.pid'}",
         f"--tmpdir={folder}", *_as_root(), *SMALL],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )  # fmt: skip
    return MariaDB(folder, socket, port, process, password=secrets.token_urlsafe(18))


def _wait_ready(server: MariaDB) -> bool:
    """Until root can connect through the socket (True), or the server has died (False);
    fails after START_TIMEOUT_S."""
    import pymysql

    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        if server.socket.exists():
            try:
                server.root().close()
                return True
            except pymysql.err.Error:
                pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(
        f"MariaDB did not accept connections within {START_TIMEOUT_S:.0f} s; its error log "
        f"ends:\n{server.error_log_tail()}"
    )


def _create_user(server: MariaDB) -> None:
    """The test user, with a password, owning every database named `apitest%`."""
    with contextlib.closing(server.root()) as db, db.cursor() as cursor:
        for host in ("%", "localhost"):
            cursor.execute(
                f"CREATE USER '{USER}'@'{host.replace('%', '%%')}' IDENTIFIED BY %s",
                (server.password,),
            )
            cursor.execute(f"GRANT ALL PRIVILEGES ON `{DATABASE}%`.* TO '{USER}'@'{host}'")
        cursor.execute(f"CREATE DATABASE `{DATABASE}`")


def start(folder: Path) -> MariaDB:
    """A fresh server whose files live in `folder`, ready for the test user; tries three ports
    (another process may take the free port before the server binds it)."""
    folder.mkdir(parents=True, exist_ok=True)
    _install(folder / "data", folder / "install.log")
    for _attempt in range(3):
        server = _launch(folder)
        if _wait_ready(server):
            try:
                _create_user(server)
            except BaseException:
                server.stop()
                raise
            return server
        server.stop()
        tail = server.error_log_tail()
        if "Address already in use" not in tail:
            raise RuntimeError(f"MariaDB exited at start; its error log ends:\n{tail}")
    raise RuntimeError("MariaDB could not bind a free port in three attempts")


@contextlib.contextmanager
def running(folder: Path) -> Iterator[MariaDB]:
    """A server for the duration of the block, stopped (by its PID) on the way out."""
    server = start(folder)
    try:
        yield server
    finally:
        server.stop()
