"""Benchmark: declared delays of independent chains overlap (ZSPEC.md section 6).

50 copies of the reference trips resource (`trips_00` .. `trips_49`, all against the one
reference service, /trips) plus destinations.xml unchanged, generated into a temporary folder.
Every trips write carries validation-delay 1000 ms; the second configuration also puts
delay 200 ms on every trips operation. The PUT throttling line is removed from the copies (and
the service's PUT throttle raised) so the figures are about delays alone.

Each configuration's positive cases (the record lifecycle chains whose waits the targets are
about) are run in process through `run_plan` against one DemoServer, concurrency 50, and the wall
time (perf_counter around `run_plan`) is set against the plan's critical-path estimate: targets
wall <= 1.3 x estimate (validation-delay only) and <= 1.10 x (with delay). A third run, for
information, plans all cases (the default), whose negative chains make the run throughput-bound.

The sum of every chain's declared waits is what a runner that ran the chains one after the
other would wait; sum / wall is how much of it overlapped. The service runs in a thread of this
process, so its work shares the GIL with the runner's: the process CPU figure (both threads)
shows how close a run came to being bound by it. Figures, never assertions: every case must
pass for a ratio to mean anything, so failures are counted and the first is shown.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

from apitest.auth.credentials import Credentials
from apitest.auth.profiles import AuthConfig, Profile
from apitest.demo import DemoConfig, DemoServer
from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from apitest.engine.events import NullListener
from apitest.engine.policy import CallPolicy
from apitest.engine.runner import RunSettings, run_plan
from apitest.plan.estimate import estimate
from apitest.plan.graph import PlanOptions, build_plan
from apitest.plan.model import NOMINAL_CALL_MS, Chain, Plan
from apitest.results import RunResult
from apitest.zspec.loader import load_catalog

REPO = Path(__file__).resolve().parents[2]
SPECS = REPO / "specs"
COPIES = 50
CONCURRENCY = 50
VALIDATION_DELAY_MS = 1000
SEED = 1


class Config(NamedTuple):
    label: str
    delay_ms: int
    target: float
    cases: str = "positive"


CONFIGS = (
    Config(f"vd{VALIDATION_DELAY_MS}", 0, 1.3),
    Config(f"vd{VALIDATION_DELAY_MS}+delay200", 200, 1.10),
    # For information: the default plan adds a chain of negative cases per resource, ~8x the
    # calls, so the run becomes bound by call throughput rather than by declared waits.
    Config(f"vd{VALIDATION_DELAY_MS}, all cases (info)", 0, 1.3, "all"),
)


def _replace(text: str, pattern: str, repl: str, count: int) -> str:
    """`re.subn` that insists on `count` matches, so a changed reference spec fails loudly."""
    new, found = re.subn(pattern, repl, text)
    if found != count:
        raise RuntimeError(f"trips.xml: expected {count} match(es) of {pattern!r}, found {found}")
    return new


def trips_copy(source: str, index: int, delay_ms: int) -> str:
    """The reference trips spec renamed to trips_NN, writes at VALIDATION_DELAY_MS, no PUT
    throttling, and `delay_ms` on every operation (when above 0)."""
    name = f"trips_{index:02d}"
    text = _replace(source, r'(<resource [^>]*?\bname=)"trips"', rf'\1"{name}"', 1)
    text = _replace(text, r'path="trips:\$', f'path="{name}:$', 2)
    text = _replace(text, r'validation-delay="500"', f'validation-delay="{VALIDATION_DELAY_MS}"', 3)
    text = _replace(text, r"\n\s*<throttling [^>]*/>", "", 1)
    if delay_ms > 0:
        text = _replace(text, r"<operation ", f'<operation delay="{delay_ms}" ', 5)
    return text


def write_specs(folder: Path, delay_ms: int) -> None:
    source = (SPECS / "trips.xml").read_text(encoding="utf-8")
    shutil.copy(SPECS / "destinations.xml", folder / "destinations.xml")
    for index in range(COPIES):
        (folder / f"trips_{index:02d}.xml").write_text(
            trips_copy(source, index, delay_ms), encoding="utf-8"
        )


def declared_wait_ms(chain: Chain) -> int:
    """The chain's waits alone: its estimate without the nominal call times."""
    calls = sum(1 for step in chain.steps if not step.skip_reason)
    return chain.estimate_ms() - calls * NOMINAL_CALL_MS


