"""The numeric windows generated values are drawn from (plan/_windows.py): a spec's `range` or
`length` with open ends filled next to the given end, clamped to the type, never raising."""

from __future__ import annotations

import math

from apitest.plan._windows import count_window, float_window, int_window
from apitest.zspec.model import Bounds
from apitest.zspec.values import INT32

DOUBLES = (-1e15, 1e15)


def test_no_bounds_is_the_default_window() -> None:
    assert float_window(None, (0.0, 1000.0), DOUBLES) == (0.0, 1000.0)


def test_an_open_end_takes_the_default_span_next_to_the_given_end() -> None:
    assert float_window(Bounds(5000.0, None), (0.0, 1000.0), DOUBLES) == (5000.0, 6000.0)
    assert float_window(Bounds(None, -10.0), (0.0, 1000.0), DOUBLES) == (-1010.0, -10.0)
    assert float_window(Bounds(None, 500.0), (0.0, 1000.0), DOUBLES) == (0.0, 500.0)


def test_an_unsatisfiable_range_collapses_onto_its_lower_end() -> None:
    assert float_window(Bounds(10.0, 5.0), (0.0, 1000.0), DOUBLES) == (10.0, 10.0)


def test_nan_counts_as_an_open_end() -> None:
    assert float_window(Bounds(math.nan, 5.0), (0.0, 1000.0), DOUBLES) == (0.0, 5.0)


def test_whole_numbers_round_inwards_and_stay_within_the_type() -> None:
    assert int_window(Bounds(1.5, 3.5), (1, 1000), INT32) == (2, 3)
    assert int_window(Bounds(None, 1e30), (1, 1000), INT32) == (1, INT32[1])
    assert int_window(Bounds(-1e30, -1e29), (1, 1000), INT32) == (INT32[0], INT32[0])


def test_a_delimited_count_is_one_or_more_unless_length_says_otherwise() -> None:
    assert count_window(None) == (1, 1 << 20)
    assert count_window(Bounds(3.0, None)) == (3, 1 << 20)
    assert count_window(Bounds(0.0, 2.0)) == (0, 2)
    assert count_window(Bounds(4.0, 2.0)) == (4, 4)
    assert count_window(Bounds(None, 3.0)) == (1, 3)
    assert count_window(Bounds(None, 0.0)) == (0, 0)  # length=",0": no value is valid
