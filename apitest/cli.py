"""The `apitest` command line: a thin synchronous shell over the library.

Exit codes (documented in --help and the README): 0 passed, 1 a case failed (or, for lint
--strict, warnings), 2 spec or usage error, 3 target unreachable. Every `ApitestError` becomes
one message on stderr; a traceback reaching the user is a bug.
Subcommand modules are imported only when they run, so `apitest --version` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from apitest import __version__
from apitest.cli_options import (
    DEFAULT_CONCURRENCY,
    EXIT_STATUS_HELP,
    MERGE_EPILOG,
    REPRO_EPILOG,
    RUN_EPILOG,
    SHARD_PLAN_NOTE,
    add_cleanup_options,
    add_concurrency_option,
    add_plan_options,
    add_report_file_options,
    add_run_options,
    add_shard_option,
    size,
)
from apitest.defaults import size_text
from apitest.demo.config import BUGS, serve_knobs
from apitest.errors import EXIT_USAGE, ApitestError, UsageError

EPILOG = (
    EXIT_STATUS_HELP
    + """
examples:
  apitest lint specs/                check every spec under specs/
  apitest lint --strict specs/       treat warnings (unknown elements...) as failures
  apitest lint --fix specs/          rewrite apitest's earlier forms into ZEST's official ones
  apitest plan specs/                show the chains a run would make, and their timing
  apitest run specs/trips.xml        test the API described by trips.xml
  apitest cleanup reports/<run>/ledger.jsonl   delete what an interrupted run left
  apitest repro reports/<run> trips.1.7       a shell script replaying that case's chain
"""
)

DEFAULT_MAX_SPEC_BYTES = 20 * 1024 * 1024


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage already; route its message through our one format."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="apitest",
        description="Test HTTP APIs described in ZSPEC (Zoho Catalyst ZEST) specification files.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"apitest {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    _add_lint_parser(commands)
    _add_run_parser(commands)
    _add_plan_parser(commands)
    _add_cleanup_parser(commands)
    _add_repro_parser(commands)
    _add_merge_parser(commands)
    _add_serve_parser(commands)
    return parser


def _command(
    commands: argparse._SubParsersAction[_Parser],
    name: str,
    *,
    help: str,
    description: str,
    epilog: str,
) -> argparse.ArgumentParser:
    """A subcommand whose --help keeps its epilog's examples laid out as written."""
    return commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="spec files or folders of them, or one suite (a .toml file naming its specs)",
    )


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )


def _add_lint_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    """`apitest lint`: spec files checked as `run` loads them."""
    lint = _command(
        commands,
        "lint",
        help="check spec files and report every problem with file:line:col",
        description="Load ZSPEC files the way `run` does and report every problem found, "
        "as file:line:col: severity: message (how to mend it).",
        epilog=EPILOG,
    )
    _add_paths(lint)
    lint.add_argument(
        "--strict", action="store_true", help="exit 1 when there are warnings but no errors"
    )
    _add_format(lint)
    lint.add_argument(
        "--fix",
        action="store_true",
        help="first rewrite apitest's earlier forms into ZEST's official ones, in place "
        "(environment name/key and key beside type, dependency resource, "
        "data-extraction-path [*], info contact/license, tag description attribute, oauth2 "
        "url attributes, oauth2/token "
        "directly under resource, variable default, HEADER:/PARAM: in conditions); comments and "
        "layout are kept, and each rewrite is listed",
    )
    _add_spec_limits(lint)


def _add_run_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    """`apitest run`: the options live in cli_options.py, shared with `plan` where they agree."""
    run = _command(
        commands,
        "run",
        help="run the test cases a spec describes against a live API",
        description="Plan and run test cases from ZSPEC files against a live API: operations "
        "in dependency and category order, each write verified by its callback read, what "
        "the run created cleaned up at the end.",
        epilog=RUN_EPILOG,
    )
    _add_paths(run)
    add_run_options(run)
    _add_spec_limits(run)


def _add_plan_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    """`apitest plan`: what a run would call, and its estimate; no call is made."""
    plan = _command(
        commands,
        "plan",
        help="show what a run would call, in which order, without calling anything",
        description="Print the plan as a tree: resources in dependency order, each chain's "
        "steps with method, URL, kind and delays, and the critical-path estimate of the run: "
        "the least wall time the plan allows, the highest of the chains' own delays and calls, "
        "the calls through --concurrency slots, and each <throttling> window's calls (N calls "
        "under L per W ms wait floor((N-1)/L) windows). It names the one that binds.",
        epilog=EPILOG,
    )
    _add_paths(plan)
    _add_format(plan)
    add_plan_options(plan)
    add_shard_option(plan, "show", SHARD_PLAN_NOTE)
    add_concurrency_option(
        plan,
        f"the concurrency of the run the estimate is for (default {DEFAULT_CONCURRENCY}, or the "
        "suite's): its calls share that many slots",
    )
    plan.add_argument(
        "--auth", metavar="FILE", help="auth profiles: read_only ones add Read Only Profile cases"
    )
    _add_spec_limits(plan)


def _add_cleanup_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    """`apitest cleanup`: what a crashed run left behind, deleted from its ledger."""
    cleanup = _command(
        commands,
        "cleanup",
        help="delete the records a crashed or interrupted run left behind",
        description="Read a run's cleanup ledger and delete every record it created that was "
        "not confirmed deleted.",
        epilog=EPILOG,
    )
    add_cleanup_options(cleanup)


