"""`--json FILE` and report.json: the whole RunResult, for tools and for diffing runs.

`RunResult.from_dict(json.load(...))` reads it back, so a report can be rendered again later.
"""

from __future__ import annotations

import json
from pathlib import Path

from apitest.report.files import write_atomic
from apitest.report.model import RunResult


def write_json(result: RunResult, path: Path) -> None:
    write_atomic(path, json.dumps(result.to_dict(), indent=2, default=str) + "\n")


def read_json(path: Path) -> RunResult:
    return RunResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
