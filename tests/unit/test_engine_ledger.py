"""The cleanup ledger (engine/ledger.py): what a run created and has not deleted is read back
for `apitest cleanup`, even after a crash cut its last line."""

from __future__ import annotations

from pathlib import Path

import pytest

from apitest.engine.ledger import Ledger, read_ledger
from apitest.errors import UsageError


def test_ledger_replays_live_records_and_tolerates_a_cut_last_line(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path, "http://127.0.0.1:1/api")
    first = ledger.created("trips", "specs/trips.xml", {"trip_id": "1"}, {"trip_name": "a"})
    ledger.created("trips", "specs/trips.xml", {"trip_id": "2"}, {})
    ledger.deleted(first)
    ledger.close()
    with path.open("a") as out:
        out.write('{"event": "created", "id": 3, "reso')  # a crash mid-write
    live = read_ledger(path)
    assert [(entry.id, entry.keys) for entry in live] == [(2, {"trip_id": "2"})]
    path.write_text("garbage\n{}\n")
    with pytest.raises(UsageError, match=r"ledger.jsonl:1: not a ledger line"):
        read_ledger(path)


def test_ledger_keeps_where_a_record_was_made(tmp_path: Path) -> None:
    """An S3 object lives in the bucket it was put in: `apitest cleanup` deletes it there."""
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path, "http://127.0.0.1:1")
    ledger.created("objects", "s3/objects.xml", {"Key": "k"}, {}, {"Bucket": "b", "Key": "k"})
    ledger.created("trips", "specs/trips.xml", {"trip_id": "2"}, {})
    ledger.close()
    assert [entry.address for entry in read_ledger(path)] == [{"Bucket": "b", "Key": "k"}, {}]
    assert '"address"' not in path.read_text().splitlines()[1]  # none where the URL named none


def test_ledger_follows_a_record_an_update_moved(tmp_path: Path) -> None:
    """A rename gave the record other keys: `apitest cleanup` deletes it where it now is; a
    move of a record already deleted is no record."""
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path, "http://127.0.0.1:1/api")
    moved = ledger.created("files", "files.xml", {"path": "a.txt"}, {"path": "a.txt"})
    gone = ledger.created("files", "files.xml", {"path": "b.txt"}, {})
    ledger.deleted(gone)
    ledger.rekeyed(moved, {"path": "c.txt"}, {"path": "c.txt", "name": "c.txt"})
    ledger.rekeyed(gone, {"path": "d.txt"}, {})
    ledger.close()
    assert [(entry.id, entry.keys, entry.data) for entry in read_ledger(path)] == [
        (moved, {"path": "c.txt"}, {"path": "c.txt", "name": "c.txt"})
    ]
