"""One run's settings, from the command line over a suite over the built-in defaults.

`apitest run specs/trips.xml` needs no suite; `apitest run suites/smoke.toml --seed 3` takes the
suite and lets the command line win wherever it says something. Options whose argparse default
is None are the ones a suite may set; this module is the only place that knows the defaults.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace
from pathlib import Path

from apitest.errors import UsageError
from apitest.plan.filters import Filters
from apitest.plan.graph import PlanOptions
from apitest.session.suite import Suite, load_suite
from apitest.session.target import TargetOptions

DEFAULTS = {
    "concurrency": 16,
    "eventually": 0.0,
    "timeout": 30.0,
    "connect_timeout": 10.0,
    "repeat": 1,
    "cases": "all",
    "strict": False,
    "skip_deprecated": False,
}


@dataclass(frozen=True)
class RunConfig:
    paths: list[str]
    target: TargetOptions
    suite: Suite | None = None
    seed: int | None = None
    cases: str = "all"
    repeat: int = 1
    skip_deprecated: bool = False
    filters: Filters = field(default_factory=Filters)
    concurrency: int = 16
    eventually: float = 0.0
    strict: bool = False
    timeout: float = 30.0
    connect_timeout: float = 10.0
    report_dir: str | None = None
    html: str | None = None
    junit: str | None = None
    json: str | None = None
    jsonl: str | None = None
    hooks: list[str] = field(default_factory=list)
    hook_timeout: float = 10.0


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


def resolve(args: argparse.Namespace) -> RunConfig:
    suite, paths = split_suite(list(args.paths))
    run = suite.run if suite else {}
    reports = suite.reports if suite else {}

    def pick(name: str, suite_key: str | None = None) -> object:
        given = getattr(args, name, None)
        if given is not None:
            return given
        return run.get(suite_key or name, DEFAULTS.get(name))

    filters = suite.filters if suite else Filters()
    cases = getattr(args, "cases", None) or (filters.cases if suite else DEFAULTS["cases"])
    return RunConfig(
        paths=paths,
        target=_target(args, suite),
        suite=suite,
        seed=pick("seed"),  # type: ignore[arg-type]
        cases=str(cases),
        repeat=int(pick("repeat")),  # type: ignore[call-overload]
        skip_deprecated=bool(pick("skip_deprecated")),
        filters=replace(filters, cases=str(cases)),
        concurrency=int(pick("concurrency")),  # type: ignore[call-overload]
        eventually=float(pick("eventually")),  # type: ignore[arg-type]
        strict=bool(pick("strict")),
        timeout=float(pick("timeout")),  # type: ignore[arg-type]
        connect_timeout=float(pick("connect_timeout")),  # type: ignore[arg-type]
        report_dir=getattr(args, "report_dir", None) or reports.get("dir"),
        html=getattr(args, "html", None) or reports.get("html"),
        junit=getattr(args, "junit", None) or reports.get("junit"),
        json=getattr(args, "json", None) or reports.get("json"),
        jsonl=getattr(args, "jsonl", None) or reports.get("jsonl"),
        hooks=suite.hooks if suite else [],
        hook_timeout=suite.hook_timeout if suite else 10.0,
    )


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
