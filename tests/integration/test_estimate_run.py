"""The plan's estimate against a real run: a 5-per-3 s throttle (issue 18, item 12).

The reference service throttles PUT /trips with the same numbers the spec declares, so the run
must wait out the windows the spec's `<throttling>` implies. The estimate used to be the longest
chain alone (1.6 s) while the run took 16 s; it must now count those windows, and the run must
land near it. Bounds are generous (a shared, noisy machine): the windows alone are 15 s.
"""

from __future__ import annotations

import json
from pathlib import Path

from apitest.plan.model import NOMINAL_CALL_MS

from ..support import SPECS, run_cli
from .conftest import MakeServer

REFERENCE_THROTTLING = '<throttling threshold="100" duration="60000" lock-period="120000"/>'
THRESHOLD, WINDOW_MS = 5, 3000
THROTTLING = f'<throttling threshold="{THRESHOLD}" duration="{WINDOW_MS}" lock-period="5000"/>'


def throttled_specs(tmp_path: Path) -> Path:
    """The reference specs in a folder of their own, PUT trips throttled at 5 per 3 s."""
    folder = tmp_path / "specs"
    folder.mkdir()
    trips = (SPECS / "trips.xml").read_text(encoding="utf-8")
    assert trips.count(REFERENCE_THROTTLING) == 1
    (folder / "trips.xml").write_text(trips.replace(REFERENCE_THROTTLING, THROTTLING), "utf-8")
    destinations = (SPECS / "destinations.xml").read_text(encoding="utf-8")
    (folder / "destinations.xml").write_text(destinations, "utf-8")
    return folder


def test_a_throttled_run_takes_about_the_estimate_not_ten_times_it(
    make_server: MakeServer, tmp_path: Path
) -> None:
    specs = str(throttled_specs(tmp_path))
    planned = run_cli("plan", specs, "--seed", "7", "--format", "json")
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    chains = [chain for res in plan["resources"] for chain in res["chains"]]
    puts = sum(
        1
        for chain in chains
        for step in chain["steps"]
        if step["operation"] == "PUT trips" and not step["skip_reason"]
    )
    longest_chain = max(chain["estimate_ms"] for chain in chains)
    windows = (puts - 1) // THRESHOLD
    assert windows >= 5, puts  # the figure: enough PUTs for 15 s of windows
    assert plan["estimate_ms"] == windows * (WINDOW_MS + NOMINAL_CALL_MS) + NOMINAL_CALL_MS
    assert plan["estimate_ms"] > 5 * longest_chain  # what the old estimate said, far below
    bound = plan["estimate_bound"]
    assert (bound["kind"], bound["scope"], bound["calls"]) == ("throttle", "PUT trips", puts)

    server = make_server(
        throttle_threshold=THRESHOLD, throttle_window_ms=WINDOW_MS, throttle_lock_ms=5000
    )
    report = tmp_path / "run.json"
    done = run_cli(
        "run", specs, "--base-url", server.base_url, "--seed", "7", "-q",
        "--report-dir", str(tmp_path / "reports"), "--json", str(report),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(report.read_text(encoding="utf-8"))
    assert [c["id"] for c in result["cases"] if c["http_status"] == 429] == []
    assert result["estimate_s"] == plan["estimate_ms"] / 1000  # the run reports the same figure
    estimate_s, duration_s = result["estimate_s"], result["duration_s"]
    # A floor the run cannot beat (each window is waited out from an answer)...
    assert duration_s >= 0.95 * estimate_s, (duration_s, estimate_s)
    # ... and near it: the old estimate was ten times under the run.
    assert duration_s < 2 * estimate_s, (duration_s, estimate_s)
