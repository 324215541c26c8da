"""`apitest run --shard K/N` against the reference service (issue 20): two shards of specs/ test
every case of an unsharded run exactly once, each shard's reports say which shard of what plan
it is, and a shard with nothing in it says so and does not pass. The pytest plugin's
`--apitest-shard` collects the same shards."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ..support import run_cli
from .conftest import MakeServer

NOTHING_TESTED = 5

pytest_plugins = ["pytester"]


def run(base_url: str, reports: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "run", "specs/", "--base-url", base_url, "--seed", "7", "--report-dir", str(reports), *args
    )


def result(reports: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    return data


def test_two_shards_run_every_case_of_the_whole_run_exactly_once(
    tmp_path: Path, make_server: MakeServer
) -> None:
    base_url = make_server().base_url
    whole = run(base_url, tmp_path / "whole")
    assert whole.returncode == 0, whole.stdout[-3000:] + whole.stderr
    shards = []
    for k in (1, 2):
        stream = str(tmp_path / f"shard{k}.jsonl")
        done = run(base_url, tmp_path / f"shard{k}", "--shard", f"{k}/2", "--jsonl", stream)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        shards.append((done, result(tmp_path / f"shard{k}")))
    expected = [case["id"] for case in result(tmp_path / "whole")["cases"]]
    got = Counter(case["id"] for _, data in shards for case in data["cases"])
    assert got == Counter(expected) and set(got.values()) == {1}
    assert all(data["cases"] for _, data in shards)
    infos = [data["shard"] for _, data in shards]
    assert [(info["index"], info["total"], info["source"]) for info in infos] == [
        (1, 2, "option"),
        (2, 2, "option"),
    ]
    assert {info["plan_cases"] for info in infos} == {len(expected)}
    assert infos[0]["plan_digest"] == infos[1]["plan_digest"]
    assert infos[0]["duration_s"] > 0 and infos[0]["started_at"]
    assert result(tmp_path / "whole")["shard"] is None
    for (done, _), info in zip(shards, infos, strict=True):
        said = (
            f"shard {info['index']}/2 of a plan of {info['plan_chains']} chains, "
            f"{len(expected)} cases (plan {info['plan_digest'][:12]}; K/N from the option)"
        )
        lines = done.stdout.splitlines()
        assert lines[1].startswith(said + ": ")  # at the start, after the run's own line
        assert said in lines  # and alone under the totals at the end
    for k, info in enumerate(infos, 1):  # a stream's reader knows the shard from its first line
        first = json.loads((tmp_path / f"shard{k}.jsonl").read_text().splitlines()[0])
        assert first["event"] == "run_started"
        assert (first["shard"]["index"], first["shard"]["total"]) == (k, 2)
        assert first["shard"]["plan_digest"] == info["plan_digest"]
    junit = etree.parse(str(tmp_path / "shard2" / "junit.xml")).getroot()
    assert junit.get("name") == "apitest shard 2/2"
    props = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert props["shard"] == "2/2" and props["plan_digest"] == infos[1]["plan_digest"]
    assert props["plan_cases"] == str(len(expected))
    html = (tmp_path / "shard1" / "report.html").read_text(encoding="utf-8")
    assert re.search(r'<span class="muted shard" id="shard">shard 1/2 of a plan of', html)


def test_a_sharded_run_without_a_seed_uses_the_default_one(
    tmp_path: Path, make_server: MakeServer
) -> None:
    base_url = make_server().base_url
    done = run_cli(
        "run", "specs/destinations.xml", "--base-url", base_url, "--shard", "1/1",
        "--report-dir", str(tmp_path), "-q",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert result(tmp_path)["seed"] == 0


def test_an_empty_shard_says_so_and_exits_nothing_tested(
    tmp_path: Path, make_server: MakeServer
) -> None:
    base_url = make_server().base_url
    done = run(base_url, tmp_path, "--shard", "5/5")
    assert done.returncode == NOTHING_TESTED, done.stdout + done.stderr
    assert "this shard holds no chain (the plan has 4, fewer than 5 shards)" in done.stdout
    assert (
        "nothing was tested: shard 5/5 holds none of the plan's 4 chains (give at most 4 shards)"
        in done.stdout
    )
    data = result(tmp_path)
    assert data["cases"] == [] and data["shard"]["index"] == 5
    assert etree.parse(str(tmp_path / "junit.xml")).getroot().get("name") == "apitest shard 5/5"


def test_ci_variables_choose_the_shard_of_a_run(tmp_path: Path, make_server: MakeServer) -> None:
    from ..support import cli_env

    base_url = make_server().base_url
    env = cli_env(BUILDKITE_PARALLEL_JOB="1", BUILDKITE_PARALLEL_JOB_COUNT="2")
    done = run_cli(
        "run", "specs/", "--base-url", base_url, "--shard", "auto", "--seed", "7",
        "--report-dir", str(tmp_path), "-q", env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    shard = result(tmp_path)["shard"]
    assert (shard["index"], shard["total"], shard["source"]) == (2, 2, "BUILDKITE_PARALLEL_JOB")
    assert "K/N from BUILDKITE_PARALLEL_JOB" in done.stdout


# --- the pytest plugin -----------------------------------------------------------------------
def collected(project: pytest.Pytester, *args: str) -> list[str]:
    found = project.runpytest("--collect-only", "-q", "-p", "no:cacheprovider", *args)
    return [line for line in found.outlines if "::" in line]


def test_the_plugin_collects_the_shards_of_the_plan(project: pytest.Pytester) -> None:
    whole = collected(project, "--apitest=specs")
    parts = [collected(project, "--apitest=specs", f"--apitest-shard={k}/2") for k in (1, 2)]
    assert all(parts) and Counter(parts[0] + parts[1]) == Counter(whole)
    assert len(set(whole)) == len(whole)


def test_the_plugin_runs_a_shard_under_xdist_and_says_which(
    project: pytest.Pytester, make_server: MakeServer
) -> None:
    server = make_server()
    wanted = collected(project, "--apitest=specs", "--apitest-shard=2/2")
    done = project.runpytest_subprocess(
        "--apitest=specs", "--apitest-shard=2/2", f"--apitest-base-url={server.base_url}",
        "-n", "2", "-p", "no:cacheprovider",
    )  # fmt: skip
    done.assert_outcomes(passed=len(wanted))
    said = "apitest: shard 2/2 of the plan's chains (K/N from the option); the workers share"
    assert any(line.startswith(said) for line in done.outlines), done.outlines[:12]
    alone = project.runpytest("--apitest=specs", "--apitest-shard=2/2", "--collect-only", "-q")
    assert any(
        re.match(r"apitest: shard 2/2 of a plan of 4 chains", line) for line in alone.outlines
    )


def test_the_plugin_s_empty_shard_and_bad_shard(project: pytest.Pytester) -> None:
    empty = project.runpytest("--apitest=specs", "--apitest-shard=7/7", "-p", "no:cacheprovider")
    assert empty.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert any("this shard holds no chain" in line for line in empty.outlines)
    bad = project.runpytest("--apitest=specs", "--apitest-shard=0/2", "-p", "no:cacheprovider")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    assert "apitest: --apitest-shard: '0/2': K must be from 1 to N (2); expected K/N" in (
        bad.stderr.str()
    )


def test_the_apitest_run_fixture_of_a_shard_carries_its_shard(project: pytest.Pytester) -> None:
    wanted = collected(project, "--apitest=specs", "--apitest-shard=1/2")
    project.makepyfile(
        test_custom=f"""
        def test_shard(apitest_run):
            shard = apitest_run.shard
            assert (shard.index, shard.total, shard.source) == (1, 2, "option")
            assert shard.plan_chains == 4 and shard.plan_cases > {len(wanted)}
            assert shard.duration_s > 0 and shard.started_at
            assert len(apitest_run.cases) == {len(wanted)}
            assert apitest_run.counts()["passed"] == {len(wanted)}
        """
    )
    done = project.runpytest(
        "test_custom.py", "--apitest=specs", "--apitest-shard=1/2", "-p", "no:cacheprovider"
    )
    done.assert_outcomes(passed=1)
