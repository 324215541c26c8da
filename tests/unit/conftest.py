"""Fixtures the unit tests share: the reference specs, loaded once a session, and a small run
result for the reports' tests.

The spec model is frozen, so one load serves every test that reads it; a test that edits a spec
writes its own copy and loads that. (Paths and helpers that are not fixtures: tests/support.py.)
"""

from __future__ import annotations

import pytest

from apitest.results import CaseResult, HttpRecord, OperationInfo, RunResult
from apitest.zspec.loader import load_catalog
from apitest.zspec.model import Catalog, Resource

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


@pytest.fixture
def run_result() -> RunResult:
    """A small finished run as every report reads it: a passed case with its call, the sweep's
    failed delete (a record left behind) apart from the cases, the operations it covered."""
    call = HttpRecord("GET", "http://h/x", {"A": "b"}, None, 200, {}, '{"ok": true}', 2.5)
    case = CaseResult(
        "trips.1.1", "trips.1", "trips", "GET trips", "positive", "test", "passed",
        method="GET", url="http://h/x", http_status=200, calls=[call], error_response=False,
        chain_resource="trips", under_test="GET trips",
    )  # fmt: skip
    swept = CaseResult(
        "cleanup.1", "cleanup", "trips", "DELETE trips", "leftover record", "cleanup", "failed",
        message="DELETE trips answered 500",
    )  # fmt: skip
    return RunResult(
        "http://h", 7, "2026-01-01T00:00:00+00:00", [case], 1.25, 1.0, ["trips.1"],
        operations=[OperationInfo("trips", "GET trips", "GET", "/x", "read", [200, 401])],
        cleanup=["trips record (trip_id=1) NOT deleted (DELETE trips answered 500)"],
        cleanup_cases=[swept],
    )  # fmt: skip
