"""Every knob of the reference service in one frozen value.

One immutable `DemoConfig` per server keeps a test's intent in one place (a bug mode, a short
token lifetime, small throttle numbers) and makes a running server's behaviour impossible to
change behind a test's back. Checks run at construction so a bad value fails before a socket
is opened, and `DemoConfigError.field` lets the CLI name the option the user got wrong.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import TypeVar

_Value = TypeVar("_Value", int, float)

BUGS: dict[str, str] = {
    "wrong-type": "reads return no_of_days as a string",
    "lost-update": "PUT answers 200 but changes nothing",
    "delete-noop": "DELETE answers 200 but keeps the records",
    "missing-field": "reads omit trip_name",
    "error-200": "every API error is answered with status 200 (body unchanged)",
    "accepts-invalid": "creates and updates skip field validation",
    "undeclared-status": "creates answer 202 instead of the declared 201",
    "no-auth": "no token is needed, every scope is granted",
    "unknown-id-empty": "a read of a well-formed trip id no trip has answers 200 with no trips",
}
"""The defect modes (`--bug NAME`) a correct runner must catch, and what each breaks."""

KNOWN_BUGS: frozenset[str] = frozenset(BUGS)

_RATES = ("error_rate", "busy_rate", "drop_rate", "malformed_rate", "oversize_rate")
"""The fault knobs that are shares of API calls: each checked to lie in [0, 1], any above 0
turns the fault middleware on."""

KNOB = "apitest.serve"
"""The metadata key under which a DemoConfig field says how `apitest serve` offers it."""


@dataclass(frozen=True)
class Knob:
    """A DemoConfig field as an `apitest serve` option. The default its help shows is the
    field's own, so each default is written once."""

    flag: str
    metavar: str
    help: str


def _knob(default: _Value, flag: str, metavar: str, help: str) -> _Value:
    value: _Value = field(default=default, metadata={KNOB: Knob(flag, metavar, help)})
    return value


class DemoConfigError(ValueError):
    """A knob out of range; `field` is the DemoConfig attribute at fault, `reason` the why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


@dataclass(frozen=True)
class DemoConfig:
    """How one instance of the demo service behaves. Defaults match the specs.

    Times are milliseconds except `token_ttl_s` (OAuth's `expires_in` is in seconds). Rates are
    shares in [0, 1], drawn per API call from a `random.Random(seed)`, so a sequential client
    sees the same faults on every run with the same seed.
    """

    port: int = 0
    """`apitest serve` has its own `--port`, defaulting to the specs' 8765; 0 picks a free one."""
    lag_ms: int = _knob(300, "--lag-ms", "N", "delay before a write shows in reads")
    token_ttl_s: float = _knob(3600.0, "--token-ttl", "S", "access token lifetime in seconds")
    throttle_threshold: int = _knob(
        100, "--throttle-threshold", "N", "PUT /trips calls allowed per window"
    )
    throttle_window_ms: int = _knob(60_000, "--throttle-window-ms", "N", "throttle window")
    throttle_lock_ms: int = _knob(
        120_000, "--throttle-lock-ms", "N", "lock after the threshold is passed"
    )
    latency_ms: int = _knob(0, "--latency-ms", "N", "added latency per API call")
    error_rate: float = _knob(0.0, "--error-rate", "F", "share of API calls answered 500")
    busy_rate: float = _knob(
        0.0, "--busy-rate", "F", "share of API calls answered 503 with no Retry-After"
    )
    drop_rate: float = _knob(0.0, "--drop-rate", "F", "share of answers cut off mid-body")
    malformed_rate: float = _knob(0.0, "--malformed-rate", "F", "share of answers with broken JSON")
    oversize_rate: float = _knob(
        0.0, "--oversize-rate", "F", "share of answers padded to --oversize-mb"
    )
    oversize_mb: float = _knob(1.0, "--oversize-mb", "N", "size of an oversized answer in MB")
    seed: int = _knob(0, "--seed", "N", "seed of the fault draws")
    bugs: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Accept any iterable of names (a list from argparse) but store a frozenset.
        bugs: Iterable[str] = self.bugs
        object.__setattr__(self, "bugs", frozenset(bugs))
        unknown = sorted(self.bugs - KNOWN_BUGS)
        if unknown:
            raise DemoConfigError(
                "bugs",
                f"unknown bug mode(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_BUGS))}",
            )
        _check_int("port", self.port, 0, 65535)
        _check_int("lag_ms", self.lag_ms, 0)
        _check_int("throttle_threshold", self.throttle_threshold, 1)
        _check_int("throttle_window_ms", self.throttle_window_ms, 1)
        _check_int("throttle_lock_ms", self.throttle_lock_ms, 0)
        _check_int("latency_ms", self.latency_ms, 0)
        _check_int("seed", self.seed, None)
        if not (math.isfinite(self.token_ttl_s) and self.token_ttl_s > 0):
            raise DemoConfigError(
                "token_ttl_s", f"must be a number of seconds above 0, got {self.token_ttl_s}"
            )
        if not (math.isfinite(self.oversize_mb) and self.oversize_mb > 0):
            raise DemoConfigError("oversize_mb", f"must be above 0, got {self.oversize_mb}")
        for name in _RATES:
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
                raise DemoConfigError(name, f"must be a share between 0 and 1, got {value!r}")

    def has_bug(self, name: str) -> bool:
        """True when the defect mode `name` is on; an unknown name is a programming error."""
        if name not in KNOWN_BUGS:
            raise ValueError(f"unknown bug mode {name!r}")
        return name in self.bugs

    @property
    def faults_enabled(self) -> bool:
        """Whether the fault middleware has anything to do (it is skipped entirely if not)."""
        return self.latency_ms > 0 or any(getattr(self, name) > 0 for name in _RATES)


def _check_int(name: str, value: object, low: int | None, high: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise DemoConfigError(name, f"must be a whole number, got {value!r}")
    if low is not None and value < low:
        raise DemoConfigError(name, f"must be at least {low}, got {value}")
    if high is not None and value > high:
        raise DemoConfigError(name, f"must be at most {high}, got {value}")


def serve_knobs() -> Iterator[tuple[str, Knob, int | float]]:
    """(field name, how serve offers it, its default) for each field `apitest serve` sets."""
    for item in fields(DemoConfig):
        knob = item.metadata.get(KNOB)
        if isinstance(knob, Knob) and isinstance(item.default, int | float):
            yield item.name, knob, item.default
