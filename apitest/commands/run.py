"""The `apitest run` command: load, plan, run against the target, report, exit 0/1/2/3.

A thin sync shell over the async engine. Every run writes its cleanup ledger into its report
folder (`reports/<timestamp>/` unless --report-dir says otherwise) the moment a record is
created, so even a killed run leaves `apitest cleanup` what it needs.
"""

from __future__ import annotations

import argparse
import os
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text

from apitest.commands._target import (
    TargetOptions,
    choose_store,
    resolve_target,
    throttle_folder,
)
from apitest.engine.ledger import LEDGER_NAME
from apitest.engine.runner import RunSettings, run_plan
from apitest.errors import EXIT_CASE_FAILED, EXIT_PASSED
from apitest.plan.graph import PlanOptions, build_plan
from apitest.report.console import ConsoleReporter, make_console
from apitest.report.events import FanOut
from apitest.report.json_report import write_json
from apitest.report.jsonl import JsonlWriter
from apitest.report.model import RunResult
from apitest.spec.loader import load_catalog


def target_options(args: argparse.Namespace) -> TargetOptions:
    return TargetOptions(
        base_url=args.base_url,
        server=args.server,
        variables=tuple(args.var),
        dc=args.dc,
        env=args.env,
        auth_file=args.auth,
        profile=args.profile,
    )


def run(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.paths, max_bytes=args.max_spec_bytes)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 1_000_000)
    report_dir = Path(args.report_dir) if args.report_dir else default_report_dir()
    console = make_console()
    target = resolve_target(catalog, target_options(args))
    try:
        plan = build_plan(
            catalog,
            PlanOptions(
                seed=seed,
                skip_deprecated=args.skip_deprecated,
                repeat=args.repeat,
                cases=args.cases,
                read_only_profiles=target.auth.read_only,
            ),
        )
        if target.note:
            console.print(Text(target.note, style="cyan"))
        console.print(
            Text(
                f"apitest run: {len(plan.steps)} steps in {len(plan.chains)} chains against "
                f"{target.base_url} as profile {target.auth.default!r}, seed {seed} "
                f"(--seed {seed} reproduces the data)",
                style="bold",
            )
        )
        reporter = ConsoleReporter(console, quiet=args.quiet, verbose=args.verbose)
        stream = JsonlWriter(Path(args.jsonl)) if args.jsonl else None
        listener = FanOut([reporter, stream] if stream else [reporter])
        settings = RunSettings(
            base_url=target.base_url,
            ledger_path=report_dir / LEDGER_NAME,
            auth=target.auth,
            store=choose_store(args.token_store, args.token_store_path, target.auth, target),
            concurrency=args.concurrency,
            eventually_s=args.eventually,
            strict=args.strict,
            timeout_s=args.timeout,
            connect_timeout_s=args.connect_timeout,
            proxy=args.proxy,
            extra_headers=target.extra_headers,
            extra_params=target.extra_params,
            throttle_folder=throttle_folder(target),
        )
        if stream is not None:
            stream.run_started(target=target.base_url, seed=seed, steps=len(plan.steps))
        reporter.start(dict(Counter(step.resource for step in plan.steps)))
        try:
            result = run_plan(catalog, plan, settings, listener)
        finally:
            reporter.stop()
    finally:
        target.close()
    if stream is not None:
        stream.run_finished(result)
    reporter.summary(result)
    for label, path in write_reports(result, args, report_dir):
        console.print(f"{label}: {path}")
    return EXIT_PASSED if result.passed else EXIT_CASE_FAILED


def write_reports(
    result: RunResult, args: argparse.Namespace, report_dir: Path
) -> list[tuple[str, Path]]:
    """report.html, junit.xml and report.json in the report folder, unless an option puts one
    elsewhere; returns what was written (and the ledger, if the run created anything)."""
    from apitest.report.html import write_html
    from apitest.report.junit import write_junit

    written: list[tuple[str, Path]] = []
    writers = (
        ("HTML report", args.html, "report.html", write_html),
        ("JUnit XML", args.junit, "junit.xml", write_junit),
        ("JSON result", args.json, "report.json", write_json),
    )
    for label, chosen, default, write in writers:
        path = Path(chosen) if chosen else report_dir / default
        write(result, path)
        written.append((label, path))
    if args.jsonl:
        written.append(("event stream", Path(args.jsonl)))
    ledger = report_dir / LEDGER_NAME
    if ledger.exists():
        written.append(("cleanup ledger", ledger))
    return written


def default_report_dir() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("reports") / f"{stamp}-{os.getpid()}"
