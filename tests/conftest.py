"""Suite-wide: no test writes outside its temporary folders, and `-n auto` sizes the workers.

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


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` starts one worker more than the machine has cores. Much of this suite waits:
    on servers starting, on CLI subprocesses, on token lifetimes and throttle windows. With
    one worker a core, a whole run on 2 cores kept them 61% busy and took 927 s; with three
    workers (and `--dist loadfile`, so a module's servers start once) 88% and 733 s.
    PYTEST_XDIST_AUTO_NUM_WORKERS still decides where it is set, as pytest-xdist's own does."""
    chosen = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "")
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may use
        return len(os.sched_getaffinity(0)) + 1
    return (os.cpu_count() or 1) + 1


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
