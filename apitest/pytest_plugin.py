"""pytest plugin (entry point `pytest11`): ZSPEC files as pytest tests.

`pytest specs/` collects every file matching the `apitest_specs` ini glob (default
`specs/*.xml`, relative to the rootdir) whose root is a ZSPEC `<resource>`, plus files named by
`--apitest PATH`; other XML is never collected. One item per planned case, with node ids such as
`specs/trips.xml::trips::POST trips::positive`, and markers per category (`-m create`), case
kind (`-m negative`, `-m operation_validation`) and tag. Items run through the same engine as
`apitest run` (see pytest_session.py for how a chain runs once and reports per item); under
pytest-xdist each chain is an `xdist_group`, and `--dist loadgroup` is chosen for you.
"""

from __future__ import annotations

import fnmatch
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apitest.case_kinds import STEP_KINDS
from apitest.defaults import DEFAULTS, LIMITS, http_url_problem, parse_size, size_text
from apitest.errors import ApitestError, SpecError
from apitest.plan.model import Step
from apitest.pytest_session import ApitestSession, PluginOptions
from apitest.results import CaseResult, RunResult, shard_source_words
from apitest.session.config import call_policy, merged, shard_choice
from apitest.session.shard import ShardChoice
from apitest.session.suite import load_suite
from apitest.session.target import database_store
from apitest.spec.diagnostics import Diagnostic

_SESSION = pytest.StashKey[ApitestSession]()
_SHARD_OPTION = pytest.StashKey[ShardChoice]()
"""The shard `--apitest-shard` names, read once when pytest is configured."""
_GIVEN = pytest.StashKey[dict[str, Any]]()
"""The run settings the options and ini keys give, checked once when pytest is configured."""
_CATEGORIES = ("create", "read", "update", "action", "delete")
_KINDS = ("positive", "negative", *(k.replace(" ", "_") for k in STEP_KINDS if k != "test"))


def pytest_addoption(parser: pytest.Parser) -> None:
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


def pytest_configure(config: pytest.Config) -> None:
    for category in _CATEGORIES:
        config.addinivalue_line("markers", f"{category}: ZSPEC operations of category {category}")
    for kind in _KINDS:
        config.addinivalue_line("markers", f"{kind}: apitest cases of kind {kind}")
    config.addinivalue_line("markers", "apitest: every case collected from a ZSPEC file")
    explicit = any(arg.startswith("--dist") for arg in config.invocation_params.args)
    if getattr(config.option, "dist", None) == "load" and not explicit:
        config.option.dist = "loadgroup"  # a chain must not split across workers
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "apitest-xdist")
    shard = config.getoption("apitest_shard")
    if shard is not None:  # a bad value is a usage error now, not a collection error later
        try:
            choice = shard_choice(shard, None, "--apitest-shard")
        except ApitestError as exc:
            raise pytest.UsageError(f"apitest: {exc}") from None
        if choice is not None:
            config.stash[_SHARD_OPTION] = choice
    config.stash[_GIVEN] = _given_settings(config)  # likewise a value out of range


