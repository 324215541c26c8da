"""One run's settings, from the command line over a suite over the built-in defaults.

`apitest run specs/trips.xml` needs no suite; `apitest run suites/smoke.toml --seed 3` takes the
suite and lets the command line win wherever it says something. Options whose argparse default
is None are the ones a suite may set; this module is the only place that knows the defaults.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from apitest.defaults import DEFAULTS
from apitest.engine.policy import CallPolicy
from apitest.errors import UsageError
from apitest.plan.filters import Filters
from apitest.plan.graph import PlanOptions
from apitest.session.shard import ShardChoice, choose_shard
from apitest.session.suite import Suite, load_suite
from apitest.session.target import TargetOptions


@dataclass(frozen=True)
class RunConfig:
    paths: list[str]
    target: TargetOptions
    suite: Suite | None = None
    seed: int | None = None
    cases: str = DEFAULTS.cases
    repeat: int = DEFAULTS.repeat
    skip_deprecated: bool = DEFAULTS.skip_deprecated
    filters: Filters = field(default_factory=Filters)
    policy: CallPolicy = field(default_factory=CallPolicy)
    report_dir: str | None = None
    html: str | None = None
    junit: str | None = None
    json: str | None = None
    jsonl: str | None = None
    hooks: list[str] = field(default_factory=list)
    hook_timeout: float = DEFAULTS.hook_timeout
    throttle_store: str = DEFAULTS.throttle_store
    shard: ShardChoice | None = None
    """This run's shard of the plan (None: the whole plan)."""


def split_suite(paths: list[str]) -> tuple[Suite | None, list[str]]:
    """A single `.toml` argument is a suite; specs and suites do not mix."""
    suites = [p for p in paths if p.endswith(".toml")]
    if not suites:
        return None, paths
    if len(paths) > 1:
        raise UsageError(
            f"give one suite or spec files, not both ({', '.join(paths)}); a suite names its "
            "own specs"
        )
    suite = load_suite(suites[0])
    return suite, suite.specs


def merged(name: str, given: object, suite: Suite | None) -> Any:
    """One setting: `given` (an option the user set; None when not), else the suite's `[run]`
    table (for `cases`, its filters), else DEFAULTS. The CLI and the pytest plugin both merge
    through here, so precedence and defaults cannot differ between them."""
    if given is not None:
        return given
    if suite is not None:
        if name == "cases":
            return suite.filters.cases
        if name in suite.run:
            return suite.run[name]
    return getattr(DEFAULTS, name)


def resolve(args: argparse.Namespace) -> RunConfig:
    suite, paths = split_suite(list(args.paths))
    reports = suite.reports if suite else {}

    def pick(name: str) -> Any:
        return merged(name, getattr(args, name, None), suite)

    filters = suite.filters if suite else Filters()
    cases = pick("cases")
    return RunConfig(
        paths=paths,
        target=_target(args, suite),
        suite=suite,
        seed=pick("seed") if _seed_set(args, suite) else None,
        cases=str(cases),
        repeat=int(pick("repeat")),
        skip_deprecated=bool(pick("skip_deprecated")),
        filters=replace(filters, cases=str(cases)),
        policy=call_policy(pick),
        report_dir=getattr(args, "report_dir", None) or reports.get("dir"),
        html=getattr(args, "html", None) or reports.get("html"),
        junit=getattr(args, "junit", None) or reports.get("junit"),
        json=getattr(args, "json", None) or reports.get("json"),
        jsonl=getattr(args, "jsonl", None) or reports.get("jsonl"),
        hooks=suite.hooks if suite else [],
        hook_timeout=suite.hook_timeout if suite else DEFAULTS.hook_timeout,
        throttle_store=str(pick("throttle_store")),
        shard=shard_choice(getattr(args, "shard", None), suite, "--shard"),
    )


def call_policy(pick: Callable[[str], Any]) -> CallPolicy:
    """The engine's call policy, each setting as `pick` merges it (`merged`, over the CLI's
    or pytest's options); the one place both shells turn those settings into the engine's."""
    return CallPolicy(
        concurrency=int(pick("concurrency")),
        eventually_s=float(pick("eventually")),
        strict=bool(pick("strict")),
        timeout_s=float(pick("timeout")),
        connect_timeout_s=float(pick("connect_timeout")),
        proxy=pick("proxy"),
        max_body_bytes=int(pick("max_body_bytes")),
    )


def shard_choice(given: str | None, suite: Suite | None, option: str) -> ShardChoice | None:
    """The shard `option` (given: its value, None when not) or the suite's `[run] shard`
    names, through the one merge; `auto` reads the CI's variables (session/shard.py)."""
    value = merged("shard", given, suite)
    if given is not None or suite is None:
        return choose_shard(value, "option", option, os.environ)
    return choose_shard(value, "suite", f"{suite.path}: [run] shard", os.environ)


def _seed_set(args: argparse.Namespace, suite: Suite | None) -> bool:
    """A seed given (option or suite): the CLI draws one at random otherwise, and prints it."""
    return getattr(args, "seed", None) is not None or (suite is not None and "seed" in suite.run)


def _target(args: argparse.Namespace, suite: Suite | None) -> TargetOptions:
    from_suite = suite.target if suite else {}
    variables = [f"{k}={v}" for k, v in dict(from_suite.get("vars", {})).items()]
    variables += list(getattr(args, "var", None) or [])
    return TargetOptions(
        base_url=getattr(args, "base_url", None) or from_suite.get("base_url"),
        server=getattr(args, "server", None) or from_suite.get("server"),
        variables=tuple(variables),
        dc=getattr(args, "dc", None) or from_suite.get("dc"),
        env=getattr(args, "env", None) or from_suite.get("env"),
        auth_file=getattr(args, "auth", None),
        profile=getattr(args, "profile", None),
        auth=suite.auth if suite else None,
    )


def plan_options(config: RunConfig, seed: int, read_only: tuple[str, ...]) -> PlanOptions:
    """What the planner is given: the same for `apitest plan` and `apitest run`."""
    return PlanOptions(
        seed=seed,
        skip_deprecated=config.skip_deprecated,
        repeat=config.repeat,
        cases=config.cases,
        read_only_profiles=read_only,
        filters=config.filters,
    )


def report_folder(config: RunConfig, default: Path) -> Path:
    return Path(config.report_dir) if config.report_dir else default
