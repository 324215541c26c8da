"""results_merge.py: the shards of one run merged into one RunResult (totals, coverage, each
case once and tagged with its shard, each shard's own times), and every input that is not the
shards of one run refused with one message naming the files."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from apitest.errors import (
    EXIT_CASE_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NOTHING_TESTED,
    EXIT_PASSED,
    UsageError,
)
from apitest.report.html import coverage
from apitest.results import AuthNotice, CaseResult, OperationInfo, RunResult, ShardInfo, Status
from apitest.results_merge import Shard, merge_shards

DIGEST = "d" * 64
OPS = {
    name: OperationInfo("trips", name, name.split()[0], "/trips", "read")
    for name in ("GET trips", "POST trips", "DELETE trips")
}


def case(case_id: str, status: Status = "passed", operation: str = "GET trips") -> CaseResult:
    chain = case_id.rsplit(".", 1)[0]
    return CaseResult(
        case_id, chain, "trips", operation, "positive", "test", status, http_status=200,
        started_s=0.5, duration_ms=3.0,
    )  # fmt: skip


def shard(
    index: int,
    cases: list[CaseResult],
    *,
    total: int = 2,
    plan_cases: int = 4,
    started_at: str = "2026-01-01T00:00:00+00:00",
    duration_s: float = 10.0,
) -> RunResult:
    """A shard's result as `apitest run --shard K/N --json` writes it."""
    return RunResult(
        "http://127.0.0.1:8765/api/v1", 7, started_at, cases, duration_s, duration_s,
        chain_order=list(dict.fromkeys(c.chain for c in cases)),
        operations=list(OPS.values()),
        shard=ShardInfo(index, total, 2, plan_cases, DIGEST, "option", started_at, duration_s),
    )  # fmt: skip


def reshard(result: RunResult, **changes: object) -> RunResult:
    """`result` with its ShardInfo changed (index, total, plan_digest...)."""
    assert result.shard is not None
    return dataclasses.replace(result, shard=dataclasses.replace(result.shard, **changes))  # type: ignore[arg-type]


def two_shards() -> list[Shard]:
    return [
        ("s1.json", shard(1, [case("trips.1.1"), case("trips.1.2", operation="POST trips")])),
        ("s2.json", shard(2, [case("trips.2.1"), case("trips.2.2", "failed")])),
    ]


def test_the_merged_run_holds_every_case_once_tagged_with_its_shard() -> None:
    given = two_shards()
    before = copy.deepcopy(given)
    merged = merge_shards(given)
    assert [c.id for c in merged.cases] == ["trips.1.1", "trips.1.2", "trips.2.1", "trips.2.2"]
    assert [c.shard for c in merged.cases] == [1, 1, 2, 2]
    assert merged.counts() == {"passed": 3, "failed": 1, "error": 0, "skipped": 0}
    assert merged.chain_order == ["trips.1", "trips.2"]
    assert merged.shard is None and [info.index for info in merged.shards] == [1, 2]
    assert given == before  # the inputs are left as they were (each case a copy)
    again = RunResult.from_dict(merged.to_dict())
    assert again.to_dict() == merged.to_dict() and [c.shard for c in again.cases] == [1, 1, 2, 2]


def test_shards_given_in_any_order_merge_in_shard_order() -> None:
    merged = merge_shards(list(reversed(two_shards())))
    assert [c.shard for c in merged.cases] == [1, 1, 2, 2]


def test_times_run_from_the_first_start_to_the_last_end_and_each_shard_keeps_its_own() -> None:
    late = "2026-01-01T00:00:05+00:00"
    merged = merge_shards(
        [
            ("s2.json", shard(2, [case("trips.2.1"), case("trips.2.2")], started_at=late)),
            ("s1.json", shard(1, [case("trips.1.1"), case("trips.1.2")], duration_s=12.0)),
        ]
    )
    assert merged.started_at == "2026-01-01T00:00:00+00:00"
    assert merged.duration_s == 15.0  # 0 s to 5 s + 10 s: wall time, not the sum (22 s)
    assert merged.estimate_s == 12.0  # the slowest shard bounds the whole
    assert [(s.started_at, s.duration_s) for s in merged.shards] == [
        ("2026-01-01T00:00:00+00:00", 12.0),
        (late, 10.0),
    ]


