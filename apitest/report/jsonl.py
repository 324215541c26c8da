"""`--jsonl FILE`: the run as a stream of events, one JSON object a line, flushed as they happen.

The other reports are written at the end; this one is written as the run goes, so a crash, a
kill or Ctrl-C still leaves a file that says everything that happened up to that moment, and a
tool can follow a long run live (`tail -f`). Event types: run_started, case_finished (one per
planned case), chain_finished, case_revised (a finished case given a new verdict: a delete
the end-of-run read found had kept its record), cleanup_finished (a delete of the end-of-run
sweep, which is not a planned case), run_finished.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from apitest.engine import events


class JsonlWriter:
    """Subscribes to every event but `Interrupted` (the final `run_finished` says so already)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] | None = path.open("w", encoding="utf-8")

    def handle(self, event: events.Event) -> None:
        if isinstance(event, events.CaseFinished):
            self._event("case_finished", case=event.case.to_dict())
        elif isinstance(event, events.ChainFinished):
            chain = event.chain
            cases = [case.id for case in event.cases]
            self._event(
                "chain_finished",
                chain=chain.id,
                resource=chain.resource,
                purpose=chain.purpose,
                cases=cases,
            )
        elif isinstance(event, events.CaseRevised):
            self._event("case_revised", case=event.case.to_dict())
        elif isinstance(event, events.CleanupFinished):
            self._event("cleanup_finished", case=event.case.to_dict())
        elif isinstance(event, events.RunStarted):
            plan = event.plan
            shard = asdict(event.shard) if event.shard is not None else None
            self._event(
                "run_started",
                target=event.target,
                seed=plan.seed,
                steps=len(plan.steps),
                shard=shard,
            )
        elif isinstance(event, events.RunFinished):
            summary = event.result.to_dict(with_cases=False)  # every case is in the stream
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