def _add_repro_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    """`apitest repro`: a case's chain as a shell script that replays it against a live API."""
    repro = _command(
        commands,
        "repro",
        help="print (or --run) a shell script that replays a case's chain against a live API",
        description="Print the POSIX sh script that replays CASE-ID's chain up to it (its "
        "data preparation, earlier writes and reads, then the case) against a live API, or run "
        "it with --run. Ids are taken from the answers the replay gets, not the recorded ones; "
        "delays and validation-delays are waited; each status and each record read back is "
        "checked; what the script creates is deleted at the end, however it ends. It needs "
        "curl and python3, and a token: APITEST_ACCESS_TOKEN, or APITEST_CLIENT_ID and "
        "APITEST_CLIENT_SECRET when the run used client credentials.",
        epilog=REPRO_EPILOG,
    )
    repro.add_argument(
        "report", metavar="REPORT", help="a run's report.json, or the report folder holding it"
    )
    repro.add_argument(
        "case",
        metavar="CASE-ID",
        help="the case to replay up to, as the reports name it (e.g. trips.1.6)",
    )
    repro.add_argument(
        "--run", action="store_true", help="run the script with sh; exit with its status"
    )
    repro.add_argument(
        "--base-url",
        metavar="URL",
        help="where the script sends its calls (default: the run's target; APITEST_BASE_URL "
        "overrides it when the printed script runs)",
    )


def _add_merge_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    """`apitest merge`: one report of a sharded run from its shards' results."""
    merge = _command(
        commands,
        "merge",
        help="merge the results of a run's shards (run --shard K/N) into one report",
        description="Read the JSON results of the shards of one run (`apitest run --shard K/N "
        "--json FILE` on each CI runner), check they are that: same seed, target and plan, "
        "each shard once, each case in one shard, together the whole plan; then print the "
        "summary of the whole run and write the reports asked for. Its duration runs from "
        "the first shard's start to the last one's end.",
        epilog=MERGE_EPILOG,
    )
    merge.add_argument(
        "results", nargs="+", metavar="RESULT.json", help="each shard's result (run --json FILE)"
    )
    add_report_file_options(
        merge,
        html="the HTML report, with a timeline per shard",
        junit="JUnit XML for CI (suites by resource, cases name their shard)",
        json="the merged result as JSON (apitest repro reads it)",
    )
    merge.add_argument(
        "--partial",
        action="store_true",
        help="merge although shards are missing (a runner died): the report names them and "
        "the merge exits 1; without it a missing shard is an error (exit 2)",
    )


def _add_spec_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-spec-bytes",
        type=size,
        default=DEFAULT_MAX_SPEC_BYTES,
        metavar="SIZE",
        help=f"refuse spec files larger than this (default {size_text(DEFAULT_MAX_SPEC_BYTES)})",
    )


def _add_serve_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    """`apitest serve`: the bundled reference service. Defaults live in DemoConfig (None here)."""
    serve = _command(
        commands,
        "serve",
        help="run the bundled reference trips service that specs/ describes",
        description="Serve the reference trips service on 127.0.0.1 until Ctrl-C or SIGTERM. "
        "Prints its base URL and the demo OAuth credentials (fixed demo values).",
        epilog="defect modes (--bug NAME), each a fault a correct runner must catch:\n"
        + "".join(f"  {name:<18} {what}\n" for name, what in BUGS.items())
        + "\n"
        + EPILOG,
    )
    serve.add_argument(
        "--port",
        type=int,
        default=8765,
        metavar="N",
        help="port on 127.0.0.1 (default 8765, the specs' port; 0 picks a free one)",
    )
    serve.add_argument(
        "--bug",
        action="append",
        default=[],
        dest="bugs",
        metavar="NAME",
        help=f"turn on a defect mode, repeatable: {', '.join(BUGS)} (each is described below)",
    )
    for name, knob, default in serve_knobs():
        serve.add_argument(
            knob.flag,
            type=type(default),
            default=None,
            dest=name,
            metavar=knob.metavar,
            help=f"{knob.help} (default {default:g})",
        )


class _PipeSafeStream:
    """stdout or stderr whose reader may go away (`apitest plan ... | head`, `apitest run ...
    2>&1 | head`): the rest of the output is dropped and the command ends as it would have,
    with its own exit status (a lint that found errors still exits 1, an unreachable target 3,
    so `set -o pipefail` in CI stays honest). Python's default is a BrokenPipeError traceback,
    or, where the closed stream is stderr, exit 1 in place of the command's own status."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._gone = False

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._close()
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._close()

    def _close(self) -> None:
        self._gone = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())  # so the interpreter's last flush is quiet too
        os.close(devnull)

    def __getattr__(self, name: str) -> object:  # isatty, fileno, encoding: the stream's own
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _PipeSafeStream(stdout), _PipeSafeStream(stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help(sys.stderr)
            return EXIT_USAGE
        module = importlib.import_module(f"apitest.commands.{args.command}")
        code: int = module.run(args)
        return code
    except ApitestError as exc:
        print(f"apitest: {exc}" if isinstance(exc, UsageError) else str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("apitest: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
