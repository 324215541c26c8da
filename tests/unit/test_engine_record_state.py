"""engine/record_state.py: which members of its own record a call takes in a header or
parameter (an ETag for If-Match), when a write leaves them stale, and what a call lacks."""

from __future__ import annotations

import pytest

from apitest.engine.record_state import lacking, moved_on, state_of, taken_from_record
from apitest.engine.records import Record
from apitest.zspec.loader import load_catalog
from apitest.zspec.model import Resource

from ..support import DATA

KEYWORDS = DATA / "thirdparty" / "roundup" / "keywords.xml"


@pytest.fixture(scope="module")
def keywords() -> Resource:
    found = load_catalog([KEYWORDS]).resource("keywords")
    assert found is not None
    return found


def test_the_writes_take_the_etag_and_the_reads_take_nothing(keywords: Resource) -> None:
    taken = {op.name: taken_from_record(keywords, op) for op in keywords.operations}
    assert taken["update keyword"] == taken["delete keyword"] == {"@etag"}
    assert taken["read keyword"] == frozenset()  # its id goes in the URL: a key, not state
    assert state_of(keywords) == {"@etag"}


def test_a_write_whose_answer_gives_no_new_etag_leaves_it_stale(keywords: Resource) -> None:
    record = Record("keywords", {"id": "1", "@etag": "a", "name": "x"}, {"id": "1"}, "c", True, 0)
    assert lacking(record, frozenset({"@etag"})) == []
    before = dict(record.data)
    record.data = {**record.data, "name": "y"}  # Roundup: the update answers what it changed
    moved_on(keywords, record, before)
    assert lacking(record, frozenset({"@etag"})) == ["@etag"]
    record.stale, before = frozenset(), dict(record.data)
    record.data = {**record.data, "@etag": "b"}  # an answer that gives the new one
    moved_on(keywords, record, before)
    assert lacking(record, frozenset({"@etag"})) == []


def test_a_record_never_read_by_item_lacks_its_etag() -> None:
    record = Record("keywords", {"id": "2", "link": "/k/2"}, {"id": "2"}, "c", True, 0)
    assert lacking(record, frozenset({"@etag"})) == ["@etag"]
