"""The one model of a run that every reporter reads, so no two outputs can disagree.

The engine fills a `CaseResult` per planned step, in the order steps finish; the run's totals
are computed from the cases, never kept beside them, so they always add up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Status = Literal["passed", "failed", "error", "skipped"]
STATUSES: tuple[Status, ...] = ("passed", "failed", "error", "skipped")


@dataclass
class ValueUse:
    """A value a call took from the Data Manager, and the earlier answer that gave it: case
    `case`'s call number `call` (0-based) held it at `path` in its body. A replay of the chain
    (report/repro.py) reads the value from its own answer there instead of resending the
    recorded one, which names a record long deleted."""

    value: Any
    case: str
    call: int
    path: list[str | int] = field(default_factory=list)


@dataclass
class HttpRecord:
    """One call as the reports show it: secrets already replaced, bodies clipped."""

    method: str
    url: str
    """With the query string; a credential in it shows as a placeholder."""
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str | None = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    elapsed_ms: float = 0.0
    error: str | None = None
    clipped: bool = False
    """A body was longer than the report keeps (see MAX_BODY_CHARS)."""
    uses: list[ValueUse] = field(default_factory=list)
    """Values of the request that came from earlier answers (empty for most calls)."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HttpRecord:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["uses"] = [ValueUse(**use) for use in data.get("uses", [])]
        return cls(**values)


MAX_BODY_CHARS = 16_384


@dataclass
class OperationInfo:
    """What the spec declares of one operation, so a report can show what the run covered."""

    resource: str
    name: str
    method: str
    url: str
    category: str
    statuses: list[int] = field(default_factory=list)
    """Every `<response status>` declared."""
    error_condition: str | None = None
    """The operation-level `<error condition>` as written, if any."""
    file: str = ""
    line: int = 0


@dataclass
class RecordCheck:
    """What an operation validation looked for in its read answer: the record with `keys`,
    holding `values` (as the read showed them where the check held, else as they were sent),
    or, when `gone`, no record with `keys` at all. A replay looks again."""

    keys: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    gone: bool = False


@dataclass
class Pacing:
    """What the plan asked of a step beyond its call, for a replay: its `delay`, whether it
    waits out the validation-delay of the chain's last write, what it expected (a success, an
    error, or a record gone), and, for a write, its own validation-delay."""

    delay_ms: int = 0
    waits_for_record: bool = False
    validation_delay_ms: int = 0
    expect: Literal["success", "error", "gone"] = "success"
    record_check: RecordCheck | None = None


@dataclass
class AuthNotice:
    """Something about the run's credentials a reader must know although no case failed.

    Why it exists: a refused refresh token followed by a working client-credentials grant
    leaves every case green while the run tested as another principal, and the refresh token
    is gone for good; without this the fallback would be silent. `kind` is "fallback" (a flow
    was refused and a later one used) or "store-without-lock". Never holds a token value.
    """

    kind: str
    message: str
    """The whole notice as a person reads it: what happened, the likely cause, the fix."""
    profile: str = ""
    refused: list[str] = field(default_factory=list)
    """The flows refused, each with the server's error code ("stored refresh token:
    invalid_grant")."""
    used: str = ""
    """The flow that worked instead."""
    count: int = 1
    """How often the same thing happened in the run (each renewal may repeat it)."""


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
    error_response: bool | None = None
    """Whether the answer was an error by the spec (a declared non-2xx, or its error condition
    held); None when no answer was judged."""
    calls: list[HttpRecord] = field(default_factory=list)
    """Every call the case made, in order (a validation polled with --eventually makes several)."""
    logs: list[str] = field(default_factory=list)
    """What hooks logged while this case ran ("INFO: message")."""
    pacing: Pacing | None = None
    """The plan's waits and expectation (None for steps no plan made: the end-of-run sweep)."""

    @property
    def name(self) -> str:
        return f"{self.operation} / {self.case}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["name"] = self.name
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseResult:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["calls"] = [HttpRecord.from_dict(call) for call in data.get("calls", [])]
        pacing = data.get("pacing")
        if pacing is not None:
            check = pacing.get("record_check")
            values["pacing"] = Pacing(
                **{**pacing, "record_check": RecordCheck(**check) if check else None}
            )
        return cls(**values)


