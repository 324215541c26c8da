"""S3 as moto 5.2 (PyPI) serves it: an XML API in S3's namespace whose creates choose their key.

tests/data/thirdparty/s3 holds the specs (buckets, and the objects in them) and serve.py, which
serves moto's own application with defects planted by name.

What it showed, each now fixed:
- `PUT /{Bucket}` answers an empty 200: the record it made is named by its URL, yet the run
  found "no created record in the answer", failed every create and tested nothing after it;
- an object lives in the bucket it was put in, but the end-of-run sweep and the undo of an
  accepted negative create had no bucket record to take it from and made one up: the DELETE
  went to another bucket, answered 404, was taken as "already gone", its read-back (also in a
  made-up bucket) agreed, and the object was reported deleted while it stayed. A record now
  keeps the URL variables of the create that made it (`Record.address`, and the ledger), and
  every call that addresses it goes there;
- GetObject answers the object's text as it is (`text/plain`, a structure of one nameless
  string): the shape check demanded JSON of it ("expected a JSON body"), so every read failed,
  and what PutObject stored could not be compared. Such a body is that one value, checked as
  text, and the record it is (zspec/text_bodies.text_value_property).

Where moto is lenient it is said, not hidden (see LENIENT).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, cli_env, loopback_client, run_cli
from ._thirdparty import Started, moto_python, run_with_token, serving_app

APP = DATA / "thirdparty" / "s3"
TOKEN = "Credential=testing/20261205/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
LENIENT = {
    "Missing Token": "the API accepted a call without a token",  # moto checks no signature...
    "Invalid Token": "the server failed: 500",  # ...and fails on a credential it cannot parse
    "Invalid Param": "the API accepted param list-type=",  # it ignores an unknown list-type
    "Empty Param": "the API accepted param list-type=",
    "InvalidValueInURLPath": "the API accepted URL path variable",  # names S3 refuses: '!'
    "Length Violation": "the API accepted a body of ",  # the spec's 1..200: S3 takes any size
}
"""Negative-case kinds that fail against moto where S3 itself refuses the call, and why."""


def s3_api(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    return serving_app(moto_python(), APP, folder, [",".join(defects)])


@pytest.fixture(scope="module")
def correct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    with s3_api(tmp_path_factory.mktemp("s3") / "correct") as api:
        yield api


def run(api: Started, tmp_path: Path, *options: str) -> tuple[int, dict[str, Any]]:
    return run_with_token(APP, api, tmp_path, TOKEN, "--seed", "5", *options)


def failed(result: dict[str, Any]) -> dict[str, str]:
    return {
        f"{c['id']} {c['case']}": c["message"] for c in result["cases"] if c["status"] != "passed"
    }


def buckets(api: Started) -> set[str]:
    return set(re.findall(r"<Name>([^<]*)</Name>", api.get("/").text))


def objects(api: Started, bucket: str) -> set[str]:
    return set(re.findall(r"<Key>([^<]*)</Key>", api.get(f"/{bucket}").text))


def test_a_positive_run_passes_and_leaves_no_bucket(correct: Started, tmp_path: Path) -> None:
    before = buckets(correct)
    status, result = run(correct, tmp_path, "--cases", "positive")
    assert status == 0, failed(result)
    verified = [c for c in result["cases"] if c["case"].startswith("verify ")]
    assert {c["case"] for c in verified} == {
        "verify CreateBucket", "verify DeleteBucket", "verify PutObject", "verify DeleteObject"
    }  # fmt: skip
    assert buckets(correct) == before


def test_negative_cases_fail_only_where_moto_is_lenient_and_accepted_creates_are_undone(
    correct: Started, tmp_path: Path
) -> None:
    before = buckets(correct)
    _, result = run(correct, tmp_path)
    for case in result["cases"]:
        if case["status"] != "passed":
            kind = case["negative_kind"]
            assert kind in LENIENT and LENIENT[kind] in case["message"], case["message"]
    accepted = [c for c in result["cases"] if c["case"].startswith("InvalidValueInURLPath")
                and c["method"] == "PUT" and c["http_status"] == 200]  # fmt: skip
    assert {c["operation"] for c in accepted} == {"CreateBucket", "PutObject"}
    for case in accepted:
        assert any("removed at once" in note for note in case["notes"]), case["notes"]
        put, delete = case["calls"][0], case["calls"][1]
        assert delete["method"] == "DELETE" and delete["url"] == put["url"], case["calls"]
    assert result["cleanup_counts"]["not_deleted"] == 0, result["cleanup"]
    assert buckets(correct) == before


def test_cleanup_from_a_ledger_deletes_each_object_from_its_own_bucket(
    correct: Started, tmp_path: Path
) -> None:
    """What a crash leaves: the ledger's records, still on the API, deleted by `apitest
    cleanup`, each object from the bucket it was put in (the ledger keeps it)."""
    _, _ = run(correct, tmp_path, "--cases", "positive")
    ledger = tmp_path / "r" / "ledger.jsonl"
    created = [e for e in map(json.loads, ledger.read_text().splitlines())
               if e["event"] == "created"]  # fmt: skip
    objects_made = [e for e in created if e["resource"] == "objects"]
    assert objects_made and all(e["address"]["Bucket"] for e in objects_made), objects_made
    with loopback_client() as http:  # as if the run had crashed before its deletes
        for entry in created:
            where = entry["address"]
            path, body = (
                (f"{where['Bucket']}/{where['Key']}", b"left")
                if "Key" in where
                else (where["Bucket"], b"")
            )
            assert http.put(f"{correct.url}/{path}", content=body).status_code == 200
    crashed = tmp_path / "crashed.jsonl"
    crashed.write_text("".join(json.dumps(e) + "\n" for e in created))
    assert {e["address"]["Bucket"] for e in objects_made} <= buckets(correct)

    done = run_cli("cleanup", str(crashed), "--base-url", correct.url,
                   env=cli_env(credentials=False, APITEST_TOKEN=TOKEN))  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    assert "NOT deleted" not in done.stdout
    assert not {e["keys"]["Bucket"] for e in created if e["resource"] == "buckets"} & buckets(
        correct
    )


def test_cleanup_never_deletes_an_object_from_a_bucket_it_made_up(
    correct: Started, tmp_path: Path
) -> None:
    """A ledger line that does not say where its object lives (an older apitest wrote none):
    the object is reported NOT deleted, saying why, where a made-up bucket's 404 once passed
    for "already gone" and the object stayed, reported deleted."""
    with loopback_client() as http:
        assert http.put(f"{correct.url}/kept-bucket").status_code == 200
        assert http.put(f"{correct.url}/kept-bucket/kept", content=b"x").status_code == 200
    entry = {
        "event": "created",
        "id": 1,
        "resource": "objects",
        "keys": {"Key": "kept"},
        "data": {"Key": "kept"},
        "spec": str(APP / "objects.xml"),
        "base_url": correct.url,
    }
    ledger = tmp_path / "old.jsonl"
    ledger.write_text(json.dumps(entry) + "\n")  # fmt: skip

    done = run_cli("cleanup", str(ledger), "--base-url", correct.url,
                   env=cli_env(credentials=False, APITEST_TOKEN=TOKEN))  # fmt: skip

    assert done.returncode == 1, done.stdout + done.stderr
    assert "objects record (Key=kept) NOT deleted" in done.stdout, done.stdout
    assert "does not say which Bucket it is under" in done.stdout, done.stdout
    assert "DELETE" not in done.stdout  # nothing sent to a made-up bucket
    assert objects(correct, "kept-bucket") == {"kept"}
    with loopback_client() as http:
        http.delete(f"{correct.url}/kept-bucket/kept", headers={"Authorization": "AWS4 " + TOKEN})
        http.delete(f"{correct.url}/kept-bucket", headers={"Authorization": "AWS4 " + TOKEN})
    assert "kept-bucket" not in buckets(correct)


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [
        ("lost-bucket", "verify CreateBucket", "the read answer holds no buckets record"),
        ("lost-object", "verify PutObject", "expected a 2xx success, got 404"),
        ("kept-object", "verify DeleteObject", "is still there after the delete"),
        ("garbled-object", "verify PutObject", 'the write did not stick: $: sent "'),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    tmp_path: Path, defect: str, case: str, said: str
) -> None:
    with s3_api(tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path, "--cases", "positive")
    assert status == 1
    assert_caught(result["cases"], case, said)
