"""The pytest plugin's options and ini keys, read into the session's settings.

`--apitest-*` options win over `apitest_*` ini keys, which win over a suite's values, which win
over `defaults.DEFAULTS`: the same merge the CLI uses (session/config.py), so a setting means the
same under both shells. Values are checked against the CLI's ranges (`defaults.LIMITS`) when
pytest starts, so a bad one stops pytest with a usage error before anything is collected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apitest.defaults import DEFAULTS, LIMITS, http_url_problem, parse_size, size_text
from apitest.errors import ApitestError
from apitest.pytest_session import PluginOptions
from apitest.report.files import folders_to_make, write_problem
from apitest.session.config import call_policy, merged, shard_choice
from apitest.session.shard import ShardChoice
from apitest.session.suite import load_suite
from apitest.session.target import database_store

SHARD_OPTION = pytest.StashKey[ShardChoice]()
"""The shard `--apitest-shard` names, read once when pytest is configured."""
GIVEN = pytest.StashKey[dict[str, Any]]()

MADE_FOLDERS = pytest.StashKey[list[Path]]()
"""The folders trying --apitest-report-dir made, deepest first: taken away again when the
session ends and they are still empty (pytest_plugin.pytest_unconfigure)."""
"""The run settings the options and ini keys give, checked once when pytest is configured."""


def add_options(parser: pytest.Parser) -> None:
    """The `--apitest-*` options and `apitest_*` ini keys, each with the help it shows."""
    group = parser.getgroup("apitest", "ZSPEC API tests (apitest)")
    group.addoption(
        "--apitest", action="append", default=[], metavar="PATH", dest="apitest_paths",
        help="also collect these ZSPEC files or folders (besides the apitest_specs glob)",
    )  # fmt: skip
    options: list[tuple[str, str, Any]] = [
        ("--apitest-base-url", "the API's base URL (default: the spec's <server>; the bundled "
         "specs start the reference service)", str),
        ("--apitest-seed", f"seed of the generated data (default {DEFAULTS.seed}, so every "
         "worker agrees)", int),
        ("--apitest-cases", "positive, negative or all (default)", str),
        (
            "--apitest-concurrency",
            f"calls in flight at most within a chain run (default {DEFAULTS.concurrency})",
            int,
        ),
        ("--apitest-eventually", "poll a failing read-back this many seconds", float),
        ("--apitest-proxy", "send calls through this HTTP proxy (http://user:pass@host:port)",
         str),
        ("--apitest-max-body-bytes", "read at most this much of an answer, e.g. 20M (default "
         f"{size_text(DEFAULTS.max_body_bytes)}); a bigger one fails its case", str),
        ("--apitest-auth", "auth profiles file (TOML [auth] table)", str),
        ("--apitest-profile", "which --apitest-auth profile to use", str),
        ("--apitest-token-store", "file, sqlite, mysql://USER@HOST:PORT/DATABASE?table=NAME "
         "(password in APITEST_DB_PASSWORD) or package.module:Class", str),
        ("--apitest-token-store-path", "the token store's file", str),
        ("--apitest-throttle-store", "where <throttling> windows are shared: file (default: "
         "this machine's processes) or mysql://user@host:port/db?table=NAME (every machine "
         "using it; password in APITEST_DB_PASSWORD)", str),
        ("--apitest-report-dir", "where ledgers go (default reports/pytest-<time>-<pid>)", str),
        ("--apitest-suite", "a suite file: its specs, target, auth, filters, run options and "
         "hooks (the options above win over it)", str),
        ("--apitest-shard", "collect only shard K/N of the plan's chains (as apitest run "
         "--shard: the same split on every machine; 'auto' reads the CI's variables); under "
         "xdist the workers share out that shard's chains", str),
    ]  # fmt: skip
    for flag, text, kind in options:
        group.addoption(flag, type=kind, default=None, help=text)
    group.addoption(
        "--apitest-strict", action="store_true", default=None,
        help="undeclared response properties fail the case",
    )  # fmt: skip
    parser.addini("apitest_specs", "glob of ZSPEC files to collect", default="specs/*.xml")
    names = ("base_url", "seed", "cases", "concurrency", "auth", "token_store", "throttle_store")
    for name in (*names, "suite"):
        parser.addini(f"apitest_{name}", f"default for --apitest-{name.replace('_', '-')}")


def read_options(config: pytest.Config) -> None:
    """Check the shard and the run settings once, as pytest starts, so a bad value is a usage
    error then, not a collection error later; keep them in the config's stash."""
    shard = config.getoption("apitest_shard")
    if shard is not None:
        try:
            choice = shard_choice(shard, None, "--apitest-shard")
        except ApitestError as exc:
            raise pytest.UsageError(f"apitest: {exc}") from None
        if choice is not None:
            config.stash[SHARD_OPTION] = choice
    config.stash[GIVEN] = _given_settings(config)


