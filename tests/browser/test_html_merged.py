"""The HTML report of a merged sharded run (`apitest merge`) in real headless Chromium: the
header says it was merged and from which shards, the Overview draws one timeline per shard,
each holding that shard's cases only, and the Cases tab names and filters each case's shard,
with no JS error and no sideways scrolling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apitest.demo import DemoConfig, DemoServer
from apitest.engine.events import NullListener
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.graph import PlanOptions, build_plan
from apitest.report.html import write_html
from apitest.results import RunResult
from apitest.results_merge import merge_shards
from apitest.session.shard import ShardChoice, sharded
from apitest.zspec.loader import load_catalog

from ..support import SPECS, demo_auth
from ._page import assert_page_is_clean, click_tab, open_report, visible_case_ids
from .conftest import Shoot


def shard_runs(tmp_path: Path, total: int) -> list[RunResult]:
    """Both reference specs run as `--shard 1/total` .. `total/total` against the bundled
    service, the way `apitest run --shard` cuts and runs the plan."""
    catalog = load_catalog([SPECS / "trips.xml", SPECS / "destinations.xml"])
    plan = build_plan(catalog, PlanOptions(seed=5))
    server = DemoServer(DemoConfig(lag_ms=0)).start()
    try:
        results = []
        for index in range(1, total + 1):
            part, info = sharded(plan, ShardChoice(index, total, "option"))
            settings = RunSettings(
                base_url=server.base_url,
                auth=demo_auth(),
                ledger_path=tmp_path / f"ledger-{index}.jsonl",
                shard=info,
            )
            results.append(run_plan(catalog, part, settings, NullListener()))
        return results
    finally:
        server.stop()


def test_a_merged_report_draws_a_timeline_per_shard(
    driver: Any, shoot: Shoot, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    shards = shard_runs(tmp_path, 4)  # one chain each; a long header line
    assert all(shard.cases for shard in shards)
    merged = merge_shards([(f"s{index}.json", shard) for index, shard in enumerate(shards, 1)])
    report = tmp_path / "merged.html"
    write_html(merged, report)

    open_report(driver, report)
    shoot("merged-overview")
    line = driver.find_element(By.ID, "shards-line").text
    assert line.startswith("merged from 4 shards")
    for info in merged.shards:
        assert f"shard {info.index}/4 started {info.started_at}" in line
    cards = driver.find_elements(By.CSS_SELECTOR, ".timeline-shard")
    assert [card.get_attribute("data-shard") for card in cards] == ["1", "2", "3", "4"]
    assert driver.find_elements(By.ID, "timeline") == []  # no one timeline of mixed clocks
    for index, (card, shard) in enumerate(zip(cards, shards, strict=True), 1):
        assert card.find_element(By.TAG_NAME, "h2").text == f"Timeline of shard {index}/4"
        drawn = {
            bar.get_attribute("data-id")
            for bar in card.find_elements(By.CSS_SELECTOR, "svg.timeline g.bar")
        }
        timed = {case.id for case in shard.cases if case.calls or case.duration_ms > 0}
        assert drawn == timed and drawn  # this shard's cases, every one, and only those
    assert_page_is_clean(driver)

    click_tab(driver, "cases")
    headers = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#cases-table th")]
    assert headers[4] == "Shard"
    shard_of = {case.id: case.shard for case in merged.cases}
    for row in driver.find_elements(By.CSS_SELECTOR, "#cases-body tr.row"):
        shown = row.find_element(By.CSS_SELECTOR, "td.shard").text
        assert shown == f"{shard_of[row.get_attribute('data-id')]}/4"
    Select(driver.find_element(By.ID, "f-shard")).select_by_value("2")
    wanted = {case.id for case in merged.cases if case.shard == 2}
    assert set(visible_case_ids(driver)) == wanted and wanted != set(shard_of)
    driver.find_element(By.CSS_SELECTOR, "#cases-body tr.row").click()
    assert "Shard 2/4" in driver.find_element(By.CSS_SELECTOR, ".detail .kv").text
    shoot("merged-cases-shard-2")
    assert_page_is_clean(driver)
