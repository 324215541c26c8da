"""The end-of-run report files (HTML, JUnit XML, JSON), written when the run finishes.

A listener like the console and the JSONL stream: the engine's `RunFinished` carries the final
result, the same one every other output reads. A run that never reached its target still gets
its files (every case an error saying why), so a CI publisher finds a record, not nothing.
"""

from __future__ import annotations

from pathlib import Path

from apitest.engine.events import Event, RunFinished
from apitest.report.json_report import write_json


class ReportFiles:
    """Writes the HTML report, the JUnit XML and the JSON result to the paths given."""

    def __init__(self, html: Path, junit: Path, json: Path) -> None:
        self.html, self.junit, self.json = html, junit, json
        self.written: list[tuple[str, Path]] = []
        """(label, path) of each file written, in the order written."""

    def handle(self, event: Event) -> None:
        if not isinstance(event, RunFinished):
            return
        # imported when a run ends, not when `apitest` starts
        from apitest.report.html import write_html
        from apitest.report.junit import write_junit

        writers = (
            ("HTML report", self.html, write_html),
            ("JUnit XML", self.junit, write_junit),
            ("JSON result", self.json, write_json),
        )
        for label, path, write in writers:
            write(event.result, path)
            self.written.append((label, path))
