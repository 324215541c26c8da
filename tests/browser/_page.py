"""Driving the HTML report page in Chromium, for the browser tests that open it."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def open_report(driver: Any, path: Path) -> None:
    """Load the report from its file and wait until the page has drawn its Overview."""
    driver.get(path.as_uri())
    ready = "return document.documentElement.getAttribute('data-ready')"
    wait_for(driver, lambda: driver.execute_script(ready) == "overview", "the Overview to draw")


def wait_for(driver: Any, check: Any, what: str) -> None:
    """Until `check()` holds, for at most 10 s; the failure says what was waited for."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda _: check(), message=f"waited 10 s for {what}")


def assert_page_is_clean(driver: Any) -> None:
    """No JS error (the page's own hook and Chromium's console), nothing loaded from anywhere,
    and no sideways scrolling on a laptop screen."""
    assert driver.execute_script("return window.__reportErrors") == []
    severe = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    overflow = "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert driver.execute_script(overflow) <= 0


def click_tab(driver: Any, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, f"tab-{name}").click()
    tab = driver.find_element(By.ID, f"tab-{name}")
    assert tab.get_attribute("aria-selected") == "true"
    assert driver.find_element(By.ID, f"panel-{name}").is_displayed()


def visible_case_ids(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "#cases-body tr.row")
    return [row.get_attribute("data-id") for row in rows]
