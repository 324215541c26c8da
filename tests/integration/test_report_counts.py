"""Counts and names every output agrees on, from real runs of the CLI against the reference
service (issue 18, items 9 and 10): passed + failed + error + skipped is the plan's step
count in the console, report.json, junit.xml and report.html, interrupted runs and failed
before-run hooks included; the cleanup sweep is counted apart; JUnit names do not change
with the seed; coverage credits a lost update to the PUT; each chain's steps count under
the chain's resource."""

from __future__ import annotations

import json
import re
import signal
from collections import Counter
from pathlib import Path
from typing import Any

from lxml import etree

from apitest.plan.graph import PlanOptions, build_plan
from apitest.plan.model import Plan
from apitest.zspec.loader import load_catalog

from ..support import SPECS, run_cli, started_cli, wait_for_created
from .conftest import MakeServer

DATA_OPEN = '<script type="application/json" id="data">'
SUMMARY = re.compile(r"^(\d+) cases: (\d+) passed, (\d+) failed, (\d+) error, (\d+) skipped", re.M)
STATUSES = ("passed", "failed", "error", "skipped")


def plan_of(**options: Any) -> Plan:
    return build_plan(load_catalog([SPECS / "trips.xml"]), PlanOptions(**options))


def steps_by_chain_resource(plan: Plan) -> dict[str, int]:
    found: Counter[str] = Counter()
    for chain in plan.chains:
        found[chain.resource] += len(chain.steps)
    return dict(found)


def run_args(base_url: str, report: Path, *extra: str) -> list[str]:
    return ["run", "specs/trips.xml", "--base-url", base_url, "--report-dir", str(report), *extra]


def html_data(report: Path) -> dict[str, Any]:
    html = (report / "report.html").read_text(encoding="utf-8")
    start = html.index(DATA_OPEN) + len(DATA_OPEN)
    data: dict[str, Any] = json.loads(html[start : html.index("</script>", start)])
    return data


def junit_suites(report: Path) -> dict[str, dict[str, int]]:
    """Per testsuite: tests and each status, counted from its testcases and its attributes
    (which must agree)."""
    root = etree.parse(str(report / "junit.xml")).getroot()
    suites: dict[str, dict[str, int]] = {}
    for suite in root.iter("testsuite"):
        cases = list(suite.iter("testcase"))
        tally = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
        for case in cases:
            tags = {child.tag for child in case}
            status = (
                "failed" if "failure" in tags
                else "error" if "error" in tags
                else "skipped" if "skipped" in tags
                else "passed"
            )  # fmt: skip
            tally[status] += 1
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == tally["failed"]
        assert int(suite.get("errors", "-1")) == tally["error"]
        assert int(suite.get("skipped", "-1")) == tally["skipped"]
        suites[suite.get("name", "")] = tally
    assert int(root.get("tests", "-1")) == sum(sum(t.values()) for t in suites.values())
    return suites


def every_output_adds_up(report: Path, stdout: str, planned: int) -> dict[str, Any]:
    """The same four counts, summing to `planned`, in the console, JSON, JUnit and HTML."""
    result: dict[str, Any] = json.loads((report / "report.json").read_text(encoding="utf-8"))
    counts = result["counts"]
    assert sum(counts.values()) == planned == len(result["cases"]), counts
    (console,) = SUMMARY.findall(stdout)
    assert [int(n) for n in console] == [planned, *(counts[s] for s in STATUSES)], stdout[-800:]
    suites = junit_suites(report)
    assert {s: sum(t[s] for t in suites.values()) for s in STATUSES} == counts
    page = html_data(report)["run"]
    assert page["counts"] == counts and page["total"] == planned
    assert len(html_data(report)["cases"]) == planned
    by_resource = page["byResource"]
    assert {s: sum(t[s] for t in by_resource.values()) for s in STATUSES} == counts
    assert suites == by_resource  # the JUnit suites are the HTML's per-resource table
    return result


