"""Numeric windows from a ZSPEC `range` or `length` (ZSPEC.md 4): the inclusive span a generated
number, string length or item count is drawn from. Never raises: a spec whose bounds cannot be
met still gets a value, and the server's answer says what it thinks of it."""

from __future__ import annotations

import math

from apitest.zspec.model import Bounds


def float_window(
    bounds: Bounds | None, default: tuple[float, float], limit: tuple[float, float]
) -> tuple[float, float]:
    """An inclusive window from `bounds`; an open end is filled from the default span next to
    the given end, and an unsatisfiable one collapses onto its lower end (never raises)."""
    low = _finite(None if bounds is None else bounds.min, limit)
    high = _finite(None if bounds is None else bounds.max, limit)
    span = default[1] - default[0]
    if low is None:
        low = default[0] if high is None or high >= default[0] else high - span
    if high is None:
        high = default[1] if low <= default[1] else low + span
    low, high = max(low, limit[0]), min(high, limit[1])
    return low, max(low, high)


def int_window(
    bounds: Bounds | None, default: tuple[int, int], limit: tuple[int, int]
) -> tuple[int, int]:
    """`float_window` on whole numbers, clamped to the type's limits."""
    low, high = float_window(bounds, default, (float(limit[0]), float(limit[1])))
    whole_low = min(max(math.ceil(low), limit[0]), limit[1])
    whole_high = min(max(math.floor(high), limit[0]), limit[1])
    return whole_low, max(whole_low, whole_high)


def count_window(bounds: Bounds | None) -> tuple[int, int]:
    """The valid counts of a delimited argument: at least one value unless its `length` says
    otherwise, and at most its max (open: as many as wanted)."""
    if bounds is None:
        return 1, 1 << 20
    if bounds.min is not None:
        low = int(bounds.min)
    else:  # `length=",N"`: one value, unless N says none at all
        low = min(1, int(bounds.max)) if bounds.max is not None else 1
    high = int(bounds.max) if bounds.max is not None else max(low, 1 << 20)
    return low, max(low, high)


def _finite(value: float | None, limit: tuple[float, float]) -> float | None:
    if value is None or math.isnan(value):
        return None
    return min(max(value, limit[0]), limit[1])
