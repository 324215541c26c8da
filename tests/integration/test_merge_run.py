"""`apitest merge` as a subprocess, on the results of real `apitest run --shard K/N` runs of the
reference specs against the bundled service: the merged JSON holds an unsharded run's cases
exactly once each, and every input that is not the shards of one run ends as one message and
exit 2."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from apitest.demo import DemoConfig, DemoServer
from apitest.report.json_report import read_json
from apitest.results import RunResult

from ..support import run_cli

ShardFiles = Callable[..., list[Path]]
SECRET = "k3y-0f-the-api-1234"
SPEC_ARGS = ("specs/trips.xml", "specs/destinations.xml", "--seed", "11", "-q")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Path]]:
    """Real CLI runs of both reference specs against one bundled service, each made once per
    module: `runs("whole")` unsharded, `runs("2/3")` the shard `--shard 2/3`; their JSON."""
    folder = tmp_path_factory.mktemp("runs")
    server = DemoServer(DemoConfig(lag_ms=0)).start()
    made: dict[str, Path] = {}

    def result(which: str) -> Path:
        if which not in made:
            name = which.replace("/", "-of-")
            shard = () if which == "whole" else ("--shard", which)
            done = run_cli(
                "run", *SPEC_ARGS, "--base-url", server.base_url, *shard,
                "--report-dir", str(folder / name), "--json", str(folder / f"{name}.json"),
            )  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
            made[which] = folder / f"{name}.json"
        return made[which]

    try:
        yield result
    finally:
        server.stop()


@pytest.fixture
def whole(runs: Callable[[str], Path]) -> Path:
    return runs("whole")


@pytest.fixture
def shard_files(runs: Callable[[str], Path], tmp_path: Path) -> ShardFiles:
    """Copies (tests edit them) of the results of `--shard 1/N` to `N/N`."""

    def copies(total: int = 2) -> list[Path]:
        paths = []
        for index in range(1, total + 1):
            path = tmp_path / f"shard-{index}.json"
            shutil.copyfile(runs(f"{index}/{total}"), path)
            paths.append(path)
        return paths

    return copies


def test_merged_shards_hold_the_whole_runs_cases_once_each(
    whole: Path, shard_files: ShardFiles, tmp_path: Path
) -> None:
    paths = shard_files()
    out = {name: tmp_path / f"merged.{name}" for name in ("json", "html", "xml")}
    done = run_cli(
        "merge", *map(str, paths), "--json", str(out["json"]), "--html", str(out["html"]),
        "--junit", str(out["xml"]),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    unsharded = read_json(whole)
    merged = read_json(out["json"])
    ids = [case.id for case in merged.cases]
    assert len(ids) == len(set(ids)) and set(ids) == {case.id for case in unsharded.cases}
    assert {case.shard for case in merged.cases} == {1, 2}
    assert merged.counts() == unsharded.counts() and merged.seed == unsharded.seed == 11
    assert [info.index for info in merged.shards] == [1, 2] and merged.shard is None
    assert RunResult.from_dict(merged.to_dict()).to_dict() == merged.to_dict()
    assert done.stdout.startswith("apitest merge: 2 shards of one run, seed 11")
    assert f"{len(ids)} cases: {len(ids)} passed" in done.stdout
    for label in ("HTML report", "JUnit XML", "JSON result"):
        assert label in done.stdout
    assert "merged from 2 shards" in out["html"].read_text(encoding="utf-8")
    assert '<property name="shard" value="1/2 started' in out["xml"].read_text(encoding="utf-8")
    replay = run_cli("repro", str(out["json"]), merged.cases[0].id)
    assert replay.returncode == 0 and replay.stdout.startswith("#!/bin/sh")


def test_a_failed_case_in_a_shard_fails_the_merge(shard_files: ShardFiles, tmp_path: Path) -> None:
    first, second = shard_files()
    data = json.loads(second.read_text(encoding="utf-8"))
    data["cases"][0]["status"] = "failed"
    second.write_text(json.dumps(data), encoding="utf-8")
    done = run_cli("merge", str(first), str(second))
    assert done.returncode == 1 and "Failures" in done.stdout


def test_an_interrupted_shard_makes_the_merge_exit_as_an_interrupted_run(
    shard_files: ShardFiles, tmp_path: Path
) -> None:
    first, second = shard_files()
    data = json.loads(first.read_text(encoding="utf-8"))
    data["interrupted"] = True
    first.write_text(json.dumps(data), encoding="utf-8")
    done = run_cli("merge", str(first), str(second))
    assert done.returncode == 130
    assert "interrupted: a shard's run was interrupted" in done.stdout


def test_partial_merges_what_there_is_and_exits_1(shard_files: ShardFiles, tmp_path: Path) -> None:
    first, _ = shard_files()
    report = tmp_path / "partial.json"
    done = run_cli("merge", str(first), "--partial", "--json", str(report))
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("apitest merge: 1 of 2 shards of one run")
    assert "partial: shard(s) 2/2 missing" in done.stdout
    merged = read_json(report)
    assert merged.missing_shards == [2] and not merged.passed


Edit = Callable[[list[dict[str, Any]]], None]
"""Spoils the shard results (as dicts) in place."""


def _set(index: int, key: str, value: Any) -> Edit:
    def edit(shards: list[dict[str, Any]]) -> None:
        shards[index][key] = value

    return edit


def _set_shard(index: int, key: str, value: Any) -> Edit:
    def edit(shards: list[dict[str, Any]]) -> None:
        shards[index]["shard"][key] = value

    return edit


def _move_case(shards: list[dict[str, Any]]) -> None:
    shards[1]["cases"].append(shards[0]["cases"][0])
    shards[1]["cases"].pop(0)


def _drop_case(shards: list[dict[str, Any]]) -> None:
    shards[1]["cases"].pop()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_set(1, "seed", 12), "differ in seed: 11 in {1}, 12 in {2}; "),
        (_set(1, "shard", None), "{2}: not the result of a shard (the others are); "),
        (_set_shard(1, "total", 3), "differ in shard count N: 2 in {1}, 3 in {2}; "),
        (_set_shard(1, "plan_digest", "0" * 64), "differ in plan (plan_digest): "),
        (_set_shard(1, "index", 1), "shard 1/2 given twice: {1} and {2}; "),
        (_move_case, "is in two shards: {1} and {2}; "),
        (_drop_case, "but their plan has "),
    ],
)
def test_results_not_of_one_run_end_in_one_message(
    shard_files: ShardFiles, tmp_path: Path, edit: Edit, expected: str
) -> None:
    paths = shard_files()
    shards = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    edit(shards)
    for path, data in zip(paths, shards, strict=True):
        path.write_text(json.dumps(data), encoding="utf-8")
    done = run_cli("merge", *map(str, paths))
    assert done.returncode == 2 and done.stdout == ""
    assert expected.format("", *paths) in done.stderr
    assert done.stderr.startswith("apitest: ") and done.stderr.count("\n") == 1


def test_a_differing_target_is_named_without_its_secrets(
    shard_files: ShardFiles, tmp_path: Path
) -> None:
    first, second = shard_files()
    data = json.loads(second.read_text(encoding="utf-8"))
    data["target"] = f"https://user:{SECRET}@api.example.com/v1?api_key={SECRET}"
    second.write_text(json.dumps(data), encoding="utf-8")
    done = run_cli("merge", str(first), str(second))
    assert done.returncode == 2
    assert f"https://api.example.com/v1 in {second}" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_a_missing_shard_is_named(shard_files: ShardFiles, tmp_path: Path) -> None:
    paths = shard_files(3)
    done = run_cli("merge", str(paths[0]), str(paths[2]))
    assert done.returncode == 2
    assert f"shard 2/3 missing (given: {paths[0]}, {paths[2]}); " in done.stderr
    assert "--partial" in done.stderr


def test_files_that_are_no_results_end_in_one_message(
    shard_files: ShardFiles, tmp_path: Path
) -> None:
    (first, _) = shard_files()
    junk = tmp_path / "junk.json"
    junk.write_text("{not json", encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    expected = {
        str(tmp_path / "gone.json"): "cannot read RESULT {} (No such file or directory); ",
        str(junk): "RESULT {} is not JSON (",
        str(other): "RESULT {} is JSON but not an apitest report (",
    }
    for path, message in expected.items():
        done = run_cli("merge", str(first), path)
        assert done.returncode == 2 and message.format(path) in done.stderr, done.stderr
        assert "`apitest run --shard K/N --json FILE`" in done.stderr
    done = run_cli("merge")
    assert done.returncode == 2 and "RESULT.json" in done.stderr
