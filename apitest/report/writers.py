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
from apitest.report.files import write_problem
from apitest.report.json_report import write_json
from apitest.results import RunResult


class ReportFiles:
    """Writes the HTML report, the JUnit XML and the JSON result to the paths given (a None
    path: that file is not written; `apitest merge` writes only the ones asked for)."""

    def __init__(self, html: Path | None, junit: Path | None, json: Path | None) -> None:
        self.html, self.junit, self.json = html, junit, json
        self.written: list[tuple[str, Path]] = []
        """(label, path) of each file written, in the order written."""
        self.failed: list[tuple[str, Path, str]] = []
        """(label, path, why) of each file that could not be written (a disk filled up during
        the run, a folder removed): the others are still written, and the command says it."""

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
            if path is None:
                continue
            try:
                write(result, path)
            except OSError as exc:
                self.failed.append((label, path, exc.strerror or str(exc)))
            else:
                self.written.append((label, path))

    def failure(self) -> UsageError | None:
        """The files that could not be written, as the command's closing error (exit 2: a CI
        job must not pass on a verdict whose report it cannot find); None: all were."""
        if not self.failed:
            return None
        said = "; ".join(
            f"the {label} could not be written to {path} ({why})"
            for label, path, why in self.failed
        )
        return UsageError(f"{said}. The verdict is in the summary above")


def check_writable(outputs: Iterable[tuple[str, Path]]) -> None:
    """Try each output (`(option and path, a file it writes)`) before anything runs or is
    merged, so a path that cannot be written is a usage error naming its option, not a crash
    at the end (after a run: with its records made and no ledger to clean them up by)."""
    for what, path in outputs:
        problem = write_problem(path)
        if problem is not None:
            raise UsageError(f"{what}: {problem}; choose a path you can write to")


def chosen_files(**paths: Path | None) -> list[tuple[str, Path]]:
    """(`--OPTION PATH`, PATH) for each report file an option names (None: not named)."""
    return [(f"--{option} {path}", path) for option, path in paths.items() if path]
