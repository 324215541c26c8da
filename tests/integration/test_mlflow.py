"""MLflow's tracking server (PyPI mlflow 2.22): experiments and registered models, REST 2.0
under /api/2.0/mlflow, calls named in the path, ids in the query or a JSON body.

tests/data/thirdparty/mlflow holds the specs and serve.py (MLflow's own Flask application in
one process, with defects planted by name). What it shows that no other hunt does:
- A soft delete. An experiment deleted stays, and reading it answers 200 with
  `"lifecycle_stage": "deleted"`. The read's official `<error condition>` says that answer is
  no experiment: the delete's read-back passes on it, and fails where the experiment stays
  active (ZSPEC.md section 7: an answer whose error condition holds is an error).
- A create that answers only the new id (`{"experiment_id": "2"}`): the record is what it sent
  under that id.
- A PATCH and a DELETE that name the model in a JSON body.
- A name the soft delete keeps taken: a second run with the same seed sent the first run's
  `unique-for` names again, and MLflow refused every create. Unique values now come from a
  stream of the run's own (plan/_values.py).
- A soft delete the spec does not declare fails the delete's read-back, and the case says which
  field the delete changed and the `<error condition>` that declares it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught
from ._thirdparty import Started, mlflow_python, run_with_token, serving_app

APP = DATA / "thirdparty" / "mlflow"
ROOT = "/api/2.0/mlflow"


def mlflow(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    store = folder / "store"
    store.mkdir(parents=True)
    return serving_app(
        mlflow_python(), APP, folder / "api", [str(store), ",".join(defects)],
        ready_path="/health",
    )  # fmt: skip


def run(api: Started, tmp_path: Path, *options: str) -> tuple[int, dict[str, Any]]:
    return run_with_token(APP, api, tmp_path, "unused", "--seed", "4", *options, under=ROOT)


def test_a_soft_delete_the_read_calls_an_error_passes_and_so_does_the_whole_run(
    tmp_path: Path,
) -> None:
    with mlflow(tmp_path) as api:
        status, result = run(api, tmp_path, "--cases", "positive")
        # again with the same seed: the deleted experiments keep their names, which a second
        # run of the seed alone sent again (RESOURCE_ALREADY_EXISTS on every create)
        again, second = run(api, tmp_path / "again", "--cases", "positive")
    failed = {c["id"]: c["message"] for c in result["cases"] if c["status"] != "passed"}
    assert status == 0, failed
    assert again == 0, {c["id"]: c["message"] for c in second["cases"] if c["status"] != "passed"}
    gone = next(
        c for c in result["cases"]
        if (c["operation"], c["case"]) == ("get experiment", "verify delete experiment")
    )  # fmt: skip
    assert gone["http_status"] == 200 and '"deleted"' in gone["calls"][0]["response_body"]
    assert {c["resource"] for c in result["cases"]} == {"experiments", "models"}


def test_a_soft_delete_the_spec_does_not_declare_fails_saying_how_to_declare_it(
    tmp_path: Path,
) -> None:
    """Without the read's `<error condition>`, the deleted experiment still reads (200): the
    delete's read-back fails, and names the field the delete changed and the condition."""
    spec = tmp_path / "spec"
    spec.mkdir()
    official = (APP / "experiments.xml").read_text(encoding="utf-8")
    declared = "<error condition=\"RESPONSE:$.experiment.lifecycle_stage == 'deleted'\"/>"
    assert declared in official
    (spec / "experiments.xml").write_text(official.replace(declared, ""), encoding="utf-8")
    with mlflow(tmp_path) as api:
        status, result = run_with_token(
            spec, api, tmp_path, "unused", "--seed", "4", "--cases", "positive", under=ROOT
        )
    assert status == 1
    assert_caught(result["cases"], "verify delete experiment", f"say so on get experiment's "
                  f"answer with {declared}")  # fmt: skip


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [
        ("kept-experiment", "verify delete experiment", "is still there after the delete"),
        ("kept-model", "verify delete model", "is still there after the delete"),
        ("stale-model", "verify update model", "the write did not stick: $.description"),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    tmp_path: Path, defect: str, case: str, said: str
) -> None:
    with mlflow(tmp_path, defect) as api:
        status, result = run(api, tmp_path, "--cases", "positive")
    assert status == 1
    assert_caught(result["cases"], case, said)
    hints = [n for c in result["cases"] for n in c["notes"] if "deletes softly" in n]
    assert hints == []  # the delete changed nothing: no soft delete to declare
