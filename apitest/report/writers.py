"""The end-of-run report files (HTML, JUnit XML, JSON), written when the run finishes.

A listener like the console and the JSONL stream: the engine's `RunFinished` carries the final
result, the same one every other output reads. A run that never reached its target still gets
its files (every case an error saying why), so a CI publisher finds a record, not nothing.
"""

from __future__ import annotations

from pathlib import Path

from apitest.engine.events import Event, RunFinished
from apitest.report.json_report import write_json
from apitest.results import RunResult


class ReportFiles:
    """Writes the HTML report, the JUnit XML and the JSON result to the paths given (a None
    path: that file is not written; `apitest merge` writes only the ones asked for)."""

    def __init__(self, html: Path | None, junit: Path | None, json: Path | None) -> None:
        self.html, self.junit, self.json = html, junit, json
        self.written: list[tuple[str, Path]] = []
        """(label, path) of each file written, in the order written."""

    def handle(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.write(event.result)

    def write(self, result: RunResult) -> None:
        # imported when a run ends, not when `apitest` starts
        from apitest.report.html import write_html
        from apitest.report.junit import write_junit

        writers = (
            ("HTML report", self.html, write_html),
            ("JUnit XML", self.junit, write_junit),
            ("JSON result", self.json, write_json),
        )
        for label, path, write in writers:
            if path is not None:
                write(result, path)
                self.written.append((label, path))
