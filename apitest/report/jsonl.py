"""`--jsonl FILE`: the run as a stream of events, one JSON object a line, flushed as they happen.

The other reports are written at the end; this one is written as the run goes, so a crash, a
kill or Ctrl-C still leaves a file that says everything that happened up to that moment, and a
tool can follow a long run live (`tail -f`). Event types: run_started, case_finished (one per
planned case), chain_finished, cleanup_finished (a delete of the end-of-run sweep, which is
not a planned case), run_finished.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Any

from apitest.plan.model import Chain
from apitest.results import CaseResult, RunResult


class JsonlWriter:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] | None = path.open("w", encoding="utf-8")

    def run_started(self, **about: Any) -> None:
        self._event("run_started", **about)

    def case_finished(self, case: CaseResult) -> None:
        self._event("case_finished", case=case.to_dict())

    def chain_finished(self, chain: Chain, cases: list[CaseResult]) -> None:
        self._event(
            "chain_finished",
            chain=chain.id,
            resource=chain.resource,
            purpose=chain.purpose,
            cases=[case.id for case in cases],
        )

    def cleanup_finished(self, case: CaseResult) -> None:
        self._event("cleanup_finished", case=case.to_dict())

    def run_finished(self, result: RunResult) -> None:
        summary = result.to_dict(with_cases=False)  # every case is in the stream already
        self._event("run_finished", result=summary)
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _event(self, kind: str, **fields: Any) -> None:
        if self._file is None:
            return
        line = json.dumps({"event": kind, "at": round(time.time(), 3), **fields}, default=str)
        self._file.write(line + "\n")
        self._file.flush()
