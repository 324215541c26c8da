"""The options of `run`, `plan` and `cleanup`, kept out of cli.py so each stays readable.

Number options are checked here (argparse `type=`), so `--concurrency 0` is a usage error that
names the option, before any spec is read.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from apitest.defaults import DEFAULTS, LIMITS, http_url_problem, parse_size, size_text

DEFAULT_CONCURRENCY = DEFAULTS.concurrency

EXIT_STATUS_HELP = """\
exit status:
  0  every case passed (lint: no errors)
  1  a case failed (lint --strict: warnings only)
  2  a spec or usage error: the message names the file, line or option
  3  the target API could not be reached
  5  run: nothing was tested (no case selected, every case skipped, or a --shard holding
     no chain)
  130  run: interrupted by Ctrl-C or SIGTERM (the reports hold what ran)
"""

RUN_EPILOG = (
    EXIT_STATUS_HELP
    + """
examples:
  apitest run specs/trips.xml                 the bundled service starts by itself
  apitest run suites/trips.toml               a suite: its specs, target, users, filters, hooks
  apitest run specs/ --base-url https://api.example.com/v1
  apitest run specs/ --seed 42 --json out.json   reproducible data, a machine-readable report
  apitest run specs/ --eventually 10          poll a failing read-back for up to 10 s
  apitest run specs/ --shard 2/4 --seed 7     this CI job's quarter of the chains

credentials (environment): APITEST_CLIENT_ID, APITEST_CLIENT_SECRET, APITEST_REFRESH_TOKEN,
APITEST_GRANT_TOKEN, APITEST_ACCESS_TOKEN (OAuth2), APITEST_TOKEN (type="token").
event loop (environment): APITEST_EVENT_LOOP=auto (uvloop when installed, the default),
uvloop or asyncio (the standard loop).
"""
)


REPRO_EPILOG = """\
exit status:
  0  the script was printed (--run: every answer was as expected)
  1  --run: an answer differed from what the run saw or the spec declares, or a record the
     script made could not be deleted
  2  a usage error: REPORT unreadable or no apitest report, CASE-ID unknown, or a case that
     made no call (--run: curl, python3 or credentials missing)
  3  --run: the API could not be reached
  130  --run: interrupted by Ctrl-C (the script still deleted what it made)

examples:
  apitest repro reports/<run> trips.1.7 > replay.sh    the script, to read, edit or attach
  apitest repro reports/<run>/report.json trips.1.7 --run --base-url http://127.0.0.1:8765/api/v1

environment of the script: APITEST_BASE_URL (where to call), APITEST_ACCESS_TOKEN, or
APITEST_CLIENT_ID and APITEST_CLIENT_SECRET (a token is fetched as the run did), APITEST_TOKEN.
"""


MERGE_EPILOG = """\
exit status:
  0  every case of every shard passed
  1  a case failed, a record was left behind, or (--partial) a shard is missing
  2  a usage error: a RESULT unreadable or not a shard's result, the shards of different
     runs (seed, target, N or plan differ), a shard given twice or missing, a case in two
  5  nothing was tested (every case skipped)
  130  a shard's run was interrupted

examples:
  apitest merge shard-*/report.json --html report.html --junit junit.xml
  apitest merge s1.json s2.json s4.json --partial --json merged.json   shard 3 never finished
