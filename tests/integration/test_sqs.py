"""SQS as moto 5.2 (PyPI) serves it: a query API, every call a form `POST /` naming its
Action, every answer XML.

tests/data/thirdparty/sqs holds the spec and serve.py (moto's own application, with defects
planted by name).

What it showed, now fixed:
- GetQueueAttributes asks for a queue by its QueueUrl and answers its attributes without
  echoing the URL. The read-back found "no queues record" in the answer, so every create of
  a correct API failed. A read that names the record by its key, answered with one record that
  shows no key, answers that record (engine/effects.py).
- A spec whose read takes the queue's QueueName, which no answer held, had it made up: the
  read-back asked after another queue and failed with a bare 400. A value a call takes from
  the record it addresses is never made up (engine/request.py); the case says which is missing.
- The same reads after a delete took the queue's attributes for "gone": a DeleteQueue that
  deleted nothing passed (a false green). The delete's read-back finds the record as the
  write's does (engine/record_checks.check_gone).
"""

from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import Started, moto_python, run_with_token, serving_app

APP = DATA / "thirdparty" / "sqs"
TOKEN = "Credential=testing/20261205/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0"
LIST = {"Action": "ListQueues", "Version": "2012-11-05"}


def sqs(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    return serving_app(moto_python(), APP, folder, [",".join(defects)])


def run(api: Started, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    return run_with_token(APP, api, tmp_path, TOKEN, "--seed", "3", "--cases", "positive")


def queues(api: Started) -> list[str]:
    with loopback_client() as http:
        answer = http.post(
            f"{api.url}/", data=LIST, headers={"Authorization": f"AWS4-HMAC-SHA256 {TOKEN}"}
        )
    assert answer.status_code == 200, answer.text
    return re.findall(r"<QueueUrl>([^<]*)</QueueUrl>", answer.text)


def test_a_read_by_the_queues_url_that_does_not_echo_it_verifies_the_create(
    tmp_path: Path,
) -> None:
    with sqs(tmp_path / "api") as api:
        status, result = run(api, tmp_path)
        left = queues(api)
    failed = {c["id"]: c["message"] for c in result["cases"] if c["status"] != "passed"}
    assert status == 0, failed
    verify = next(c for c in result["cases"] if c["case"] == "verify CreateQueue")
    asked = json.loads(verify["calls"][0]["request_body"])
    assert verify["http_status"] == 200 and "/123456789012/" in asked["QueueUrl"]
    assert left == []


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [
        ("lost-queue", "verify CreateQueue", "expected a 2xx success, got 400"),
        ("kept-queue", "verify DeleteQueue", "is still there after the delete"),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    tmp_path: Path, defect: str, case: str, said: str
) -> None:
    with sqs(tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path)
    assert status == 1
    assert_caught(result["cases"], case, said)
