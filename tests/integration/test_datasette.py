"""Against Datasette 1.0 (PyPI), whose writes wrap the record in an envelope: the callback read
compares the record the request carried, found where the request says it is, never the
envelope's keys (issue 18, item 5); and an update keeps the `return` flag that example-value
pins, or the answer would hold no rows (item 6)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from apitest.engine.validation import UNVERIFIED_UPDATE

from ..support import DATA, run_cli
from ._thirdparty import (
    DATASETTE_PERMISSIONS,
    Started,
    case_named,
    datasette_server,
    list_only_spec,
)

SPEC = DATA / "thirdparty" / "datasette" / "items.xml"
LOSE_UPDATES = (
    "CREATE TRIGGER lose_updates AFTER UPDATE OF qty ON items "
    "BEGIN UPDATE items SET qty = 0 WHERE id = new.id AND new.qty != 0; END"
)

Serve = Callable[..., Started]


@pytest.fixture
def datasette(tmp_path: Path) -> Iterator[Serve]:
    """Start Datasette over a fresh items table (with `sql` run on it first)."""
    servers: list[Any] = []

    def serve(*sql: str) -> Started:
        context = datasette_server(
            tmp_path / f"datasette{len(servers)}",
            ["CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INT)",
             "INSERT INTO items (name, qty) VALUES ('seed', 1)", *sql],
            DATASETTE_PERMISSIONS, "/data/items.json",
        )  # fmt: skip
        servers.append(context)
        return context.__enter__()

    yield serve
    for context in reversed(servers):
        context.__exit__(None, None, None)


def _run(server: Started, folder: Path, spec: Path, *options: str) -> tuple[int, dict[str, Any]]:
    report = folder / "report.json"
    done = run_cli(
        "run", str(spec), "--base-url", server.url, "--seed", "5", "--report-dir", str(folder),
        "--json", str(report), "-q", *options,
    )  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return done.returncode, result


def _rows(server: Started) -> list[Any]:
    rows: list[Any] = server.get("/data/items.json?_shape=objects").json()["rows"]
    return rows


def test_writes_are_checked_against_the_record_inside_the_envelope(
    tmp_path: Path, datasette: Serve
) -> None:
    server = datasette()
    before = _rows(server)
    code, result = _run(server, tmp_path / "run", SPEC, "--cases", "positive")
    statuses = {f"{c['operation']} / {c['case']}": c["status"] for c in result["cases"]}
    assert code == 0, statuses
    assert set(statuses.values()) == {"passed"}
    for write in ("insert item", "update item"):
        verify = case_named(result, f"GET item / verify {write}")
        assert not any("not compared" in note for note in verify["notes"]), verify["notes"]
    update = case_named(result, "update item / positive")
    sent = json.loads(update["calls"][0]["request_body"])
    assert sent["return"] is True  # pinned by example-value, so the answer lists the row
    assert _rows(server) == before


def test_a_lost_update_inside_the_envelope_fails_its_check(
    tmp_path: Path, datasette: Serve
) -> None:
    """The comparison is real: a table that drops the update's qty fails the update's check
    on qty, the field the envelope carried, and on nothing of the envelope."""
    server = datasette(LOSE_UPDATES)
    code, result = _run(server, tmp_path / "run", SPEC, "--cases", "positive")
    assert code == 1
    verify = case_named(result, "GET item / verify update item")
    assert verify["status"] == "failed"
    assert verify["message"].startswith("the write did not stick: $.qty: sent "), verify
    assert "return" not in " ".join(verify["details"]) and "$.update" not in verify["message"]
    assert case_named(result, "GET item / verify insert item")["status"] == "passed"


def test_without_a_request_path_config_the_structure_locates_the_record(
    tmp_path: Path, datasette: Serve
) -> None:
    """No path-config on the request: the property shaped by the primary-structure (`row`,
    `update`) is the record; a request structure that shows none is compared with nothing:
    its update's read-back is skipped, saying so, rather than failing on its envelope or
    passing a check it never made."""
    server = datasette(LOSE_UPDATES)
    text = SPEC.read_text(encoding="utf-8")
    bare = tmp_path / "bare.xml"
    bare.write_text(text.replace('<path-config data-extraction-path="$.row"/>', "").replace(
        '<path-config data-extraction-path="$.update"/>', ""), encoding="utf-8")  # fmt: skip
    _code, result = _run(server, tmp_path / "bare", bare, "--cases", "positive")
    assert case_named(result, "GET item / verify insert item")["status"] == "passed"
    assert case_named(result, "GET item / verify update item")["message"].startswith(
        "the write did not stick: $.qty"
    )
    opaque = tmp_path / "opaque.xml"
    opaque.write_text(bare.read_text(encoding="utf-8").replace(
        '<property name="update" type="map" required-for="Request[update]">\n'
        '        <structure-ref name="item"/>',
        '<property name="update" type="map" required-for="Request[update]">\n'
        '        <structure><property name="qty" type="integer" range="0,1000"/></structure>',
    ), encoding="utf-8")  # fmt: skip
    _code, result = _run(datasette(), tmp_path / "opaque", opaque, "--cases", "positive")
    verify = case_named(result, "GET item / verify update item")
    assert verify["status"] == "skipped", verify
    assert verify["message"] == UNVERIFIED_UPDATE
    assert verify["http_status"] == 200  # the record was read, and found


FILLER = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150) "
    "INSERT INTO items (name, qty) SELECT 'filler', 1 FROM n"
)
"""150 rows more: Datasette lists 100 a page, in rowid order, so a new row is on page 2."""


def test_a_list_read_back_follows_the_next_url_to_the_new_row(
    tmp_path: Path, datasette: Serve
) -> None:
    """With no read by key, the list verifies the writes. Datasette names its next page in
    the body, as a token (`next`, not followed) and as a URL (`next_url`, followed)."""
    server = datasette(FILLER)
    listing = list_only_spec(SPEC, "GET item", tmp_path / "spec")
    before = server.get("/data/items.json?_shape=objects&_size=max").json()["rows"]
    code, result = _run(server, tmp_path / "run", listing, "--cases", "positive")
    statuses = {c["case"]: c["message"] for c in result["cases"] if c["status"] != "passed"}
    assert code == 0, statuses
    for write in ("insert item", "update item", "delete item"):
        check = case_named(result, f"GET items / verify {write}")
        assert "read 2 pages of the list, by the next link of each" in check["notes"], check
        assert "_next=" in check["calls"][-1]["url"], check["calls"]
    after = server.get("/data/items.json?_shape=objects&_size=max").json()["rows"]
    assert after == before
