"""Every run setting's default, written once, for the CLI, the pytest plugin and the engine.

A setting comes from the command line (or pytest's options and ini), else the suite's `[run]`
table, else here (session/config.py `merged`). The engine's own settings object takes its
defaults from here too, so a library caller, `apitest run` and `pytest --apitest` can never
run with different defaults. It sits at the bottom of the package (nothing to import) because
every layer reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


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
    proxy: str | None = None
    """An HTTP proxy every call goes through (http://user:pass@host:port); None: none."""
    max_body_bytes: int = 10 * 1024 * 1024
    """Most of an answer that is read; a bigger answer is an error, the rest is not read."""


DEFAULTS = RunDefaults()


@dataclass(frozen=True)
class Limits:
    """The values a numeric setting may take, inclusive: one table for the CLI's options, a
    suite's `[run]` and the pytest plugin's options, so none accepts what another refuses."""

    low: float
    high: float

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{_number(self.low)} to {_number(self.high)}"


def _number(value: float) -> str:
    """A bound as a user types it: whole numbers in full (the seed's 2**63 - 1 is not
    9.22337e+18, which a user would copy and be refused), others as short as they go."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


LIMITS: Mapping[str, Limits] = {
    "concurrency": Limits(1, 1000),
    "repeat": Limits(1, 100_000),
    "seed": Limits(0, 2**63 - 1),
    "eventually": Limits(0, 3600),
    "timeout": Limits(0.1, 3600),
    "connect_timeout": Limits(0.1, 3600),
    "max_body_bytes": Limits(1, 2**40),
}
"""Each numeric setting's range (seconds for the times, bytes for the sizes)."""

_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}


def parse_size(text: str) -> int:
    """A byte count written as the options write one: `20M`, `512k`, `4096` (ValueError
    saying what is wrong otherwise). Sizes above 0 only."""
    factor = _UNITS.get(text[-1:].lower(), 1)
    number = text[:-1] if factor != 1 else text
    try:
        value = int(number) * factor
    except ValueError:
        raise ValueError(f"{text!r} is not a size (e.g. 20M, 512k)") from None
    if value <= 0:
        raise ValueError("the size must be above 0")
    return value


def size_text(count: int) -> str:
    """`20M` for 20 MiB: a byte count as `parse_size` reads it, in the largest whole unit."""
    for unit, factor in sorted(_UNITS.items(), key=lambda item: -item[1]):
        if count % factor == 0:
            return f"{count // factor}{unit.upper() if unit != 'k' else unit}"
    return str(count)


def http_url_problem(url: str) -> str | None:
    """What keeps `url` from being an http(s) URL with a host (and, if it has one, a port that
    is a number), in words that never repeat it (a proxy's URL may carry a password); None
    when it is one. The base URL and the proxy are checked by this one rule."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return "is not a URL (write http://[user:password@]host:port)"
    if parts.scheme not in ("http", "https"):
        shown = f"'{parts.scheme}'" if parts.scheme else "none"
        return f"needs the scheme http or https, not {shown} (write http://host:port)"
    if not parts.hostname:
        return "names no host (write http://[user:password@]host:port)"
    return None
