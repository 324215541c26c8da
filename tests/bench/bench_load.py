"""Benchmark: loading a large generated catalog, and the CLI's start-up.

A folder of 200 generated ZSPEC files (200 resources x 50 operations = 10,000 operations) is
loaded with `load_catalog`, pinned to one core: the wall time (best of 5, taking turns with
load + plan, so that a neighbour's burst on this shared machine spoils one turn of each, not
every repeat of one figure) and the peak of Python-level memory (tracemalloc, measured in a
separate run since tracing slows the load).
The start-up figures are the wall times of `apitest --version` and `apitest lint specs/` as
real subprocesses (best of 5). Figures only: the load target (< 2 s) is reported, not asserted.
"""

from __future__ import annotations

import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _peak import READ_PEAK

REPO = Path(__file__).resolve().parents[2]
RESOURCES = 200
OPERATIONS = 50
URLS = 5  # collection URLs; each has an item URL beside it (/x and /x/{id})
LOAD_TARGET_S = 2.0
LOAD_REPEATS = 5
STARTUP_REPEATS = 5

_CATEGORIES = ("create", "read", "update", "delete", "action")
_ERROR_CONDITION = "$.status == 'error' || $.code in ['INVALID_DATA', 'NOT_FOUND']"
_METHODS = {"create": "post", "read": "get", "update": "put", "delete": "delete", "action": "post"}


def _name(index: int) -> str:
    return f"res{index:03d}"


