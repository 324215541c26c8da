"""The terminal report: each chain as it finishes, then a table per resource and the failures.

Chains run concurrently, so printing each case as it finishes would interleave chains into a
puzzle; a chain is printed whole when its last step is done, which shows the chains in the
order they ran, each in its own order. Colour only on a terminal without NO_COLOR; plain text,
one line per case, otherwise, so CI logs and pipes stay readable.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from apitest.engine import events
from apitest.plan.model import Chain, Plan
from apitest.results import STATUSES, AuthNotice, CaseResult, RunResult, ShardInfo

_MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIP"}
_STYLE = {"passed": "green", "failed": "bold red", "error": "bold magenta", "skipped": "yellow"}


class _PipeSafeConsole(Console):
    """A console whose reader may go away (`apitest run ... | head`): output stops, the run
    does not. Rich's default exits with status 1 at once, so the run would stop mid-way with
    no reports and nothing cleaned up; here the rest of the output goes to /dev/null and the
    run ends as it would have, reports written, exit status its own."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        if self.file is sys.stdout or self.file is sys.__stdout__:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's last flush is quiet
            os.close(devnull)


def make_console(file: TextIO | None = None) -> Console:
    plain = "NO_COLOR" in os.environ
    return _PipeSafeConsole(
        file=file or sys.stdout,
        highlight=False,
        soft_wrap=True,
        color_system=None if plain else "auto",
    )


class _Progress:
    """The live panel: per resource, cases done of planned, failures, throttle waits. Built
    only when rich redraws it (a few times a second), never per event, so a 20,000-case run
    pays nothing for it."""

    def __init__(self, totals: dict[str, int]) -> None:
        self.totals = totals
        self.done: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.throttle_ms: Counter[str] = Counter()
        self.started = time.monotonic()

    def count(self, case: CaseResult) -> None:
        self.done[case.group] += 1
        if case.status in ("failed", "error"):
            self.failed[case.group] += 1
        self.throttle_ms[case.group] += int(case.throttle_ms)

    def __rich__(self) -> Table:
        elapsed = time.monotonic() - self.started
        table = Table(title=f"running: {elapsed:.1f} s", title_justify="left", box=None)
        for column in ("resource", "done", "failed", "throttled"):
            table.add_column(column, justify="left" if column == "resource" else "right")
        for name, total in self.totals.items():
            failed = self.failed[name]
            table.add_row(
                name,
                f"{self.done[name]}/{total}",
                Text(str(failed), style="bold red" if failed else ""),
                f"{self.throttle_ms[name] / 1000:.1f} s",
            )
        return table


