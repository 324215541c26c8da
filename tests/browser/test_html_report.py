"""The HTML report in real headless Chromium: a real run against the bundled service with a
defect, opened from disk as a QA engineer would, and clicked through tab by tab.

Each step is screenshotted (tmp_path/screenshots; APITEST_KEEP_SCREENSHOTS=1 keeps a copy in
tests/browser/output/) so a failure can be looked at, not only read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apitest.demo import DemoConfig, DemoServer
from apitest.engine.events import NullListener
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.graph import PlanOptions, build_plan
from apitest.report.html import write_html
from apitest.report.repro import Replays
from apitest.results import CaseResult, HttpRecord, RunResult, Status
from apitest.zspec.loader import load_catalog

from ..support import SPECS, demo_auth
from ._page import assert_page_is_clean, click_tab, open_report, visible_case_ids, wait_for
from .conftest import Shoot

FAILING = "GET trip / verify PUT trips"
"""The lost-update defect drops a PUT: the read-back after it is the case that must fail."""


def lost_update_run(tmp_path: Path) -> tuple[RunResult, set[str]]:
    """A whole reference run (positive and negative cases) against a service that loses
    updates; the result and every access token the service issued during it."""
    catalog = load_catalog([SPECS / "trips.xml"])
    server = DemoServer(DemoConfig(bugs=frozenset({"lost-update"}), lag_ms=0)).start()
    try:
        settings = RunSettings(
            base_url=server.base_url,
            auth=demo_auth(),
            ledger_path=tmp_path / "ledger.jsonl",
        )
        result = run_plan(
            catalog, build_plan(catalog, PlanOptions(seed=4)), settings, NullListener()
        )
        tokens = set(server.state.authority._access)
    finally:
        server.stop()
    return result, tokens


def test_report_of_a_failing_run_in_chromium(driver: Any, shoot: Shoot, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    result, tokens = lost_update_run(tmp_path)
    failed = {case.id for case in result.cases if case.status in ("failed", "error")}
    target = next(case for case in result.cases if case.name == FAILING)
    assert target.status == "failed" and target.id in failed
    report = tmp_path / "report.html"
    write_html(result, report)

    open_report(driver, report)
    shoot("overview")
    totals = {
        card.find_element(By.CLASS_NAME, "label").text.lower(): card.find_element(
            By.CLASS_NAME, "value"
        ).text
        for card in driver.find_elements(By.CSS_SELECTOR, "#totals .stat")
    }
    counts = result.counts()
    assert totals["cases"] == f"{len(result.cases):,}"
    for status in ("passed", "failed", "error", "skipped"):
        assert totals[status] == f"{counts[status]:,}", status
    assert totals["token refreshes"] == str(result.token_refreshes)
    # rounded to two places by the page (JS toFixed may round a ...5 the other way)
    assert abs(float(totals["duration"].removesuffix(" s")) - result.duration_s) <= 0.01
    bars = driver.find_elements(By.CSS_SELECTOR, "svg.timeline g.bar")
    assert len(bars) == sum(1 for case in result.cases if case.calls or case.duration_ms > 0)

    click_tab(driver, "coverage")
    shoot("coverage")
    table = driver.find_element(By.ID, "coverage-table").text
    assert all(op.name in table for op in result.operations)
    click_tab(driver, "overview")
    driver.find_element(By.ID, "tab-overview").send_keys(Keys.ARROW_RIGHT)  # keyboard tabs
    assert driver.find_element(By.ID, "tab-coverage").get_attribute("aria-selected") == "true"
    click_tab(driver, "cases")
    shoot("cases")
    assert len(visible_case_ids(driver)) == min(len(result.cases), 100)

    driver.find_element(By.ID, "f-problems").click()
    shoot("failures-only")
    assert sorted(visible_case_ids(driver)) == sorted(failed)

    driver.find_element(By.CSS_SELECTOR, f'#cases-body tr.row[data-id="{target.id}"]').click()
    detail = driver.find_element(By.CSS_SELECTOR, f'.detail[data-case="{target.id}"]')
    shoot("failing-case")
    assert detail.find_element(By.CLASS_NAME, "message").text == target.message
    script = detail.find_element(By.CSS_SELECTOR, "pre.curl").get_property("textContent")
    assert script == Replays(result).script(target)  # the page's blocks join to Python's text
    earlier_post = next(
        case
        for case in result.cases
        if case.chain == target.chain and case.operation == "POST trips" and case.calls
    )
    assert f"# {earlier_post.id} POST trips / positive" in script
    assert "_capture a" in script and '"${APITEST_ACCESS_TOKEN}"' in script
    driver.execute_script(
        "arguments[0].scrollIntoView()", detail.find_element(By.CSS_SELECTOR, "pre.curl")
    )
    shoot("failing-case-replay")
    driver.get(report.as_uri() + f"#case={earlier_post.id}")  # a passed case: the command
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "pre.repro-cmd"), "its box")
    passed = driver.find_element(By.CSS_SELECTOR, f'.detail[data-case="{earlier_post.id}"]')
    command = passed.find_element(By.CSS_SELECTOR, "pre.repro-cmd").get_property("textContent")
    assert command == f"apitest repro report.json {earlier_post.id}"

    source = driver.page_source + report.read_text(encoding="utf-8")
    assert tokens and not [token for token in tokens if token in source]
    assert_page_is_clean(driver)


HOSTILE = '{"note": "</script><script>window.__pwned = 1</script> <!--<script> it\'s \u00e9"}'


def hostile_run() -> RunResult:
    """Bodies that try to break out of the data block, quotes that try to break the curl."""
    call = HttpRecord(
        method="POST",
        url="https://api.example.test/v1/notes?q=a b&token=${APITEST_ACCESS_TOKEN}",
        request_headers={"Authorization": "Bearer ${APITEST_ACCESS_TOKEN}", "X-Say": "it's"},
        request_body=HOSTILE,
        status=500,
        response_body="<html><body>upstream </script> error</body></html>",
    )
    statuses: tuple[Status, ...] = ("passed", "error")
    cases = [hostile_case(n, status, call) for n, status in enumerate(statuses, 1)]
    return RunResult(target="https://api.example.test/v1", seed=7, started_at="now", cases=cases)


def hostile_case(n: int, status: Status, call: HttpRecord) -> CaseResult:
    return CaseResult(
        id=f"notes.1.{n}",
        chain="notes.1",
        resource="notes",
        operation="POST notes",
        case="positive",
        kind="test",
        status=status,
        message=f"case {n} said </script>",
        method="POST",
        url=call.url,
        http_status=500,
        started_s=n / 10,
        duration_ms=30.0,
        calls=[call],
    )


def test_hostile_bodies_stay_data_and_curl_matches_python(
    driver: Any, shoot: Shoot, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    result = hostile_run()
    report = tmp_path / "hostile.html"
    write_html(result, report)
    open_report(driver, report)
    assert driver.execute_script("return window.__pwned") is None
    case = result.cases[1]
    driver.get(report.as_uri() + f"#case={case.id}")  # a link to one case opens it
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, ".detail"), "the case detail")
    shoot("hostile-case")
    detail = driver.find_element(By.CSS_SELECTOR, f'.detail[data-case="{case.id}"]')
    bodies = [
        pre.get_property("textContent") for pre in detail.find_elements(By.CSS_SELECTOR, "pre.body")
    ]
    assert (
        '"note": "</script><script>window.__pwned = 1</script> <!--<script> it\'s \u00e9"'
        in bodies[0]
    )
    assert bodies[1] == case.calls[0].response_body
    script = detail.find_element(By.CSS_SELECTOR, "pre.curl").get_property("textContent")
    assert script == Replays(result).script(case)
    assert '--data-raw \'{"note": "</script><script>window.__pwned = 1</script>' in script
    assert driver.execute_script("return window.__pwned") is None
    assert_page_is_clean(driver)


@pytest.mark.parametrize("status", ["passed", "failed"])
def test_an_empty_run_draws_every_tab(driver: Any, tmp_path: Path, status: str) -> None:
    result = RunResult(target="http://127.0.0.1:1/api", seed=1, started_at="now")
    result.interrupted = status == "failed"
    report = tmp_path / "empty.html"
    write_html(result, report)
    open_report(driver, report)
    for tab in ("coverage", "cases", "overview"):
        click_tab(driver, tab)
    assert_page_is_clean(driver)
