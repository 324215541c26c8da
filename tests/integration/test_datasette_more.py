"""Against Datasette 1.0 (PyPI) with a richer spec, as a user writes one from ZEST's reference:
two tables joined by a foreign key (pets.owner_id is `path="owners:$.id"`, with `<dependency
resources>`), strings with length, values and regex, a double with range and decimal-place, a
date and a datetime, nullable columns, a list read with Datasette's query arguments, and error
answers told by an `<error condition>`.

The tables are STRICT with CHECK constraints, so Datasette refuses what the spec forbids and a
correct API passes every generated case; each planted defect (a trigger that rewrites a column,
a delete that does nothing, a refused permission, a stored value the spec forbids, a table that
checks nothing) must fail, with a message that names what broke.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, run_cli
from ._thirdparty import DATASETTE_PERMISSIONS, Started, case_named, datasette_server

FOLDER = DATA / "thirdparty" / "datasette"
SPECS = (FOLDER / "owners.xml", FOLDER / "pets.xml")
STRICT_TABLES = (
    "CREATE TABLE owners (id INTEGER PRIMARY KEY,"
    " name ANY NOT NULL CHECK (typeof(name) = 'text' AND length(name) BETWEEN 1 AND 40),"
    " email TEXT CHECK (email GLOB '?*@?*.?*' AND email NOT GLOB '*[^A-Za-z@.]*'),"
    " born TEXT CHECK (born IS NULL OR date(born) IS born)) STRICT",
    "CREATE TABLE pets (id INTEGER PRIMARY KEY,"
    " name ANY NOT NULL CHECK (typeof(name) = 'text' AND length(name) BETWEEN 1 AND 30),"
    " kind TEXT NOT NULL CHECK (kind IN ('dog', 'cat', 'bird')),"
    " weight REAL CHECK (weight BETWEEN 0 AND 200),"
    " owner_id INTEGER NOT NULL REFERENCES owners(id),"
    " nickname ANY CHECK (nickname IS NULL OR"
    "  (typeof(nickname) = 'text' AND length(nickname) <= 20)),"
    " adopted TEXT CHECK (adopted IS NULL OR"
    "  adopted GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]*')) STRICT",
)
LAX_TABLES = (  # the same columns, checking nothing: SQLite takes almost any value
    "CREATE TABLE owners (id INTEGER PRIMARY KEY, name, email, born)",
    "CREATE TABLE pets (id INTEGER PRIMARY KEY, name, kind, weight, owner_id, nickname, adopted)",
)
SEED = (
    "INSERT INTO owners (name, email, born) VALUES ('Ann', 'ann@example.com', '1990-01-02')",
    "INSERT INTO pets (name, kind, weight, owner_id) VALUES ('Rex', 'dog', 12.5, 1)",
)

Serve = Callable[..., Started]


@pytest.fixture
def datasette(tmp_path: Path) -> Iterator[Serve]:
    """Start Datasette over fresh owners and pets tables (STRICT ones unless `tables` says
    otherwise), seeded, with `sql` run on them, and `permissions` as its configuration."""
    servers: list[Any] = []

    def serve(
        *sql: str, tables: tuple[str, ...] = STRICT_TABLES, permissions: str = DATASETTE_PERMISSIONS
    ) -> Started:
        folder = tmp_path / f"datasette{len(servers)}"
        context = datasette_server(folder, [*tables, *SEED, *sql], permissions, "/data/pets.json")
        servers.append(context)
        return context.__enter__()

    yield serve
    for context in reversed(servers):
        context.__exit__(None, None, None)


def _run(server: Started, folder: Path, *options: str) -> tuple[int, dict[str, Any]]:
    """Both specs run as a user would, the report read back."""
    report = folder / "report.json"
    done = run_cli(
        "run", *map(str, SPECS), "--base-url", server.url, "--seed", "5",
        "--report-dir", str(folder), "--json", str(report), "-q", *options,
    )  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return done.returncode, result


def _table(server: Started, name: str) -> list[Any]:
    rows: list[Any] = server.get(f"/data/{name}.json?_shape=array").json()
    return rows


def _statuses(result: dict[str, Any]) -> dict[str, str]:
    return {f"{c['chain']} {c['operation']} / {c['case']}": c["status"] for c in result["cases"]}


def test_a_correct_api_passes_every_case_with_real_owners(tmp_path: Path, datasette: Serve) -> None:
    """Every case passes, none is skipped, and each pet names an owner the run created: the
    owners table is pre-loaded but its only read needs an id, so the pets' data preparation is
    its create (marked auto-test-dependency), never a read with nothing to address."""
    server = datasette()
    before = (_table(server, "owners"), _table(server, "pets"))
    code, result = _run(server, tmp_path / "run")
    statuses = _statuses(result)
    assert code == 0, statuses
    assert set(statuses.values()) == {"passed"}, statuses
    prepared = [
        c for c in result["cases"]
        if c["kind"] == "data preparation" and c["case"] == "record for pets"
    ]  # fmt: skip
    assert len(prepared) == 2, statuses  # the pets' lifecycle chain and negative-case chain
    owners = {
        json.loads(c["calls"][0]["response_body"])["rows"][0]["id"]: c["chain"] for c in prepared
    }
    sent = json.loads(case_named(result, "insert pet / positive")["calls"][0]["request_body"])
    assert owners.get(sent["row"]["owner_id"]) == "pets.1", (sent, owners)
    assert (_table(server, "owners"), _table(server, "pets")) == before


def after(event: str, table: str, body: str) -> str:
    """A trigger planted in the API's database: `body` runs after each `event` on `table`."""
    return f"CREATE TRIGGER planted AFTER {event} ON {table} BEGIN {body}; END"


