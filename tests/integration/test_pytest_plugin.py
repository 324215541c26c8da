"""The pytest plugin, proved with pytester: collection, selection, xdist grouping, failures."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from apitest.demo.credentials import DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN
from apitest.plan.graph import build_plan
from apitest.zspec.loader import load_catalog

from ..support import REPO, SPECS, loopback_client
from ._api import token_request
from .conftest import MakeServer, create_case_under_pytest

pytest_plugins = ["pytester"]


def planned_steps() -> int:
    return len(build_plan(load_catalog([SPECS / "trips.xml"])).steps)


def test_collects_one_item_per_case_with_readable_node_ids(project: pytest.Pytester) -> None:
    (project.path / "specs" / "other.xml").write_text("<catalog><book/></catalog>")
    (project.path / "elsewhere.xml").write_text((SPECS / "trips.xml").read_text())
    result = project.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    ids = [line for line in result.outlines if "::" in line]
    assert len(ids) == planned_steps()
    assert "specs/trips.xml::trips::POST trips::positive" in ids
    assert "specs/trips.xml::trips::GET trip::operation validation: verify PUT trips" in ids
    assert "specs/trips.xml::trips::POST trips::Mandatory Property trips[0].trip_name" in ids
    assert not any("other.xml" in line or "elsewhere.xml" in line for line in ids)
    assert len(ids) == len(set(ids))


def test_markers_and_keywords_select_and_dependencies_still_run(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest("-m", "create and positive", "-p", "no:cacheprovider", "-v")
    passed = [line for line in result.outlines if " PASSED" in line]
    assert len(passed) == 2  # POST trips and POST destinations
    assert all("POST" in line for line in passed)
    result = project.runpytest("-k", "GET and trip and positive", "-p", "no:cacheprovider", "-q")
    # GET trip / positive needs a trip: its chain's data preparation and create ran unseen
    result.assert_outcomes(passed=2)  # GET trips and GET trip


def test_under_xdist_a_chain_never_splits_and_counts_match_the_cli(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest_subprocess("-n", "2", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=planned_steps())
    where: dict[str, str] = {}
    for line in result.outlines:
        found = re.match(r"\[(gw\d)\] \[\s*\d+%\] PASSED (specs/trips\.xml::\S.*?)\s*$", line)
        if found:
            where[found.group(2)] = found.group(1)
    lifecycle = {
        worker for node, worker in where.items()
        if node.endswith("::positive") or "::operation validation: " in node
    }  # fmt: skip
    assert len(where) > 70 and len(lifecycle) == 1  # the trips lifecycle ran on one worker


def test_a_failure_reads_like_the_cli(project: pytest.Pytester, make_server: MakeServer) -> None:
    server = make_server(bugs=["lost-update"])
    result = project.runpytest(
        f"--apitest-base-url={server.base_url}", "--apitest-cases=positive", "-p",
        "no:cacheprovider", "--junitxml=junit.xml",
    )  # fmt: skip
    result.assert_outcomes(passed=planned_steps() // 1 - 1 - _negatives(), failed=1)
    text = result.stdout.str()
    assert "GET trip / verify PUT trips (operation validation)" in text
    assert "the write did not stick: $.trip_name: sent" in text  # its example, marked
    assert re.search(r"at \S*specs/trips\.xml:\d+", text)
    junit = (project.path / "junit.xml").read_text()
    assert '<property name="seed" value="0"' in junit
    assert f'<property name="target" value="{server.base_url}"' in junit


def _negatives() -> int:
    catalog = load_catalog([SPECS / "trips.xml"])
    return sum(1 for step in build_plan(catalog).steps if step.violation is not None) + sum(
        1
        for step in build_plan(catalog).steps
        if step.violation is None and step.id.split(".")[1] == "2"
    )


def test_the_apitest_run_fixture_gives_the_whole_result(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_custom="""
        def test_totals(apitest_run):
            counts = apitest_run.counts()
            assert counts["failed"] == 0 and counts["error"] == 0
            assert counts["passed"] == len(apitest_run.cases) > 100
            assert {c.resource for c in apitest_run.cases} == {"trips", "destinations"}
        """
    )
    result = project.runpytest("test_custom.py", "--apitest=specs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("name", ["broken.xml", "zz_broken.xml"])
def test_a_broken_spec_is_one_usage_error_blamed_on_its_own_file(
    project: pytest.Pytester, name: str
) -> None:
    """Collected first or last, the broken file is the one pytest names (it used to be
    whichever spec pytest happened to collect first: destinations.xml)."""
    (project.path / "specs" / name).write_text(
        '<resource specification="1.0.0" name="broken"><url path="/x">'
        '<operation method="get" name="g" category="bogus"/></url></resource>'
    )
    result = project.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # pytest's code for collection errors
    result.assert_outcomes(errors=1)
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output
    assert len(re.findall(rf"apitest: \S*{name}:1:\d+: error: ", output)) == 1
    assert f"ERROR collecting specs/{name}" in output
    assert "ERROR collecting specs/destinations.xml" not in output


def test_a_broken_spec_pytest_does_not_collect_is_still_said(project: pytest.Pytester) -> None:
    (project.path / "specs" / "zz_broken.xml").write_text(
        '<resource specification="1.0.0" name="broken"><url path="/x">'
        '<operation method="get" name="g" category="bogus"/></url></resource>'
    )
    result = project.runpytest("specs/trips.xml", "-p", "no:cacheprovider")
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, output
    assert "zz_broken.xml:1:" in output and "Traceback" not in output


def test_a_suite_brings_its_filters_and_hooks(project: pytest.Pytester) -> None:
    shutil.copytree(REPO / "suites", project.path / "suites")
    result = project.runpytest(
        "--apitest-suite=suites/trips.toml", "--apitest-cases=positive", "-p", "no:cacheprovider",
        "-m", "create", "-v",
    )  # fmt: skip
    result.assert_outcomes(passed=2)
    assert "POST trips::positive PASSED" in result.stdout.str()


def test_auth_notices_are_pytest_warnings_under_xdist(
    project: pytest.Pytester, make_server: MakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spent refresh token hidden by client credentials, and a custom token store without a
    lock, fail no test: under pytest they are warnings in the summary, forwarded by the xdist
    workers, each said once per worker rather than once per chain (issue 18, item 2)."""
    server = make_server()
    with loopback_client() as http:
        spend = token_request(
            http, server, grant_type="refresh_token", refresh_token=DEMO_REFRESH_TOKEN
        )
        assert spend.status_code == 200
    monkeypatch.setenv("APITEST_REFRESH_TOKEN", DEMO_REFRESH_TOKEN)
    path = [str(REPO), str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, path)))
    monkeypatch.setenv("BARRIER_PARTIES", "1")  # the store's barrier waits for no one
    result = project.runpytest_subprocess(
        "-n", "2", "-p", "no:cacheprovider", f"--apitest-base-url={server.base_url}",
        "--apitest-cases=positive", "--apitest-token-store=barrier_stores:LocklessBarrierStore",
        f"--apitest-token-store-path={project.path / 'tokens.json'}", "-k", "GET and positive",
    )  # fmt: skip
    result.assert_outcomes(passed=4, warnings=None)
    text = result.stdout.str()
    assert "ApitestAuthWarning: apitest: profile 'default': the token endpoint" in text
    assert "refused the refresh token given (APITEST_REFRESH_TOKEN) (invalid_grant" in text
    lockless = "apitest: the token store barrier_stores:LocklessBarrierStore has no lock()"
    assert lockless in text
    assert DEMO_REFRESH_TOKEN not in text and DEMO_CLIENT_SECRET not in text


