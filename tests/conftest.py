"""Suite-wide: no test writes outside its temporary folders.

A run keeps OAuth2 tokens in $XDG_CACHE_HOME/apitest by default (so rotated refresh tokens
survive between runs); every process this suite starts inherits a throw-away cache folder
instead of the user's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before