@pytest.mark.parametrize(
    ("sql", "case", "message"),
    [
        pytest.param(
            after("INSERT", "pets", "UPDATE pets SET weight = round(new.weight) WHERE id = new.id"),
            "GET pet / verify insert pet", "the write did not stick: $.weight: sent ",
            id="insert-rounds-weight",
        ),
        pytest.param(
            after("INSERT", "pets", "UPDATE pets SET adopted = "
                  "replace(datetime(new.adopted), ' ', 'T') WHERE id = new.id"),
            "GET pet / verify insert pet", "$.adopted",
            id="insert-drops-offset",
        ),
        pytest.param(
            after("INSERT", "pets", "UPDATE pets SET owner_id = owner_id + 1000 WHERE id = new.id"),
            "GET pet / verify insert pet", "the write did not stick: $.owner_id: sent ",
            id="insert-rewrites-owner",
        ),
        pytest.param(
            after("UPDATE", "pets", "UPDATE pets SET nickname = NULL WHERE id = new.id "
                  "AND new.nickname IS NOT NULL"),
            "GET pet / verify update pet", "the write did not stick: $.nickname: sent ",
            id="update-loses-nickname",
        ),
        pytest.param(
            "CREATE TRIGGER planted BEFORE DELETE ON pets BEGIN SELECT RAISE(IGNORE); END",
            "GET pet / verify delete pet", "is still there after the delete",
            id="delete-does-nothing",
        ),
        pytest.param(
            after("INSERT", "owners",
                  "UPDATE owners SET email = upper(new.email) WHERE id = new.id"),
            "insert owner / positive", "$.rows[0].email: expected a match of ",
            id="insert-uppercases-email",
        ),
        pytest.param(
            "UPDATE pets SET weight = 12.345 WHERE id = 1",
            "list pets / positive", "].weight: expected at most 2 digits after",
            id="stored-weight-too-precise",
        ),
        pytest.param(
            "PRAGMA ignore_check_constraints = 1",
            "list pets / positive", "].name: expected length 1..30",
            id="stored-name-empty",
        ),
    ],
)  # fmt: skip
def test_a_planted_defect_fails_the_case_that_meets_it(
    tmp_path: Path, datasette: Serve, sql: str, case: str, message: str
) -> None:
    statements = (sql,) if "ignore_check" not in sql else (sql, "UPDATE pets SET name = ''")
    server = datasette(*statements)
    code, result = _run(server, tmp_path / "run", "--cases", "positive")
    assert code == 1
    found = case_named(result, case)
    assert found["status"] == "failed", found
    assert message in found["message"], found["message"]


def test_a_refused_update_fails_the_update(tmp_path: Path, datasette: Serve) -> None:
    """Without the update-row permission Datasette answers 403, which no response declares."""
    refused = DATASETTE_PERMISSIONS.replace("update-row: true", "update-row: false")
    server = datasette(permissions=refused)
    code, result = _run(server, tmp_path / "run", "--cases", "positive")
    assert code == 1
    update = case_named(result, "update pet / positive")
    assert update["status"] == "failed" and update["http_status"] == 403, update


