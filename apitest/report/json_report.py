"""`--json FILE`: the whole RunResult, for tools and for diffing runs."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from apitest.report.model import RunResult


def write_json(result: RunResult, path: Path) -> None:
    """Written to a temporary file and renamed, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".apitest-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(result.to_dict(), out, indent=2, default=str)
            out.write("\n")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
