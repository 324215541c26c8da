"""What the pytest plugin keeps for a session: the catalog, the plan, the target, and results.

A pytest item is one planned step, but a step cannot run alone: it needs the steps before it in
its chain (the data preparation, the create whose record it reads). So the first item of a
chain to run executes the whole chain through the engine, exactly as `apitest run` would, and
every item of that chain then reports its own case from the results. Selecting a read with -k
therefore still runs its data preparation, and under pytest-xdist a chain is one unit of
distribution (xdist_group), so its steps never split across workers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from apitest.defaults import DEFAULTS
from apitest.engine.events import Event, RunFinished
from apitest.engine.http.throttle import WindowStore
from apitest.engine.policy import CallPolicy
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.estimate import estimate
from apitest.plan.filters import Filters
from apitest.plan.graph import PlanOptions, build_plan
from apitest.plan.model import Chain, Plan, ResourcePlan, Step
from apitest.results import AuthNotice, CaseResult, RunResult, ShardInfo, fold_notices
from apitest.session.hooks import hooks_factory, suite_hooks
from apitest.session.shard import ShardChoice, sharded
from apitest.session.suite import Suite
from apitest.session.target import (
    Target,
    TargetOptions,
    choose_store,
    load_auth,
    resolve_target,
    throttle_store,
)
from apitest.zspec.model import Catalog


@dataclass(frozen=True)
class PluginOptions:
    base_url: str | None = None
    seed: int = 0
    cases: str = DEFAULTS.cases
    policy: CallPolicy = field(default_factory=CallPolicy)
    auth_file: str | None = None
    profile: str | None = None
    token_store: str | None = None
    token_store_path: str | None = None
    throttle_store: WindowStore | None = None
    """The database the windows are shared in, checked as the options were read (so a
    mistake is one usage error, not one per test); None: this machine's folder."""
    report_dir: str | None = None
    suite: Suite | None = None
    shard: ShardChoice | None = None
    """Collect and run only this shard of the plan (`--apitest-shard K/N`); under xdist each
    worker computes the same shard and the workers share out its chains."""


