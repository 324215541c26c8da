"""Real headless Chromium for the HTML report tests, driven by Selenium and Debian's driver.

The tests use the browser the machine has (`apt-get install chromium chromium-driver`, which
`.ci/run` does on a fresh CI machine) and install nothing at run time: without it they skip,
saying what to install. Every flag that makes Chromium reach for Google's services is off, so
the browser makes no network call of its own on a closed network.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
OUTPUT = Path(__file__).resolve().parent / "output"
"""Screenshots are copied here when APITEST_KEEP_SCREENSHOTS is set (git-ignored)."""
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1366,900",
)
"""A 1366-pixel laptop screen: the report must fit it without sideways scrolling."""

Shoot = Callable[[str], Path]


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        return (
            f"Chromium not installed ({', '.join(missing)} missing): "
            "apt-get install chromium chromium-driver"
        )
    return None


def new_driver(user_data_dir: Path) -> Any:
    """A headless Chromium with its console log readable (goog:loggingPrefs)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Any]:
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    pytest.importorskip("selenium", reason="selenium missing: pip install -e '.[test]'")
    browser = new_driver(tmp_path / "chromium-profile")
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def shoot(driver: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Shoot]:
    """`shoot("name")` saves a screenshot into tmp_path/screenshots; copied to
    tests/browser/output/<test>/ afterwards if APITEST_KEEP_SCREENSHOTS is set."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    taken: list[Path] = []

    def take(name: str) -> Path:
        path = folder / f"{len(taken) + 1:02d}-{name}.png"
        assert driver.save_screenshot(str(path)), f"screenshot {name} failed"
        taken.append(path)
        return path

    yield take
    if os.environ.get("APITEST_KEEP_SCREENSHOTS") and taken:
        keep = OUTPUT / request.node.name
        shutil.rmtree(keep, ignore_errors=True)
        keep.mkdir(parents=True)
        for path in taken:
            shutil.copy2(path, keep / path.name)
