"""The items of a DynamoDB table as moto 5.2 (PyPI) serves them: the JSON protocol, every
call a `POST /` named by its X-Amz-Target header, every value typed (`{"S": "text"}`).

tests/data/thirdparty/dynamodb holds the spec and serve.py (moto's own application, which
makes the table, with defects planted by name).

What it showed, now fixed:
- The client chooses an item's key and sends it in the item; PutItem answers `{}`. Every
  create of a correct API failed "no created record was found in the answer", and everything
  after it was skipped. A create whose answer shows no record made the one it sent, where it
  sent every primary key (engine/created_keys.keys_sent).
- GetItem names the item by `{"Key": {"id": {"S": ...}}}`, a value taken from the item's
  own record two levels down. With no record at hand it was made up: the read asked after
  an item nobody made, was answered `{}`, and passed, having tested nothing. A value a call
  must send from the record it addresses is never made up, at any depth
  (plan/record_keys.own_record_properties): the step waits for a record, or says it has none.
- DeleteItem of a key of the wrong type answers 200 and deletes nothing. The run took the
  negative case's record for gone, struck it from the ledger, and left it in the table: it
  now asks the callback read first (engine/undo.Undoer.kept).
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import Started, moto_python, run_with_token, serving_app

APP = DATA / "thirdparty" / "dynamodb"
TOKEN = (
    "Credential=testing/20261205/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
)


def dynamodb(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    return serving_app(moto_python(), APP, folder, [",".join(defects)])


def run(api: Started, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    return run_with_token(APP, api, tmp_path, TOKEN, "--seed", "3", "--cases", "positive")


def items(api: Started) -> list[dict[str, Any]]:
    with loopback_client() as http:
        answer = http.post(
            f"{api.url}/",
            content=json.dumps({"TableName": "notes"}),
            headers={
                "Authorization": f"AWS4-HMAC-SHA256 {TOKEN}",
                "X-Amz-Target": "DynamoDB_20120810.Scan",
                "Content-Type": "application/x-amz-json-1.0",
            },
        )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["Items"]
    return found


def test_a_create_answered_with_nothing_made_the_item_it_sent(tmp_path: Path) -> None:
    with dynamodb(tmp_path / "api") as api:
        status, result = run(api, tmp_path)
        left = items(api)
    failed = {c["id"]: c["message"] for c in result["cases"] if c["status"] != "passed"}
    assert status == 0, failed
    by_case = {(c["operation"], c["case"]): c for c in result["cases"]}
    read_first, put = by_case["PutItem", "positive"]["calls"]  # its generated key read first
    assert (json.loads(read_first["request_body"])["Key"], read_first["response_body"]) == (
        {"id": json.loads(put["request_body"])["Item"]["id"]},
        "{}",
    )
    sent = json.loads(put["request_body"])
    asked = json.loads(by_case["GetItem", "verify PutItem"]["calls"][0]["request_body"])
    assert asked["Key"] == {"id": sent["Item"]["id"]}
    assert by_case["GetItem", "verify DeleteItem"]["status"] == "passed"
    assert left == []


def test_a_delete_accepted_without_deleting_leaves_nothing_behind(tmp_path: Path) -> None:
    """moto answers 200 to a DeleteItem whose key is of the wrong type (`{"S": 13421648}`), and
    deletes nothing. The run took the record for gone and left it in the table; it now reads
    it back, keeps it, and deletes it at the end. (moto validates little else: the negative
    cases it fails are its own, so the run's status is 1.)"""
    with dynamodb(tmp_path / "api") as api:
        _status, result = run_with_token(APP, api, tmp_path, TOKEN, "--seed", "3")
        left = items(api)
    accepted = next(
        c for c in result["cases"]
        if (c["operation"], c["case"]) == ("DeleteItem", "Invalid Type Key.id.S")
    )  # fmt: skip
    assert accepted["status"] == "failed"
    assert any("is still there, as reading it back shows" in note for note in accepted["notes"])
    assert left == []


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [
        ("lost-item", "verify PutItem", "the read answer holds no notes record"),
        ("stale-item", "verify PutItem (replace)", "the write did not stick: $.title"),
        ("kept-item", "verify DeleteItem", "is still there after the delete"),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    tmp_path: Path, defect: str, case: str, said: str
) -> None:
    with dynamodb(tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path)
    assert status == 1
    assert_caught(result["cases"], case, said)


def test_an_item_an_earlier_run_left_is_not_written_over(tmp_path: Path) -> None:
    """PutItem writes over an item of the same key and answers `{}` either way; the same
    --seed generates the same key, so a run after one that left its item (a kept delete
    planted) would have overwritten it and deleted it. It reads the key first and does not
    send the PutItem."""
    with dynamodb(tmp_path / "api", "kept-item") as api:
        (tmp_path / "first").mkdir()
        run(api, tmp_path / "first")
        (before,) = items(api)  # the kept delete left it, and the sweep's delete kept it too
        (tmp_path / "second").mkdir()
        status, result = run(api, tmp_path / "second")
        after = items(api)
    put = next(c for c in result["cases"] if (c["operation"], c["case"]) == ("PutItem", "positive"))
    assert status == 1
    assert put["status"] == "error" and "another --seed" in put["message"], put["message"]
    assert before in after  # as the first run left it
