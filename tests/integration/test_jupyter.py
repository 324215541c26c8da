"""Against Jupyter Server 2.21 (PyPI jupyter_server), the contents API of the server behind
JupyterLab and Notebook: tests/data/thirdparty/jupyter/serve.py starts Jupyter's own ServerApp
over a temporary root folder with a known token, defects planted by name in a contents manager
that subclasses Jupyter's default one; files.xml is written from Jupyter's REST API reference.

Jupyter's conventions are the point: a record is a file, and its key is its path, in the URL
(`/api/contents/{path}`). The caller chooses the key: `PUT` at a path makes the file (201) or,
where there is one, overwrites it (200), answering the model without its content and the
file's URL in Location. `POST` on a folder makes an untitled file whose name the server picks;
`PATCH {"path": new}` renames, changing the key. A read answers the content; a folder's read
lists its files with content null. The token goes as `Authorization: token <T>`; none, or a
wrong one, is 403.

What it shows apitest gets right: a create whose key is the URL variable it chose, read back
by that key, and the untitled file by the key its answer names; the one PUT as a create (201)
and as an update (200, which needs what the create fills in); the Location header a write
must carry; an upload at a path the spec pins, where a file is before the run, not sent
(read first, it would have overwritten that file; engine/before_create.there_before); a save that
keeps the old content, an upload stored empty, a delete that keeps the file, a missing
Location, an unchecked format and a server that lets anyone in are each caught and named.
And it finds Jupyter's own faults: a `POST` whose `ext` is not a string crashes (500), and
the read of an unknown path answers 404 with text under `Content-Type: application/json`
(jupyter_server issue #1530), which apitest rightly calls an error (`JUPYTER_OWN`).

What it showed, now fixed:
- a delete's read-back answered that 404 was taken for "could not tell", not for "gone": the
  end-of-run sweep deleted the file again and reported it "deleted", as left behind
  (engine/validation._read_back_verdict);
- a rename, an update that changes the record's key, split the record: its URL took the new
  path, its key stayed the old one. A correct rename failed its read-back; a delete that kept
  the renamed file passed its read-back; a rename that copied left a file the sweep reported
  deleted. An update that gives the record other keys now moves it, in the Data Manager and
  the ledger, and its old keys are read at the end of the run (engine/bookkeeping._moved);
- a write read back through the folder's listing was held to the content the listing declares
  it does not show; it is now held to the structure the read declares for its records
  (engine/shown.unshown_by), and says what it did not compare;
- an upload the API wrongly accepted over a file that was there before the run (answered 200)
  was undone by deleting that file: the run deleted data it did not make
  (effects.not_made_by_the_run now serves the undo too);
- the Parallel Calls case of an auto-sync operation fired its two calls past the resource's
  lock, so another case's delete could meet them, which is what auto-sync is declared against:
  Jupyter's listing then answered 404 now and then. The pair now holds the resource alone
  (tests/integration/test_parallel_calls.py shows it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught
from ._thirdparty import (
    Started,
    edited_spec,
    failures,
    list_only_spec,
    pypi_command,
    run_with_token,
    serving_app,
    the_case,
)
from ._thirdparty import (
    plant as planted_in,
)

JUPYTER = "jupyter_server==2.21.1"
APP = DATA / "thirdparty" / "jupyter"
SPEC = APP / "files.xml"
TOKEN = "hunt-7c41d2e9a05b4f3e"
NOT_JSON = "the answer is not valid JSON though its content type is application/json"
CRASH = "its declared unexpected-error response (500 crash)"
JUPYTER_OWN = {
    "read file / InvalidValueInURLPath path": ("error", NOT_JSON),  # jupyter_server #1530
    "read file / verify delete file": ("error", NOT_JSON),  # the same 404
    "new untitled file / Invalid Type ext": ("failed", CRASH),  # "untitled" + ext: a TypeError
    "new untitled file / Null Value ext": ("failed", CRASH),
}
"""Cases a correct Jupyter does not pass, by its own fault, and what each says."""
SKIPPED = {"rename file / positive": "skipped"}  # auto-skip in files.xml: see the rename tests


@dataclass
class Jupyter:
    """The module's server and the folder it serves."""

    api: Started
    root: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Jupyter]:
    """One Jupyter Server for the module; each test plants its defects with `plant`."""
    python = pypi_command(JUPYTER, "python")
    folder = tmp_path_factory.mktemp("jupyter")
    root = folder / "root"
    root.mkdir()
    with serving_app(python, APP, folder / "server", [str(root), TOKEN], "/api/") as api:
        yield Jupyter(api, root)


