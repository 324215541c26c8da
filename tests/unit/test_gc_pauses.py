"""The collector's settings for the length of a run: raised, frozen, and put back as found."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from apitest._gc import fewer_gc_pauses, no_gc_pauses


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture(autouse=True)
def _defaults() -> Iterator[None]:
    """Each test starts from Python's defaults and leaves them so for the next."""
    saved, was_enabled = gc.get_threshold(), gc.isenabled()
    gc.enable()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)
    gc.unfreeze()
    if not was_enabled:
        gc.disable()


def test_a_run_raises_the_young_threshold_and_freezes_what_exists() -> None:
    with fewer_gc_pauses(5_000):
        assert gc.get_threshold() == (5_000, 10, 10)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_settings_are_put_back_when_the_run_fails() -> None:
    with pytest.raises(RuntimeError), fewer_gc_pauses(5_000):
        raise RuntimeError("the run broke")
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_a_freeze_already_in_place_is_left_alone() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    with fewer_gc_pauses(5_000):
        pass
    # not unfrozen (0) and not frozen again (more); frozen objects that die leave the count
    assert 0 < gc.get_freeze_count() <= frozen


def test_a_higher_threshold_already_set_is_not_lowered() -> None:
    gc.set_threshold(50_000, 10, 10)
    with fewer_gc_pauses(5_000):
        assert gc.get_threshold()[0] == 50_000


def test_cycles_made_during_a_run_are_still_collected() -> None:
    with fewer_gc_pauses(5_000):
        gc.collect(0)  # the count of allocations starts afresh
        dead = weakref.ref(_Node())
        assert dead() is not None  # no collection yet: the threshold is far off
        keep = [[] for _ in range(10_000)]  # allocations past the threshold
        assert dead() is None
        del keep


def test_no_gc_pauses_turns_collection_off_and_back_on() -> None:
    with no_gc_pauses():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_was_built_without_pauses_goes_straight_to_the_oldest_generation() -> None:
    """Left young, the whole structure would be scanned at the next allocation."""
    with no_gc_pauses():
        built = [[n] for n in range(5_000)]  # lists: always tracked by the collector
    assert gc.get_count()[0] < 100
    oldest = {id(obj) for obj in gc.get_objects(generation=2)}
    assert id(built) in oldest and id(built[-1]) in oldest


def test_without_pauses_leaves_a_freeze_in_place() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    with no_gc_pauses():
        built = [[n] for n in range(100)]
    assert 0 < gc.get_freeze_count() <= frozen  # as in the test above
    assert id(built) not in {id(obj) for obj in gc.get_objects(generation=2)}
