"""Flask-AppBuilder 5 (PyPI): a ModelRestApi behind its JWT login, whose every answer is an
envelope. A create answers `{"id": 1, "result": {...}}`, a read the same with `label_columns`
and more beside it, an update `{"result": {...}}` without the id.

tests/data/thirdparty/fab holds the API (serve.py, defects planted by name) and a spec written
from FAB's docs: the record is what stands under `result`, and the create's answer says with a
path-config of its own that the key stands beside it. The login is a `<token>` schema whose
username and password come from APITEST_TOKEN_FIELD_*.

What it showed: with the whole answer taken as the record (data-extraction-path `$`, as a
first try at such an API would have it), every write "did not stick", each property that the
read answer "lacks" standing one level down, under `result`. Nothing in the report said so,
and `label_columns` names every field too, so a reader could not tell which object was meant.
The read-back now says where the sent properties are and which data-extraction-path would reach
them (verify/compare.nested_holder), without comparing there unasked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    FLASK_APPBUILDER,
    Started,
    edited_spec,
    pypi_command,
    run_spec,
    serving_app,
)

APP = DATA / "thirdparty" / "fab"
SPEC = APP / "contacts.xml"
LOGIN = {"username": "fab-admin-5c1e", "password": "fab-secret-0d9b7a"}


def contacts_api(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    python = pypi_command(FLASK_APPBUILDER[0], "python", *FLASK_APPBUILDER[1:])
    argv = [str(folder / "contacts.sqlite"), f"{LOGIN['username']}:{LOGIN['password']}"]
    planted = {"FAB_DEFECTS": ",".join(defects)}
    return serving_app(python, APP, folder, argv, "/api/v1/security/login", env=planted)


@pytest.fixture(scope="module")
def correct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    with contacts_api(tmp_path_factory.mktemp("fab") / "correct") as api:
        yield api


def run(api: Started, tmp_path: Path, spec: Path = SPEC) -> tuple[int, dict[str, Any]]:
    return run_spec(
        spec, api, tmp_path, "--seed", "3", "--cases", "positive", under="/api/v1", fields=LOGIN
    )


def contacts(api: Started) -> list[dict[str, Any]]:
    """The contacts the API holds, asked with a login of the test's own."""
    with loopback_client() as http:
        login = http.post(
            f"{api.url}/api/v1/security/login", json={**LOGIN, "provider": "db"}
        ).json()
        answer = http.get(
            f"{api.url}/api/v1/contact/",
            headers={"Authorization": f"Bearer {login['access_token']}"},
        )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["result"]
    return found


def test_a_correct_api_passes_with_each_write_read_back(correct: Started, tmp_path: Path) -> None:
    status, result = run(correct, tmp_path)
    cases = result["cases"]
    assert status == 0, {c["id"]: c["message"] for c in cases if c["status"] != "passed"}
    verifies = [c for c in cases if c["kind"] == "operation validation"]
    assert [c["case"] for c in verifies] == [
        "verify create contact",
        "verify update contact",
        "verify delete contact",
    ]
    create, update = (c["pacing"]["record_check"]["values"] for c in verifies[:2])
    assert create["name"] and update["name"] and create["name"] != update["name"]
    assert verifies[2]["http_status"] == 404
    assert contacts(correct) == []  # what the run made, it deleted


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [
        ("lost-update", "verify update contact", "the write did not stick: $.name: sent "),
        ("kept-delete", "verify delete contact", "is still there after the delete"),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    tmp_path: Path, defect: str, case: str, said: str
) -> None:
    with contacts_api(tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path)
    assert status == 1
    assert_caught(result["cases"], case, said)
    hints = [d for c in result["cases"] for d in c["details"] if "data-extraction-path" in d]
    assert hints == []  # the record was where the spec says: nothing to point at


def test_the_whole_envelope_taken_as_the_record_names_the_path_that_reaches_it(
    correct: Started, tmp_path: Path
) -> None:

    def whole_envelope(tree: Any) -> None:
        (general,) = tree.xpath("/resource/resource-config/path-config")
        general.set("data-extraction-path", "$")

    spec = edited_spec(SPEC, tmp_path / "spec", whole_envelope)
    status, result = run(correct, tmp_path, spec)
    assert status == 1
    said = "the read record holds name, email, age, birthday, score under result: if the record "
    said += 'is there, say so with data-extraction-path="$.result"'
    assert_caught(result["cases"], "verify create contact", said)
    assert_caught(result["cases"], "verify update contact", said)
