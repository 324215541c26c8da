"""One RunResult of a whole sharded run, from its shards' results (`apitest merge`).

A pure function over RunResults already read: no file, no output. Each shard ran the same plan
(same specs, filters and seed: `ShardInfo.plan_digest`) against the same target on its own
machine, so the merge first checks that its inputs really are the shards of one run, each
present once, covering the plan exactly; a report that added up the wrong files would look
complete and mean nothing. Every such fault is one `UsageError` naming the files. The target
is shown only through `redact.safe_url`: a message must not carry a URL's password or query.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from apitest.errors import UsageError, clip
from apitest.redact import safe_url
from apitest.results import (
    AuthNotice,
    CaseResult,
    OperationInfo,
    RunResult,
    ShardInfo,
    fold_notices,
)

Shard = tuple[str, RunResult]
"""A shard's result and the name of the file it came from (for messages)."""

RERUN = "run every shard with the same specs, filters, --seed and target"


def merge_shards(shards: Sequence[Shard], *, partial: bool = False) -> RunResult:
    """The whole run: every shard's cases (each tagged with its shard), in shard order.

    `partial` merges although shards are missing (a runner that died leaves no result): the
    merged result's `shards` lack them, so `missing_shards` names them and `passed` is False.
    Without it a missing shard is an error, since a merged report that quietly leaves out a
    quarter of the plan reads as if the whole plan passed."""
    if not shards:
        raise UsageError("apitest merge needs at least one RESULT.json")
    _check_all_are_shards(shards)
    _check_same(shards, "seed", lambda result: str(result.seed))
    _check_same(shards, "target", lambda result: result.target, safe_url)
    _check_same(shards, "shard count N", lambda result: str(_info(result).total))
    _check_same(shards, "plan (plan_digest)", lambda result: _info(result).plan_digest)
    _check_same(shards, "plan size (plan_cases)", lambda result: str(_info(result).plan_cases))
    ordered = sorted(shards, key=lambda shard: _info(shard[1]).index)
    missing = _check_each_once(ordered, partial)
    _check_cases(ordered, fewer=bool(missing))
    starts = [_moment(name, result.started_at) for name, result in ordered]
    return _merged([result for _, result in ordered], starts)


def _info(result: RunResult) -> ShardInfo:
    assert result.shard is not None  # checked first, by _check_all_are_shards
    return result.shard


def _check_all_are_shards(shards: Sequence[Shard]) -> None:
    plain = [name for name, result in shards if result.shard is None]
    if plain:
        kind = "" if len(plain) == len(shards) else " (the others are)"
        raise UsageError(
            f"{', '.join(plain)}: not the result of a shard{kind}; apitest merge reads the "
            "results of `apitest run --shard K/N --json FILE`, one per shard"
        )
    for name, result in shards:
        info = _info(result)
        if not 1 <= info.index <= info.total:
            raise UsageError(
                f"{name}: shard {info.index}/{info.total} is not a shard of a plan (K must be "
                "1 to N); give the files `apitest run --shard K/N --json FILE` wrote"
            )


def _check_same(
    shards: Sequence[Shard],
    what: str,
    value: Callable[[RunResult], str],
    shown: Callable[[str], str] = str,
) -> None:
    """Every shard's `value` equal to the first's, or one error naming both values and files."""
    first_name, first = shards[0]
    for name, result in shards[1:]:
        if value(result) != value(first):
            mine, theirs = shown(value(first)), shown(value(result))
            hidden = " (they differ in a part not shown: userinfo, query or fragment)"
            raise UsageError(
                f"the shards differ in {what}: {mine} in {first_name}, {theirs} in {name}"
                f"{hidden if mine == theirs else ''}; the shards of one run share it: {RERUN}"
            )


def _check_each_once(ordered: Sequence[Shard], partial: bool) -> list[int]:
    """The shards missing (allowed only when `partial`); a shard twice is an error."""
    seen: dict[int, str] = {}
    for name, result in ordered:
        index = _info(result).index
        if index in seen:
            raise UsageError(
                f"shard {index}/{_info(result).total} given twice: {seen[index]} and {name}; "
                "give each shard's result once"
            )
        seen[index] = name
    total = _info(ordered[0][1]).total
    missing = [index for index in range(1, total + 1) if index not in seen]
    if missing and not partial:
        raise UsageError(
            f"shard{'s' if len(missing) > 1 else ''} {', '.join(f'{k}/{total}' for k in missing)} "
            f"missing (given: {', '.join(seen.values())}); give every shard's result, or "
            "--partial to merge these anyway (the report then says it is partial and fails)"
        )
    return missing


