"""The one model of a run that every reporter reads, so no two outputs can disagree.

The engine fills a `CaseResult` per planned step, in the order steps finish; the run's totals
are computed from the cases, never kept beside them, so they always add up: passed + failed +
error + skipped is the number of planned steps, in every report, interrupted runs included
(a step that never ran is there, skipped or an error saying why). The end-of-run cleanup
sweep is not planned (what it deletes depends on what went wrong), so its deletes are kept
apart, in `cleanup_cases` with counts of their own, and never inflate the cases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

from apitest.case_kinds import NegativeKind, StepKind, kind_in_name
from apitest.errors import EXIT_CASE_FAILED, EXIT_INTERRUPTED, EXIT_NOTHING_TESTED, EXIT_PASSED

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
    uses: Sequence[ValueUse] = ()
    """Values of the request that came from earlier answers (empty for most calls: a shared
    empty tuple, so a 100,000-call result pays nothing for them)."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HttpRecord:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["uses"] = tuple(ValueUse(**use) for use in data.get("uses", ()))
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
    was refused and a later one used), "store-without-lock", or "scope-separator" (the scopes
    were refused joined one way and granted joined the other). Never holds a token value.
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


def fold_notices(kept: list[AuthNotice], found: Sequence[AuthNotice]) -> None:
    """Add `found` to `kept`, each notice once by its message (which names the profile, the
    flows refused and the one used). A fallback's count is summed: every renewal that fell
    back is one more time it happened, whether in one token source, in the runs pytest makes
    of each chain, or in the shards of a merge. Any other notice (a store without a lock)
    speaks of the set-up, true once however many runs saw it. `kept` never shares a notice
    with `found`, so counting up never changes an input."""
    for notice in found:
        known = next((each for each in kept if each.message == notice.message), None)
        if known is None:
            kept.append(replace(notice, refused=list(notice.refused)))
        elif notice.kind == "fallback":
            known.count += notice.count


@dataclass
class CaseResult:
    """What happened to one planned step."""

    id: str
    chain: str
    resource: str
    operation: str
    case: str
    kind: StepKind
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
    chain_resource: str = ""
    """The resource whose chain ran this step: a trips chain's preparation of a destination
    counts under trips in the per-resource tallies, though it calls a destinations operation.
    Empty (older results, the cleanup sweep): `resource`."""
    under_test: str = ""
    """The operation whose verdict this case is: its own, except for an operation validation,
    which checks the write before it (a lost update is the PUT's failure, not the GET's that
    found it). Empty (older results): `operation`."""
    shard: int = 0
    """The shard (1-based) whose run this case came from, set by `apitest merge`; 0 for a
    result that is not a merge of shards."""
    negative_kind: NegativeKind | None = None
    """The kind of a negative case (its step expects an error); None for every other step.
    Read back from a result written before cases carried it, the kind its name starts with."""

    @property
    def group(self) -> str:
        """The resource this case is tallied under (see `chain_resource`)."""
        return self.chain_resource or self.resource

    @property
    def credited_to(self) -> str:
        """The operation coverage credits this case's verdict to (see `under_test`)."""
        return self.under_test or self.operation

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
        if "negative_kind" not in data and _expected_error(data):
            values["negative_kind"] = kind_in_name(data.get("case", ""))
        return cls(**values)


def _expected_error(data: dict[str, Any]) -> bool:
    """Whether a case read from a result written before cases carried `negative_kind` was a
    negative case: its pacing says so; without pacing (older still), a test not named
    "positive"."""
    pacing = data.get("pacing")
    if pacing is not None:
        return bool(pacing.get("expect") == "error")
    return data.get("kind") == "test" and str(data.get("case", "")).strip() not in ("", "positive")


@dataclass
class ShardInfo:
    """Which part of a sharded run a result is, and what the whole plan was, so that
    `apitest merge` can tell whether its inputs are the shards of one plan and cover it.

    `plan_digest` is the SHA-256 (hex) of the whole plan's case ids in plan order, one per
    line: two shards of the same specs, filters and seed have the same digest."""

    index: int
    """K of `--shard K/N`, from 1."""
    total: int
    """N of `--shard K/N`."""
    plan_chains: int
    """Chains of the whole plan, every shard's together."""
    plan_cases: int
    """Planned cases of the whole plan, every shard's together."""
    plan_digest: str
    source: str = "option"
    """Where K/N came from: "option", "suite", or the CI variable that gave it."""
    started_at: str = ""
    """When this shard's run started (a merged result keeps each shard's)."""
    duration_s: float = 0.0
    """This shard's wall time (a merged result keeps each shard's)."""

    def describe(self) -> str:
        """`shard 2/4 of a plan of 4 chains, 114 cases (plan 3f2a9c1b0d4e; K/N from
        CI_NODE_INDEX)`: which shard, and what the whole was, in every report's words."""
        source = shard_source_words(self.source)
        return (
            f"shard {self.index}/{self.total} of a plan of {self.plan_chains:,} chains, "
            f"{self.plan_cases:,} cases (plan {self.plan_digest[:12]}; K/N from {source})"
        )


def shard_source_words(source: str) -> str:
    """Where K/N came from, as the reports say it: "the option", "the suite", or the CI
    variable's own name."""
    return {"option": "the option", "suite": "the suite"}.get(source, source)


@dataclass(kw_only=True)
class RequestParts:
    """What a declared call carries besides its method and address: query, headers and at
    most one body (form, JSON or text). One definition for the token call apitest sends
    (`auth.declared.TokenRequest`) and the one a replay script sends (`TokenCall`), so the
    run copies one into the other whole (`parts`) rather than field by field."""

    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    json: dict[str, Any] | None = None
    content: str | None = None

    def parts(self) -> RequestParts:
        """A copy of these parts that shares no dict with this request."""
        return RequestParts(
            params=dict(self.params),
            headers=dict(self.headers),
            form=dict(self.form) if self.form is not None else None,
            json=dict(self.json) if self.json is not None else None,
            content=self.content,
        )