class ConsoleReporter:
    """Listens to the engine and prints; `quiet` prints only the summary and failures. On a
    terminal a live panel shows progress per resource while the run goes. The summary follows
    the run's end, unless the target was never reached (the error says it all then)."""

    def __init__(self, console: Console, *, quiet: bool = False, verbose: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.verbose = verbose
        self._progress: _Progress | None = None
        self._live: Live | None = None
        self._plain = not console.is_terminal
        """A pipe or a file: no colour, no live panel, no wrapping (soft_wrap), so rich would
        write exactly each line's plain text, at about 60 us a line; written directly."""

    def start(self, totals: dict[str, int]) -> None:
        """Show the live panel (terminals only: a pipe or CI log gets plain lines)."""
        if self.quiet or not self.console.is_terminal:
            return
        self._progress = _Progress(totals)
        self._live = Live(
            self._progress, console=self.console, refresh_per_second=4, transient=True
        )
        self._live.start()

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def handle(self, event: events.Event) -> None:
        if isinstance(event, events.CaseFinished):  # first: one per step
            if self._progress is not None:
                self._progress.count(event.case)
        elif isinstance(event, events.ChainFinished):
            self._chain_finished(event.chain, event.cases)
        elif isinstance(event, events.CleanupFinished):
            # a delete of the final sweep: printed as it happens, counted apart from the cases
            if not self.quiet:
                self._emit([case_line(event.case)])
        elif isinstance(event, events.RunStarted):
            self.start(steps_by_resource(event.plan))
        elif isinstance(event, events.RunFinished):
            self.stop()
            if event.reached:
                self.summary(event.result)

    def _chain_finished(self, chain: Chain, cases: list[CaseResult]) -> None:
        if self.quiet:
            return
        header = Text(f"{chain.id}", style="bold")
        header.append(f"  {chain.purpose}", style="dim")
        lines = [header]
        for case in cases:
            lines.append(case_line(case))
            if self.verbose:
                lines.extend(Text(f"        note: {note}", style="dim") for note in case.notes)
                lines.extend(Text(f"        hook: {line}", style="dim") for line in case.logs)
        self._emit(lines)

    def _emit(self, lines: list[Text]) -> None:
        """Lines as one write: a 20,000-chain run prints 40,000 of them."""
        if self._plain:
            if self.console.quiet:
                return
            try:
                self.console.file.write("".join(f"{line.plain}\n" for line in lines))
            except BrokenPipeError:
                self.console.on_broken_pipe()
        else:
            self.console.print(Text("\n").join(lines))

    def summary(self, result: RunResult) -> None:
        console = self.console
        console.print()
        console.print(resource_table(result))
        for line in result.logs:
            style = "bold red" if line.startswith("SEVERE") else "dim"
            console.print(Text(f"hook: {line}", style=style))
        failures = [case for case in result.cases if case.status in ("failed", "error")]
        if failures:
            console.print(Text("Failures", style="bold red"))
            for case in failures:
                console.print(failure_text(case))
        for notice in result.auth_notices:
            console.print(notice_text(notice))
        counts = result.counts()
        total = ", ".join(f"{counts[status]} {status}" for status in STATUSES)
        style = "bold green" if result.passed and result.tested else "bold red"
        console.print(
            Text(
                f"{len(result.cases)} cases: {total} in {result.duration_s:.2f} s "
                f"(critical-path estimate {result.estimate_s:.2f} s) against {result.target}",
                style=style,
            )
        )
        if result.shard is not None:
            console.print(Text(result.shard.describe(), style=style))
        if result.cleanup:
            console.print(cleanup_text(result))
        if not result.tested and not result.interrupted:
            console.print(Text(nothing_tested(result), style="bold red"))


def steps_by_resource(plan: Plan) -> dict[str, int]:
    """Planned steps per resource, each chain's under the chain's own resource: the totals of
    the live panel, tallied as the reports' per-resource tables are."""
    totals: Counter[str] = Counter()
    for chain in plan.chains:
        totals[chain.resource] += len(chain.steps)
    return dict(totals)


def cleanup_text(result: RunResult) -> Text:
    """The sweep's own tally, apart from the cases (it deletes what the run left behind, which
    no plan can count in advance), and each record it could not delete."""
    counts = result.cleanup_counts()
    head = f"cleanup of what the run left behind: {counts['deleted']} deleted"
    if counts["not_deleted"]:
        head += f", {counts['not_deleted']} NOT deleted"
    text = Text(head, style="bold red" if counts["not_deleted"] else "dim")
    for line in result.cleanup:
        if not line.endswith(" deleted"):  # "NOT deleted (why)", "left: no delete ..."
            text.append(f"\n    {line}")
    return text


def shard_text(shard: ShardInfo, part: Plan) -> Text:
    """What a shard holds of its plan, said before anything runs; an empty shard says so
    plainly (it will test nothing, and exit 5 for it)."""
    if not part.chains:
        return Text(
            f"{shard.describe()}: this shard holds no chain (the plan has "
            f"{shard.plan_chains:,}, fewer than {shard.total} shards): nothing to test here",
            style="bold yellow",
        )
    return Text(
        f"{shard.describe()}: {len(part.chains):,} chains, {len(part.steps):,} cases here",
        style="bold",
    )


def nothing_tested(result: RunResult) -> str:
    """Why a run proved nothing, and what to look at (exit status 5)."""
    shard = result.shard
    if shard is not None and not result.cases:
        return (
            f"nothing was tested: shard {shard.index}/{shard.total} holds none of the plan's "
            f"{shard.plan_chains:,} chains (give at most {max(1, shard.plan_chains)} shards)"
        )
    if not result.cases:
        return (
            "nothing was tested: no case was selected (check the suite's [filters], --cases "
            "and auto-skip)"
        )
    tests = sum(case.kind == "test" for case in result.cases)
    return (
        f"nothing was tested: all {tests} tests were skipped (see each case's reason with -v, "
        "or in the report)"
    )


def notice_text(notice: AuthNotice) -> Text:
    """One credential warning: the run may be green, so it is said where the totals are read."""
    times = f" (happened {notice.count} times)" if notice.count > 1 else ""
    return Text(f"warning: {notice.message}{times}", style="bold yellow")


def case_line(case: CaseResult) -> Text:
    line = Text("  ")
    line.append(f"{_MARK[case.status]:<5}", style=_STYLE[case.status])
    line.append(f" {case.kind:<20} {case.name}")
    if case.http_status is not None or case.url:
        line.append(f"  {case.method} {case.url}", style="dim")
        if case.http_status is not None:
            line.append(f" -> {case.http_status}", style="dim")
        line.append(f"  {case.duration_ms:.0f} ms", style="dim")
    if case.waited_ms >= 1:
        line.append(f"  (waited {case.waited_ms:.0f} ms)", style="dim")
    if case.throttle_ms >= 1:
        line.append(f"  (throttled {case.throttle_ms:.0f} ms)", style="dim")
    if case.eventually_ms is not None:
        line.append(f"  (eventually consistent after {case.eventually_ms:.0f} ms)", style="cyan")
    if case.message and case.status != "passed":
        line.append(f"  {case.message}", style=_STYLE[case.status])
    return line


def resource_table(result: RunResult) -> Table:
    table = Table(title="Results by resource", title_justify="left")
    table.add_column("resource")
    for status in STATUSES:
        table.add_column(status, justify="right")
    for name, counts in result.counts_by_group().items():
        table.add_row(name, *(str(counts[status]) for status in STATUSES))
    return table


def failure_text(case: CaseResult) -> Text:
    text = Text(f"{case.id} {case.name} ({case.kind})", style="bold")
    text.append(f"\n    at {case.file}:{case.line}")
    if case.url:
        text.append(f"\n    {case.method} {case.url} -> {case.http_status}")
    text.append(f"\n    {case.message}")
    for detail in case.details[1:] if len(case.details) > 1 else []:
        text.append(f"\n      {detail}")
    return text
