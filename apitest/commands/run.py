"""The `apitest run` command: load, plan, run against the target, report, exit 0/1/2/3.

A thin sync shell over the async engine. Every run writes its cleanup ledger into its report
folder (`reports/<timestamp>/` unless --report-dir says otherwise) the moment a record is
created, so even a killed run leaves `apitest cleanup` what it needs.
"""

from __future__ import annotations

import argparse
import os
import random
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.text import Text

from apitest.auth.notices import store_without_lock
from apitest.auth.stores import unlocked_class
from apitest.commands.lint import print_spec_warnings
from apitest.defaults import DEFAULTS
from apitest.engine.events import FanOut, Listener
from apitest.engine.http import eventloop
from apitest.engine.http.throttle import WindowStore
from apitest.engine.ledger import LEDGER_NAME
from apitest.engine.runner import RunSettings, run_plan
from apitest.errors import TargetUnreachableError
from apitest.plan.graph import build_plan
from apitest.plan.model import Plan
from apitest.report.console import ConsoleReporter, make_console, notice_text, shard_text
from apitest.report.files import folders_to_make, remove_empty
from apitest.report.jsonl import JsonlWriter
from apitest.report.writers import ReportFiles, check_writable, chosen_files
from apitest.results import RunResult, ShardInfo
from apitest.session.config import RunConfig, plan_options, report_folder, resolve
from apitest.session.hooks import hooks_factory, suite_hooks
from apitest.session.shard import sharded
from apitest.session.target import Target, choose_store, resolve_target, throttle_store
from apitest.zspec.loader import load_catalog
from apitest.zspec.model import Catalog


def run(args: argparse.Namespace) -> int:
    eventloop.loop_factory()  # a bad APITEST_EVENT_LOOP fails before anything starts
    config = resolve(args)
    catalog = load_catalog(
        config.paths,
        max_bytes=args.max_spec_bytes,
        on_warnings=lambda found: print_spec_warnings(found, config.paths, args.quiet),
    )
    seed = run_seed(config)
    report_dir = report_folder(config, default_report_dir())
    fresh = folders_to_make(report_dir)
    try:
        return _run(args, config, catalog, seed, report_dir)
    except BaseException:
        remove_empty(fresh)  # a run that ended before writing anything leaves no empty folder
        raise


def _run(
    args: argparse.Namespace, config: RunConfig, catalog: Catalog, seed: int, report_dir: Path
) -> int:
    """The run itself, once its specs are loaded: plan, announce, call, report."""
    console = make_console()
    target = resolve_target(catalog, config.target)
    try:
        windows = throttle_store(config.throttle_store, target)  # a bad store: before anything
        plan = build_plan(catalog, plan_options(config, seed, target.auth.read_only))
        shard = None
        if config.shard is not None:
            plan, shard = sharded(plan, config.shard)
        _announce(console, config, target, plan, shard)
        files = report_files(config, report_dir)
        _outputs_writable(config, report_dir, files)  # before any call: a run leaves a ledger
        reporter = ConsoleReporter(console, quiet=args.quiet, verbose=args.verbose)
        stream = JsonlWriter(Path(config.jsonl)) if config.jsonl else None
        listeners: list[Listener] = [reporter, stream, files] if stream else [reporter, files]
        settings = run_settings(config, args, catalog, target, report_dir, windows, shard)
        unlocked = unlocked_class(settings.store)
        if unlocked is not None:  # said now, before the damage; the summary says it again
            console.print(notice_text(store_without_lock(unlocked)))
        unreachable: TargetUnreachableError | None = None
        try:
            result = run_plan(catalog, plan, settings, FanOut(listeners))
        except TargetUnreachableError as exc:
            if not isinstance(exc.result, RunResult):
                raise
            unreachable, result = exc, exc.result
        finally:
            reporter.stop()  # when the run ended in an error: its end stopped the panel else
    finally:
        target.close()
    for label, path in written(files, config, report_dir):
        console.print(f"{label}: {path}")
    # unreachable: one line on stderr, exit 3 (the reports above say it per case); else a
    # report that could not be written, exit 2
    stop = unreachable or files.failure()
    if stop is not None:
        raise stop
    if result.interrupted:
        console.print(Text("interrupted: the reports above hold what ran", style="bold red"))
    return result.exit_status()


