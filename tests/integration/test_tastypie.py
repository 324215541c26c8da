"""django-tastypie 0.15 (PyPI) with its defaults: creates answer 201 with no body, saying
where the new record is in `Location`.

tests/data/thirdparty/tastypie holds the spec and the API (serve.py, notes/), with defects
planted by name.

What it showed, now fixed:
- the create's answer holds no record, so the run failed every create of a correct API ("no
  created record was found in the answer"), skipped what came after it, and left each note it
  made behind. The `Location` now names the record (engine/created_keys.py): `/api/v1/notes/7/`
  on the resource's `/notes/{id}/`;
- with no read by key, writes are read back by the list, which Tastypie pages 20 notes at a
  time in id order. Once 20 notes were there, the new note stood on page 2: each correct write
  failed "the read answer holds no notes record", and a delete that deleted nothing passed,
  since page 1 did not hold the note. The read-back now reads on by `meta.next`
  (engine/paging.py).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    DJANGO,
    TASTYPIE,
    Started,
    fill,
    list_only_spec,
    pypi_command,
    run_with_token,
    serving_app,
)

APP = DATA / "thirdparty" / "tastypie"
TOKEN = "writer:apitest0000000000000000000000000000"
AUTH = {"Authorization": f"ApiKey {TOKEN}"}


def notes_api(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    python = pypi_command(TASTYPIE, "python", DJANGO)
    argv, planted = [str(folder / "db.sqlite3"), TOKEN], {"TASTYPIE_DEFECTS": ",".join(defects)}
    return serving_app(python, APP, folder, argv, "/api/v1/", env=planted)


def run(api: Started, tmp_path: Path, spec: Path = APP) -> tuple[int, dict[str, Any]]:
    return run_with_token(
        spec, api, tmp_path, TOKEN, "--seed", "3", "--cases", "positive", under="/api/v1"
    )


def notes(api: Started) -> list[dict[str, Any]]:
    with loopback_client() as http:
        answer = http.get(f"{api.url}/api/v1/notes/", headers=AUTH)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["objects"]
    return found


def test_creates_answered_by_location_are_read_back_and_cleaned_up(tmp_path: Path) -> None:
    with notes_api(tmp_path / "api") as api:
        status, result = run(api, tmp_path)
        left = notes(api)
    failed = {c["id"]: c["message"] for c in result["cases"] if c["status"] != "passed"}
    assert status == 0, failed
    create = next(c for c in result["cases"] if c["operation"] == "POST notes")
    made = create["calls"][0]
    assert made["status"] == 201 and made["response_body"] in (None, "")
    note_id = made["response_headers"]["location"].rstrip("/").rsplit("/", 1)[1]
    verify = next(c for c in result["cases"] if c["case"] == "verify POST notes")
    assert verify["url"].endswith(f"/notes/{note_id}/")
    assert verify["pacing"]["record_check"]["values"]["title"]
    assert left == []


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [
        ("lost-create", "verify POST notes", "404"),
        ("lost-update", "verify PUT note", "the write did not stick: $."),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    tmp_path: Path, defect: str, case: str, said: str
) -> None:
    with notes_api(tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path)
    assert status == 1
    assert_caught(result["cases"], case, said)


def test_a_list_read_back_reads_on_to_the_page_that_holds_the_record(tmp_path: Path) -> None:
    spec = list_only_spec(APP / "notes.xml", "GET note", tmp_path / "spec")
    with notes_api(tmp_path / "api") as api:
        fill(f"{api.url}/api/v1/notes/", "title", 25, 201, headers=AUTH)
        status, result = run(api, tmp_path, spec)
        with loopback_client() as http:
            total = http.get(f"{api.url}/api/v1/notes/", headers=AUTH).json()["meta"]
    failed = {c["id"]: c["message"] for c in result["cases"] if c["status"] != "passed"}
    assert status == 0, failed
    checks = [c for c in result["cases"] if c["case"].startswith("verify ")]
    assert {c["case"] for c in checks} == {
        "verify POST notes", "verify PUT note", "verify DELETE note"
    }  # fmt: skip
    for check in checks:
        assert check["url"].endswith("/notes/?limit=20&offset=20"), check["url"]
        assert "read 2 pages of the list, by the next link of each" in check["notes"]
        assert [call["url"].split("/api/v1")[1] for call in check["calls"]] == [
            "/notes/", "/notes/?limit=20&offset=20"
        ]  # fmt: skip
    assert total["total_count"] == 25  # the 25 made before; the run left nothing


def test_a_delete_that_deleted_nothing_is_caught_past_the_first_page(tmp_path: Path) -> None:
    spec = list_only_spec(APP / "notes.xml", "GET note", tmp_path / "spec")
    with notes_api(tmp_path / "api", "kept-delete") as api:
        fill(f"{api.url}/api/v1/notes/", "title", 25, 201, headers=AUTH)
        status, result = run(api, tmp_path, spec)
    assert status == 1
    assert_caught(result["cases"], "verify DELETE note", "is still there after the delete")