def _given_settings(config: pytest.Config) -> dict[str, Any]:
    """The run settings given as options or ini keys (None: not given), each within the range
    the CLI's option takes (defaults.LIMITS), sizes read into bytes; a bad one is a usage
    error, said when pytest starts."""
    given: dict[str, Any] = {
        "seed": _pick(config, "seed"),
        "concurrency": _pick(config, "concurrency"),
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


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Under xdist the controller collects nothing (its workers do, and print nothing), so the
    collection line below never shows there: the header says which shard instead, from the
    option alone (the whole plan's figures are in each result and report)."""
    choice = config.stash.get(_SHARD_OPTION, None)
    if not getattr(config.option, "numprocesses", None) or choice is None:
        return []
    return [
        f"apitest: shard {choice.index}/{choice.total} of the plan's chains (K/N from "
        f"{shard_source_words(choice.source)}); "
        "the workers share out its chains"
    ]


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    """Under "collected N items": which shard this is and what the whole plan was, and
    plainly when the shard holds nothing (pytest then exits 5, no tests collected)."""
    session = config.stash.get(_SESSION, None)
    if session is None or session.shard is None:
        return []
    from apitest.report.console import shard_text

    return [f"apitest: {shard_text(session.shard, session.plan).plain}"]


class _XdistHooks:
    """Registered only where pytest-xdist is installed (its hooks exist only then)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """Group by chain, computed here from the node ids themselves: pytest 9 ignores the
        `@group` suffix xdist 3.8 writes into `_nodeid`, so `xdist_group` alone no longer
        keeps a group on one worker."""
        if config.getvalue("dist") != "loadgroup":
            return None
        from xdist.scheduler.loadgroup import LoadGroupScheduling  # type: ignore[import-untyped]

        chains = _chain_by_nodeid(config)

        class ChainScheduling(LoadGroupScheduling):  # type: ignore[misc]
            def _split_scope(self, nodeid: str) -> str:
                chain = chains.get(nodeid.split("@")[0])
                return f"apitest:{chain}" if chain else str(super()._split_scope(nodeid))

        return ChainScheduling(config, log)


def _chain_by_nodeid(config: pytest.Config) -> dict[str, str]:
    """Every apitest item's node id, mapped to its chain (empty when nothing is collected)."""
    try:
        session = apitest_session(config)
    except SpecLoadError:
        return {}
    found: dict[str, str] = {}
    rootdir = config.rootpath.resolve()
    for res in session.plan.resources:
        try:
            file = Path(res.file).resolve().relative_to(rootdir).as_posix()
        except ValueError:
            continue
        for (operation, item), step in item_names(session, res.name).items():
            found[f"{file}::{res.name}::{operation}::{item}"] = session.chain_of(step).id
    return found


def item_names(session: ApitestSession, resource: str) -> dict[tuple[str, str], Step]:
    """(operation node, item name) for each step of a resource's chains, unique within the
    operation: a repeated name (a data preparation both chains need) gets its step id. Names
    are given over the whole plan, so a shard's items are named as in any other shard."""
    names: dict[tuple[str, str], Step] = {}
    mine = {step.id for step in session.plan.steps}
    for chain in session.whole.chains:
        if chain.resource != resource:
            continue
        for step in chain.steps:
            operation = step.operation.name
            name = step.case if step.kind == "test" else f"{step.kind}: {step.case}"
            if (operation, name) in names:
                name = f"{name} [{step.id}]"
            names[(operation, name)] = step
    return {key: step for key, step in names.items() if step.id in mine}


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_SESSION, None)
    if session is not None:
        session.close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    if file_path.suffix != ".xml" or not _wanted(file_path, config):
        return None
    if not _is_resource(file_path):
        return None
    return SpecFile.from_parent(parent, path=file_path)


def _wanted(path: Path, config: pytest.Config) -> bool:
    rootdir = config.rootpath
    try:
        relative = path.resolve().relative_to(rootdir.resolve()).as_posix()
    except ValueError:
        relative = path.as_posix()
    if fnmatch.fnmatch(relative, str(config.getini("apitest_specs"))):
        return True
    suite = config.getoption("apitest_suite") or config.getini("apitest_suite")
    named = list(config.getoption("apitest_paths"))
    if suite:
        try:
            named += load_suite(str(suite)).specs
        except ApitestError:
            return False  # reported once when the session loads
    for name in named:
        chosen = Path(name).resolve()
        if path.resolve() == chosen or chosen in path.resolve().parents:
            return True
    return False


def _is_resource(path: Path) -> bool:
    """A cheap sniff of the root element, so other XML is never parsed in full or collected."""
    try:
        head = path.read_bytes()[:4096].decode("utf-8", errors="replace")
    except OSError:
        return False
    head = re.sub(r"<\?.*?\?>|<!--.*?-->", "", head, flags=re.S)
    match = re.search(r"<\s*([A-Za-z_][\w.:-]*)", head)
    return match is not None and match.group(1).split(":")[-1] == "resource"


def apitest_session(config: pytest.Config) -> ApitestSession:
    """The session state, made on first use from every collectable spec file."""
    found = config.stash.get(_SESSION, None)
    if found is not None:
        return found
    from apitest.spec.loader import load_catalog

    try:
        options = _options(config)
        paths = sorted(_spec_paths(config) | set(options.suite.specs if options.suite else ()))
        catalog = load_catalog(paths, on_warnings=_warn_about_specs)
    except (ApitestError, ApitestSpecWarning) as exc:  # the warning: under -W error::...
        culprit = Path(exc.file).resolve() if isinstance(exc, SpecError) and exc.file else None
        raise SpecLoadError(f"apitest: {exc}", culprit) from None
    session = ApitestSession(catalog, options)
    config.stash[_SESSION] = session
    return session


class ApitestSpecWarning(pytest.PytestWarning):
    """A spec problem that does not stop the run (an unknown attribute, a deprecated form).

    Raised as a pytest warning located at the spec's file and line, so it shows in pytest's
    warnings summary (xdist workers forward theirs) and `-W error::apitest.pytest_plugin.
    ApitestSpecWarning` turns it into a collection error for CI."""


class ApitestAuthWarning(pytest.PytestWarning):
    """Credential trouble that fails no test: a refresh token refused and another flow used
    instead, or a custom token store without a lock. A warning, so it shows in pytest's
    warnings summary (xdist workers forward theirs), and `-W error::apitest.pytest_plugin.
    ApitestAuthWarning` fails the test that met it, for CI that wants it fatal."""


def _warn_about_specs(found: list[Diagnostic]) -> None:
    for diag in found:
        message = f"{diag.message} ({diag.hint})" if diag.hint else diag.message
        warnings.warn_explicit(
            f"{diag.file}:{diag.line}:{diag.col}: warning: {message}",
            ApitestSpecWarning,
            diag.file,
            diag.line,
        )


def _spec_paths(config: pytest.Config) -> set[str]:
    rootdir = config.rootpath
    found = {str(p) for p in rootdir.glob(str(config.getini("apitest_specs"))) if _is_resource(p)}
    for named in config.getoption("apitest_paths"):
        path = Path(named)
        files = path.rglob("*.xml") if path.is_dir() else [path]
        found.update(str(p) for p in files if _is_resource(p))
    return found


def _pick(config: pytest.Config, name: str) -> Any:
    """`--apitest-NAME`, else the ini's `apitest_NAME` where there is one; None: neither."""
    value = config.getoption(f"apitest_{name}")
    if value is None:
        try:
            value = config.getini(f"apitest_{name}") or None
        except ValueError:
            value = None
    return value


def _options(config: pytest.Config) -> PluginOptions:
    def pick(name: str) -> Any:
        return _pick(config, name)

    named = pick("suite")
    suite = load_suite(named) if named else None
    given = config.stash[_GIVEN]  # the timeouts have no option: the suite's or the default
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
            str(merged("throttle_store", pick("throttle_store"), suite)), "--apitest-throttle-store"
        ),
        report_dir=config.getoption("apitest_report_dir"),
        suite=suite,
        # the option, read once when pytest was configured; else the suite's `[run] shard`
        shard=config.stash.get(_SHARD_OPTION, None) or shard_choice(None, suite, "--apitest-shard"),
    )