@dataclass
class ApitestSession:
    """One per pytest process (each xdist worker has its own)."""

    catalog: Catalog
    options: PluginOptions
    plan: Plan = field(init=False)
    """This process's plan: the whole one, or the shard of it that `--apitest-shard` names."""
    whole: Plan = field(init=False)
    """The whole plan, sharded or not: items are named from it, so a case's node id is the
    same in every shard and in an unsharded session."""
    shard: ShardInfo | None = field(init=False, default=None)
    results: dict[str, CaseResult] = field(default_factory=dict)
    runs: list[RunResult] = field(default_factory=list)
    notices: list[AuthNotice] = field(default_factory=list)
    """Every run's auth notices, each distinct one once (its count summed over the runs)."""
    _target: Target | None = None
    _windows: WindowStore | None = None
    _done: set[str] = field(default_factory=set)
    _told: int = 0

    def __post_init__(self) -> None:
        read_only = self._target_auth_read_only()
        suite = self.options.suite
        filters = replace(suite.filters, cases=self.options.cases) if suite else Filters()
        self.plan = build_plan(
            self.catalog,
            PlanOptions(
                seed=self.options.seed,
                cases=self.options.cases,
                read_only_profiles=read_only,
                filters=filters,
            ),
        )
        self.whole = self.plan
        if self.options.shard is not None:
            self.plan, self.shard = sharded(self.plan, self.options.shard)
        self._hooks = suite_hooks(suite, self.catalog)

    def _target_auth_read_only(self) -> tuple[str, ...]:
        return load_auth(self._target_options()).read_only

    def _target_options(self) -> TargetOptions:
        suite = self.options.suite
        target = suite.target if suite else {}
        return TargetOptions(
            base_url=self.options.base_url,
            server=target.get("server"),
            variables=tuple(f"{k}={v}" for k, v in dict(target.get("vars", {})).items()),
            dc=target.get("dc"),
            env=target.get("env"),
            auth_file=self.options.auth_file,
            profile=self.options.profile,
            auth=suite.auth if suite else None,
        )

    def chain_of(self, step: Step) -> Chain:
        return next(chain for chain in self.plan.chains if step in chain.steps)

    def case_result(self, step: Step) -> CaseResult:
        """The step's outcome, running its chain first if this process has not yet."""
        chain = self.chain_of(step)
        if chain.id not in self._done:
            self.run_chains([chain])
        return self.results[step.id]

    def run_chains(self, chains: list[Chain]) -> RunResult:
        target = self.target()
        resources = tuple(
            ResourcePlan(res.name, res.file, tuple(c for c in res.chains if c in chains))
            for res in self.plan.resources
        )
        plan = replace(self.plan, resources=tuple(r for r in resources if r.chains))
        name = chains[0].id if len(chains) == 1 else "all"
        settings = RunSettings(
            base_url=target.base_url,
            ledger_path=self.report_dir() / f"ledger-{name}.jsonl",
            auth=target.auth,
            store=choose_store(
                self.options.token_store, self.options.token_store_path, target.auth, target
            ),
            policy=self.options.policy,
            extra_headers=target.extra_headers,
            extra_params=target.extra_params,
            throttle_store=self.throttle_store(),
            hooks=hooks_factory(
                self._hooks,
                base_url=target.base_url,
                writable_dir=self.report_dir() / "hooks",
                auth=target.auth,
                timeout_s=(
                    self.options.suite.hook_timeout if self.options.suite else DEFAULTS.hook_timeout
                ),
            ),
        )
        result = run_plan(self.catalog, plan, settings, self)
        self._done.update(chain.id for chain in chains)
        return result

    def handle(self, event: Event) -> None:
        """The session listens to its runs: a finished run's cases become its items' outcomes.
        A run that never reached its target leaves none (its error goes to pytest)."""
        if isinstance(event, RunFinished) and event.reached:
            result = event.result
            self.runs.append(result)
            for case in result.cases:
                self.results[case.id] = case
            # each chain is a run of its own with a new token source: the same fallback or
            # store warning would otherwise be repeated by every one
            fold_notices(self.notices, result.auth_notices)

    def untold_notices(self) -> list[AuthNotice]:
        """Notices not yet raised as pytest warnings (each is raised once per process)."""
        untold = self.notices[self._told :]
        self._told = len(self.notices)
        return untold

    def run_all(self) -> RunResult:
        """Every chain not run yet; the result of the whole plan (the apitest_run fixture)."""
        pending = [chain for chain in self.plan.chains if chain.id not in self._done]
        if pending:
            self.run_chains(pending)
        first = self.runs[0] if self.runs else None
        cases = [self.results[step.id] for step in self.plan.steps if step.id in self.results]
        sweeps = [case for run in self.runs for case in run.cleanup_cases]
        started_at = first.started_at if first else datetime.now(UTC).isoformat()
        duration_s = sum(run.duration_s for run in self.runs)
        shard = self.shard
        if shard is not None:
            shard = replace(shard, started_at=started_at, duration_s=duration_s)
        return RunResult(
            target=first.target if first else "",
            seed=self.plan.seed,
            started_at=started_at,
            cases=cases,
            cleanup_cases=sweeps,
            duration_s=duration_s,
            estimate_s=estimate(self.plan, self.options.policy.concurrency).ms / 1000,
            chain_order=[chain for run in self.runs for chain in run.chain_order],
            cleanup=[line for run in self.runs for line in run.cleanup],
            operations=first.operations if first else [],
            token_refreshes=sum(run.token_refreshes for run in self.runs),
            auth_notices=[replace(notice) for notice in self.notices],
            shard=shard,
        )

    def target(self) -> Target:
        if self._target is None:
            self._target = resolve_target(self.catalog, self._target_options())
        return self._target

    def throttle_store(self) -> WindowStore:
        if self._windows is None:
            self._windows = self.options.throttle_store or throttle_store(
                DEFAULTS.throttle_store, self.target()
            )
        return self._windows

    def report_dir(self) -> Path:
        if self.options.report_dir:
            return Path(self.options.report_dir)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        folder = Path("reports") / f"pytest-{stamp}-{os.getpid()}"
        self.options = replace(self.options, report_dir=str(folder))
        return folder

    def close(self) -> None:
        if self._target is not None:
            self._target.close()
            self._target = None
