"""Java date-time patterns read (the checker's regex) and written (the generator's value) from
one table (zspec/formats.py): whatever the generator writes, the checker takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from apitest.zspec.formats import java_pattern, parse_java, render_java

MOMENTS = [
    datetime(2027, 3, 14, 9, 30, 5, 123000, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2028, 1, 1, 0, 0, 0, 7, tzinfo=timezone(timedelta(hours=-8))),
    datetime(2029, 7, 4, 12, 0, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
]
RUNS = {  # the widths Java's DateTimeFormatter takes for each letter apitest knows
    "y": (1, 2, 3, 4, 5), "u": (1, 2, 4), "M": (1, 2, 3, 4), "d": (1, 2), "D": (1, 2, 3),
    "H": (1, 2), "h": (1, 2), "m": (1, 2), "s": (1, 2), "S": (1, 2, 3, 6, 9),
    "X": (1, 2, 3, 4, 5), "x": (1, 2, 3, 4, 5), "Z": (1, 2, 3, 5), "a": (1,), "E": (1, 2, 3, 4),
    "z": (1, 2, 3),
}  # fmt: skip


@pytest.mark.parametrize("run", [letter * n for letter, ns in RUNS.items() for n in ns])
def test_every_letter_run_written_is_read_back(run: str) -> None:
    fmt = f"'at' {run}|yyyy-MM-dd"
    for moment in MOMENTS:
        value = render_java(fmt, moment)
        assert java_pattern(fmt).fullmatch(value), (fmt, value)


@pytest.mark.parametrize(
    ("fmt", "written"),
    [
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2027-03-14T09:30:05+05:30"),
        ("uuuu-MM-dd", "2027-03-14"),
        ("yyyy-DDD", "2027-073"),
        ("EEE, dd MMM yyyy", "Sun, 14 Mar 2027"),
        ("HH 'o''clock' ''", "09 o'clock '"),
        ("yyyy-MM-dd'T'HH:mm:ss+/-hh:mm", "2027-03-14T09:30:05+05:30"),
        ("HH:mmZZZZZ", "09:30+05:30"),
        ("qq yyyy", "qq 2027"),  # a letter apitest does not know is text both ways
    ],
)
def test_patterns_write_what_java_writes_and_read_it_back(fmt: str, written: str) -> None:
    assert render_java(fmt, MOMENTS[0]) == written
    assert java_pattern(fmt).fullmatch(written)


def test_a_quote_inside_quoted_text_is_one_quote_when_read_too() -> None:
    assert java_pattern("'it''s' HH").fullmatch("it's 09")
    assert not java_pattern("'it''s' HH").fullmatch("its 09")


@pytest.mark.parametrize(
    "fmt",
    [
        "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
        "EEE, dd MMM yyyy HH:mm:ss.SSSSSS Z",
        "dd/MM/yy hh:mm:ss.SSSSSS a xx",
        "uuuu-DDD HH:mm:ss.SSSSSS X",
        "d MMMM yyyy H:m:s.SSSSSS ZZZZZ",
    ],
)
def test_what_a_pattern_writes_it_reads_back_as_the_same_moment(fmt: str) -> None:
    """The read-back compares moments written by a `format` (verify/compare.py): parsing is
    the inverse of rendering, offsets and fractions included."""
    for moment in MOMENTS:
        assert parse_java(fmt, render_java(fmt, moment)) == moment, render_java(fmt, moment)


def test_a_pattern_without_an_offset_reads_a_naive_moment() -> None:
    assert parse_java("yyyy-MM-dd HH:mm", "2027-03-14 09:30") == datetime(2027, 3, 14, 9, 30)
    assert parse_java("dd.MM.yyyy", "14.03.2027") == datetime(2027, 3, 14)


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("yyyy-MM-dd HH:mm", "2027-03-14T09:30"),  # not what the pattern writes
        ("yyyy-MM-dd HH:mm z", "2027-03-14 09:30 PST"),  # a zone by name: which offset?
        ("HH:mm", "09:30"),  # no day
        ("dd MMM yyyy", "14 Foo 2027"),  # no such month
        ("yyyy-MM-dd", "2027-02-30"),  # no such day
    ],
)
def test_what_names_no_one_moment_reads_as_none(fmt: str, text: str) -> None:
    assert parse_java(fmt, text) is None
