"""`--json FILE` and report.json: the whole RunResult, for tools and for diffing runs.

`RunResult.from_dict(json.load(...))` reads it back, so a report can be rendered again later.
Each failed case carries `repro`: the shell script that replays its chain up to it against a
live API (report/repro.py); null for the others (`apitest repro` makes one for any case).
Written case by case, never as one string: a 20,000-case run's result would otherwise be held
twice more in memory (as dicts, then as text) just to be written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from apitest.errors import UsageError
from apitest.report.files import write_atomic_chunks
from apitest.report.repro import Replays, worth_replaying
from apitest.results import RunResult


def write_json(result: RunResult, path: Path) -> None:
    write_atomic_chunks(path, _chunks(result))


def _chunks(result: RunResult) -> Iterator[str]:
    head = result.to_dict(with_cases=False)
    text = json.dumps(head, indent=2, default=str)
    yield text[: text.rindex("}")].rstrip() + ',\n  "cases": ['
    replays = Replays(result)
    for index, case in enumerate(result.cases):
        data = case.to_dict()
        data["repro"] = replays.script(case) if worth_replaying(case) else None
        yield ("," if index else "") + "\n    " + json.dumps(data, default=str)
    yield "\n  ]\n}\n"


def read_json(path: Path) -> RunResult:
    return RunResult.from_dict(json.loads(path.read_text(encoding="utf-8")))


def read_result(path: Path, label: str, how: str) -> RunResult:
    """The run in `path`, or one message saying why it cannot be read: `label` names the
    argument (REPORT, RESULT) and `how` says what to give instead. `apitest repro` and
    `apitest merge` read their inputs through it, so both fail alike."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {label} {path} ({exc.strerror or exc}); {how}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{label} {path} is not JSON ({exc}); {how}") from None
    try:
        return RunResult.from_dict(data)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise UsageError(
            f"{label} {path} is JSON but not an apitest report ({type(exc).__name__}: {exc}); {how}"
        ) from None
