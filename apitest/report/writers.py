"""The end-of-run report files (HTML, JUnit XML, JSON), written when the run finishes.

A listener like the console and the JSONL stream: the engine's `RunFinished` carries the final
result, the same one every other output reads. A run that never reached its target still gets
its files (every case an error saying why), so a CI publisher finds a record, not nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from apitest.engine.events import Event, RunFinished
from apitest.errors import UsageError
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


def make_folders(outputs: Iterable[tuple[str, Path]]) -> None:
    """Make the folder of each output (`(option and path, folder)`) before anything runs or
    is merged, so a folder that cannot be made is a usage error naming its option, not a
    crash at the end (after a run: with its records made and no ledger to clean them up by)."""
    for what, folder in outputs:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"{what}: cannot make the folder {folder} ({exc.strerror or exc}); choose "
                "one you can write to"
            ) from None


def chosen_files(**paths: Path | None) -> list[tuple[str, Path]]:
    """(`--OPTION PATH`, its folder) for each report file an option names (None: not named)."""
    return [(f"--{option} {path}", path.parent) for option, path in paths.items() if path]
