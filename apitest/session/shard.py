"""Which shard this run is: `--shard K/N`, a suite's `[run] shard`, or the CI's own variables.

Precedence is that of every setting (option > suite), and the CI's variables are read only
when asked with `auto`: GitLab sets CI_NODE_INDEX / CI_NODE_TOTAL for `parallel: matrix:` jobs
too, and CircleCI sets CIRCLE_NODE_TOTAL on every job, so a run that read them unasked would
test a part of the plan in a job that meant to test all of it (against another target, say),
and say nothing. `auto` with no CI variable found is an error, not a whole run: a CI that
shards meant to shard.

The split itself is plan/shard.py's; this module turns the user's words into K and N, and the
whole plan into the `ShardInfo` every report of the shard carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from apitest.errors import UsageError
from apitest.plan.model import Plan
from apitest.plan.shard import plan_digest, shard_plan
from apitest.results import ShardInfo

AUTO = "auto"
MAX_SHARDS = 10_000
"""More shards than any CI runs at once; a bound, so a typo cannot ask for a billion."""
SHARD_FORM = (
    f"K/N, shard K of N with 1 <= K <= N <= {MAX_SHARDS:,} (e.g. 2/4), or {AUTO} to read the "
    "CI's variables"
)
CI_VARIABLES: tuple[tuple[str, str, int], ...] = (
    ("CI_NODE_INDEX", "CI_NODE_TOTAL", 1),  # GitLab `parallel: N`, from 1
    ("BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0),  # Buildkite, from 0
    ("CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0),  # CircleCI `parallelism`, from 0
)
"""(index variable, total variable, the index's first value), in the order they are tried.
GitHub Actions has none: a matrix passes its own, `--shard ${{ matrix.shard }}/4`."""


@dataclass(frozen=True)
class ShardChoice:
    index: int
    """K, from 1."""
    total: int
    source: str
    """"option", "suite", or the CI variable that gave K."""


def parse_shard(text: str) -> tuple[int, int] | None:
    """`K/N` as (K, N), None for `auto`; ValueError saying what is wrong (the caller names
    where the text came from)."""
    if text.strip().lower() == AUTO:
        return None
    parts = text.strip().split("/")
    if len(parts) != 2 or not all(_digits(part.strip()) for part in parts):
        raise ValueError(f"{text!r} is not K/N")
    index, total = (int(part) for part in parts)
    if not 1 <= total <= MAX_SHARDS:
        raise ValueError(f"{text!r}: N must be from 1 to {MAX_SHARDS:,}")
    if not 1 <= index <= total:
        raise ValueError(f"{text!r}: K must be from 1 to N ({total})")
    return index, total


def shard_problem(text: str) -> str | None:
    """Why `text` is no shard (with the form expected), or None when it is one."""
    try:
        parse_shard(text)
    except ValueError as exc:
        return f"{exc}; expected {SHARD_FORM}"
    return None


def choose_shard(
    value: str | None, source: str, where: str, environ: Mapping[str, str]
) -> ShardChoice | None:
    """The shard `value` names (None: the whole plan). `where` names the option or suite key
    for messages; `auto` takes K/N from the first CI whose two variables are both set."""
    if value is None:
        return None
    problem = shard_problem(value)
    if problem is not None:
        raise UsageError(f"{where}: {problem}")
    parsed = parse_shard(value)
    if parsed is not None:
        return ShardChoice(parsed[0], parsed[1], source)
    found = from_ci(environ)
    if found is None:
        pairs = ", ".join(f"{index}/{total}" for index, total, _ in CI_VARIABLES)
        raise UsageError(
            f"{where} {AUTO}: no CI shard variables are set (looked for {pairs}); give the "
            "shard as K/N instead (e.g. 2/4)"
        )
    return found


def from_ci(environ: Mapping[str, str]) -> ShardChoice | None:
    """K/N from the first CI whose index and total are both set; a set pair that is no
    shard is an error naming the variable."""
    for index_name, total_name, first in CI_VARIABLES:
        index_text, total_text = environ.get(index_name), environ.get(total_name)
        if index_text is None or total_text is None:
            continue
        total = _whole(total_name, total_text)
        if not 1 <= total <= MAX_SHARDS:
            raise UsageError(f"{total_name}={total_text!r}: must be from 1 to {MAX_SHARDS:,}")
        index = _whole(index_name, index_text) - first + 1
        if not 1 <= index <= total:
            raise UsageError(
                f"{index_name}={index_text!r}: must be from {first} to {total - 1 + first} "
                f"({total_name}={total_text})"
            )
        return ShardChoice(index, total, index_name)
    return None


def _whole(name: str, text: str) -> int:
    if not _digits(text.strip()):
        raise UsageError(f"{name}={text!r}: not a whole number (--shard {AUTO} reads it)")
    return int(text)


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() takes "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def sharded(plan: Plan, choice: ShardChoice) -> tuple[Plan, ShardInfo]:
    """This shard's part of `plan`, and the whole plan's figures its reports carry (its
    start and wall time are filled in by the run)."""
    part = shard_plan(plan, choice.index, choice.total)
    info = ShardInfo(
        index=choice.index,
        total=choice.total,
        plan_chains=len(plan.chains),
        plan_cases=len(plan.steps),
        plan_digest=plan_digest(plan),
        source=choice.source,
    )
    return part, info
