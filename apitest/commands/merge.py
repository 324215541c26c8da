"""The `apitest merge RESULT.json...` command: one report of a run sharded across CI runners.

A thin shell: each shard's result is read (report/json_report.py, the reader `apitest repro`
uses), the checks and the merge are `results_merge.merge_shards`, the summary is the console
reporter's end-of-run summary and the files are the run's own writers, so a merged run reads
and exits (`RunResult.exit_status`) as an unsharded run of the same plan would.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.text import Text

from apitest.report.console import ConsoleReporter, make_console
from apitest.report.json_report import read_result
from apitest.report.writers import ReportFiles, check_writable, chosen_files
from apitest.results import RunResult
from apitest.results_merge import merge_shards

INTERRUPTED = "interrupted: a shard's run was interrupted; its cases that did not run are skipped"
HOW = "give the JSON results of `apitest run --shard K/N --json FILE`, one per shard"


def run(args: argparse.Namespace) -> int:
    shards = [(name, read_result(Path(name), "RESULT", HOW)) for name in args.results]
    result = merge_shards(shards, partial=args.partial)
    files = ReportFiles(html=_path(args.html), junit=_path(args.junit), json=_path(args.json))
    check_writable(chosen_files(html=files.html, junit=files.junit, json=files.json))
    console = make_console()
    console.print(Text(headline(result), style="bold"))
    for line in shard_lines(result):
        console.print(Text(line, style="dim"))
    ConsoleReporter(console).summary(result)
    if result.interrupted:
        console.print(Text(INTERRUPTED, style="bold red"))
    if result.missing_shards:
        console.print(Text(partial_line(result), style="bold red"))
    files.write(result)
    for label, path in files.written:
        console.print(f"{label}: {path}")
    problem = files.failure()
    if problem is not None:
        raise problem
    return result.exit_status()


def headline(result: RunResult) -> str:
    """What was merged: the shards, the plan's seed (which reproduces the data of each)."""
    total = result.shards[0].total
    given = len(result.shards)
    of = f"{given} of {total}" if given != total else str(total)
    seed = result.seed
    return f"apitest merge: {of} shards of one run, seed {seed} (--seed {seed} reproduces the data)"


def shard_lines(result: RunResult) -> list[str]:
    """Each shard's part: its cases, when it started and how long it took."""
    counts = {info.index: 0 for info in result.shards}
    for case in result.cases:
        counts[case.shard] = counts.get(case.shard, 0) + 1
    return [
        f"  shard {info.index}/{info.total}: {counts[info.index]} cases, started "
        f"{info.started_at}, {info.duration_s:.2f} s"
        for info in result.shards
    ]


def partial_line(result: RunResult) -> str:
    missing = result.missing_shards_text()
    return f"partial: shard(s) {missing} missing; the plan was not tested whole (exit 1)"


def _path(option: str | None) -> Path | None:
    return Path(option) if option else None
