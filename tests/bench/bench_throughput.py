"""Benchmark: the runner's own cost per call, against a bare aiohttp client, same server, same run.

The reference service runs in its own process (`apitest serve`), so the runner and the service
do not share one interpreter's lock, as with any real API. 2,000 independent read calls (a
one-read spec planned 2,000 times, positive cases only, shape checks on) go through the engine
at concurrency 50; the same 2,000 requests go from a bare aiohttp session at the same
concurrency. Figures: calls/s of both and their ratio (target >= 0.6). Then a 20,000-case run
through the CLI in a subprocess, for its peak memory (target < 250 MB). Figures only.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from apitest.auth.credentials import Credentials
from apitest.auth.profiles import AuthConfig, Profile
from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.graph import PlanOptions, build_plan
from apitest.plan.model import Chain
from apitest.report.model import CaseResult
from apitest.spec.loader import load_catalog

CALLS = 2_000
CONCURRENCY = 50
BIG_RUN_CASES = 20_000
RATIO_TARGET = 0.6
MEMORY_TARGET_MB = 250

SPEC = """<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="destinations" pre-loaded="true">
  <components>
    <structure ref-name="destination">
      <property name="destination_id" type="long_string" regex="[0-9]{1,19}"/>
      <property name="destination_name" type="string" length="1,60"/>
      <property name="country" type="string" length="2,56"/>
      <property name="climate" type="string" values="tropical,temperate,arid,polar"/>
    </structure>
    <structure ref-name="data">
      <property name="destinations" type="collections">
        <structure-ref name="destination"/>
      </property>
    </structure>
  </components>
  <server name="bench" url="http://127.0.0.1/api/v1"/>
  <oauth2 name="demo" token-url="/oauth/v2/token"/>
  <authentication type="oauth2" name="Authorization" location="header" schema="demo"
                  prefix="Zoho-oauthtoken" scopes="TravelAgency.destinations.READ"/>
  <url path="/destinations">
    <operation method="get" name="GET destinations" category="read">
      <error condition="$.status == 'error'"/>
      <response status="200">
        <content><encode type="application/json"/><structure-ref name="data"/></content>
      </response>
    </operation>
  </url>
</resource>
"""


class _Quiet:
    def case_finished(self, case: CaseResult) -> None:
        pass

    def chain_finished(self, chain: Chain, cases: list[CaseResult]) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "apitest.cli", "serve", "--port", str(port),
         "--throttle-threshold", "1000000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/destinations", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the reference service did not start")


def _token(root: str) -> str:
    answer = httpx.post(
        f"{root}/oauth/v2/token",
        data={"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID,
              "client_secret": DEMO_CLIENT_SECRET},
    )  # fmt: skip
    token: str = answer.json()["access_token"]
    return token


async def _bare(url: str, token: str) -> float:
    """The same requests from a plain aiohttp session; calls per second."""
    headers = {"Authorization": f"Zoho-oauthtoken {token}"}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        slots = asyncio.Semaphore(CONCURRENCY)

        async def one() -> None:
            async with slots, session.get(url, headers=headers) as answer:
                await answer.read()

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(CALLS)))
        return CALLS / (time.perf_counter() - start)


async def _httpx(url: str, token: str) -> float:
    """The transport stack apitest is built on (httpx's client over httpx-aiohttp) with no
    apitest logic at all: how much of the gap is the stack's own."""
    from httpx_aiohttp import AiohttpTransport

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    headers = {"Authorization": f"Zoho-oauthtoken {token}"}
    async with httpx.AsyncClient(transport=AiohttpTransport(limits=limits)) as client:
        slots = asyncio.Semaphore(CONCURRENCY)

        async def one() -> None:
            async with slots:
                (await client.get(url, headers=headers)).json()

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(CALLS)))
        return CALLS / (time.perf_counter() - start)


def _engine(spec: Path, base_url: str, tmp: Path) -> tuple[float, int]:
    catalog = load_catalog([spec])
    plan = build_plan(catalog, PlanOptions(seed=1, cases="positive", repeat=CALLS))
    credentials = Credentials(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET)
    settings = RunSettings(
        base_url=base_url,
        auth=AuthConfig({"default": Profile("default", credentials)}),
        ledger_path=tmp / "ledger.jsonl",
        concurrency=CONCURRENCY,
    )
    result = run_plan(catalog, plan, settings, _Quiet())
    passed = result.counts()["passed"]
    calls = sum(len(case.calls) for case in result.cases)
    return calls / result.duration_s, passed


def _big_run(spec: Path, base_url: str, tmp: Path) -> dict[str, Any]:
    """20,000 cases through the CLI (reports included); peak RSS of that process."""
    env = dict(os.environ, NO_COLOR="1", APITEST_CLIENT_ID=DEMO_CLIENT_ID,
               APITEST_CLIENT_SECRET=DEMO_CLIENT_SECRET)  # fmt: skip
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "apitest.cli", "run", str(spec), "--base-url", base_url, "-q",
         "--cases", "positive", "--repeat", str(BIG_RUN_CASES), "--concurrency", str(CONCURRENCY),
         "--report-dir", str(tmp / "big")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # wait4 gives this child's own peak, not the largest of every child this process had
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    peak_mb = usage.ru_maxrss / 1024
    done = child
    html = tmp / "big" / "report.html"
    return {
        "20k-case run: exit status": done.returncode,
        "20k-case run: wall incl. start-up and reports (s)": round(wall, 2),
        "20k-case run: peak RSS (MB)": round(peak_mb, 1),
        "20k-case run: peak RSS target (MB) <": MEMORY_TARGET_MB,
        "20k-case run: met": peak_mb < MEMORY_TARGET_MB,
        "20k-case run: HTML report (MB)": round(html.stat().st_size / 1e6, 1)
        if html.exists()
        else 0,
    }


def run() -> dict[str, Any]:
    port = _free_port()
    server = _serve(port)
    root = f"http://127.0.0.1:{port}"
    base_url = f"{root}/api/v1"
    try:
        with tempfile.TemporaryDirectory(prefix="apitest-bench-throughput-") as folder:
            tmp = Path(folder)
            spec = tmp / "destinations.xml"
            spec.write_text(SPEC, encoding="utf-8")
            asyncio.run(_bare(f"{base_url}/destinations", _token(root)))  # warm the server
            bare = asyncio.run(_bare(f"{base_url}/destinations", _token(root)))
            stack = asyncio.run(_httpx(f"{base_url}/destinations", _token(root)))
            engine, passed = _engine(spec, base_url, tmp)
            ratio = engine / bare
            figures: dict[str, Any] = {
                "calls": CALLS,
                "concurrency": CONCURRENCY,
                "bare aiohttp (calls/s)": round(bare),
                "httpx client over httpx-aiohttp, no checks (calls/s)": round(stack),
                "ratio httpx stack / bare": round(stack / bare, 3),
                "apitest engine (calls/s)": round(engine),
                "ratio engine / bare": round(ratio, 3),
                "ratio target >=": RATIO_TARGET,
                "ratio met": ratio >= RATIO_TARGET,
                "cases passed": passed,
            }
            figures.update(_big_run(spec, base_url, tmp))
            return figures
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