def _given_settings(config: pytest.Config) -> dict[str, Any]:
    """The run settings given as options or ini keys (None: not given), each within the range
    the CLI's option takes (defaults.LIMITS), sizes read into bytes; a bad one is a usage
    error, said when pytest starts."""
    given: dict[str, Any] = {
        "seed": _picked(config, "seed"),
        "concurrency": _picked(config, "concurrency"),
        "eventually": config.getoption("apitest_eventually"),
        "strict": config.getoption("apitest_strict") or None,
        "proxy": config.getoption("apitest_proxy"),
        "max_body_bytes": config.getoption("apitest_max_body_bytes"),
    }
    for name in ("seed", "concurrency"):  # an ini key's value is a string
        if isinstance(given[name], str):
            try:
                given[name] = int(given[name])
            except ValueError:
                raise pytest.UsageError(
                    f"apitest: apitest_{name} = {given[name]!r} is not a whole number"
                ) from None
    problem = http_url_problem(given["proxy"]) if given["proxy"] is not None else None
    if problem is not None:
        raise pytest.UsageError(f"apitest: --apitest-proxy: the proxy URL {problem}")
    base_url = _picked(config, "base_url")
    problem = http_url_problem(base_url) if base_url is not None else None
    if problem is not None:  # else every item would fail on it, one by one
        raise pytest.UsageError(f"apitest: --apitest-base-url {base_url!r} {problem}")
    report_dir = config.getoption("apitest_report_dir")
    config.stash[MADE_FOLDERS] = folders_to_make(Path(report_dir)) if report_dir else []
    problem = write_problem(Path(report_dir) / "ledger.jsonl") if report_dir else None
    if problem is not None:
        raise pytest.UsageError(f"apitest: --apitest-report-dir {report_dir}: {problem}")
    if given["max_body_bytes"] is not None:
        try:
            given["max_body_bytes"] = parse_size(given["max_body_bytes"])
        except ValueError as exc:
            raise pytest.UsageError(f"apitest: --apitest-max-body-bytes: {exc}") from None
    for name, value in given.items():
        if name in LIMITS and value is not None and value not in LIMITS[name]:
            flag = "--apitest-" + name.replace("_", "-")
            raise pytest.UsageError(f"apitest: {flag} {value} is out of range ({LIMITS[name]})")
    return given


def _picked(config: pytest.Config, name: str) -> Any:
    """`--apitest-NAME`, else the ini's `apitest_NAME` where there is one; None: neither."""
    value = config.getoption(f"apitest_{name}")
    if value is None:
        try:
            value = config.getini(f"apitest_{name}") or None
        except ValueError:
            value = None
    return value


def plugin_options(config: pytest.Config) -> PluginOptions:
    """The session's settings: options > ini keys > suite > defaults, through the CLI's one
    merge (session/config.py), with what `read_options` checked when pytest started."""

    def pick(name: str) -> Any:
        return _picked(config, name)

    named = pick("suite")
    suite = load_suite(named) if named else None
    given = config.stash[GIVEN]  # the timeouts have no option: the suite's or the default
    return PluginOptions(
        base_url=pick("base_url") or (suite.target.get("base_url") if suite else None),
        seed=int(merged("seed", given["seed"], suite)),
        cases=str(merged("cases", pick("cases"), suite)),
        policy=call_policy(lambda name: merged(name, given.get(name), suite)),
        auth_file=pick("auth"),
        profile=config.getoption("apitest_profile"),
        token_store=pick("token_store"),
        token_store_path=config.getoption("apitest_token_store_path"),
        throttle_store=database_store(
            str(merged("throttle_store", pick("throttle_store"), suite)),
            "--apitest-throttle-store",
        ),
        report_dir=config.getoption("apitest_report_dir"),
        suite=suite,
        # the option, read once when pytest was configured; else the suite's `[run] shard`
        shard=config.stash.get(SHARD_OPTION, None) or shard_choice(None, suite, "--apitest-shard"),
    )
