"""A run split with `--shard K/N` and put back together with `apitest merge` gives the verdict
one unsharded run gives, against real servers: the reference service (correct and with planted
defects) and the ZEST corpus's app. Same case ids, statuses and messages (modulo generated
values), same counts, same exit status, shards run one after another or side by side as
separate processes, and the service left as the run found it (no shard leaves another's
record behind or deletes what no run made)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from ..support import CLI_TIMEOUT_S, DATA, REPO, cli_command, cli_env, run_cli
from ._zest_app import AppServer, make_app
from .conftest import MakeServer

TRIPS = ("specs/trips.xml", "specs/destinations.xml")
CORPUS = DATA / "zspec"


def _started(args: Sequence[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli_command(*args), cwd=REPO, env=cli_env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _finished(process: subprocess.Popen[str]) -> int:
    out, err = process.communicate(timeout=CLI_TIMEOUT_S)
    assert "Traceback" not in out + err, out + err
    return process.returncode


def shards(base: Sequence[str], folder: Path, total: int, *, together: bool) -> list[Path]:
    """`base --shard K/N` for K = 1..N, one after another or as N processes at once; the JSON
    result of each (exit statuses are the merge's to judge)."""
    paths = [folder / f"shard-{k}-of-{total}.json" for k in range(1, total + 1)]
    runs = [
        [
            *base,
            "--shard",
            f"{k}/{total}",
            "--json",
            str(path),
            "--report-dir",
            str(folder / f"r{k}"),
        ]
        for k, path in enumerate(paths, start=1)
    ]
    if together:
        for code in [_finished(process) for process in map(_started, runs)]:
            assert code in (0, 1, 5)
    else:
        for args in runs:
            assert run_cli(*args).returncode in (0, 1, 5)
    return paths


_GENERATED = re.compile(r"\d+")


def verdict(path: Path) -> tuple[dict[str, tuple[str, str]], dict[str, int]]:
    """Each case's status and message (numbers, which runs generate, blanked), and the counts."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    cases = {
        case["id"]: (case["status"], _GENERATED.sub("#", case.get("message") or ""))
        for case in data["cases"]
    }
    counts: dict[str, int] = {}
    for status, _ in cases.values():
        counts[status] = counts.get(status, 0) + 1
    return cases, counts


def same_verdict(base: Sequence[str], folder: Path, total: int, *, together: bool) -> int:
    """Runs `base` whole and sharded into `total`, merges, and checks the two verdicts are one;
    the exit status they share."""
    whole_json = folder / "whole.json"
    whole = run_cli(*base, "--json", str(whole_json), "--report-dir", str(folder / "whole"))
    paths = shards(base, folder, total, together=together)
    merged_json = folder / "merged.json"
    merged = run_cli("merge", *map(str, paths), "--json", str(merged_json))
    assert merged.returncode == whole.returncode, merged.stdout + merged.stderr
    assert verdict(merged_json) == verdict(whole_json)
    return whole.returncode


@pytest.mark.parametrize(
    ("bug", "total", "together", "exit_status"),
    [
        (None, 2, True, 0),
        (None, 3, False, 0),
        ("wrong-type", 3, True, 1),
        ("delete-noop", 2, True, 1),
    ],
)
def test_sharded_trips_runs_give_the_unsharded_verdict(
    make_server: MakeServer, tmp_path: Path, bug: str | None, total: int, together: bool,
    exit_status: int,
) -> None:  # fmt: skip
    server = make_server(bugs=[bug] if bug else [])
    before = server.state.store.destinations.snapshot()
    base = ("run", *TRIPS, "--seed", "5", "-q", "--base-url", server.base_url)
    assert same_verdict(base, tmp_path, total, together=together) == exit_status
    if bug is None:  # every shard cleaned up what it made, and only that
        assert server.state.store.trips.snapshot() == {}
        assert server.state.store.destinations.snapshot() == before


@pytest.mark.parametrize(
    ("spec", "defects", "exit_status"),
    [
        ("argument-concurrent.xml", [], 0),
        ("response-unexpected-error.xml", ["crash"], 1),
    ],
)
def test_sharded_corpus_runs_give_the_unsharded_verdict(
    tmp_path: Path, spec: str, defects: list[str], exit_status: int
) -> None:
    with AppServer(make_app(defects=defects)) as server:
        base = ("run", str(CORPUS / spec), "--seed", "3", "-q", "--base-url", server.base_url)
        assert same_verdict(base, tmp_path, 3, together=True) == exit_status


def test_shards_of_another_plan_or_a_missing_shard_are_refused(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """specs/trips.xml alone plans what both reference specs plan (it depends on
    destinations.xml), so another plan here is other cases (`--cases positive`) and another
    seed: each is refused by name, as is a shard left out, rather than merged into a smaller
    green report."""
    base = ("run", *TRIPS, "-q", "--base-url", make_server().base_url)
    first, _ = shards((*base, "--seed", "5"), tmp_path / "all", 2, together=True)
    _, fewer = shards(
        (*base, "--seed", "5", "--cases", "positive"), tmp_path / "p", 2, together=True
    )
    _, reseeded = shards((*base, "--seed", "6"), tmp_path / "seed", 2, together=True)
    for other, expected in ((fewer, "differ in plan"), (reseeded, "differ in seed")):
        mixed = run_cli("merge", str(first), str(other))
        assert mixed.returncode == 2 and expected in mixed.stderr, mixed.stdout + mixed.stderr
    alone = run_cli("merge", str(first))
    assert alone.returncode == 2 and "shard 2/2 missing" in alone.stderr, alone.stderr