def test_coverage_is_the_union_of_the_shards_operations() -> None:
    first, second = two_shards()
    only = [OPS["GET trips"], OPS["POST trips"]]
    more = [OPS["POST trips"], OPS["DELETE trips"]]
    merged = merge_shards(
        [
            (first[0], dataclasses.replace(first[1], operations=only)),
            (second[0], dataclasses.replace(second[1], operations=more)),
        ]
    )
    assert [op.name for op in merged.operations] == ["GET trips", "POST trips", "DELETE trips"]
    rows = {row["name"]: row for row in coverage(merged)["ops"]}
    assert rows.keys() == set(OPS) and rows["GET trips"]["cases"] == 3
    assert rows["POST trips"]["cases"] == 1 and not rows["DELETE trips"]["called"]


def test_counters_logs_cleanup_and_notices_add_up() -> None:
    notice = AuthNotice("fallback", "refresh refused; client credentials used", count=2)
    unlocked = AuthNotice("store-without-lock", "the token store has no lock")
    swept = CaseResult("cleanup.1", "cleanup", "trips", "DELETE trips", "left", "cleanup", "passed")
    first, second = (
        dataclasses.replace(
            shard(index, [case(f"trips.{index}.1"), case(f"trips.{index}.2")]),
            token_refreshes=3, logs=["INFO: before"], auth_notices=[notice, unlocked],
        )
        for index in (1, 2)
    )  # fmt: skip
    second.interrupted = True
    second.cleanup, second.cleanup_cases = ["trips record deleted"], [swept]
    merged = merge_shards([("s1.json", first), ("s2.json", second)])
    assert merged.token_refreshes == 6 and merged.logs == ["INFO: before", "INFO: before"]
    # a fallback happened once more in each shard; a store without a lock is one set-up fact
    assert [(n.message, n.count) for n in merged.auth_notices] == [
        (notice.message, 4),
        (unlocked.message, 1),
    ]
    assert notice.count == 2  # the input's notice is not the one counted up
    assert merged.cleanup == ["trips record deleted"] and merged.cleanup_cases[0].shard == 2
    assert merged.interrupted and merged.exit_status() == EXIT_INTERRUPTED


def message(shards: list[Shard], partial: bool = False) -> str:
    with pytest.raises(UsageError) as caught:
        merge_shards(shards, partial=partial)
    return str(caught.value)


def test_results_that_are_not_shards_are_refused() -> None:
    (one, first), (two, second) = two_shards()
    plain = dataclasses.replace(second, shard=None)
    assert message([(one, first), (two, plain)]) == (
        "s2.json: not the result of a shard (the others are); apitest merge reads the results "
        "of `apitest run --shard K/N --json FILE`, one per shard"
    )
    assert message([(two, plain)]).startswith("s2.json: not the result of a shard; ")
    assert message([]) == "apitest merge needs at least one RESULT.json"
    wrong = reshard(first, index=3)
    assert message([(one, wrong)]).startswith("s1.json: shard 3/2 is not a shard of a plan")


def test_shards_of_different_runs_are_refused_naming_both_values_and_files() -> None:
    (one, first), (two, second) = two_shards()
    seeded = dataclasses.replace(second, seed=8)
    assert message([(one, first), (two, seeded)]).startswith(
        "the shards differ in seed: 7 in s1.json, 8 in s2.json; "
    )
    moved = dataclasses.replace(second, target="http://other:9/api")
    assert "target: http://127.0.0.1:8765/api/v1 in s1.json, http://other:9/api in s2.json" in (
        message([(one, first), (two, moved)])
    )
    longer = reshard(second, total=3)
    assert "differ in shard count N: 2 in s1.json, 3 in s2.json" in message(
        [(one, first), (two, longer)]
    )
    other = reshard(second, plan_digest="e")
    assert "differ in plan (plan_digest)" in message([(one, first), (two, other)])


