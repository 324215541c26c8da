"""The `apitest lint` command: every problem as `file:line:col: severity: message (hint)`.

Grouped by file and coloured when the output is a terminal (rich); plain, one line per problem,
when it is piped or NO_COLOR is set, so editors and CI can parse it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.text import Text

from apitest.errors import SpecError
from apitest.session.config import split_suite
from apitest.zspec.diagnostics import Diagnostic
from apitest.zspec.lint import LintReport, lint_paths, plural, warning_lines
from apitest.zspec.loader import discover
from apitest.zspec.migrate import fix_file

_STYLE = {"error": "bold red", "warning": "yellow"}


def run(args: argparse.Namespace) -> int:
    _suite, paths = split_suite(list(args.paths))  # a suite: the specs it names, as run reads
    fix = bool(getattr(args, "fix", False))
    if fix:
        _fix(paths, args.max_spec_bytes, json_output=args.format == "json")
    report = lint_paths(paths, max_bytes=args.max_spec_bytes)
    if args.format == "json":
        _print_json(report)
    else:
        fixable = [] if fix or not report.warnings else _fixable(paths, args)
        _print_text(report, fixable)
    return report.exit_code(args.strict)


def _print_text(report: LintReport, fixable: Sequence[str] = ()) -> None:
    plain = "NO_COLOR" in os.environ
    console = Console(highlight=False, soft_wrap=True, color_system=None if plain else "auto")
    fancy = console.is_terminal and not plain
    current = None
    for diag in report.diagnostics:
        if fancy and diag.file != current:
            current = diag.file
            console.print(Text(diag.file, style="bold underline"))
        line = Text()
        line.append(f"{diag.file}:{diag.line}:{diag.col}: ", style="dim" if fancy else "")
        line.append(f"{diag.severity}:", style=_STYLE[diag.severity])
        line.append(f" {diag.message}")
        if diag.hint:
            line.append(f" ({diag.hint})", style="cyan")
        if diag.doc:
            line.append(f" [see {diag.doc}]", style="dim")
        console.print(line)
    if fixable:
        console.print(
            Text(
                f"{plural(len(fixable), 'file')} ({', '.join(fixable)}) "
                f"{'uses' if len(fixable) == 1 else 'use'} apitest's "
                "earlier forms: apitest lint --fix rewrites them into ZEST's official ones",
                style="cyan",
            )
        )
    style = "bold red" if report.errors else "yellow" if report.warnings else "bold green"
    console.print(Text(report.summary(), style=style))


def _print_json(report: LintReport) -> None:
    items = []
    for diag in report.diagnostics:
        item = asdict(diag)
        item["kind"] = diag.kind.__name__
        item["doc"] = diag.doc
        items.append(item)
    payload = {
        "files": report.files,
        "resources": report.resources,
        "operations": report.operations,
        "errors": report.errors,
        "warnings": report.warnings,
        "diagnostics": items,
    }
    json.dump(payload, sys.stdout, indent=2)
    sys.stdout.write("\n")


def print_spec_warnings(
    warnings: Sequence[Diagnostic], paths: Sequence[str | Path], quiet: bool = False
) -> None:
    """The loader's warnings on stderr, before `run` or `plan` prints anything else."""
    for line in warning_lines(warnings, paths, quiet):
        print(line, file=sys.stderr)
    sys.stderr.flush()


def _fix(paths: Sequence[str], max_bytes: int, json_output: bool) -> None:
    """`--fix`: rewrite each ZSPEC file's old forms in place, then lint as usual.

    The list of rewrites goes to stderr when lint's own report is JSON on stdout."""
    out = sys.stderr if json_output else sys.stdout
    for spec in discover(paths):
        try:
            result = fix_file(spec.path, max_bytes=max_bytes)
        except (OSError, SpecError) as exc:
            print(str(exc), file=out)
            continue
        for line, message in result.changes:
            print(f"{spec.display}:{line}: fixed: {message}", file=out)


def _fixable(paths: Sequence[str], args: argparse.Namespace) -> list[str]:
    """The spec files `--fix` would change (read only; unreadable or oversized ones are not)."""
    found = []
    for spec in discover(paths):
        try:
            if fix_file(spec.path, write=False, max_bytes=args.max_spec_bytes).changed:
                found.append(spec.display)
        except (OSError, SpecError):
            continue
    return found