def test_a_failed_create_never_lets_the_run_delete_a_record_it_did_not_create(
    tmp_path: Path, datasette: Serve
) -> None:
    """The create is refused, so the only pet the run could be handed is the one the table
    held before the run: the delete must not remove it (and must not pass on it), as the
    planner already promises where a resource has no create at all."""
    server = datasette(
        "CREATE TRIGGER planted BEFORE INSERT ON pets BEGIN SELECT RAISE(ABORT, 'closed'); END"
    )
    before = _table(server, "pets")
    code, result = _run(server, tmp_path / "run", "--cases", "positive")
    assert code == 1
    assert case_named(result, "insert pet / positive")["status"] == "failed"
    delete = case_named(result, "delete pet / positive")
    assert delete["status"] == "skipped", delete
    assert "did not create" in delete["message"], delete["message"]
    assert delete["calls"] == []
    # the update may change a pre-loaded pet (the resource says it has some); none is removed
    assert [pet["id"] for pet in _table(server, "pets")] == [pet["id"] for pet in before]


def test_a_table_that_checks_nothing_fails_the_cases_it_accepts(
    tmp_path: Path, datasette: Serve
) -> None:
    """Over tables without constraints, every negative body case the API accepts fails and
    says what it sent; only what Datasette itself refuses still passes."""
    server = datasette(tables=LAX_TABLES)
    before = (_table(server, "owners"), _table(server, "pets"))
    code, result = _run(server, tmp_path / "run", "--cases", "negative")
    assert code == 1
    for name in (
        "insert pet / Invalid Value row.kind",
        "insert pet / Invalid Value row.weight (above range)",
        "insert pet / Length Violation row.name (over max)",
        "insert pet / Invalid Type row.owner_id",
        "insert owner / Regex Mismatch row.email",
        "insert owner / Invalid Type row.born",
        "update pet / Null Value update.kind",
    ):
        found = case_named(result, name)
        assert found["status"] == "failed", found
        assert found["message"].startswith("the API accepted "), found["message"]
    assert case_named(result, "insert pet / Mandatory Property row")["status"] == "passed"
    assert case_named(result, "list pets / Invalid Param _size")["status"] == "passed"
    # what the API wrongly accepted was undone: inserts deleted, updates written back
    assert (_table(server, "owners"), _table(server, "pets")) == before


def test_strict_fails_a_column_the_spec_does_not_declare(tmp_path: Path, datasette: Serve) -> None:
    """The specs declare every key Datasette answers with, so --strict passes a correct API;
    a column nobody declared is a note without --strict and a failure with it."""
    code, result = _run(datasette(), tmp_path / "strict", "--cases", "positive", "--strict")
    assert code == 0, _statuses(result)
    server = datasette("ALTER TABLE pets ADD COLUMN secret TEXT DEFAULT 'x'")
    code, result = _run(server, tmp_path / "lenient", "--cases", "positive")
    assert code == 0, _statuses(result)
    assert (
        "$.rows[0].secret: not declared in the structure"
        in case_named(result, "GET pet / positive")["notes"]
    )
    code, result = _run(server, tmp_path / "strict2", "--cases", "positive", "--strict")
    assert code == 1
    found = case_named(result, "GET pet / positive")
    assert found["status"] == "failed" and "$.rows[0].secret" in found["message"], found


def test_a_foreign_key_made_up_for_want_of_an_owner_is_said_on_the_case(
    tmp_path: Path, datasette: Serve
) -> None:
    """The owners' insert is refused, so the pets' data preparation has no owner to give:
    owner_id is made up (SQLite does not enforce the key, so the insert passes), and the case
    says so, where before nothing told that the pet names no real owner."""
    server = datasette(
        "CREATE TRIGGER planted BEFORE INSERT ON owners BEGIN SELECT RAISE(ABORT, 'closed'); END"
    )
    code, result = _run(server, tmp_path / "run", "--cases", "positive")
    assert code == 1  # the owners' own insert fails
    pet = case_named(result, "insert pet / positive")
    notes = " ".join(pet["notes"])
    assert "made up for want of a record: owner_id (owners:$.id)" in notes, pet
    clean = case_named(
        _run(datasette(), tmp_path / "clean", "--cases", "positive")[1], "insert pet / positive"
    )
    assert not any("made up" in note for note in clean["notes"]), clean["notes"]
