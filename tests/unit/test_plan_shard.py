"""`--shard K/N`'s split (issue 20): whole chains, balanced by their estimate, the same on every
machine; and the words that name a shard (K/N, `auto` and the CI's variables).

Plans come from real spec files: the bundled specs, and resources written to tmp_path whose one
read declares a `delay`, so each chain's estimate is known from the spec.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from apitest.errors import UsageError
from apitest.plan.graph import PlanOptions, build_plan
from apitest.plan.model import NOMINAL_CALL_MS, Plan
from apitest.plan.shard import plan_digest, shard_plan, split_chains
from apitest.session.shard import MAX_SHARDS, choose_shard, parse_shard, sharded
from apitest.zspec.loader import load_catalog

from ..support import SPECS, write_resource


def delayed(folder: Path, name: str, delay_ms: int) -> Path:
    """Resource `name`, one read that waits `delay_ms` first: one chain of that estimate."""
    url = (
        f'  <url path="/{name}">\n'
        f'    <operation method="get" name="list" category="read" delay="{delay_ms}">\n'
        '      <response status="200"/>\n'
        "    </operation>\n"
        "  </url>\n"
    )
    return write_resource(folder, name, "", url)


def plan_of(paths: list[Path]) -> Plan:
    return build_plan(load_catalog(paths), PlanOptions(cases="positive"))


@pytest.fixture
def one_long_many_short(tmp_path: Path) -> Plan:
    paths = [delayed(tmp_path, "slow", 9_000)]
    paths += [delayed(tmp_path, f"quick{i:02d}", 1_000) for i in range(12)]
    return plan_of(paths)


def ids(plan: Plan) -> list[str]:
    return [chain.id for chain in plan.chains]


def test_the_long_chain_has_a_shard_to_itself_and_the_short_ones_share_the_rest(
    one_long_many_short: Plan,
) -> None:
    """Counting chains would give each shard 6 or 7; by estimate, 9 s alone on one shard
    against twelve 1 s chains split 6 + 6 (LPT: the long one first, the others each to the
    least loaded)."""
    shards = split_chains(one_long_many_short.chains, 3)
    assert [chain.id for chain in shards[0]] == ["slow.1"]
    assert [len(shard) for shard in shards] == [1, 6, 6]
    loads = [sum(chain.estimate_ms() for chain in shard) for shard in shards]
    assert loads == [9_000 + NOMINAL_CALL_MS, 6 * (1_000 + NOMINAL_CALL_MS), 6 * 1_010]


def test_every_chain_is_in_exactly_one_shard_and_keeps_plan_order(
    one_long_many_short: Plan,
) -> None:
    plan = one_long_many_short
    for total in (1, 2, 3, 5, 13):
        parts = [shard_plan(plan, k, total) for k in range(1, total + 1)]
        found = Counter(chain_id for part in parts for chain_id in ids(part))
        assert found == Counter(ids(plan))
        for part in parts:
            assert ids(part) == [c for c in ids(plan) if c in set(ids(part))]  # plan order


def test_more_shards_than_chains_leaves_the_extra_ones_empty(tmp_path: Path) -> None:
    plan = plan_of([delayed(tmp_path, "a", 100), delayed(tmp_path, "b", 200)])
    parts = [shard_plan(plan, k, 5) for k in range(1, 6)]
    assert [len(part.chains) for part in parts] == [1, 1, 0, 0, 0]
    assert parts[0].chains[0].id == "b.1"  # the longer one first
    assert parts[2].resources == ()
    assert parts[2].steps == ()


def test_chains_that_cost_nothing_spread_instead_of_piling_on_one_shard(tmp_path: Path) -> None:
    """Skipped chains estimate 0 ms: equal loads are broken by the chains a shard holds."""
    url = (
        '  <url path="/x">\n    <operation method="get" name="list" category="read" '
        'auto-skip="true">\n      <response status="200"/>\n    </operation>\n  </url>\n'
    )
    paths = [write_resource(tmp_path, f"skip{i}", "", url) for i in range(4)]
    plan = plan_of(paths)
    assert {chain.estimate_ms() for chain in plan.chains} == {0}
    assert [len(shard) for shard in split_chains(plan.chains, 4)] == [1, 1, 1, 1]


def test_the_split_is_the_same_for_equal_plans_and_does_not_follow_input_order(
    one_long_many_short: Plan,
) -> None:
    chains = one_long_many_short.chains
    forward = [[c.id for c in shard] for shard in split_chains(chains, 4)]
    backward = [[c.id for c in shard] for shard in split_chains(tuple(reversed(chains)), 4)]
    assert [sorted(shard) for shard in forward] == [sorted(shard) for shard in backward]


def test_ties_are_broken_by_chain_id(tmp_path: Path) -> None:
    plan = plan_of([delayed(tmp_path, name, 500) for name in ("c", "a", "b")])
    shards = split_chains(plan.chains, 3)
    assert [[chain.id for chain in shard] for shard in shards] == [["a.1"], ["b.1"], ["c.1"]]


def test_the_digest_names_the_whole_plan_in_order() -> None:
    plan = build_plan(load_catalog([SPECS]), PlanOptions())
    lines = "".join(f"{step.id}\n" for step in plan.steps)
    assert plan_digest(plan) == hashlib.sha256(lines.encode()).hexdigest()
    part, info = sharded(plan, choose_shard("1/2", "option", "--shard", {}) or pytest.fail())
    assert (info.plan_chains, info.plan_cases) == (len(plan.chains), len(plan.steps))
    assert info.plan_digest == plan_digest(plan) != plan_digest(part)
    assert (info.index, info.total, info.source) == (1, 2, "option")


# --- the words that name a shard -------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("0/4", "K must be from 1 to N (4)"),
        ("5/4", "K must be from 1 to N (4)"),
        ("a/b", "is not K/N"),
        ("1/0", "N must be from 1 to"),
        ("1/2/3", "is not K/N"),
        ("-1/4", "is not K/N"),
        ("²/4", "is not K/N"),
        (f"1/{MAX_SHARDS + 1}", "N must be from 1 to"),
        ("", "is not K/N"),
    ],
)
def test_a_bad_shard_is_one_usage_error_naming_where_and_the_form(text: str, why: str) -> None:
    with pytest.raises(UsageError) as caught:
        choose_shard(text, "option", "--shard", {})
    message = str(caught.value)
    assert message.startswith("--shard: ") and why in message
    assert "expected K/N" in message and "auto" in message


def test_k_of_n_and_auto_are_read() -> None:
    assert parse_shard(" 2/4 ") == (2, 4)
    assert parse_shard("1/1") == (1, 1)
    assert parse_shard("AUTO") is None
    assert choose_shard(None, "option", "--shard", {"CI_NODE_INDEX": "1"}) is None


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"CI_NODE_INDEX": "3", "CI_NODE_TOTAL": "4"}, (3, 4, "CI_NODE_INDEX")),
        (
            {"BUILDKITE_PARALLEL_JOB": "0", "BUILDKITE_PARALLEL_JOB_COUNT": "2"},
            (1, 2, "BUILDKITE_PARALLEL_JOB"),
        ),
        ({"CIRCLE_NODE_INDEX": "3", "CIRCLE_NODE_TOTAL": "4"}, (4, 4, "CIRCLE_NODE_INDEX")),
        # half a pair is not read: the next CI's full pair is
        ({"CI_NODE_INDEX": "2", "CIRCLE_NODE_INDEX": "0", "CIRCLE_NODE_TOTAL": "1"},
         (1, 1, "CIRCLE_NODE_INDEX")),
    ],
)  # fmt: skip
def test_auto_reads_the_ci_variables(
    environ: dict[str, str], expected: tuple[int, int, str]
) -> None:
    choice = choose_shard("auto", "option", "--shard", environ)
    assert choice is not None
    assert (choice.index, choice.total, choice.source) == expected


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"CI_NODE_INDEX": "0", "CI_NODE_TOTAL": "4"}, "CI_NODE_INDEX='0': must be from 1 to 4"),
        ({"CI_NODE_INDEX": "x", "CI_NODE_TOTAL": "4"}, "CI_NODE_INDEX='x': not a whole number"),
        ({"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "0"}, "CI_NODE_TOTAL='0': must be from 1"),
        (
            {"BUILDKITE_PARALLEL_JOB": "2", "BUILDKITE_PARALLEL_JOB_COUNT": "2"},
            "BUILDKITE_PARALLEL_JOB='2': must be from 0 to 1",
        ),
    ],
)
def test_a_malformed_ci_variable_is_an_error_naming_it(environ: dict[str, str], named: str) -> None:
    with pytest.raises(UsageError, match="^" + named.replace("(", r"\(")):
        choose_shard("auto", "option", "--shard", environ)


def test_auto_without_ci_variables_is_an_error_not_the_whole_plan() -> None:
    with pytest.raises(UsageError) as caught:
        choose_shard("auto", "suite", "s.toml: [run] shard", {"CI_NODE_INDEX": "1"})
    message = str(caught.value)
    assert message.startswith("s.toml: [run] shard auto: no CI shard variables are set")
    assert "CI_NODE_INDEX/CI_NODE_TOTAL" in message and "K/N" in message
