"""Fixtures the unit tests share: the reference specs, loaded once a session.

The spec model is frozen, so one load serves every test that reads it; a test that edits a spec
writes its own copy and loads that. (Paths and helpers that are not fixtures: tests/support.py.)
"""

from __future__ import annotations

import pytest

from apitest.spec.loader import load_catalog
from apitest.spec.model import Catalog, Resource

from ..support import SPECS


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The reference specs (specs/trips.xml and the destinations.xml it depends on)."""
    return load_catalog([SPECS])


@pytest.fixture(scope="session")
def trips(catalog: Catalog) -> Resource:
    """The reference `trips` resource: CRUD, a nested structure, path configs, throttling."""
    found = catalog.resource("trips")
    assert found is not None
    return found