def test_a_target_is_named_without_its_secrets() -> None:
    (one, first), (two, second) = two_shards()
    secret = "s3cr3t-api-key-value"
    mine = dataclasses.replace(first, target=f"https://u:{secret}@api.example.com/v1?key={secret}")
    theirs = dataclasses.replace(second, target="https://api.example.com/v1?key=other-value")
    text = message([(one, mine), (two, theirs)])
    assert secret not in text and "other-value" not in text
    assert "https://api.example.com/v1 in s1.json, https://api.example.com/v1 in s2.json" in text
    assert "(they differ in a part not shown: userinfo, query or fragment)" in text


def test_a_shard_given_twice_or_missing_is_refused() -> None:
    (one, first), (two, second) = two_shards()
    assert message([(one, first), ("copy.json", first)]) == (
        "shard 1/2 given twice: s1.json and copy.json; give each shard's result once"
    )
    assert message([(two, second)]).startswith("shard 1/2 missing (given: s2.json); ")
    three = [(one, reshard(first, total=3))]
    assert message(three, partial=False).startswith("shards 2/3, 3/3 missing (given: s1.json)")


def test_partial_merges_without_the_missing_shards_and_fails() -> None:
    (two, second) = two_shards()[1]
    merged = merge_shards([(two, second)], partial=True)
    assert merged.missing_shards == [1] and [c.shard for c in merged.cases] == [2, 2]
    assert not merged.passed and merged.exit_status() == EXIT_CASE_FAILED
    assert merged.to_dict()["missing_shards"] == [1]
    assert RunResult.from_dict(merged.to_dict()).missing_shards == [1]


def test_a_case_in_two_shards_is_refused() -> None:
    (one, first), (two, second) = two_shards()
    twice = dataclasses.replace(second, cases=[case("trips.2.1"), case("trips.1.2")])
    assert message([(one, first), (two, twice)]).startswith(
        "case trips.1.2 is in two shards: s1.json and s2.json; "
    )


def test_the_cases_must_be_the_whole_plan() -> None:
    (one, first), (two, second) = two_shards()
    short = dataclasses.replace(second, cases=[case("trips.2.1")])
    assert message([(one, first), (two, short)]).startswith(
        "the shards hold 3 cases but their plan has 4 (s1.json, s2.json); "
    )
    more = dataclasses.replace(second, cases=[*second.cases, case("trips.2.3")])
    assert "hold 5 cases but their plan has 4" in message([(one, first), (two, more)])
    assert "hold 5 cases" in message([(one, first), (two, more)], partial=True)
    assert "hold 3 cases" in message([(one, first), (two, short)], partial=True)  # none missing
    bigger = reshard(second, plan_cases=5)
    assert "differ in plan size (plan_cases): 4 in s1.json, 5 in s2.json" in message(
        [(one, first), (two, bigger)]
    )


def test_an_unreadable_start_is_refused_naming_the_file() -> None:
    (one, first), (two, second) = two_shards()
    odd = dataclasses.replace(second, started_at="yesterday")
    assert message([(one, first), (two, odd)]).startswith(
        "s2.json: started_at 'yesterday' is not an ISO 8601 time"
    )


@pytest.mark.parametrize(
    ("statuses", "interrupted", "expected"),
    [
        (("passed", "passed"), False, EXIT_PASSED),
        (("passed", "failed"), False, EXIT_CASE_FAILED),
        (("passed", "error"), False, EXIT_CASE_FAILED),
        (("skipped", "skipped"), False, EXIT_NOTHING_TESTED),
        (("passed", "passed"), True, EXIT_INTERRUPTED),
    ],
)
def test_a_merged_run_exits_as_a_run_would(
    statuses: tuple[Status, Status], interrupted: bool, expected: int
) -> None:
    cases = [case(f"trips.1.{n}", status) for n, status in enumerate(statuses, 1)]
    result = RunResult("http://h", 1, "2026-01-01T00:00:00+00:00", cases, interrupted=interrupted)
    assert result.exit_status() == expected
