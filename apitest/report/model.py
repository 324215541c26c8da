"""The one model of a run that every reporter reads, so no two outputs can disagree.

The engine fills a `CaseResult` per planned step, in the order steps finish; the run's totals
are computed from the cases, never kept beside them, so they always add up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["passed", "failed", "error", "skipped"]
STATUSES: tuple[Status, ...] = ("passed", "failed", "error", "skipped")


@dataclass
class CaseResult:
    """What happened to one planned step."""

    id: str
    chain: str
    resource: str
    operation: str
    case: str
    kind: str
    status: Status = "skipped"
    message: str = ""
    details: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    method: str = ""
    url: str = ""
    http_status: int | None = None
    started_s: float = 0.0
    """Seconds from the start of the run to the call (after any wait)."""
    duration_ms: float = 0.0
    waited_ms: float = 0.0
    """Delay, validation-delay and record waits before the call."""
    throttle_ms: float = 0.0
    """Time spent waiting for the client-side limiter or a server's Retry-After."""
    attempts: int = 0
    eventually_ms: float | None = None
    """Set when the check passed only after polling (--eventually): time to consistency."""
    file: str = ""
    line: int = 0

    @property
    def name(self) -> str:
        return f"{self.operation} / {self.case}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["name"] = self.name
        return data


@dataclass
class RunResult:
    """A whole run: where it went, with which seed, and every case."""

    target: str
    seed: int
    started_at: str
    cases: list[CaseResult] = field(default_factory=list)
    duration_s: float = 0.0
    estimate_s: float = 0.0
    chain_order: list[str] = field(default_factory=list)
    """Chain ids in the order they finished."""
    cleanup: list[str] = field(default_factory=list)
    """What the final sweep did or could not do, one line per record."""
    interrupted: bool = False
    token_refreshes: int = 0
    """Access tokens this run fetched from token endpoints (not counting ones a store had)."""

    def counts(self) -> dict[str, int]:
        found = Counter(case.status for case in self.cases)
        return {status: found.get(status, 0) for status in STATUSES}

    @property
    def passed(self) -> bool:
        counts = self.counts()
        return counts["failed"] == 0 and counts["error"] == 0 and not self.interrupted

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "seed": self.seed,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "estimate_s": round(self.estimate_s, 3),
            "passed": self.passed,
            "interrupted": self.interrupted,
            "token_refreshes": self.token_refreshes,
            "counts": self.counts(),
            "chain_order": self.chain_order,
            "cleanup": self.cleanup,
            "cases": [case.to_dict() for case in self.cases],
        }