"""


def _bounded(kind: Callable[[str], float], name: str, what: str) -> Callable[[str], float]:
    """argparse `type=` for the numeric setting `name`: a `kind` within its LIMITS."""
    limits = LIMITS[name]

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if value not in limits:
            raise argparse.ArgumentTypeError(f"{text} is out of range ({limits})")
        return value

    return parse


def _setting(flag: str) -> str:
    """The setting an option sets: `--connect-timeout` sets `connect_timeout`."""
    return flag.removeprefix("--").replace("-", "_")


_NUMBERS: dict[type, tuple[str, str]] = {
    int: ("a whole number", "N"),
    float: ("a number of seconds", "SECONDS"),
}
"""What a whole-number and a seconds option take, as their errors and metavars say it."""


def _number(parser: argparse.ArgumentParser, flag: str, kind: type[float], help: str) -> None:
    """A numeric setting's option, within its LIMITS. Its default is None, "not given", so the
    suite's value or defaults.py's fills it in session/config.py's one merge, never a second
    default here."""
    what, metavar = _NUMBERS[kind]
    parser.add_argument(
        flag,
        type=_bounded(kind, _setting(flag), what),
        default=None,
        metavar=metavar,
        help=help,
    )


def add_plan_options(parser: argparse.ArgumentParser) -> None:
    """What shapes the plan: shared by `plan` and `run`, so both show the same steps."""
    _number(
        parser,
        "--seed",
        int,
        "seed of the generated data; the same seed sends the same data, but for unique-for "
        "values, which each run makes its own (run: random, printed so it can be repeated)",
    )
    parser.add_argument(
        "--skip-deprecated",
        action="store_true",
        default=None,
        help="skip operations marked <deprecate>",
    )
    parser.add_argument(
        "--cases",
        choices=("positive", "negative", "all"),
        default=None,
        help="positive cases (valid calls), negative cases (one per declaration a call can "
        "break: Mandatory Property, Invalid Type, Missing Token, ...), or all (default)",
    )
    _number(
        parser,
        "--repeat",
        int,
        f"plan every chain N times, as independent copies (default {DEFAULTS.repeat})",
    )


def _shard(text: str) -> str:
    """`--shard`'s value, checked before any spec is read (argparse names the option)."""
    from apitest.session.shard import shard_problem

    problem = shard_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text.strip()


SHARD_RUN_NOTE = (
    f"A sharded run without --seed uses seed {DEFAULTS.seed}, so every shard sends alike; a "
    "shard with no chain tests nothing (exit 5)"
)
SHARD_PLAN_NOTE = "The plan says which shard it shows, of how many chains and cases"


def add_shard_option(parser: argparse.ArgumentParser, what: str, note: str) -> None:
    """`--shard K/N` of `run` and `plan`: one definition, so both split the plan alike."""
    parser.add_argument(
        "--shard",
        type=_shard,
        default=None,
        metavar="K/N",
        help=f"{what} only shard K of N (from 1): the plan's chains dealt onto N shards, "
        "longest estimate first, the same on every machine, so N CI jobs given 1/N to N/N "
        "test every case once (merge their report.json with apitest merge). 'auto' takes K/N "
        "from the CI: GitLab CI_NODE_INDEX/CI_NODE_TOTAL, Buildkite BUILDKITE_PARALLEL_JOB/"
        "BUILDKITE_PARALLEL_JOB_COUNT, CircleCI CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL (GitHub "
        f"Actions: --shard ${{{{ matrix.shard }}}}/N). {note}",
    )


def add_concurrency_option(
    parser: argparse.ArgumentParser,
    help: str = f"calls in flight at most (default {DEFAULT_CONCURRENCY}); auto-sync operations "
    "always run alone",
) -> None:
    """`--concurrency`: run obeys it, plan counts it in its estimate; one definition for both,
    so the two cannot read it differently."""
    _number(parser, "--concurrency", int, help)


def add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="the API's base URL (default: the spec's first <server>; for the bundled specs, "
        "the reference service, started in-process when none is running)",
    )
    parser.add_argument("--server", metavar="NAME", help="which <server> of the spec to use")
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="fill a {NAME} of the server URL (repeatable)",
    )
    parser.add_argument(
        "--dc", metavar="NAME", help="the <server> whose dc list names this data centre"
    )
    parser.add_argument(
        "--env",
        metavar="TYPE",
        help="send the name=value of the server's <environment type=TYPE> as a header or "
        "parameter on every call (development, sandbox or production)",
    )
    add_auth_options(parser)
    add_proxy_option(parser)


def add_proxy_option(parser: argparse.ArgumentParser) -> None:
    """`--proxy`: run and cleanup call the same API, so they must reach it the same way."""
    parser.add_argument(
        "--proxy",
        type=_proxy,
        metavar="URL",
        help="send calls through this HTTP proxy (http://user:pass@host:port)",
    )


def _proxy(text: str) -> str:
    problem = http_url_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"the proxy URL {problem}")
    return text


