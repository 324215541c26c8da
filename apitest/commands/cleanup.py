"""The `apitest cleanup LEDGER` command: delete what a crashed or killed run left behind.

The ledger names each record's spec file, keys and target, so nothing else is needed but the
credentials (APITEST_* as for `run`). Each confirmed deletion is appended to the same ledger,
so running cleanup twice is harmless.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.text import Text

from apitest.engine.http import eventloop
from apitest.engine.ledger import read_ledger
from apitest.engine.policy import CallPolicy
from apitest.engine.runner import RunSettings, run_cleanup
from apitest.errors import EXIT_CASE_FAILED, EXIT_PASSED
from apitest.report.console import case_line, make_console
from apitest.session.config import merged
from apitest.session.target import (
    Target,
    TargetOptions,
    choose_store,
    load_auth,
    reference_auth,
    throttle_store,
)
from apitest.zspec.loader import load_catalog


def run(args: argparse.Namespace) -> int:
    eventloop.loop_factory()  # a bad APITEST_EVENT_LOOP fails before anything starts
    path = Path(args.ledger)
    entries = read_ledger(path)
    console = make_console()
    if not entries:
        console.print(f"nothing to clean up: every record in {path} was deleted")
        return EXIT_PASSED
    catalog = load_catalog(sorted({entry.spec for entry in entries}))
    base_url = args.base_url or entries[0].base_url
    options = TargetOptions(auth_file=args.auth, profile=args.profile)
    auth = reference_auth(catalog, load_auth(options))
    target = Target(base_url, auth)
    settings = RunSettings(
        base_url=base_url,
        ledger_path=path,
        auth=auth,
        store=choose_store(args.token_store, args.token_store_path, auth, target),
        throttle_store=throttle_store(merged("throttle_store", args.throttle_store, None), target),
        policy=CallPolicy(proxy=merged("proxy", args.proxy, None)),
    )
    cases, lines = run_cleanup(catalog, entries, settings)
    for case in cases:
        console.print(case_line(case))
    for line in lines:
        console.print(Text(line))
    failed = any(case.status != "passed" for case in cases) or len(cases) < len(entries)
    return EXIT_CASE_FAILED if failed else EXIT_PASSED
