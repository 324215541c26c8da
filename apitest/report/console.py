"""The terminal report: each chain as it finishes, then a table per resource and the failures.

Chains run concurrently, so printing each case as it finishes would interleave chains into a
puzzle; a chain is printed whole when its last step is done, which shows the chains in the
order they ran, each in its own order. Colour only on a terminal without NO_COLOR; plain text,
one line per case, otherwise, so CI logs and pipes stay readable.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from apitest.plan.model import Chain
from apitest.report.model import STATUSES, CaseResult, RunResult

_MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIP"}
_STYLE = {"passed": "green", "failed": "bold red", "error": "bold magenta", "skipped": "yellow"}


def make_console(file: TextIO | None = None) -> Console:
    plain = "NO_COLOR" in os.environ
    return Console(
        file=file or sys.stdout,
        highlight=False,
        soft_wrap=True,
        color_system=None if plain else "auto",
    )


class ConsoleReporter:
    """Listens to the engine and prints; `quiet` prints only the summary and failures."""

    def __init__(self, console: Console, *, quiet: bool = False, verbose: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.verbose = verbose

    def case_finished(self, case: CaseResult) -> None:
        if case.kind == "cleanup" and case.chain == "cleanup" and not self.quiet:
            self.console.print(case_line(case))

    def chain_finished(self, chain: Chain, cases: list[CaseResult]) -> None:
        if self.quiet:
            return
        header = Text(f"{chain.id}", style="bold")
        header.append(f"  {chain.purpose}", style="dim")
        self.console.print(header)
        for case in cases:
            self.console.print(case_line(case))
            if self.verbose:
                for note in case.notes:
                    self.console.print(Text(f"        note: {note}", style="dim"))

    def summary(self, result: RunResult) -> None:
        console = self.console
        console.print()
        console.print(resource_table(result))
        failures = [case for case in result.cases if case.status in ("failed", "error")]
        if failures:
            console.print(Text("Failures", style="bold red"))
            for case in failures:
                console.print(failure_text(case))
        counts = result.counts()
        total = ", ".join(f"{counts[status]} {status}" for status in STATUSES)
        style = "bold green" if result.passed else "bold red"
        console.print(
            Text(
                f"{len(result.cases)} cases: {total} in {result.duration_s:.2f} s "
                f"(critical-path estimate {result.estimate_s:.2f} s) against {result.target}",
                style=style,
            )
        )


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
    per: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for case in result.cases:
        per[case.resource][case.status] += 1
    for name, counts in per.items():
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
