"""Stripe's customers as localstripe 1.15 (PyPI) serves them: an API written in forms.

tests/data/thirdparty/stripe holds the spec and serve.py, which serves localstripe on the
loopback only, in memory, with defects planted by name.

What it showed, now fixed: a form's fields are text, yet apitest made the negative cases of a
JSON body for them: `name=14614944` (Invalid Type) and `name=null` (Null Value, sent as the
text `null`) are good strings, and a correct API that took them failed both cases for every
string field. A form now gets the cases a query parameter gets (plan/cases.py).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    LOCALSTRIPE,
    Started,
    assert_lints_clean,
    pypi_command,
    run_with_token,
    serving_app,
)

APP = DATA / "thirdparty" / "stripe"
TOKEN = "sk_test_apitest0000000000000000"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def localstripe(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    python = pypi_command(LOCALSTRIPE, "python")
    return serving_app(python, APP, folder, [",".join(defects)], "/v1/customers")


def run(api: Started, tmp_path: Path, *options: str) -> tuple[int, dict[str, Any]]:
    return run_with_token(APP, api, tmp_path, TOKEN, "--seed", "5", *options)


def test_a_correct_form_api_passes_every_case_and_its_fields_get_text_cases(
    tmp_path: Path,
) -> None:
    with localstripe(tmp_path / "api") as api:
        status, result = run(api, tmp_path)
        with loopback_client() as http:
            left = http.get(f"{api.url}/v1/customers", headers=AUTH).json()["data"]
    failed = {c["id"]: c["message"] for c in result["cases"] if c["status"] != "passed"}
    assert status == 0, failed
    negative = {c["case"] for c in result["cases"] if c["negative_kind"]}
    assert "Invalid Type balance" in negative  # an integer field: text it cannot parse
    assert not {case for case in negative if case.startswith("Null Value")}
    assert not {"Invalid Type name", "Invalid Type email"} & negative
    assert result["cleanup_counts"]["not_deleted"] == 0, result["cleanup"]
    assert left == []


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [("lost-update", "verify UpdateCustomer", "the write did not stick: $.")],
)
def test_each_planted_defect_is_caught_and_named(
    tmp_path: Path, defect: str, case: str, said: str
) -> None:
    with localstripe(tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path, "--cases", "positive")
    assert status == 1
    assert_caught(result["cases"], case, said)


def test_the_spec_lints_clean() -> None:
    assert_lints_clean(APP)
