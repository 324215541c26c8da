"""The `apitest plan` command: what a run would do, without a single call.

A tree of resources in dependency order, each chain with its steps (kind, method, URL, delays),
and the critical-path estimate of the run's wall time at the run's concurrency, naming what binds
it (a chain, the concurrency limit, a throttle: plan/estimate.py). `--format json` gives the same
for tools. `--shard K/N` shows only that shard's chains, and says which shard of how big a
plan it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from rich.text import Text

from apitest.commands.lint import print_spec_warnings
from apitest.errors import EXIT_PASSED
from apitest.plan.estimate import Bound, Estimate, estimate
from apitest.plan.graph import build_plan
from apitest.plan.model import Plan, Step
from apitest.report.console import make_console, shard_text
from apitest.session.config import plan_options, resolve
from apitest.session.shard import sharded
from apitest.session.target import load_auth
from apitest.zspec.loader import load_catalog


def run(args: argparse.Namespace) -> int:
    config = resolve(args)
    catalog = load_catalog(
        config.paths,
        max_bytes=args.max_spec_bytes,
        on_warnings=lambda found: print_spec_warnings(found, config.paths),
    )
    auth = load_auth(config.target)
    plan = build_plan(catalog, plan_options(config, config.seed or 0, auth.read_only))
    shard = None
    if config.shard is not None:
        plan, shard = sharded(plan, config.shard)
    floors = estimate(plan, config.policy.concurrency)
    if args.format == "json":
        found = plan_as_json(plan, floors)
        if shard is not None:  # the whole plan's figures; a run adds its start and wall time
            found["shard"] = {k: v for k, v in asdict(shard).items() if k in _SHARD_KEYS}
        json.dump(found, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        console = make_console()
        if shard is not None:
            console.print(shard_text(shard, plan))
        for line in plan_lines(plan, floors):
            console.print(line)
    return EXIT_PASSED


_SHARD_KEYS = ("index", "total", "plan_chains", "plan_cases", "plan_digest", "source")


def step_label(step: Step) -> Text:
    op = step.operation
    timing = []
    if op.delay:
        timing.append(f"delay {op.delay} ms")
    if step.is_write and op.validation_delay:
        timing.append(f"validation-delay {op.validation_delay} ms")
    if op.is_sync:
        timing.append("sync")
    if op.throttling is not None:
        timing.append(f"at most {op.throttling.threshold} per {op.throttling.duration} ms")
    line = Text(f"{step.kind:<21} {op.method.upper():<6} {op.url_path:<32} {step.name}")
    if timing:
        line.append(f"  ({', '.join(timing)})", style="cyan")
    if step.skip_reason:
        line.append(f"  skipped: {step.skip_reason}", style="yellow")
    return line


def plan_lines(plan: Plan, floors: Estimate) -> list[Text]:
    """The plan as indented lines (not a rich Tree: it must not be cut at 80 columns in CI)."""
    lines = [
        Text(
            f"{len(plan.resources)} resources, {len(plan.chains)} chains, {len(plan.steps)} "
            f"steps; critical-path estimate {floors.describe()}",
            style="bold",
        )
    ]
    for resource in plan.resources:
        lines.append(Text(f"{resource.name}  ({resource.file})", style="bold"))
        lines.extend(Text(f"  note: {note}", style="yellow") for note in resource.notes)
        for chain in resource.chains:
            lines.append(
                Text(f"  {chain.id}  {chain.purpose}  (about {chain.estimate_ms() / 1000:.2f} s)")
            )
            lines.extend(Text("    ") + step_label(step) for step in chain.steps)
    return lines


def plan_as_json(plan: Plan, floors: Estimate) -> dict[str, Any]:
    return {
        "seed": plan.seed,
        "estimate_ms": floors.ms,
        "estimate_bound": _bound_json(floors.binding),
        "estimate_bounds": [_bound_json(bound) for bound in floors.bounds],
        "resources": [
            {
                "name": res.name,
                "file": res.file,
                "notes": list(res.notes),
                "chains": [
                    {
                        "id": chain.id,
                        "purpose": chain.purpose,
                        "estimate_ms": chain.estimate_ms(),
                        "steps": [_step_json(step) for step in chain.steps],
                    }
                    for chain in res.chains
                ],
            }
            for res in plan.resources
        ],
    }


def _bound_json(bound: Bound) -> dict[str, Any]:
    return {
        "kind": bound.kind,
        "ms": bound.ms,
        "reason": bound.reason,
        "scope": bound.scope,
        "calls": bound.calls,
    }


def _step_json(step: Step) -> dict[str, Any]:
    op = step.operation
    return {
        "id": step.id,
        "resource": step.resource,
        "operation": op.name,
        "case": step.case,
        "kind": step.kind,
        "check": step.check,
        "method": op.method.upper(),
        "url": op.url_path,
        "delay_ms": op.delay,
        "validation_delay_ms": op.validation_delay if step.is_write else 0,
        "sync": op.is_sync,
        "validates": step.validates,
        "skip_reason": step.skip_reason,
        "spec": str(op.loc),
    }
