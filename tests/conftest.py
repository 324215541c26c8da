"""Suite-wide: no test writes outside its temporary folders.

A run keeps OAuth2 tokens in $XDG_CACHE_HOME/apitest by default (so rotated refresh tokens
survive between runs); every process this suite starts inherits a throw-away cache folder
instead of the user's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .mariadb import MariaDB
from .mariadb import missing as mariadb_missing
from .mariadb import running as running_mariadb


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    """A real MariaDB server for this pytest process (tests/mariadb.py), started when a test
    first asks for it and ended with the session; skips when Debian's mariadb-server is absent."""
    reason = mariadb_missing()
    if reason:
        pytest.skip(reason)
    with running_mariadb(tmp_path_factory.mktemp("mariadb")) as server:
        yield server
