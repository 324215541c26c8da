"""`apitest plan --shard K/N` as a subprocess (issue 20): the shards of a plan list every case of
the unsharded plan once, on any machine; K/N from the option, the suite or the CI's variables
(`auto`); every bad value one message naming where it came from, exit 2."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ..support import REPO, SPECS, cli_env, run_cli, write_resource

USAGE = 2


def plan_json(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> dict[str, Any]:
    done = run_cli("plan", *args, "--format", "json", env=env, cwd=cwd)
    assert done.returncode == 0, done.stdout + done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def case_ids(plan: dict[str, Any]) -> list[str]:
    return [
        step["id"]
        for resource in plan["resources"]
        for chain in resource["chains"]
        for step in chain["steps"]
    ]


def test_two_shards_list_every_case_of_the_plan_exactly_once() -> None:
    whole = case_ids(plan_json("specs/"))
    first, second = plan_json("specs/", "--shard", "1/2"), plan_json("specs/", "--shard", "2/2")
    together = Counter(case_ids(first) + case_ids(second))
    assert together == Counter(whole) and set(together.values()) == {1}
    assert case_ids(first) and case_ids(second)
    chains = {c["id"] for r in first["resources"] for c in r["chains"]}
    assert not chains & {c["id"] for r in second["resources"] for c in r["chains"]}
    assert first["shard"]["plan_digest"] == second["shard"]["plan_digest"]
    assert first["shard"] | {"index": 2} == second["shard"]
    assert first["shard"]["plan_cases"] == len(whole)
    assert (first["shard"]["index"], first["shard"]["total"]) == (1, 2)
    assert "shard" not in plan_json("specs/")


def test_the_text_plan_says_which_shard_of_how_big_a_plan() -> None:
    whole = plan_json("specs/")
    chains = sum(len(r["chains"]) for r in whole["resources"])
    done = run_cli("plan", "specs/", "--shard", "2/2")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert re.match(
        rf"shard 2/2 of a plan of {chains} chains, {len(case_ids(whole))} cases \(plan "
        r"[0-9a-f]{12}; K/N from the option\): \d+ chains, \d+ cases here$",
        first,
    ), first


def test_a_shard_beyond_the_chains_is_empty_and_says_so() -> None:
    done = run_cli("plan", "specs/", "--shard", "9/9")
    assert done.returncode == 0, done.stderr
    assert "this shard holds no chain (the plan has 4, fewer than 9 shards)" in done.stdout
    assert case_ids(plan_json("specs/", "--shard", "9/9")) == []


def test_shards_agree_across_processes_with_other_string_hashes(tmp_path: Path) -> None:
    """A resource needing four independent others: the loader used to order them by set
    iteration, which follows PYTHONHASHSEED, and with them the dependency steps' ids."""
    for name in ("pp", "qq", "rr", "ss"):
        write_resource(tmp_path, name, "")
    write_resource(tmp_path, "aa", '  <dependency resources="pp,qq,rr,ss"/>\n')
    seen = set()
    for hashseed in ("1", "2", "3", "4", "5"):
        plan = plan_json(str(tmp_path), "--shard", "1/3", env=cli_env(PYTHONHASHSEED=hashseed))
        steps = tuple(
            (step["id"], step["resource"])
            for r in plan["resources"]
            for c in r["chains"]
            for step in c["steps"]
        )
        seen.add((plan["shard"]["plan_digest"], steps))
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("0/4", "'0/4': K must be from 1 to N (4)"),
        ("5/4", "'5/4': K must be from 1 to N (4)"),
        ("a/b", "'a/b' is not K/N"),
        ("1/0", "'1/0': N must be from 1 to 10,000"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "run"])
def test_a_bad_shard_is_one_usage_message_and_exit_2(command: str, value: str, why: str) -> None:
    done = run_cli(command, "specs/", "--shard", value)
    assert done.returncode == USAGE
    assert done.stdout == ""
    assert done.stderr == (
        f"apitest: argument --shard: {why}; expected K/N, shard K of N with 1 <= K <= N <= "
        f"10,000 (e.g. 2/4), or auto to read the CI's variables (see 'apitest {command} "
        "--help')\n"
    )


@pytest.mark.parametrize(
    ("variables", "shard", "source"),
    [
        ({"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "2"}, (2, 2), "CI_NODE_INDEX"),
        (
            {"BUILDKITE_PARALLEL_JOB": "0", "BUILDKITE_PARALLEL_JOB_COUNT": "2"},
            (1, 2),
            "BUILDKITE_PARALLEL_JOB",
        ),
        ({"CIRCLE_NODE_INDEX": "1", "CIRCLE_NODE_TOTAL": "2"}, (2, 2), "CIRCLE_NODE_INDEX"),
    ],
)
def test_auto_takes_the_shard_from_the_ci(
    variables: dict[str, str], shard: tuple[int, int], source: str
) -> None:
    plan = plan_json("specs/", "--shard", "auto", env=cli_env(**variables))
    assert (plan["shard"]["index"], plan["shard"]["total"]) == shard
    assert plan["shard"]["source"] == source
    explicit = plan_json("specs/", "--shard", f"{shard[0]}/{shard[1]}")
    assert case_ids(plan) == case_ids(explicit)


def test_ci_variables_are_not_read_unless_asked() -> None:
    env = cli_env(CI_NODE_INDEX="1", CI_NODE_TOTAL="2")
    assert case_ids(plan_json("specs/", env=env)) == case_ids(plan_json("specs/"))


def test_auto_without_ci_variables_or_with_a_bad_one_is_a_usage_error() -> None:
    done = run_cli("plan", "specs/", "--shard", "auto")
    assert done.returncode == USAGE
    assert done.stderr.startswith("apitest: --shard auto: no CI shard variables are set")
    done = run_cli(
        "plan", "specs/", "--shard", "auto", env=cli_env(CI_NODE_INDEX="3", CI_NODE_TOTAL="2")
    )
    assert done.returncode == USAGE
    assert done.stderr == "apitest: CI_NODE_INDEX='3': must be from 1 to 2 (CI_NODE_TOTAL=2)\n"


def test_the_suite_names_the_shard_and_the_option_wins(tmp_path: Path) -> None:
    suite = tmp_path / "s.toml"
    suite.write_text(f'specs = ["{SPECS}"]\n[run]\nshard = "2/2"\n', encoding="utf-8")
    from_suite = plan_json(str(suite))
    assert (from_suite["shard"]["index"], from_suite["shard"]["source"]) == (2, "suite")
    from_option = plan_json(str(suite), "--shard", "1/2")
    assert (from_option["shard"]["index"], from_option["shard"]["source"]) == (1, "option")
    suite.write_text(f'specs = ["{SPECS}"]\n[run]\nshard = "3/2"\n', encoding="utf-8")
    done = run_cli("plan", str(suite))
    assert done.returncode == USAGE
    assert done.stderr.startswith(f"apitest: {suite}: [run] shard: '3/2': K must be from 1 to N")
    suite.write_text(f'specs = ["{SPECS}"]\n[run]\nshard = "auto"\n', encoding="utf-8")
    done = run_cli("plan", str(suite))
    assert done.returncode == USAGE
    assert done.stderr.startswith(f"apitest: {suite}: [run] shard auto: no CI shard variables")


def test_help_teaches_the_option() -> None:
    for command in ("run", "plan"):
        text = " ".join(run_cli(command, "--help").stdout.split())
        assert "--shard K/N" in text
        assert "CI_NODE_INDEX/CI_NODE_TOTAL" in text and "matrix.shard" in text