def add_run_options(parser: argparse.ArgumentParser) -> None:
    add_target_options(parser)
    add_plan_options(parser)
    add_shard_option(parser, "run", SHARD_RUN_NOTE)
    add_concurrency_option(parser)
    add_throttle_store_option(parser)
    _number(
        parser,
        "--eventually",
        float,
        "when a read-back check fails, poll again (exponential backoff) for up to this "
        "long; a late pass is reported as eventually consistent "
        f"(default {DEFAULTS.eventually:g}: no polling)",
    )
    _number(parser, "--timeout", float, f"read timeout of each call (default {DEFAULTS.timeout:g})")
    _number(
        parser,
        "--connect-timeout",
        float,
        f"connect timeout of each call (default {DEFAULTS.connect_timeout:g})",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=size,
        default=None,
        metavar="SIZE",
        help="read at most this much of an answer "
        f"(default {size_text(DEFAULTS.max_body_bytes)}); a bigger one is an error and the rest "
        "is not read",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        default=None,
        help="undeclared properties in responses fail the case instead of being noted",
    )
    parser.add_argument(
        "--report-dir",
        metavar="DIR",
        help="folder for the run's reports and cleanup ledger: report.html, junit.xml, "
        "report.json, ledger.jsonl (default reports/<timestamp>-<pid>)",
    )
    add_report_file_options(
        parser,
        html="the HTML report (default: in DIR)",
        junit="JUnit XML for CI (default: in DIR)",
        json="the whole result as JSON (default: in DIR)",
    )
    parser.add_argument(
        "--jsonl",
        metavar="FILE",
        help="stream every event as a JSON line while the run goes (a crash still leaves it)",
    )
    quiet = parser.add_mutually_exclusive_group()
    quiet.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    quiet.add_argument("-v", "--verbose", action="store_true", help="also print each case's notes")


def add_report_file_options(
    parser: argparse.ArgumentParser, *, html: str, junit: str, json: str
) -> None:
    """--html, --junit and --json FILE of `run` and `merge`: one declaration of the three files
    ReportFiles writes, each command saying in its own help what its file holds."""
    for flag, text in (("--html", html), ("--junit", junit), ("--json", json)):
        parser.add_argument(flag, metavar="FILE", help=text)


def add_auth_options(parser: argparse.ArgumentParser) -> None:
    """The credential options of `run` and `cleanup`: each takes one value, None when not
    given, so they are declared from one table of (flag, metavar, help), as serve's are."""
    options: tuple[tuple[str, str, str], ...] = (
        (
            "--auth",
            "FILE",
            "auth profiles (TOML [auth] table: credentials, read_only users, token store); "
            "default: the APITEST_* environment variables",
        ),
        ("--profile", "NAME", "which --auth profile the run uses"),
        (
            "--token-store",
            "KIND",
            "where tokens persist: file (default, $XDG_CACHE_HOME/apitest/tokens.json), "
            "sqlite, mysql://USER@HOST:PORT/DATABASE?table=NAME (MySQL or MariaDB, shared across "
            "machines, the Zoho CRM SDK's oauthtoken table; the password from APITEST_DB_PASSWORD, "
            "never the URL; pip install 'apitest[mysql]'), or package.module:Class (give the class "
            "a lock() shared by processes, or the run warns: parallel refreshes spend rotating "
            "refresh tokens)",
        ),
        (
            "--token-store-path",
            "PATH",
            "the file or sqlite store's file (a mysql:// store is named by its URL alone)",
        ),
    )
    for flag, metavar, text in options:
        parser.add_argument(flag, metavar=metavar, help=text)


def add_throttle_store_option(parser: argparse.ArgumentParser) -> None:
    """`--throttle-store`: run and cleanup both call throttled operations, so both share the
    API's rate windows with whoever else calls it."""
    parser.add_argument(
        "--throttle-store",
        metavar="STORE",
        help="where <throttling> windows are shared, so parallel runs together stay under the "
        "API's limit: file (default: the runs of this machine, $XDG_CACHE_HOME/apitest/"
        "throttle) or mysql://user@host:port/db?table=apitest_throttle (every machine using "
        "that MySQL/MariaDB database, e.g. CI shards; password in APITEST_DB_PASSWORD; needs "
        "pip install 'apitest[mysql]')",
    )


def add_cleanup_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ledger", metavar="LEDGER", help="a ledger.jsonl from a run's report folder"
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="where to delete (default: the URL the run used)"
    )
    add_auth_options(parser)
    add_proxy_option(parser)
    add_throttle_store_option(parser)


def size(text: str) -> int:
    """A byte count such as 20M or 512k (argparse `type=`)."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
