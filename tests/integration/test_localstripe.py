"""Stripe's customers as localstripe 1.15 (PyPI) serves them: an API written in forms.

tests/data/thirdparty/stripe holds the spec and serve.py, which serves localstripe on the
loopback only, in memory, with defects planted by name.

What it showed, now fixed: a form's fields are text, yet apitest made the negative cases of a
JSON body for them: `name=14614944` (Invalid Type) and `name=null` (Null Value, sent as the
text `null`) are good strings, and a correct API that took them failed both cases for every
string field. A form now gets the cases a query parameter gets (plan/cases.py).

And, with the spec's read by key taken out so that the list verifies every write: localstripe
lists 10 customers a page with `has_more` and no URL of the next page. Past 10 customers, a
correct create failed ("the read answer holds no customers record") and a delete that deleted
nothing passed, its customer absent from page 1. The list says it goes on, so the read-back
cannot tell: both are now errors that say so (engine/paging.py).
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
    fill,
    list_only_spec,
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


@pytest.mark.parametrize("defect", ["", "kept-delete"])
def test_a_list_that_goes_on_without_a_next_link_is_no_verdict(tmp_path: Path, defect: str) -> None:
    """Past the first page of a list whose answer says `has_more: true` and names no next
    page, a record absent from what was read is neither there nor gone: each read-back is an
    error that says why and how to mend the spec, never a pass nor an API failure."""
    spec = list_only_spec(APP / "customers.xml", "RetrieveCustomer", tmp_path / "spec")
    with localstripe(tmp_path / "api", defect) as api:
        fill(f"{api.url}/v1/customers", "name", 12, 200, form=True, headers=AUTH)
        status, result = run_with_token(
            spec, api, tmp_path, TOKEN, "--seed", "5", "--cases", "positive"
        )
    checks = {c["case"]: c for c in result["cases"] if c["case"].startswith("verify ")}
    assert set(checks) == {
        "verify CreateCustomer",
        "verify UpdateCustomer",
        "verify DeleteCustomer",
    }
    for check in checks.values():
        assert check["status"] == "error", check
        assert check["message"] == (
            "could not tell: the record was on none of the 1 page(s) read, and the answer says "
            "the list goes on (has_more: true) without the URL of its next page; a read of the "
            "record by its key, marked auto-callback-get, would tell"
        )
    assert status == 1
    (swept,) = result["cleanup"]  # the delete's record, which no read-back saw gone
    if defect:  # the sweep's delete answers 200 and keeps it: nothing says it is gone
        said = checks["verify DeleteCustomer"]["message"]
        assert swept.endswith(f" NOT deleted (could not read it back: {said})"), swept
        assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 1}
    else:  # localstripe answers the sweep's delete 404: the record is gone, and said so
        assert swept.endswith(" deleted"), swept
        assert result["cleanup_counts"] == {"deleted": 1, "not_deleted": 0}
