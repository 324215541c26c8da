"""The console reporter (report/console.py) in a pipe: the plain lines rich would print."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from apitest.engine.events import ChainFinished
from apitest.plan.model import Chain
from apitest.report.console import ConsoleReporter, case_line
from apitest.results import CaseResult


def test_piped_console_lines_are_what_rich_would_print_line_by_line() -> None:
    """In a pipe the reporter writes each line's plain text itself (rich costs ~60 us a line):
    byte for byte what printing each line through rich gives, bells and returns stripped."""
    cases = [
        CaseResult(id="r.1.1", chain="r.1", resource="r", operation="GET r", case="positive",
                   kind="test", status="passed", method="GET", url="http://127.0.0.1:1/r",
                   http_status=200, duration_ms=3.2, notes=["a note"]),
        CaseResult(id="r.1.2", chain="r.1", resource="r", operation="PUT r", case="positive",
                   kind="test", status="failed", method="PUT", url="http://127.0.0.1:1/r",
                   http_status=200, message="the API said no\x07\r", waited_ms=12),
    ]  # fmt: skip
    chain = Chain(id="r.1", resource="r", steps=(), purpose="record lifecycle")
    piped = io.StringIO()
    ConsoleReporter(Console(file=piped, soft_wrap=True, highlight=False, color_system=None),
                    verbose=True).handle(ChainFinished(chain, cases))  # fmt: skip
    expected = io.StringIO()
    by_rich = Console(file=expected, soft_wrap=True, highlight=False, color_system=None)
    header = Text("r.1", style="bold")
    header.append("  record lifecycle", style="dim")
    by_rich.print(header)
    by_rich.print(case_line(cases[0]))
    by_rich.print(Text("        note: a note", style="dim"))
    by_rich.print(case_line(cases[1]))
    assert piped.getvalue() == expected.getvalue()
    assert "\x07" not in piped.getvalue() and "PASS  test" in piped.getvalue()
