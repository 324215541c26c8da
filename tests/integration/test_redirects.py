"""A spec path that the API redirects (Starlette, FastAPI and Django send `/trips/` to
`/trips`, or the other way): apitest follows no redirect, since the call the spec describes is
the one tested, and the failure says where the API sent it and what to write instead of a
bare "status 307 is not declared"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from apitest.demo.server import DemoServer

from ..support import SPECS, run_cli


def test_a_trailing_slash_the_api_redirects_is_named_with_its_mend(
    server: DemoServer, tmp_path: Path
) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    trips = specs / "trips.xml"
    trips.write_text(trips.read_text().replace('<url path="/trips">', '<url path="/trips/">'))
    report = tmp_path / "report.json"
    done = run_cli(
        "run", str(specs), "--base-url", server.base_url, "--cases", "positive",
        "--report-dir", str(tmp_path / "r"), "--json", str(report),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    cases = json.loads(report.read_text())["cases"]
    redirected = [c for c in cases if c["http_status"] == 307]
    assert {c["operation"] for c in redirected} == {"POST trips", "GET trips"}, redirected
    for case in redirected:
        assert case["calls"][0]["url"].split("?")[0].endswith("/trips/")  # not followed
        assert f"redirects to {server.base_url}/trips" in case["message"], case["message"]
        assert "serves this path without its trailing slash" in case["message"]
