"""API Gateway's REST APIs as moto 5.2 (PyPI) serves them: an update that is a JSON Patch.

tests/data/thirdparty/apigateway holds the spec and serve.py, which serves moto's own
application with its answers mended where they differ from the AWS reference (201, 202,
`application/json`) and defects planted by name.

What it showed, now fixed: UpdateRestApi sends `{"patchOperations": [{"op": "replace",
"path": "/description", "value": ...}]}`, operations rather than a record, so its callback
read compared nothing ("what the write sent was not compared") and a PATCH that applied
nothing passed. What the operations set is now the record sent (engine/json_patch.py).
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from apitest.engine.validation import UNSENT_NOTE

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import Started, moto_python, run_with_token, serving_app

APP = DATA / "thirdparty" / "apigateway"
TOKEN = (
    "Credential=testing/20261205/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=0"
)
AUTH = {"Authorization": f"AWS4-HMAC-SHA256 {TOKEN}"}


def apigateway(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    return serving_app(moto_python(), APP, folder, [",".join(defects)])


def run(api: Started, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    return run_with_token(APP, api, tmp_path, TOKEN, "--seed", "5", "--cases", "positive")


def rest_apis(api: Started) -> list[str]:
    with loopback_client() as http:
        answer = http.get(f"{api.url}/restapis", headers=AUTH)
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["item"]]


def test_a_json_patch_update_is_read_back_and_compared(tmp_path: Path) -> None:
    with apigateway(tmp_path / "api") as api:
        status, result = run(api, tmp_path)
        left = rest_apis(api)
    failed = {c["id"]: c["message"] for c in result["cases"] if c["status"] != "passed"}
    assert status == 0, failed
    verify = next(c for c in result["cases"] if c["case"] == "verify UpdateRestApi")
    assert UNSENT_NOTE not in verify["notes"]
    patched = json.loads(
        next(c for c in result["cases"] if c["operation"] == "UpdateRestApi")["calls"][0][
            "request_body"
        ]
    )["patchOperations"][0]
    assert patched["path"] == "/description"
    assert verify["pacing"]["record_check"]["values"] == {"description": patched["value"]}
    assert left == []


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [("lost-update", "verify UpdateRestApi", "the write did not stick: $.description: sent")],
)
def test_each_planted_defect_is_caught_and_named(
    tmp_path: Path, defect: str, case: str, said: str
) -> None:
    with apigateway(tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path)
    assert status == 1
    assert_caught(result["cases"], case, said)