def _check_cases(ordered: Sequence[Shard], *, fewer: bool) -> None:
    """Each case id in one shard only, and the shards' cases the whole plan, no more, and no
    less unless shards are `fewer` than the plan's (--partial)."""
    where: dict[str, str] = {}
    for name, result in ordered:
        for case in result.cases:
            if case.id in where and where[case.id] != name:
                raise UsageError(
                    f"case {case.id} is in two shards: {where[case.id]} and {name}; the "
                    f"shards of one run split its plan, each case in one shard: {RERUN}"
                )
            where.setdefault(case.id, name)
    count = sum(len(result.cases) for _, result in ordered)
    planned = _info(ordered[0][1]).plan_cases
    if count > planned or (count < planned and not fewer):
        names = ", ".join(name for name, _ in ordered)
        raise UsageError(
            f"the shards hold {count} cases but their plan has {planned} ({names}); a result "
            f"that is not its shard's whole run cannot be merged: {RERUN}"
        )


def _merged(results: Sequence[RunResult], starts: Sequence[datetime]) -> RunResult:
    """The checked shards, in shard order, as one RunResult (see the module's docstring).

    `duration_s` runs from the earliest start to the latest end: the wall time the whole run
    took, which is what a person waiting for it sees (and what the critical-path estimate is
    compared with). The sum of the shards' durations would be machine time, and would grow
    with every shard added while the run got shorter. `estimate_s` is the largest shard's: the
    shards ran side by side, so the slowest one bounds the whole."""
    begin = min(starts)
    ends = zip(starts, results, strict=True)
    end = max(start + timedelta(seconds=result.duration_s) for start, result in ends)
    first = results[starts.index(begin)]
    return RunResult(
        target=first.target,
        seed=first.seed,
        started_at=first.started_at,
        cases=[_tagged(case, r) for r in results for case in r.cases],
        duration_s=(end - begin).total_seconds(),
        estimate_s=max(result.estimate_s for result in results),
        chain_order=[chain for result in results for chain in result.chain_order],
        cleanup=[line for result in results for line in result.cleanup],
        cleanup_cases=[_tagged(case, r) for r in results for case in r.cleanup_cases],
        interrupted=any(result.interrupted for result in results),
        logs=[line for result in results for line in result.logs],
        operations=_operations(results),
        token_refreshes=sum(result.token_refreshes for result in results),
        token_call=next((r.token_call for r in results if r.token_call is not None), None),
        auth_notices=_notices(results),
        shard=None,
        shards=[_own_times(result) for result in results],
    )


def _moment(name: str, started_at: str) -> datetime:
    """A result's start as a time to compare (UTC when it names no zone, as apitest's do)."""
    try:
        moment = datetime.fromisoformat(started_at)
    except ValueError:
        raise UsageError(
            f"{name}: started_at {clip(started_at)!r} is not an ISO 8601 time; give the "
            "results apitest wrote"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _tagged(case: CaseResult, result: RunResult) -> CaseResult:
    """A copy of the case naming its shard (the inputs are left as they were)."""
    return dataclasses.replace(case, shard=_info(result).index)


def _own_times(result: RunResult) -> ShardInfo:
    """The shard's info with its own start and wall time, which the merged result keeps."""
    return dataclasses.replace(
        _info(result), started_at=result.started_at, duration_s=result.duration_s
    )


def _operations(results: Sequence[RunResult]) -> list[OperationInfo]:
    """Every shard lists every operation of the specs; coverage needs each once."""
    found: dict[tuple[str, str], OperationInfo] = {}
    for result in results:
        for operation in result.operations:
            found.setdefault((operation.resource, operation.name), operation)
    return list(found.values())


def _notices(results: Sequence[RunResult]) -> list[AuthNotice]:
    """The same credential trouble in several shards is one notice (a fallback's count the
    sum), as in one run."""
    kept: list[AuthNotice] = []
    for result in results:
        fold_notices(kept, result.auth_notices)
    return kept
