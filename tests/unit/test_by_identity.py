"""Values derived once per object identity, bounded, never handed to an equal twin."""

from __future__ import annotations

from dataclasses import dataclass

from apitest._by_identity import IdentityCache


@dataclass(frozen=True)
class _Shape:
    name: str


def test_a_value_is_made_once_per_object_and_extra() -> None:
    made: list[str] = []
    cache: IdentityCache[_Shape, str] = IdentityCache(10)
    shape = _Shape("a")

    def make(label: str) -> str:
        made.append(label)
        return label

    assert cache.get(shape, "read", lambda: make("a/read")) == "a/read"
    assert cache.get(shape, "read", lambda: make("again")) == "a/read"
    assert cache.get(shape, "create", lambda: make("a/create")) == "a/create"
    assert cache.get(_Shape("a"), "read", lambda: make("twin")) == "twin"  # equal, not the same
    assert made == ["a/read", "a/create", "twin"]


def test_past_the_limit_the_cache_starts_afresh() -> None:
    cache: IdentityCache[_Shape, int] = IdentityCache(2)
    shapes = [_Shape(str(n)) for n in range(3)]
    for number, shape in enumerate(shapes):
        cache.get(shape, None, lambda number=number: number)
    assert len(cache._entries) == 1  # the third entry came after a clear
    assert cache.get(shapes[2], None, lambda: -1) == 2
    assert cache.get(shapes[0], None, lambda: -1) == -1
