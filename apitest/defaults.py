"""Every run setting's default, written once, for the CLI, the pytest plugin and the engine.

A setting comes from the command line (or pytest's options and ini), else the suite's `[run]`
table, else here (session/config.py `merged`). The engine's own settings object takes its
defaults from here too, so a library caller, `apitest run` and `pytest --apitest` can never
run with different defaults. It sits at the bottom of the package (nothing to import) because
every layer reads it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunDefaults:
    cases: str = "all"
    """positive, negative or all."""
    repeat: int = 1
    skip_deprecated: bool = False
    concurrency: int = 16
    """Calls in flight at most."""
    eventually: float = 0.0
    """Seconds a failing read-back is polled again (0: not at all)."""
    strict: bool = False
    timeout: float = 30.0
    """Read timeout of each call, in seconds."""
    connect_timeout: float = 10.0
    hook_timeout: float = 10.0
    """Seconds a suite's hook may take."""
    throttle_store: str = "file"
    """Where `<throttling>` windows are shared: file (a folder per machine, shared by its
    processes) or mysql://user@host:port/db?table=NAME (every machine using that database)."""
    seed: int = 0
    """Where no seed is given, the CLI draws one at random (and prints it); the pytest plugin
    and a sharded CLI run plan with this one, since every xdist worker, and every shard, must
    plan the same cases with the same seed."""
    shard: str | None = None
    """`K/N` (run shard K of N), `auto` (K/N from the CI's variables), or None: the whole plan."""


DEFAULTS = RunDefaults()