@pytest.fixture
def jupyter(server: Jupyter) -> Iterator[Jupyter]:
    """The module's server with no defect planted and an empty root folder, emptied again
    after the test (so a test whose run left a file leaves nothing to the next)."""
    plant(server)
    yield server
    plant(server)
    for name in on_disk(server):
        (server.root / name).unlink()


def plant(jupyter: Jupyter, *defects: str) -> None:
    planted_in(jupyter.api, *defects)


def on_disk(jupyter: Jupyter) -> list[str]:
    """The files in the served folder, read past the API (Jupyter's own hidden folders aside)."""
    return sorted(path.name for path in jupyter.root.iterdir() if not path.name.startswith("."))


def run(jupyter: Jupyter, tmp_path: Path, spec: Path, cases: str) -> tuple[int, dict[str, Any]]:
    return run_with_token(
        spec, jupyter.api, tmp_path, TOKEN, "--seed", "3", "--cases", cases, under="/api"
    )


def variant(folder: Path, edit: Callable[[Any], None]) -> Path:
    """files.xml with `edit` applied to its tree, in `folder`."""
    return edited_spec(SPEC, folder, edit)


def renaming(tree: Any) -> None:
    """The rename put to the test: files.xml skips it."""
    (rename,) = tree.xpath("//operation[@name='rename file']")
    del rename.attrib["auto-skip"]


def pinned(tree: Any) -> None:
    """The upload's path as a spec written from an example would have it: notes.txt."""
    (path,) = tree.xpath("//operation[@name='upload file']/argument[@name='path']//property")
    path.set("example-value", "notes.txt")


def named(case: dict[str, Any]) -> str:
    return f"{case['operation']} / {case['case']}"


def not_passed(result: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        named(c): (c["status"], c["message"]) for c in result["cases"] if c["status"] != "passed"
    }


def test_a_correct_run_passes_every_case_but_jupyters_own_faults(
    jupyter: Jupyter, tmp_path: Path
) -> None:
    """And every write is read back by its key, the untitled file by the path its answer
    named; the Location each write carries is checked; nothing is left in the folder."""
    status, result = run(jupyter, tmp_path, SPEC, "all")
    assert status == 1
    found = not_passed(result)
    expected = {name: status for name, (status, _) in JUPYTER_OWN.items()}
    assert {name: status for name, (status, _) in found.items()} == {**expected, **SKIPPED}
    for name, (_, said) in JUPYTER_OWN.items():
        assert said in found[name][1], found[name]
    verifies = sorted(c["case"] for c in result["cases"] if c["kind"] == "operation validation")
    writes = ("upload file", "new untitled file", "save file", "delete file")
    assert verifies == sorted(f"verify {write}" for write in writes)
    answered = {
        name: the_case(result, f"{name} / positive")["http_status"]
        for name in ("upload file", "new untitled file", "save file", "delete file")
    }
    assert answered == {
        "upload file": 201,
        "new untitled file": 201,
        "save file": 200,
        "delete file": 204,
    }
    assert on_disk(jupyter) == []


@pytest.mark.parametrize(
    ("defect", "cases", "operation", "case", "said"),
    [
        ("lost-save", "positive", None, "verify save file", "did not stick: $.content: sent "),
        ("dropped-content", "positive", None, "verify upload file", "$.content: sent "),
        ("kept-delete", "positive", None, "verify delete file", "is still there after the delete"),
        ("no-location", "positive", "upload file", "positive", "header Location: expected present"),
        ("lenient-format", "negative", None, "Invalid Value format", "the API accepted format = "),
        ("open-door", "negative", None, "Missing Token", "the API accepted a call without a token"),
        ("open-door", "negative", None, "Invalid Token", "the API accepted an invalid token"),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    jupyter: Jupyter,
    tmp_path: Path,
    defect: str,
    cases: str,
    operation: str | None,
    case: str,
    said: str,
) -> None:
    """And the files a kept delete left are each reported NOT deleted by the sweep."""
    plant(jupyter, defect)
    status, result = run(jupyter, tmp_path, SPEC, cases)
    kept = on_disk(jupyter)
    assert status == 1
    judged = [c for c in result["cases"] if operation in (None, c["operation"])]
    assert_caught(judged, case, said)
    assert kept == [] or defect == "kept-delete", kept
    for name in kept:
        assert [line for line in result["cleanup"] if name in line and "NOT deleted" in line]


def test_an_upload_at_a_pinned_path_where_a_file_is_before_the_run_is_not_sent(
    jupyter: Jupyter, tmp_path: Path
) -> None:
    """The spec pins the upload's path (notes.txt): the run reads that path first, finds a file
    it did not make, and does not send the upload, which Jupyter would answer 200 (saved) over
    it; the case errs naming unique-for, the steps that need its file are skipped, and the
    file is as it was."""
    (jupyter.root / "notes.txt").write_text("theirs", encoding="utf-8")
    status, result = run(jupyter, tmp_path, variant(tmp_path / "spec", pinned), "positive")
    assert status == 1
    upload = the_case(result, "upload file / positive")
    assert (upload["status"], upload["http_status"]) == ("error", None)
    assert upload["message"].startswith(
        "the files record (path=notes.txt) is there before upload file, which names it by keys "
        "the spec pins"
    ), upload["message"]
    assert [call["method"] for call in upload["calls"]] == ["GET"]
    for write in ("save file", "delete file"):
        assert the_case(result, f"{write} / positive")["status"] == "skipped"
    assert on_disk(jupyter) == ["notes.txt"]
    assert (jupyter.root / "notes.txt").read_text(encoding="utf-8") == "theirs"


def test_a_delete_read_back_answered_404_is_not_swept_again(
    jupyter: Jupyter, tmp_path: Path
) -> None:
    _status, result = run(jupyter, tmp_path, SPEC, "positive")
    assert on_disk(jupyter) == []
    assert result["cleanup"] == [], result["cleanup"]
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}