def _chain_walls(result: RunResult) -> dict[str, float]:
    """Each chain's measured span: from the run's start to the end of its last call."""
    ends: dict[str, float] = {}
    for case in result.cases:
        end = case.started_s + case.duration_ms / 1000
        ends[case.chain] = max(ends.get(case.chain, 0.0), end)
    return ends


def _figures(
    config: Config, plan: Plan, result: RunResult, wall_s: float, cpu_s: float
) -> dict[str, Any]:
    floors = estimate(plan, CONCURRENCY)
    estimate_s = floors.ms / 1000
    waits_s = sum(declared_wait_ms(chain) for chain in plan.chains) / 1000
    sequential_s = sum(chain.estimate_ms() for chain in plan.chains) / 1000
    counts = result.counts()
    bad = [case for case in result.cases if case.status in ("failed", "error")]
    ratio = wall_s / estimate_s if estimate_s else float("nan")
    chain_walls = _chain_walls(result)
    durations = sorted(case.duration_ms for case in result.cases if case.attempts)
    prefix = config.label
    figures: dict[str, Any] = {
        f"{prefix}: resources": len(plan.resources),
        f"{prefix}: chains": len(plan.chains),
        f"{prefix}: steps": len(plan.steps),
        f"{prefix}: calls": sum(case.attempts for case in result.cases),
        f"{prefix}: estimate (s)": round(estimate_s, 3),
        f"{prefix}: estimate bound by": floors.binding.reason,
        f"{prefix}: wall (s)": round(wall_s, 3),
        f"{prefix}: engine wall, no set-up (s)": round(result.duration_s, 3),
        f"{prefix}: process CPU, runner + service (s)": round(cpu_s, 3),
        f"{prefix}: longest chain, measured (s)": round(max(chain_walls.values(), default=0), 3),
        f"{prefix}: call latency p50 (ms)": round(durations[len(durations) // 2], 1)
        if durations
        else 0.0,
        f"{prefix}: call latency max (ms)": round(durations[-1], 1) if durations else 0.0,
        f"{prefix}: ratio wall / estimate": round(ratio, 3),
        f"{prefix}: target ratio <=": config.target,
        f"{prefix}: met": ratio <= config.target and not bad,
        f"{prefix}: declared waits, sum over chains (s)": round(waits_s, 3),
        f"{prefix}: sequential estimate, sum over chains (s)": round(sequential_s, 3),
        f"{prefix}: overlap factor (waits sum / wall)": round(waits_s / wall_s, 1),
        f"{prefix}: cases passed": counts["passed"],
        f"{prefix}: cases failed or error": len(bad),
        f"{prefix}: cases skipped": counts["skipped"],
    }
    if bad:
        first = bad[0]
        figures[f"{prefix}: first failure"] = f"{first.id} {first.name}: {first.message}"
    return figures


def run_config(config: Config, server: DemoServer, tmp: Path) -> dict[str, Any]:
    number = CONFIGS.index(config)
    folder = tmp / f"specs{number}"
    folder.mkdir()
    write_specs(folder, config.delay_ms)
    catalog = load_catalog([folder])
    plan = build_plan(catalog, PlanOptions(seed=SEED, cases=config.cases))
    if len(plan.resources) != COPIES + 1:
        raise RuntimeError(f"expected {COPIES + 1} resources, planned {len(plan.resources)}")
    settings = RunSettings(
        base_url=server.base_url,
        auth=AuthConfig(
            {
                "default": Profile(
                    "default",
                    Credentials(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET),
                )
            }
        ),
        ledger_path=tmp / f"ledger{number}.jsonl",
        policy=CallPolicy(concurrency=CONCURRENCY),
    )
    cpu_start = time.process_time()
    start = time.perf_counter()
    result = run_plan(catalog, plan, settings, NullListener())
    wall_s = time.perf_counter() - start
    cpu_s = time.process_time() - cpu_start
    return _figures(config, plan, result, wall_s, cpu_s)


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {"concurrency": CONCURRENCY}
    with (
        tempfile.TemporaryDirectory(prefix="apitest-bench-delay-") as tmp,
        DemoServer(DemoConfig(throttle_threshold=100_000)) as server,
    ):
        figures["service read lag (ms)"] = server.config.lag_ms
        for config in CONFIGS:
            figures.update(run_config(config, server, Path(tmp)))
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