def _depends_on(index: int) -> str | None:
    """Every third resource takes its owner id from an earlier one (a DAG, never a cycle)."""
    return _name((index - 1) // 2) if index % 3 == 0 and index > 0 else None


def _structure(index: int) -> str:
    owner = _depends_on(index)
    owner_prop = (
        f'\n      <property name="owner_id" type="long_string" path="{owner}:$.id"'
        ' required-for="Request[create]"/>'
        if owner
        else ""
    )
    return f"""    <structure ref-name="item" name="item_data">
      <property name="id" type="long_string" regex="[0-9]{{1,19}}"
                include-for="Request[update],Response[read,create,update]"
                required-for="Request[update]"/>
      <property name="title" type="string" length="1,100" required-for="Request[create]"
                example-value="Item {index}"/>
      <property name="code" type="string" regex="[A-Z]{{3}}-[0-9]{{4}}" length="8"
                required-for="Request[create]" example-value="ABC-{index:04d}"/>
      <property name="count" type="integer" range="0,1000" nullable-for="Response[read]"/>
      <property name="price" type="double" decimal-place="2" include-for="all"/>
      <property name="active" type="boolean" emptiable-for="none"/>
      <property name="created" type="datetime" include-for="Response[read]"/>
      <property name="kind" type="string" values="alpha,beta,gamma" extra-value="deny"
                default-value="alpha" unique-for="none"/>{owner_prop}
    </structure>"""


def _content(pad: str, encode: str, inner: str) -> str:
    """A `<content>` block at `pad`: its encoding, then `inner` (lines indented past `pad`)."""
    return f'{pad}<content>\n{pad}  <encode type="{encode}"/>\n{inner}\n{pad}</content>'


def _json_of(pad: str, ref: str) -> str:
    """JSON content holding structure `ref`, at `pad`."""
    return _content(pad, "application/json", f'{pad}  <structure-ref name="{ref}"/>')


def _response(pad: str, name: str, status: int, ref: str) -> str:
    head = f'{pad}<response name="{name}" status="{status}">'
    return f"{head}\n{_json_of(pad + '  ', ref)}\n{pad}</response>"


def _plain_argument(name: str, location: str, required: str, property_attrs: str) -> str:
    """An operation's text/plain `<argument>` whose one property has `property_attrs`."""
    pad = "      "
    inner = f"{pad}    <structure>\n{pad}      <property {property_attrs}/>\n{pad}    </structure>"
    return (
        f'{pad}<argument name="{name}" location="{location}" required="{required}">\n'
        f"{_content(pad + '  ', 'text/plain', inner)}\n{pad}</argument>"
    )


def _components(index: int) -> str:
    return f"""  <components>
{_structure(index)}
    <structure ref-name="data" name="wrapper">
      <property name="items" type="collections" required-for="Request[create,update]">
        <structure-ref name="item"/>
      </property>
    </structure>
    <structure ref-name="error_body" name="error_body">
      <property name="code" type="string" values="INVALID_DATA,NOT_FOUND" extra-value="allow"/>
      <property name="message" type="string"/>
      <property name="status" type="string" values="error"/>
    </structure>
{_response("    ", "invalid_data", 400, "error_body")}
{_response("    ", "not_found", 404, "error_body")}
  </components>"""


def _operation(index: int, number: int, item_url: bool) -> str:
    category = _CATEGORIES[number % len(_CATEGORIES)]
    name = _name(index)
    parts = [
        f'    <operation method="{_METHODS[category]}" name="op{number:02d}" '
        f'category="{category}" validation-delay="{number % 3 * 100}">',
        f"      <description>Operation {number} of {name}.</description>",
        f'      <error condition="{_ERROR_CONDITION}"/>',
    ]
    if item_url:
        parts.append(
            _plain_argument("id", "variable", "true", f'type="long_string" path="{name}:$.id"')
        )
    parts.append(_plain_argument("per_page", "param", "false", 'type="integer" range="1,200"'))
    if category in ("create", "update", "action"):
        parts.append(f"      <request-body>\n{_json_of('        ', 'data')}\n      </request-body>")
    status = 201 if category == "create" else 200
    parts.append(_response("      ", "ok", status, "data"))
    parts.append('      <response-ref name="invalid_data"/>')
    if item_url:
        parts.append('      <response-ref name="not_found"/>')
    parts.append("    </operation>")
    return "\n".join(parts)


def generate_spec(index: int) -> str:
    """One `<resource>` file of OPERATIONS operations spread over 2 x URLS URLs."""
    name = _name(index)
    per_url = OPERATIONS // (2 * URLS)
    urls = []
    number = 0
    for group in range(URLS):
        for item_url in (False, True):
            path = f"/{name}/g{group}" + ("/{id}" if item_url else "")
            ops = []
            for _ in range(per_url):
                ops.append(_operation(index, number, item_url))
                number += 1
            urls.append(f'  <url path="{path}">\n' + "\n".join(ops) + "\n  </url>")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="{name}" product="Bench" file-version="1">
  <description>Generated resource {index} for the load benchmark.</description>
{_components(index)}
  <info limit="50" title="{name}" version="1.0"/>
  <resource-config primary-type="simple" primary-structure="item">
    <path-config data-extraction-path="$.items">
      <primary path="$.id"/>
    </path-config>
  </resource-config>
  <server name="local" url="http://127.0.0.1:8765/api"/>
{chr(10).join(urls)}
</resource>
"""


def write_catalog(folder: Path) -> int:
    """Write the generated specs into `folder`; the total size in bytes."""
    total = 0
    for index in range(RESOURCES):
        data = generate_spec(index).encode()
        (folder / f"{_name(index)}.xml").write_bytes(data)
        total += len(data)
    return total


@contextmanager
def _one_core() -> Iterator[str]:
    """This process on one core while inside, then on the cores it had: benchmarks after
    this one run in the same process, and the throughput benchmark's service, a child of it,
    would otherwise share that one core with its client."""
    if not hasattr(os, "sched_setaffinity"):
        yield "not pinned (no sched_setaffinity)"
        return
    cores = os.sched_getaffinity(0)
    cpu = min(cores)
    os.sched_setaffinity(0, {cpu})
    try:
        yield f"cpu {cpu}"
    finally:
        os.sched_setaffinity(0, cores)


def _best_wall(repeats: int, action: Any) -> float:
    return _best_walls(repeats, {"only": action})["only"]


def _best_walls(repeats: int, actions: dict[str, Any]) -> dict[str, float]:
    """The best wall time of each action, the actions taking turns `repeats` times. What an
    action returns is dropped after the clock stops: freeing a catalog and its plan takes a
    tenth of a second that a run never spends (it holds them to its end)."""
    best = dict.fromkeys(actions, float("inf"))
    for _ in range(repeats):
        for name, action in actions.items():
            gc.collect()
            start = time.perf_counter()
            built = action()
            best[name] = min(best[name], time.perf_counter() - start)
            del built
    return best


def _apitest_command() -> list[str]:
    script = Path(sys.executable).with_name("apitest")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "apitest.cli"]


def _subprocess_wall(args: list[str]) -> float:
    def call() -> None:
        done = subprocess.run(
            _apitest_command() + args, cwd=REPO, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"apitest {' '.join(args)} exited {done.returncode}: {done.stderr}")

    return _best_wall(STARTUP_REPEATS, call)


_PEAK = (
    READ_PEAK
    + """
import sys
from apitest.plan.graph import build_plan
from apitest.zspec.loader import load_catalog
plan = build_plan(load_catalog([sys.argv[1]]))
print(_own_peak_kib())
"""
)
"""Its own peak (VmHWM): ru_maxrss would carry this benchmark process's over (see _peak)."""


def _load_and_plan_peak_mb(folder: Path) -> float:
    """Peak memory of loading and planning, alone in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, str(folder)], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1]) / 1024


def run() -> dict[str, Any]:
    from apitest.plan.graph import PlanOptions, build_plan
    from apitest.zspec.loader import load_catalog

    with _one_core() as pinned, tempfile.TemporaryDirectory(prefix="apitest-bench-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        total_bytes = write_catalog(folder)
        generate_s = time.perf_counter() - start

        catalog = load_catalog([folder])  # a warm-up that also checks the generated specs
        operations = catalog.operation_count
        resources = len(catalog.resources)
        with_deps = sum(1 for res in catalog.resources if res.depends_on)
        del catalog

        positive = PlanOptions(cases="positive")
        walls = _best_walls(
            LOAD_REPEATS,
            {
                "load": lambda: load_catalog([folder]),
                "plan": lambda: build_plan(load_catalog([folder])),
                "positive": lambda: build_plan(load_catalog([folder]), positive),
            },
        )
        load_s, plan_s, positive_s = walls["load"], walls["plan"], walls["positive"]
        planned = len(build_plan(load_catalog([folder])).steps)

        plan_peak_mb = _load_and_plan_peak_mb(folder)
        gc.collect()
        tracemalloc.start()
        load_catalog([folder])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    version_s = _subprocess_wall(["--version"])
    lint_s = _subprocess_wall(["lint", "specs/"])
    met = load_s < LOAD_TARGET_S
    return {
        "pinned to": pinned,
        "spec files": RESOURCES,
        "resources loaded": resources,
        "resources with dependencies": with_deps,
        "operations loaded": operations,
        "spec bytes (MB)": round(total_bytes / 1e6, 2),
        "generate (s)": round(generate_s, 3),
        f"load_catalog wall, best of {LOAD_REPEATS} (s)": round(load_s, 3),
        "load_catalog per operation (ms)": round(load_s / max(operations, 1) * 1000, 4),
        "load_catalog peak Python memory, tracemalloc (MB)": round(peak / 1e6, 1),
        "process max RSS (MB)": round(maxrss_kib / 1024, 1),
        f"load target < {LOAD_TARGET_S:g} s": "met" if met else "NOT met",
        f"load + plan (all cases) wall, best of {LOAD_REPEATS} (s)": round(plan_s, 3),
        "steps planned": planned,
        "load + plan target < 3 s": "met" if plan_s < 3.0 else "NOT met",
        f"load + plan (positive cases only) wall, best of {LOAD_REPEATS} (s)": round(positive_s, 3),
        "load + plan peak RSS, a fresh process (MB)": round(plan_peak_mb, 1),
        "load + plan memory target < 300 MB": "met" if plan_peak_mb < 300 else "NOT met",
        "apitest --version wall, best of 5 (s)": round(version_s, 3),
        "apitest lint specs/ wall, best of 5 (s)": round(lint_s, 3),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
