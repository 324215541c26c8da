"""Run the benchmarks: `python tests/bench/run.py [NAME ...]` (the entry of `tox -e bench`).

Every `bench_*.py` module beside this file has a `run()` returning a dict of figures. Each is
run in turn (or only those whose name contains one of the NAME arguments); the figures are
printed as a table and written to tests/bench/results/bench.json. Figures, never assertions:
a benchmark reports whether a target is met and exits 0 either way. The exit status is 1 only
when a benchmark module itself fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "bench.json"


def discover(names: Sequence[str] = ()) -> list[Path]:
    """The `bench_*.py` modules beside this file, sorted, filtered by `names` if any."""
    found = sorted(HERE.glob("bench_*.py"))
    if names:
        found = [path for path in found if any(name in path.stem for name in names)]
    return found


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"apitest_bench.{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _table(title: str, figures: dict[str, Any]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, _format(value))
    return table


def _environment() -> dict[str, Any]:
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "cpus available": len(affinity) if affinity is not None else None,
    }


def run_all(modules: Sequence[Path], console: Console) -> tuple[dict[str, Any], bool]:
    """Run each module's `run()`; the results by module name, and whether all succeeded."""
    results: dict[str, Any] = {}
    ok = True
    for path in modules:
        name = path.stem
        console.print(f"[bold]{name}[/bold] running...")
        start = time.perf_counter()
        try:
            module = _import(path)
            figures = module.run()
            if not isinstance(figures, dict):
                raise TypeError(f"{name}.run() returned {type(figures).__name__}, not a dict")
        except Exception:
            ok = False
            console.print(f"[bold red]{name} failed[/bold red]")
            console.print(traceback.format_exc(), markup=False, highlight=False)
            results[name] = {"error": traceback.format_exc(limit=3)}
            continue
        elapsed = time.perf_counter() - start
        results[name] = figures
        console.print(_table(f"{name} ({elapsed:.1f} s)", figures))
    return results, ok


def main(argv: Sequence[str] | None = None) -> int:
    names = list(sys.argv[1:] if argv is None else argv)
    console = Console(highlight=False)
    if {"-h", "--help"} & set(names):  # not a module name: say what can be run instead
        print((__doc__ or "").strip())
        print("\nbenchmarks: " + ", ".join(path.stem for path in discover()))
        return 0
    environment = _environment()  # before a benchmark pins the process to one core
    modules = discover(names)
    if not modules:
        console.print(f"no benchmark module matches {names} in {HERE}")
        return 2
    results, ok = run_all(modules, console)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {"environment": environment, "benchmarks": results}
    RESULTS.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    console.print(f"figures written to {RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