def test_an_interrupted_run_adds_up_to_the_plan_in_every_output_and_counts_cleanup_apart(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server(latency_ms=250)
    report = tmp_path / "r"
    argv = run_args(server.base_url, report, "--seed", "5", "--concurrency", "2")
    with started_cli(*argv) as run:
        wait_for_created(report / "ledger.jsonl", run)
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=120)
    assert run.returncode == 130, out[-2000:] + err
    result = every_output_adds_up(report, out, len(plan_of().steps))
    assert result["interrupted"] is True and result["counts"]["skipped"] > 0
    swept = result["cleanup_cases"]  # what the run had created when it stopped
    assert swept and all(case["kind"] == "cleanup" for case in swept)
    assert not any(case["chain"] == "cleanup" for case in result["cases"])
    assert result["cleanup_counts"] == {"deleted": len(swept), "not_deleted": 0}
    assert f"cleanup of what the run left behind: {len(swept)} deleted" in out
    assert html_data(report)["run"]["cleanupCounts"] == result["cleanup_counts"]
    properties = etree.parse(str(report / "junit.xml")).getroot().iter("property")
    deleted = [int(p.get("value", "0")) for p in properties if p.get("name") == "cleanup_deleted"]
    assert sum(deleted) == len(swept)


def test_a_failed_before_run_hook_makes_every_planned_case_an_error(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    (tmp_path / "hooks.py").write_text(
        "from apitest.hooks import before_run\n\n"
        "@before_run\ndef refuse(context):\n    raise RuntimeError('no fixtures today')\n",
        encoding="utf-8",
    )
    suite = tmp_path / "s.toml"
    suite.write_text(
        f'specs = ["{SPECS / "trips.xml"}"]\n[target]\nbase_url = "{server.base_url}"\n'
        '[hooks]\nmodules = ["hooks.py"]\n',
        encoding="utf-8",
    )
    report = tmp_path / "r"
    done = run_cli("run", str(suite), "--report-dir", str(report))
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr
    planned = len(plan_of().steps)
    result = every_output_adds_up(report, done.stdout, planned)
    assert result["counts"]["error"] == planned
    assert {case["message"] for case in result["cases"]} == {
        "not run: a before-run hook failed (hook refuse raised RuntimeError: no fixtures today)"
    }


def junit_names(report: Path) -> list[tuple[str, str, str]]:
    root = etree.parse(str(report / "junit.xml")).getroot()
    return sorted(
        (suite.get("name", ""), case.get("classname", ""), case.get("name", ""))
        for suite in root.iter("testsuite")
        for case in suite.iter("testcase")
    )


def test_junit_names_are_the_same_whatever_the_seed(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """CI history keys on (classname, name): two runs of one spec with the same options but
    different seeds (different data, timings, finishing order) name every case alike. The
    lifecycle and the negative chain of trips each read the destinations first: twins, which
    their names tell apart."""
    server = make_server()
    names = []
    seeds = ("918273", "564738")
    for seed in seeds:
        report = tmp_path / seed
        done = run_cli(*run_args(server.base_url, report, "--seed", seed, "-q"))
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr
        names.append(junit_names(report))
    assert names[0] == names[1]
    assert len(names[0]) == len(plan_of().steps) == len(set(names[0]))
    twins = [n for n in names[0] if n[2].startswith("data preparation: records for trips")]
    assert [n[2] for n in twins] == [
        "data preparation: records for trips [trips.1.1]",
        "data preparation: records for trips [trips.2.1]",
    ]
    assert not [n for n in names[0] for seed in seeds if seed in n[2]]  # no seed in a name


def test_a_lost_update_is_the_puts_failure_and_chains_count_under_their_resource(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server(bugs={"lost-update"})
    report = tmp_path / "r"
    done = run_cli(*run_args(server.base_url, report, "--seed", "3", "--cases", "positive"))
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr
    plan = plan_of(cases="positive")
    result = every_output_adds_up(report, done.stdout, len(plan.steps))
    (failed,) = [case for case in result["cases"] if case["status"] != "passed"]
    assert (failed["operation"], failed["case"]) == ("GET trip", "verify PUT trips")
    assert failed["under_test"] == "PUT trips"
    ops = {op["name"]: op for op in html_data(report)["coverage"]["ops"]}
    assert ops["PUT trips"]["cells"]["operation validation"] == [0, 1]
    assert "operation validation" not in ops["GET trip"]["cells"]
    assert [200, True, True] in ops["GET trip"]["statuses"]  # what the GET's call got
    expected = steps_by_chain_resource(plan)
    assert expected["trips"] > sum(1 for s in plan.steps if s.resource == "trips")  # prep steps
    page = html_data(report)["run"]["byResource"]
    assert {name: sum(tally.values()) for name, tally in page.items()} == expected
    table = re.findall(r"^│ (\w+)\s+│\s+(\d+) │\s+(\d+) │\s+(\d+) │\s+(\d+) │$", done.stdout, re.M)
    assert {name: sum(map(int, counts)) for name, *counts in table} == expected
