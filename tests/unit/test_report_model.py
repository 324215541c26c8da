"""The run's result (report/model.py) as every report reads it: the sweep counted apart from the
cases, older reports read alike, and a repr that stays short however many cases ran."""

from __future__ import annotations

from apitest.results import CaseResult, RunResult


def test_the_sweep_is_counted_apart_from_the_cases_even_in_an_older_report(
    run_result: RunResult,
) -> None:
    """report.json keeps the sweep's deletes out of `cases` and `counts`, with counts of their
    own; a report written when they were among the cases reads back the same (item 9)."""
    data = run_result.to_dict()
    assert data["counts"] == {"passed": 1, "failed": 0, "error": 0, "skipped": 0}
    assert [case["id"] for case in data["cases"]] == ["trips.1.1"]
    assert data["cleanup_counts"] == {"deleted": 0, "not_deleted": 1}
    assert [case["id"] for case in data["cleanup_cases"]] == ["cleanup.1"]
    assert data["passed"] is False  # a record left behind
    older = {key: value for key, value in data.items() if not key.startswith("cleanup_")}
    older["cases"] = data["cases"] + data["cleanup_cases"]
    assert RunResult.from_dict(older) == run_result


def test_a_run_result_reprs_as_a_summary_not_every_case() -> None:
    """asyncio reprs the main task's result on its way out: a 20,000-case repr is megabytes."""
    cases = [
        CaseResult(id=f"r.{n}", chain="r", resource="r", operation="op", case="positive",
                   kind="test", status="passed")
        for n in range(20_000)
    ]  # fmt: skip
    result = RunResult(target="http://127.0.0.1:1/api", seed=7, started_at="now", cases=cases)
    shown = repr(result)
    assert len(shown) < 200
    assert "20000 cases" in shown and "passed=20000" in shown and "seed=7" in shown