def _announce(
    console: Console, config: RunConfig, target: Target, plan: Plan, shard: ShardInfo | None
) -> None:
    """What is about to run, against what, as whom, and the seed that reproduces it."""
    if target.note:
        console.print(Text(target.note, style="cyan"))
    suite = f" (suite {config.suite.name})" if config.suite else ""
    console.print(
        Text(
            f"apitest run{suite}: {len(plan.steps)} steps in {len(plan.chains)} chains "
            f"against {target.base_url} as profile {target.auth.default!r}, seed {plan.seed} "
            f"(--seed {plan.seed} reproduces the data)",
            style="bold",
        )
    )
    if shard is not None:
        console.print(shard_text(shard, plan))


def run_seed(config: RunConfig) -> int:
    """The seed given; else, for a shard, the default one (every shard must send alike, and
    `apitest merge` checks they did); else one drawn at random, which the run prints."""
    if config.seed is not None:
        return int(config.seed)
    if config.shard is not None:
        return DEFAULTS.seed
    return random.SystemRandom().randrange(1, 10**6)


def run_settings(
    config: RunConfig,
    args: argparse.Namespace,
    catalog: Catalog,
    target: Target,
    report_dir: Path,
    windows: WindowStore,
    shard: ShardInfo | None = None,
) -> RunSettings:
    return RunSettings(
        base_url=target.base_url,
        ledger_path=report_dir / LEDGER_NAME,
        auth=target.auth,
        store=choose_store(args.token_store, args.token_store_path, target.auth, target),
        policy=config.policy,
        extra_headers=target.extra_headers,
        extra_params=target.extra_params,
        throttle_store=windows,
        hooks=hooks_factory(
            suite_hooks(config.suite, catalog, config.hooks),
            base_url=target.base_url,
            writable_dir=report_dir / "hooks",
            auth=target.auth,
            timeout_s=config.hook_timeout,
        ),
        handle_signals=True,
        shard=shard,
    )


def report_files(config: RunConfig, report_dir: Path) -> ReportFiles:
    """report.html, junit.xml and report.json in the report folder, unless an option puts one
    elsewhere; written when the run finishes."""

    def chosen(option: str | None, default: str) -> Path:
        return Path(option) if option else report_dir / default

    return ReportFiles(
        html=chosen(config.html, "report.html"),
        junit=chosen(config.junit, "junit.xml"),
        json=chosen(config.json, "report.json"),
    )


def _outputs_writable(config: RunConfig, report_dir: Path, files: ReportFiles) -> None:
    """The report folder and each report file tried before any call (check_writable)."""
    named = {
        "html": files.html if config.html else None,
        "junit": files.junit if config.junit else None,
        "json": files.json if config.json else None,
        "jsonl": Path(config.jsonl) if config.jsonl else None,
    }
    check_writable(
        [
            (f"--report-dir (or the suite's [reports] dir) {report_dir}", report_dir / LEDGER_NAME),
            *chosen_files(**named),
        ]
    )


def written(files: ReportFiles, config: RunConfig, report_dir: Path) -> list[tuple[str, Path]]:
    """What the run wrote: its reports, the event stream and the ledger if it created anything."""
    found = list(files.written)
    if config.jsonl:
        found.append(("event stream", Path(config.jsonl)))
    ledger = report_dir / LEDGER_NAME
    if ledger.exists():
        found.append(("cleanup ledger", ledger))
    return found


def default_report_dir() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("reports") / f"{stamp}-{os.getpid()}"
