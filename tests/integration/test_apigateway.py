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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from apitest.engine.steps import UNSENT_NOTE

from ..support import DATA, assert_caught, cli_env, free_port, loopback_client, run_cli
from ._thirdparty import Started, moto_python, serving

APP = DATA / "thirdparty" / "apigateway"
TOKEN = (
    "Credential=testing/20261205/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=0"
)
AUTH = {"Authorization": f"AWS4-HMAC-SHA256 {TOKEN}"}


@contextmanager
def apigateway(folder: Path, *defects: str) -> Iterator[Started]:
    folder.mkdir(parents=True)
    port = free_port()
    command = [str(moto_python()), str(APP / "serve.py"), str(port), ",".join(defects)]
    with serving(command, f"http://127.0.0.1:{port}", "/", folder / "server.log") as started:
        yield started


def run(api: Started, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    report = tmp_path / "report.json"
    done = run_cli(
        "run", str(APP), "--base-url", api.url, "--report-dir", str(tmp_path / "r"),
        "--json", str(report), "--seed", "5", "--cases", "positive",
        env=cli_env(credentials=False, APITEST_TOKEN=TOKEN),
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert TOKEN not in done.stdout + done.stderr + report.read_text()
    result: dict[str, Any] = json.loads(report.read_text())
    return done.returncode, result


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


def test_the_spec_lints_clean() -> None:
    done = run_cli("lint", "--strict", str(APP))
    assert done.returncode == 0 and "no problems" in done.stdout, done.stdout + done.stderr