class SpecLoadError(Exception):
    """The specs do not load: reported once, without a traceback, by the file at fault when
    pytest collects it, else by the first file collected (the message names the file)."""

    def __init__(self, message: str, culprit: Path | None) -> None:
        super().__init__(message)
        self.culprit = culprit


_REPORTED = pytest.StashKey[bool]()
_PENDING = pytest.StashKey[SpecLoadError]()
"""A load error left to its own file, in case pytest never collects that file."""


def pytest_collection_modifyitems(config: pytest.Config) -> None:
    """The file at fault was not collected (pytest given other paths): say it all the same,
    as a usage error, rather than run nothing and stay silent."""
    pending = config.stash.get(_PENDING, None)
    if pending is not None and not config.stash.get(_REPORTED, False):
        config.stash[_REPORTED] = True
        raise pytest.UsageError(str(pending))


class SpecFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        try:
            session = apitest_session(self.config)
        except SpecLoadError as exc:
            if self.config.stash.get(_REPORTED, False):
                return  # said once already
            collected = {Path(path).resolve() for path in _spec_paths(self.config)}
            if exc.culprit in collected and exc.culprit != self.path.resolve():
                self.config.stash[_PENDING] = exc  # its own file says it (pytest blamed us)
                return
            self.config.stash[_REPORTED] = True
            if _PENDING in self.config.stash:
                del self.config.stash[_PENDING]
            raise
        own = [
            res for res in session.plan.resources if Path(res.file).resolve() == self.path.resolve()
        ]
        for resource in own:
            yield ResourceNode.from_parent(self, name=resource.name, resource=resource.name)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, SpecLoadError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class ResourceNode(pytest.Collector):
    def __init__(self, *, resource: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.resource = resource

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        session = apitest_session(self.config)
        by_operation: dict[str, dict[str, Step]] = {}
        for (operation, name), step in item_names(session, self.resource).items():
            by_operation.setdefault(operation, {})[name] = step
        for operation, steps in by_operation.items():
            yield OperationNode.from_parent(self, name=operation, steps=steps)


class OperationNode(pytest.Collector):
    def __init__(self, *, steps: dict[str, Step], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.steps = steps

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        for name, step in self.steps.items():
            yield CaseItem.from_parent(self, name=name, step=step)


class CaseFailed(Exception):
    def __init__(self, case: CaseResult) -> None:
        super().__init__(case.message)
        self.case = case


class CaseItem(pytest.Item):
    def __init__(self, *, step: Step, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.step = step
        op = step.operation
        session = apitest_session(self.config)
        chain = session.chain_of(step)
        self.add_marker(pytest.mark.apitest)
        self.add_marker(getattr(pytest.mark, op.category))
        self.add_marker(getattr(pytest.mark, _kind_marker(step)))
        for tag in op.tags:
            marker = _marker_name(tag.name)
            self.config.addinivalue_line("markers", f"{marker}: ZSPEC tag {tag.name!r}")
            self.add_marker(getattr(pytest.mark, marker))
        self.add_marker(pytest.mark.xdist_group(chain.id))

    def runtest(self) -> None:
        session = apitest_session(self.config)
        try:
            case = session.case_result(self.step)
        except ApitestError as exc:
            raise pytest.UsageError(f"apitest: {exc}") from None
        for notice in session.untold_notices():
            warnings.warn(f"apitest: {notice.message}", ApitestAuthWarning, stacklevel=1)
        self.user_properties.extend(
            [("seed", str(session.plan.seed)), ("target", session.target().base_url)]
        )
        if case.status == "skipped":
            pytest.skip(case.message or "skipped")
        if case.status in ("failed", "error"):
            raise CaseFailed(case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailed):
            from apitest.report.console import failure_text

            return failure_text(excinfo.value.case).plain
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        op = self.step.operation
        return self.path, max(0, op.loc.line - 1), f"{op.name} / {self.step.case}"


def _kind_marker(step: Step) -> str:
    if step.violation is not None:
        return "negative"
    if step.kind == "test":
        return "positive"
    return step.kind.replace(" ", "_")


def _marker_name(tag: str) -> str:
    return re.sub(r"\W+", "_", tag.strip().lower()).strip("_") or "tag"


@pytest.fixture(scope="session")
def apitest_run(request: pytest.FixtureRequest) -> RunResult:
    """The RunResult of every collectable spec (chains this process already ran are reused)."""
    return apitest_session(request.config).run_all()