@pytest.mark.parametrize(("timeout", "outcome"), [(0.3, "failed"), (10, "passed")])
def test_a_suites_read_timeout_bounds_each_call_under_pytest_as_under_the_cli(
    project: pytest.Pytester, make_server: MakeServer, timeout: float, outcome: str
) -> None:
    """A suite's `[run] timeout` reached the CLI's engine but not the plugin's, which kept
    the 30 s default: against a service answering in 1 s, 0.3 s must fail the case, and
    10 s (the control) must pass it."""
    server = make_server(latency_ms=1000)
    result = create_case_under_pytest(project, server.base_url, f"timeout = {timeout}", "-v")
    result.assert_outcomes(**{outcome: 1})
    if outcome == "failed":
        assert "timed out" in result.stdout.str().lower(), result.stdout.str()[-3000:]


@pytest.mark.parametrize(
    ("cap", "outcome"), [("4k", "failed"), ("1M", "passed")], ids=["capped", "control"]
)
def test_the_answer_size_cap_reaches_the_plugin_as_the_cli(
    project: pytest.Pytester, make_server: MakeServer, cap: str, outcome: str
) -> None:
    """`--apitest-max-body-bytes` caps what is read of an answer as `run --max-body-bytes`
    does: against a service padding every answer to about 10 KB, 4k fails the case and 1M
    (the control) passes it."""
    server = make_server(oversize_rate=1.0, oversize_mb=0.01)
    result = project.runpytest(
        "specs/destinations.xml", f"--apitest-base-url={server.base_url}",
        f"--apitest-max-body-bytes={cap}", "--apitest-cases=positive", "-m", "create",
        "-p", "no:cacheprovider", "-v",
    )  # fmt: skip
    result.assert_outcomes(**{outcome: 1})
    if outcome == "failed":
        assert "larger than the 4,096-byte cap" in result.stdout.str(), result.stdout.str()[-3000:]


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("--apitest-concurrency=0", "--apitest-concurrency 0 is out of range (1 to 1000)"),
        ("--apitest-eventually=-1", "--apitest-eventually -1.0 is out of range (0 to 3600)"),
        ("--apitest-max-body-bytes=lots", "--apitest-max-body-bytes: 'lots' is not a size"),
        ("--apitest-seed=-3", "--apitest-seed -3 is out of range (0 to"),
        # these two failed every item, one by one, each with a traceback through pytest
        ("--apitest-base-url=nope", "--apitest-base-url 'nope' needs the scheme http or https"),
        ("--apitest-report-dir=/proc/apitest", "--apitest-report-dir /proc/apitest: cannot make"),
    ],
)
def test_a_setting_out_of_range_is_a_usage_error_naming_the_option(
    project: pytest.Pytester, option: str, said: str
) -> None:
    result = project.runpytest(option, "--collect-only", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert said in result.stderr.str(), result.stderr.str()


def test_a_report_folder_made_for_a_session_that_wrote_nothing_is_taken_away(
    project: pytest.Pytester, make_server: MakeServer
) -> None:
    """--apitest-report-dir is tried (made) as pytest starts; a session that then ran no case
    left it empty, as the CLI once did. Folders it found, and any holding a ledger, stay."""
    server = make_server()
    target = f"--apitest-base-url={server.base_url}"
    kept = project.path / "kept"
    kept.mkdir()
    unused = project.path / "made" / "reports"
    result = project.runpytest(
        target, f"--apitest-report-dir={unused}", "--collect-only", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.OK
    assert not (project.path / "made").exists()  # both folders it made are gone
    result = project.runpytest(target, f"--apitest-report-dir={kept}", "--collect-only")
    assert kept.is_dir()  # it was there before
    used = project.path / "used" / "reports"
    result = project.runpytest(
        target, f"--apitest-report-dir={used}", "-m", "create and positive", "-k", "trips",
        "-p", "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    assert [p.name for p in used.iterdir() if p.name.startswith("ledger")], list(used.iterdir())


def test_settings_that_do_not_load_are_said_once_without_a_traceback(
    project: pytest.Pytester,
) -> None:
    """An auth file that cannot be read used to be a collection error per spec file, each
    with a traceback through the plugin."""
    result = project.runpytest("--apitest-auth=missing.toml", "-p", "no:cacheprovider")
    out = result.stdout.str()
    assert result.ret == pytest.ExitCode.INTERRUPTED, out
    assert out.count("apitest: --auth missing.toml: cannot read it") == 1, out
    assert "Traceback" not in out and "pytest_items.py" not in out, out


def test_a_chain_that_cannot_run_fails_its_items_with_apitest_s_message(
    project: pytest.Pytester,
) -> None:
    """A target that cannot be reached (nothing listens on port 1): each item fails with the
    message `apitest run` gives, where each used to show a traceback through pytest's runner
    and a pytest.UsageError."""
    result = project.runpytest(
        "specs/destinations.xml", "--apitest-base-url=http://127.0.0.1:1", "-m", "create",
        "--apitest-cases=positive", "-p", "no:cacheprovider",
    )  # fmt: skip
    out = result.stdout.str()
    result.assert_outcomes(failed=1)
    assert "apitest: " in out and "UsageError" not in out and "runtest" not in out, out
