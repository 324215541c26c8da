"""pytest plugin (entry point `pytest11`): ZSPEC files as pytest tests.

`pytest specs/` collects every file matching the `apitest_specs` ini glob (default
`specs/*.xml`, relative to the rootdir) whose root is a ZSPEC `<resource>`, plus files named by
`--apitest PATH`; other XML is never collected. One item per planned case, with node ids such as
`specs/trips.xml::trips::POST trips::positive`, and markers per category (`-m create`), case
kind (`-m negative`, `-m operation_validation`) and tag. Items run through the same engine as
`apitest run` (see pytest_session.py for how a chain runs once and reports per item); under
pytest-xdist each chain is an `xdist_group`, and `--dist loadgroup` is chosen for you.

This module wires pytest's hooks; the options and ini keys are read in pytest_options.py, the
collection tree (file, resource, operation, case item) is pytest_items.py.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import pytest

from apitest.case_kinds import STEP_KINDS
from apitest.errors import ApitestError
from apitest.pytest_items import (
    PENDING,
    REPORTED,
    SESSION,
    ApitestAuthWarning,
    ApitestSpecWarning,
    SetupError,
    SpecFile,
    apitest_session,
    is_resource,
    item_names,
)
from apitest.pytest_options import MADE_FOLDERS, SHARD_OPTION, add_options, read_options
from apitest.report.files import remove_empty
from apitest.results import RunResult, shard_source_words
from apitest.session.suite import load_suite

__all__ = ["ApitestAuthWarning", "ApitestSpecWarning", "apitest_run"]
"""The warnings are named here, where the README's `-W error::apitest.pytest_plugin...` finds
them; they live with the collection tree that raises them."""

_CATEGORIES = ("create", "read", "update", "action", "delete")
_KINDS = ("positive", "negative", *(k.replace(" ", "_") for k in STEP_KINDS if k != "test"))


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


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
    read_options(config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Under xdist the controller collects nothing (its workers do, and print nothing), so the
    collection line below never shows there: the header says which shard instead, from the
    option alone (the whole plan's figures are in each result and report)."""
    choice = config.stash.get(SHARD_OPTION, None)
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
    session = config.stash.get(SESSION, None)
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
    except SetupError:
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


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION, None)
    if session is not None:
        session.close()
    made = config.stash.get(MADE_FOLDERS, None)
    if made is not None and not hasattr(config, "workerinput"):  # the controller ends last
        remove_empty(made)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    if file_path.suffix != ".xml" or not _wanted(file_path, config):
        return None
    if not is_resource(file_path):
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


def pytest_collection_modifyitems(config: pytest.Config) -> None:
    """The file at fault was not collected (pytest given other paths): say it all the same,
    as a usage error, rather than run nothing and stay silent."""
    pending = config.stash.get(PENDING, None)
    if pending is not None and not config.stash.get(REPORTED, False):
        config.stash[REPORTED] = True
        raise pytest.UsageError(str(pending))


@pytest.fixture(scope="session")
def apitest_run(request: pytest.FixtureRequest) -> RunResult:
    """The RunResult of every collectable spec (chains this process already ran are reused)."""
    return apitest_session(request.config).run_all()
