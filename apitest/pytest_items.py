"""The pytest collection tree of ZSPEC files: file > resource > operation > case item.

Every node asks one `ApitestSession` (made on first use from every collectable spec file) for
its plan; a case item runs its chain through it once and reports its own step. A spec that does
not load is said once, without a traceback, by the file at fault.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apitest.errors import ApitestError, SpecError
from apitest.plan.model import Step
from apitest.pytest_options import plugin_options
from apitest.pytest_session import ApitestSession
from apitest.results import CaseResult
from apitest.zspec.diagnostics import Diagnostic

SESSION = pytest.StashKey[ApitestSession]()


class SetupError(Exception):
    """The specs or the session's settings do not load (an auth file that cannot be read, a
    bad profile): reported once, without a traceback, by the file at fault when pytest
    collects it, else by the first file collected (the message names the file or option)."""

    def __init__(self, message: str, culprit: Path | None) -> None:
        super().__init__(message)
        self.culprit = culprit


REPORTED = pytest.StashKey[bool]()
PENDING = pytest.StashKey[SetupError]()
"""A load error left to its own file, in case pytest never collects that file."""


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


def apitest_session(config: pytest.Config) -> ApitestSession:
    """The session state, made on first use from every collectable spec file."""
    found = config.stash.get(SESSION, None)
    if found is not None:
        return found
    from apitest.zspec.loader import load_catalog

    try:
        options = plugin_options(config)
        paths = sorted(spec_paths(config) | set(options.suite.specs if options.suite else ()))
        catalog = load_catalog(paths, on_warnings=_warn_about_specs)
        session = ApitestSession(catalog, options)
    except (ApitestError, ApitestSpecWarning) as exc:  # the warning: under -W error::...
        culprit = Path(exc.file).resolve() if isinstance(exc, SpecError) and exc.file else None
        raise SetupError(f"apitest: {exc}", culprit) from None
    config.stash[SESSION] = session
    return session


def spec_paths(config: pytest.Config) -> set[str]:
    rootdir = config.rootpath
    found = {str(p) for p in rootdir.glob(str(config.getini("apitest_specs"))) if is_resource(p)}
    for named in config.getoption("apitest_paths"):
        path = Path(named)
        files = path.rglob("*.xml") if path.is_dir() else [path]
        found.update(str(p) for p in files if is_resource(p))
    return found


def is_resource(path: Path) -> bool:
    """A cheap sniff of the root element, so other XML is never parsed in full or collected."""
    try:
        head = path.read_bytes()[:4096].decode("utf-8", errors="replace")
    except OSError:
        return False
    head = re.sub(r"<\?.*?\?>|<!--.*?-->", "", head, flags=re.S)
    match = re.search(r"<\s*([A-Za-z_][\w.:-]*)", head)
    return match is not None and match.group(1).split(":")[-1] == "resource"


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


class SpecFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        try:
            session = apitest_session(self.config)
        except SetupError as exc:
            if self.config.stash.get(REPORTED, False):
                return  # said once already
            collected = {Path(path).resolve() for path in spec_paths(self.config)}
            if exc.culprit in collected and exc.culprit != self.path.resolve():
                self.config.stash[PENDING] = exc  # its own file says it (pytest blamed us)
                return
            self.config.stash[REPORTED] = True
            if PENDING in self.config.stash:
                del self.config.stash[PENDING]
            raise
        own = [
            res for res in session.plan.resources if Path(res.file).resolve() == self.path.resolve()
        ]
        for resource in own:
            yield ResourceNode.from_parent(self, name=resource.name, resource=resource.name)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, SetupError):
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


class CaseNotRun(Exception):
    """The case's chain could not run (the target unreachable, a token store that does not
    open): the item fails with apitest's one message, as `apitest run` says it, not with a
    traceback through pytest's runner."""


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
            raise CaseNotRun(f"apitest: {exc}") from None
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
        if isinstance(excinfo.value, CaseNotRun):
            return str(excinfo.value)
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
