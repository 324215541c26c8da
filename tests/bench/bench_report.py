"""Benchmark: the HTML report of a 10,000-case run.

A RunResult is generated (20 resources x 5 chains x 100 cases, each case one call with a
~500-character JSON request body and a ~500-character response body, some failures, errors,
waits and throttling), rendered with `render_html` (best of 3), and written to a file. Then
headless Chromium opens it from disk 3 times; the figure is the time from navigation start to
the Overview drawn (the page records `performance.now()` when its first render is done and
painted), plus the time to draw the Cases tab and to filter it to failures. Targets, reported
not asserted: HTML < 15 MB, first screen < 2 s. Without Chromium the browser figures are
skipped with the reason.
"""

from __future__ import annotations

import gc
import json
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from apitest.report.html import render_html
from apitest.results import CaseResult, HttpRecord, OperationInfo, RunResult, Status

RESOURCES = 20
CHAINS = 5
CASES_PER_CHAIN = 100
BODY_CHARS = 500
SIZE_TARGET_MB = 15.0
FIRST_SCREEN_TARGET_S = 2.0
LOADS = 3
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
KINDS = ("positive", "Mandatory Property", "Invalid Type", "Null Value", "Length Violation")


def _body(rng: random.Random, size: int) -> str:
    """A JSON object of about `size` characters, with a 19-digit id like the real service."""
    fields: dict[str, Any] = {"id": str(rng.randrange(10**18, 10**19))}
    while len(json.dumps(fields)) < size:
        fields[f"field_{len(fields)}"] = "".join(rng.choices("abcdefghij klmnop", k=24))
    return json.dumps(fields)


def _status(rng: random.Random) -> Status:
    roll = rng.random()
    return (
        "failed"
        if roll < 0.03
        else "error"
        if roll < 0.04
        else "skipped"
        if roll < 0.05
        else "passed"
    )


def _case(rng: random.Random, resource: str, chain: str, n: int, at: float) -> CaseResult:
    kind = KINDS[n % len(KINDS)]
    method = ("POST", "GET", "PUT", "DELETE")[n % 4]
    url = f"https://api.example.test/v1/{resource}/{rng.randrange(10**18, 10**19)}"
    status = _status(rng)
    code = 200 if kind == "positive" else 400
    call = HttpRecord(
        method=method,
        url=url,
        request_headers={
            "Authorization": "Zoho-oauthtoken ${APITEST_ACCESS_TOKEN}",
            "Content-Type": "application/json",
        },
        request_body=_body(rng, BODY_CHARS),
        status=code,
        response_headers={"content-type": "application/json", "server": "bench"},
        response_body=_body(rng, BODY_CHARS),
        elapsed_ms=rng.uniform(5, 80),
    )
    failed = status in ("failed", "error")
    return CaseResult(
        id=f"{chain}.{n}",
        chain=chain,
        resource=resource,
        operation=f"{method} {resource}",
        case="positive" if kind == "positive" else f"{kind} {resource}[0].field_{n % 7}",
        kind="test",
        status=status,
        message=f"expected 400, got {code}: the API accepted it" if failed else "",
        details=[f"$.field_{n % 7}: sent 'x', read 'y'"] if failed else [],
        method=method,
        url=url,
        http_status=code,
        started_s=at,
        duration_ms=call.elapsed_ms,
        waited_ms=500.0 if n % 10 == 0 else 0.0,
        throttle_ms=rng.uniform(0, 40) if n % 13 == 0 else 0.0,
        attempts=1,
        file=f"specs/{resource}.xml",
        line=10 + n % 40,
        error_response=kind != "positive",
        calls=[call],
    )


def synthetic_run(seed: int = 1) -> RunResult:
    """RESOURCES x CHAINS x CASES_PER_CHAIN cases; each chain's cases one after another."""
    rng = random.Random(seed)
    result = RunResult(target="https://api.example.test/v1", seed=seed, started_at="2026-01-01")
    for r in range(RESOURCES):
        resource = f"res{r:02d}"
        for method in ("POST", "GET", "PUT", "DELETE"):
            result.operations.append(
                OperationInfo(resource, f"{method} {resource}", method, f"/{resource}",
                              "create", [200, 400, 401, 404], "$.status == 'error'")
            )  # fmt: skip
        for c in range(1, CHAINS + 1):
            chain, at = f"{resource}.{c}", rng.uniform(0, 0.5)
            for n in range(1, CASES_PER_CHAIN + 1):
                case = _case(rng, resource, chain, n, at + _case_wait(n))
                result.cases.append(case)
                at = case.started_s + (case.throttle_ms + case.duration_ms) / 1000
            result.chain_order.append(chain)
    result.duration_s = max(c.started_s + c.duration_ms / 1000 for c in result.cases)
    result.estimate_s = result.duration_s * 0.9
    return result


def _case_wait(n: int) -> float:
    return 0.5 if n % 10 == 0 else 0.0


def _best(repeats: int, action: Any) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        value = action()
        best = min(best, time.perf_counter() - start)
    return best, value


def _chromium_missing() -> str | None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        return (
            f"Chromium not installed ({', '.join(missing)}): "
            "apt-get install chromium chromium-driver"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed: pip install -e '.[test]'"
    return None


def _browser_figures(page: Path, profile: Path) -> dict[str, Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1366,900",
                 f"--user-data-dir={profile}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        firsts: list[float] = []
        for _ in range(LOADS):
            driver.get("about:blank")
            driver.get(page.as_uri())
            WebDriverWait(driver, 60).until(
                lambda d: d.execute_script("return window.__reportReadyMs") is not None
            )
            firsts.append(driver.execute_script("return window.__reportReadyMs"))
        cases_ms = driver.execute_script(
            "const t = performance.now(); document.getElementById('tab-cases').click();"
            "return performance.now() - t;"
        )
        filter_ms = driver.execute_script(
            "const t = performance.now(); document.getElementById('f-problems').click();"
            "return performance.now() - t;"
        )
        errors = driver.execute_script("return window.__reportErrors")
    finally:
        driver.quit()
    first_s = statistics.median(firsts) / 1000
    return {
        f"first screen, median of {LOADS} loads (s)": round(first_s, 3),
        "first screen, best (s)": round(min(firsts) / 1000, 3),
        f"first screen target < {FIRST_SCREEN_TARGET_S:g} s": (
            "met" if first_s < FIRST_SCREEN_TARGET_S else "NOT met"
        ),
        "Cases tab first draw (ms)": round(cases_ms, 1),
        "filter to failures (ms)": round(filter_ms, 1),
        "JS errors": len(errors or []),
    }


def run() -> dict[str, Any]:
    result = synthetic_run()
    render_s, html = _best(3, lambda: render_html(result))
    size_mb = len(html.encode("utf-8")) / 1e6
    figures: dict[str, Any] = {
        "cases": len(result.cases),
        "render_html, best of 3 (s)": round(render_s, 3),
        "HTML size (MB)": round(size_mb, 2),
        "report.json size for comparison (MB)": round(
            len(json.dumps(result.to_dict(), indent=2)) / 1e6, 2
        ),
        f"size target < {SIZE_TARGET_MB:g} MB": "met" if size_mb < SIZE_TARGET_MB else "NOT met",
    }
    reason = _chromium_missing()
    if reason:
        figures["browser figures"] = f"skipped: {reason}"
        return figures
    folder = Path(tempfile.mkdtemp(prefix="apitest-bench-report-"))
    try:
        page = folder / "report.html"
        page.write_text(html, encoding="utf-8")
        figures.update(_browser_figures(page, folder / "chromium-profile"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
