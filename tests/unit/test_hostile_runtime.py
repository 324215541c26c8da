"""Hostile patterns at run time: a spec's regex runs on whatever the API answers, so a pattern
that backtracks catastrophically must cost a bounded time and say so, never hang a run."""

from __future__ import annotations

import time

import pytest

from apitest.verify import value_checks
from apitest.verify.regex_budget import untimed_length
from apitest.verify.shape import check_value
from apitest.zspec.conditions import EvalContext, parse_condition
from apitest.zspec.model import Property

from ..support import LOC

BOUND_S = 10 * value_checks.REGEX_TIMEOUT_S
"""Far above the budget, so a loaded machine (two xdist workers on two cores) cannot fail it,
and far below what these patterns take unbounded on these values (minutes to forever)."""

EVIL = [r"(a+)+$", r"(a|aa)+$", r"(x+x+)+y", r"^(([a-z])+.)+[A-Z]([a-z])+$", r"(\w+\s?)+$"]


@pytest.mark.parametrize("pattern", EVIL)
def test_a_backtracking_regex_in_a_shape_check_is_bounded(pattern: str) -> None:
    prop = Property(LOC, "string", name="x", regex=pattern)
    value = "a" * 30 + "x" * 30 + "!" * 3
    started = time.monotonic()
    problems = check_value(value, prop, direction="response", category="read")
    assert time.monotonic() - started < BOUND_S
    assert problems  # no match, or "could not be checked": either way it is reported
    assert "a match of" in problems[0].expected


@pytest.mark.parametrize("pattern", EVIL)
def test_a_backtracking_regex_in_a_condition_is_bounded(pattern: str) -> None:
    condition = parse_condition(f"$.name =~ '{pattern}'")
    started = time.monotonic()
    holds = condition.evaluate(EvalContext(response_body={"name": "a" * 40 + "!"}))
    assert time.monotonic() - started < BOUND_S
    assert holds is False


@pytest.mark.parametrize("pattern", [*EVIL, r"(a)\1", r"(?=a)a+", r"\p{L}+", r"[[:alpha:]]+"])
def test_a_pattern_that_can_backtrack_badly_or_is_not_plain_is_always_timed(pattern: str) -> None:
    assert untimed_length(pattern) == 0


def test_a_pattern_that_backtracks_polynomially_is_timed_on_long_values() -> None:
    """Five repeats of one class: harmless on an id, a hang on 5,000 digits without the bound."""
    pattern = r"\d*\d*\d*\d*\d*x"
    assert 0 < untimed_length(pattern) < 100
    prop = Property(LOC, "string", name="x", regex=pattern)
    started = time.monotonic()
    problems = check_value("1" * 5000, prop, direction="response", category="read")
    assert time.monotonic() - started < BOUND_S
    assert problems and "a match of" in problems[0].expected


@pytest.mark.parametrize("length", [3, 5000])
def test_a_plain_pattern_judges_alike_timed_or_not(length: int) -> None:
    pattern = r"[A-Z]{2}-\d+"
    assert 3 < untimed_length(pattern) < 5000  # so the two lengths take the two roads
    prop = Property(LOC, "string", name="x", regex=pattern)
    good, bad = "AB-" + "1" * length, "AB-" + "1" * length + "z"
    assert check_value(good, prop, direction="response", category="read") == []
    assert check_value(bad, prop, direction="response", category="read")
