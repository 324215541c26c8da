"""A CouchDB API (pouchdb-server 4.2 from npm, in memory): revisions as optimistic locking.

An update must carry the document's current `_rev` and the server moves it on; a delete names
the current one in `?rev=`. The spec takes `_rev` from the record (`path="books:$._rev"`).
Two wrong verdicts on this correct API, both fixed:
- the update's read-back demanded the `_rev` it sent back, though the write rightly moved it
  on ('the write did not stick: $._rev: sent "1-...", read "2-..."');
- the record kept the `_rev` the update sent, so the delete sent a stale one and got 409, and
  the document was left behind. The read-back now refreshes the record, as the Data Manager
  keeps each record's latest version;
- a document an accepted negative create made (CouchDB validates nothing) was deleted at once
  with a revision made up, since its create answered `rev`, not `_rev`, and nothing read it
  back: 404, and the document was left. The delete now reads such a record back first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, free_port, loopback_client
from ._thirdparty import Started, npm_package, run_spec, serving

POUCHDB = "pouchdb-server@4.2.0"
SPEC = DATA / "thirdparty" / "couch" / "books.xml"


@pytest.fixture(scope="module")
def couch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    folder = tmp_path_factory.mktemp("couch")
    command = npm_package(POUCHDB) / "node_modules" / ".bin" / "pouchdb-server"
    port = free_port()
    with serving(
        [str(command), "--in-memory", "--port", str(port), "--host", "127.0.0.1"],
        f"http://127.0.0.1:{port}", "/", folder / "server.log",
    ) as started:  # fmt: skip
        with loopback_client() as http:
            assert http.put(started.url + "/books").status_code == 201
        yield started


def documents(couch: Started) -> int:
    found: int = couch.get("/books/_all_docs").json()["total_rows"]
    return found


def run(
    couch: Started, tmp_path: Path, cases: str = "positive"
) -> tuple[int, list[dict[str, Any]]]:
    status, result = run_spec(SPEC, couch, tmp_path, "--cases", cases, "--seed", "5")
    found: list[dict[str, Any]] = result["cases"]
    return status, found


def test_updates_and_deletes_carry_the_current_revision(couch: Started, tmp_path: Path) -> None:
    before = documents(couch)
    status, cases = run(couch, tmp_path)
    wrong = {c["id"]: c["message"] for c in cases if c["status"] != "passed"}
    assert status == 0 and not wrong, wrong
    put = next(c for c in cases if c["method"] == "PUT")
    sent = json.loads(put["calls"][-1]["request_body"])["_rev"]
    delete = next(c for c in cases if c["method"] == "DELETE" and c["case"] == "positive")
    assert sent.startswith("1-")  # the update was based on the first revision, and the
    assert "?rev=2-" in delete["calls"][-1]["url"]  # delete on the one the update made
    assert documents(couch) == before


def test_a_record_an_accepted_negative_create_made_is_deleted_at_its_revision(
    couch: Started, tmp_path: Path
) -> None:
    """CouchDB validates nothing, so negative creates are accepted and their documents undone
    at once. Their create answered `rev`, not `_rev`, and nothing had read them back, so the
    delete made a revision up, got 409, and left each document behind."""
    before = documents(couch)
    _status, cases = run(couch, tmp_path, "all")
    accepted = [c for c in cases if c["negative_kind"] and c["method"] == "POST"
                and c["http_status"] == 201]  # fmt: skip
    assert accepted, [(c["case"], c["http_status"]) for c in cases]
    for case in accepted:
        notes = " ".join(case["notes"])
        assert "removed at once" in notes and "could not" not in notes, notes
    deletes = [call for case in accepted for call in case["calls"] if call["method"] == "DELETE"]
    assert deletes and all("?rev=1-" in call["url"] for call in deletes), deletes
    assert documents(couch) == before
