"""The HTML report's case view in real headless Chromium (issue 18, item 13): a case opened
from a link, the failures list or a timeline bar is scrolled to below the sticky header, not
under it, at any window width; and a call's status is coloured by what it meant for its
case, never green in a case that failed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apitest.report.html import write_html
from apitest.results import CaseResult, HttpRecord, RunResult, Status

from ._page import assert_page_is_clean, open_report, wait_for
from .conftest import Shoot

GREEN, RED, AMBER = "rgba(26, 127, 55, 1)", "rgba(196, 32, 43, 1)", "rgba(161, 74, 0, 1)"
"""report.css --pass, --fail and --error, as the browser computes them."""


def one_case(n: int, status: Status, answered: int, kind: str = "test") -> CaseResult:
    url = f"http://127.0.0.1:1/api/trips/{n}"
    return CaseResult(
        id=f"trips.1.{n}", chain="trips.1", resource="trips", operation="GET trip",
        case=f"case {n}", kind=kind, status=status, message=f"case {n} {status}",
        method="GET", url=url, http_status=answered, started_s=n / 100, duration_ms=5.0,
        calls=[HttpRecord("GET", url, status=answered, response_body='{"trip_id": "1"}')],
    )  # fmt: skip


def long_run() -> RunResult:
    """One page of cases (100), so a case near its end must be scrolled to."""
    cases = [one_case(n, "failed" if n == 70 else "passed", 200) for n in range(1, 101)]
    return RunResult(target="http://127.0.0.1:1/api", seed=1, started_at="now", cases=cases)


def room_above(driver: Any, case_id: str) -> float:
    """Pixels between the sticky header's bottom and the case row's top (negative: hidden)."""
    script = """
      const row = document.querySelector('#cases-body tr.row[data-id="' + arguments[0] + '"]');
      const header = document.querySelector("header.top").getBoundingClientRect();
      const top = row.getBoundingClientRect().top;
      return [top - header.bottom, top < window.innerHeight, window.scrollY];
    """
    room, on_screen, scrolled = driver.execute_script(script, case_id)
    assert on_screen and scrolled > 0, (room, on_screen, scrolled)  # it had to be scrolled to
    return float(room)


def open_by_link(driver: Any, report: Path, case_id: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{report.as_uri()}#case={case_id}")
    selector = f'.detail[data-case="{case_id}"]'
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, selector), f"case {case_id}")


def test_a_case_scrolled_to_stops_below_the_sticky_header(
    driver: Any, shoot: Shoot, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    report = tmp_path / "report.html"
    write_html(long_run(), report)
    open_by_link(driver, report, "trips.1.60")  # a link to a case
    shoot("linked-case")
    assert room_above(driver, "trips.1.60") >= 0

    open_report(driver, report)  # the failures list of the Overview
    driver.find_element(By.CSS_SELECTOR, '[data-open="trips.1.70"]').click()
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, ".detail"), "the case")
    shoot("failure-clicked")
    assert room_above(driver, "trips.1.70") >= 0

    driver.set_window_size(640, 900)  # a narrow window: the header wraps and grows
    open_by_link(driver, report, "trips.1.80")
    shoot("narrow-linked-case")
    header = driver.execute_script("return document.querySelector('header.top').offsetHeight")
    assert room_above(driver, "trips.1.80") >= 0 and header > 100
    assert driver.execute_script("return window.__reportErrors") == []


def status_colour(driver: Any, report: Path, case_id: str) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    open_by_link(driver, report, case_id)
    code = driver.find_element(By.CSS_SELECTOR, f'.detail[data-case="{case_id}"] .status-code')
    return code.text, code.value_of_css_property("color")


def test_a_calls_status_is_green_only_when_its_case_passed(
    driver: Any, shoot: Shoot, tmp_path: Path
) -> None:
    cases = [
        one_case(1, "passed", 200),  # a read that held
        one_case(2, "failed", 200, "operation validation"),  # a lost update: the 200 proves it
        one_case(3, "passed", 400),  # a negative case the API refused, as it should
        one_case(4, "failed", 201),  # a negative case the API accepted
        one_case(5, "error", 500),
        one_case(6, "failed", 404),  # a positive read that found nothing
    ]
    result = RunResult(target="http://127.0.0.1:1/api", seed=1, started_at="now", cases=cases)
    report = tmp_path / "report.html"
    write_html(result, report)
    seen = {case.id: status_colour(driver, report, case.id) for case in cases}
    shoot("last-case")
    assert seen == {
        "trips.1.1": ("200", GREEN),
        "trips.1.2": ("200", RED),
        "trips.1.3": ("400", AMBER),
        "trips.1.4": ("201", RED),
        "trips.1.5": ("500", RED),
        "trips.1.6": ("404", AMBER),
    }
    assert_page_is_clean(driver)