@dataclass
class TokenCall:
    """The call that gets an access token by client credentials, as the spec declares it, with
    the credentials as `${APITEST_CLIENT_ID}` / `${APITEST_CLIENT_SECRET}` placeholders: a
    replay fills them from its environment, so no secret is ever written down."""

    method: str
    path: str
    """As declared: absolute, or relative to the base URL (RFC 3986)."""
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    json: dict[str, Any] | None = None
    content: str | None = None
    token_path: list[str | int] = field(default_factory=lambda: ["access_token"])
    """Where the answer holds the access token."""


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
    logs: list[str] = field(default_factory=list)
    """What before-run and after-run hooks logged."""
    operations: list[OperationInfo] = field(default_factory=list)
    """Every operation of the loaded specs, for coverage (the run may not call them all)."""
    token_refreshes: int = 0
    """Access tokens this run fetched from token endpoints (not counting ones a store had)."""
    token_call: TokenCall | None = None
    """How the run's access token can be fetched again, for a replay (None: no token endpoint)."""
    auth_notices: list[AuthNotice] = field(default_factory=list)
    """Credential trouble that fails no case (a refused flow, a token store without a lock)."""

    def __repr__(self) -> str:
        """A summary, not every case: asyncio's runner reprs the main task (its result this
        object) on its way out, and the dataclass repr of a 20,000-case run is megabytes
        built for nothing."""
        counts = ", ".join(f"{status}={count}" for status, count in self.counts().items())
        return f"RunResult({self.target!r}, seed={self.seed}, {len(self.cases)} cases: {counts})"

    def counts(self) -> dict[str, int]:
        found = Counter(case.status for case in self.cases)
        return {status: found.get(status, 0) for status in STATUSES}

    @property
    def tested(self) -> bool:
        """At least one case of kind "test" got a verdict (passed, failed or error). Skipped
        cases prove nothing, and neither do the steps around them (data preparation, operation
        validation, cleanup): a run whose every test was skipped tested nothing."""
        return any(case.kind == "test" and case.status != "skipped" for case in self.cases)

    @property
    def passed(self) -> bool:
        counts = self.counts()
        return counts["failed"] == 0 and counts["error"] == 0 and not self.interrupted

    def to_dict(self, *, with_cases: bool = True) -> dict[str, Any]:
        data = {
            "target": self.target,
            "seed": self.seed,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "estimate_s": round(self.estimate_s, 3),
            "passed": self.passed,
            "interrupted": self.interrupted,
            "token_refreshes": self.token_refreshes,
            "auth_notices": [asdict(notice) for notice in self.auth_notices],
            "counts": self.counts(),
            "chain_order": self.chain_order,
            "cleanup": self.cleanup,
            "logs": self.logs,
            "operations": [asdict(op) for op in self.operations],
            "token_call": asdict(self.token_call) if self.token_call is not None else None,
        }
        if with_cases:
            data["cases"] = [case.to_dict() for case in self.cases]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """The inverse of `to_dict` (a report.json read back, e.g. to render it again)."""
        return cls(
            target=data["target"],
            seed=data["seed"],
            started_at=data["started_at"],
            cases=[CaseResult.from_dict(case) for case in data.get("cases", [])],
            duration_s=data.get("duration_s", 0.0),
            estimate_s=data.get("estimate_s", 0.0),
            chain_order=list(data.get("chain_order", [])),
            cleanup=list(data.get("cleanup", [])),
            logs=list(data.get("logs", [])),
            interrupted=data.get("interrupted", False),
            operations=[OperationInfo(**op) for op in data.get("operations", [])],
            token_refreshes=data.get("token_refreshes", 0),
            token_call=TokenCall(**data["token_call"]) if data.get("token_call") else None,
            auth_notices=[AuthNotice(**notice) for notice in data.get("auth_notices", [])],
        )