def test_a_correct_rename_is_read_back_at_its_new_path(jupyter: Jupyter, tmp_path: Path) -> None:
    _status, result = run(jupyter, tmp_path, variant(tmp_path / "spec", renaming), "positive")
    assert on_disk(jupyter) == []
    assert the_case(result, "read file / verify rename file")["status"] == "passed", failures(
        result
    )


def test_a_delete_of_a_renamed_file_that_keeps_it_is_caught(
    jupyter: Jupyter, tmp_path: Path
) -> None:
    """The delete and its read-back address the renamed file: kept, it fails the read-back and
    the sweep says it NOT deleted (before, the record kept its old key: the read-back at the
    new path found a file of "another key" and passed)."""
    plant(jupyter, "kept-delete")
    _status, result = run(jupyter, tmp_path, variant(tmp_path / "spec", renaming), "positive")
    kept = on_disk(jupyter)
    assert len(kept) == 2  # the renamed file and the untitled one, both kept
    assert the_case(result, "read file / verify delete file")["status"] == "failed"
    for name in kept:
        assert any(f"(path={name}) NOT deleted" in line for line in result["cleanup"]), name


def test_a_rename_that_copies_fails_and_its_old_file_is_swept(
    jupyter: Jupyter, tmp_path: Path
) -> None:
    """The rename's old path is read at the end of the run: the copy's origin is there, so the
    rename's case fails saying so, and the sweep deletes it (before, the sweep deleted the new
    path, met 404 and reported the old one deleted; the old file stayed)."""
    plant(jupyter, "copying-rename")
    _status, result = run(jupyter, tmp_path, variant(tmp_path / "spec", renaming), "positive")
    rename = the_case(result, "rename file / positive")
    assert rename["status"] == "failed"
    assert rename["message"].startswith("rename file answered 200, but the files record (path=")
    assert rename["message"].endswith("was still there when read back at the end of the run")
    (moved,) = [line for line in result["cleanup"] if "rename file's move of it to" in line]
    assert moved.endswith("was answered with success"), moved
    assert result["cleanup_counts"] == {"deleted": 1, "not_deleted": 0}
    assert on_disk(jupyter) == []


def test_a_write_read_back_through_the_listing_is_held_to_what_the_listing_shows(
    jupyter: Jupyter, tmp_path: Path
) -> None:
    spec = list_only_spec(SPEC, "read file", tmp_path / "spec")
    status, result = run(jupyter, tmp_path, spec, "positive")
    assert on_disk(jupyter) == []
    assert status == 0, failures(result)
    upload = the_case(result, "list files / verify upload file")
    assert "not compared: format, content, which list files's answer does not show" in " ".join(
        upload["notes"]
    ), upload["notes"]


def test_an_accepted_upload_over_a_file_of_before_the_run_is_not_undone_by_deleting_it(
    jupyter: Jupyter, tmp_path: Path
) -> None:
    """An API that takes a format it should refuse (planted) saves over notes.txt, 200."""
    (jupyter.root / "notes.txt").write_text("theirs", encoding="utf-8")
    plant(jupyter, "lenient-format")
    _status, result = run(jupyter, tmp_path, variant(tmp_path / "spec", pinned), "negative")
    saved = [c for c in result["cases"] if c["operation"] == "upload file" and c["http_status"]]
    assert [c for c in saved if c["status"] == "failed" and c["http_status"] == 200], saved
    assert on_disk(jupyter) == ["notes.txt"]
    notes = [note for c in saved for note in c["notes"]]
    assert any(
        "upload file answered 200, not the 201 it declares" in note and "is not deleted" in note
        for note in notes
    ), notes
