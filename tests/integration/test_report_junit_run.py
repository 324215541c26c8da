"""`--junit` of a real run: the reference specs against the bundled service with a lost update,
so the document carries passes, a failure and real (redacted) exchanges, and must still
validate against junit-10.xsd and hold no token the service issued."""

from __future__ import annotations

from pathlib import Path

from junitparser import Failure, JUnitXml
from lxml import etree

from apitest.demo.credentials import DEMO_CLIENT_SECRET
from apitest.engine.events import NullListener
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.graph import PlanOptions, build_plan
from apitest.report.junit import write_junit
from apitest.zspec.loader import load_catalog

from ..support import DATA, SPECS, demo_auth
from .conftest import MakeServer

SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "junit" / "junit-10.xsd")))
AUTH = demo_auth()


def test_a_failing_run_of_the_reference_specs_gives_valid_junit_without_tokens(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server(bugs=["lost-update"])
    catalog = load_catalog([SPECS / "trips.xml", SPECS / "destinations.xml"])
    plan = build_plan(catalog, PlanOptions(seed=7, cases="positive"))
    settings = RunSettings(
        base_url=server.base_url, auth=AUTH, ledger_path=tmp_path / "ledger.jsonl"
    )
    result = run_plan(catalog, plan, settings, NullListener())
    path = tmp_path / "junit.xml"
    write_junit(result, path)

    text = path.read_text(encoding="utf-8")
    assert SCHEMA.validate(etree.parse(str(path))), SCHEMA.error_log
    suites = list(JUnitXml.fromfile(str(path)))
    counts = result.counts()
    assert [s.name for s in suites] == list(dict.fromkeys(c.resource for c in result.cases))
    assert sum(s.tests for s in suites) == len(result.cases)
    assert sum(s.failures for s in suites) == counts["failed"] >= 1
    assert sum(s.errors for s in suites) == counts["error"]
    failing = [
        (case, verdict)
        for suite in suites
        for case in suite
        for verdict in case.result
        if isinstance(verdict, Failure)
    ]
    where = [(case.classname, case.name) for case, _ in failing]
    assert ("trips.GET trip", "operation validation: verify PUT trips") in where, where
    case, verdict = next(
        f for f in failing if f[0].name == "operation validation: verify PUT trips"
    )
    assert verdict.message is not None and "the write did not stick" in verdict.message
    assert case.system_out.startswith("GET ") and "\n-> 200 (" in case.system_out

    secrets = {DEMO_CLIENT_SECRET, *server.state.authority._access}
    assert len(secrets) >= 2  # the run did get a token
    assert [secret[:8] for secret in secrets if secret in text] == []