@dataclass(kw_only=True)
class TokenCall(RequestParts):
    """The call that gets an access token by client credentials, as the spec declares it, with
    the credentials as `${APITEST_CLIENT_ID}` / `${APITEST_CLIENT_SECRET}` placeholders: a
    replay fills them from its environment, so no secret is ever written down."""

    method: str
    path: str
    """As declared: absolute, or relative to the base URL (RFC 3986)."""
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
    cleanup_cases: list[CaseResult] = field(default_factory=list)
    """The final sweep's deletes (kind "cleanup"), one per record left behind: reported as
    cleanup, with `cleanup_counts`, never among the planned `cases`."""
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
    shard: ShardInfo | None = None
    """Set when this run was one shard of a plan (`--shard K/N`)."""
    shards: list[ShardInfo] = field(default_factory=list)
    """Set by `apitest merge`: every shard merged, in shard order (cases carry `shard`)."""

    def __repr__(self) -> str:
        """A summary, not every case: asyncio's runner reprs the main task (its result this
        object) on its way out, and the dataclass repr of a 20,000-case run is megabytes
        built for nothing."""
        counts = ", ".join(f"{status}={count}" for status, count in self.counts().items())
        return f"RunResult({self.target!r}, seed={self.seed}, {len(self.cases)} cases: {counts})"

    def counts(self) -> dict[str, int]:
        """Planned cases by status; they add up to `len(cases)`, the planned steps."""
        found = Counter(case.status for case in self.cases)
        return {status: found.get(status, 0) for status in STATUSES}

    def cleanup_counts(self) -> dict[str, int]:
        """Records the final sweep deleted, and those it could not (or could not confirm)."""
        deleted = sum(case.status == "passed" for case in self.cleanup_cases)
        return {"deleted": deleted, "not_deleted": len(self.cleanup_cases) - deleted}

    def counts_by_group(self) -> dict[str, dict[str, int]]:
        """Per resource (each chain's steps under the chain's resource), cases by status: the
        per-resource table of every report, in the order resources first appear."""
        per: dict[str, dict[str, int]] = {}
        for case in self.cases:
            group = per.get(case.group)
            if group is None:
                group = per[case.group] = dict.fromkeys(STATUSES, 0)
            group[case.status] += 1
        return per

    @property
    def tested(self) -> bool:
        """At least one case of kind "test" got a verdict (passed, failed or error). Skipped
        cases prove nothing, and neither do the steps around them (data preparation, operation
        validation, cleanup): a run whose every test was skipped tested nothing."""
        return any(case.kind == "test" and case.status != "skipped" for case in self.cases)

    @property
    def missing_shards(self) -> list[int]:
        """The shards (K of K/N) a merged result lacks: `apitest merge --partial` merged
        without them. Derived from `shards`, never stored, so it cannot disagree with them."""
        if not self.shards:
            return []
        present = {shard.index for shard in self.shards}
        return [index for index in range(1, self.shards[0].total + 1) if index not in present]

    def missing_shards_text(self) -> str:
        """The missing shards as every report names them, "2/4, 3/4" ("" when none)."""
        total = self.shards[0].total if self.shards else 0
        return ", ".join(f"{index}/{total}" for index in self.missing_shards)

    @property
    def passed(self) -> bool:
        """No case failed or erred, the run was not interrupted, nothing it created was left
        behind (a record the sweep could not delete is a problem, though not a case), and, for
        a merge of shards, no shard is missing: a plan tested in part is not a pass."""
        counts = self.counts()
        return (
            counts["failed"] == 0
            and counts["error"] == 0
            and not self.interrupted
            and self.cleanup_counts()["not_deleted"] == 0
            and not self.missing_shards
        )

    def exit_status(self) -> int:
        """The CLI's exit status for this result (README "Exit status"): the one mapping of
        `apitest run` and `apitest merge`, so a merged run exits as an unsharded one would."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        if not self.passed:
            return EXIT_CASE_FAILED
        return EXIT_PASSED if self.tested else EXIT_NOTHING_TESTED

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
            "cleanup_counts": self.cleanup_counts(),
            "cleanup_cases": [case.to_dict() for case in self.cleanup_cases],
            "logs": self.logs,
            "operations": [asdict(op) for op in self.operations],
            "token_call": asdict(self.token_call) if self.token_call is not None else None,
            "shard": asdict(self.shard) if self.shard is not None else None,
            "shards": [asdict(shard) for shard in self.shards],
            "missing_shards": self.missing_shards,
        }
        if with_cases:
            data["cases"] = [case.to_dict() for case in self.cases]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """The inverse of `to_dict` (a report.json read back, e.g. to render it again). A
        result written before the sweep's deletes were kept apart has them among its cases
        (chain "cleanup"): they are moved where they belong."""
        cases: list[CaseResult] = []
        swept = [CaseResult.from_dict(case) for case in data.get("cleanup_cases", [])]
        for case in map(CaseResult.from_dict, data.get("cases", [])):
            (swept if case.chain == "cleanup" and case.kind == "cleanup" else cases).append(case)
        return cls(
            target=data["target"],
            seed=data["seed"],
            started_at=data["started_at"],
            cases=cases,
            cleanup_cases=swept,
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
            shard=ShardInfo(**data["shard"]) if data.get("shard") else None,
            shards=[ShardInfo(**shard) for shard in data.get("shards", [])],
        )
