"""The `*-for` scope grammar: which request and response categories a property rule covers.

`include-for="Request[],Response[read]"` decides whether `trip_id` goes into a create body or is
expected in a read answer, so the planner and the verifier both ask the same `ScopeSet`.
Grammar (case and white space ignored): `all` | `none` | scope (',' scope)*, where
scope := ('Request' | 'Response') '[' [category (',' category)*] ']'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Category = Literal["read", "create", "update", "delete", "action"]
Direction = Literal["request", "response"]

CATEGORIES: tuple[Category, ...] = ("read", "create", "update", "delete", "action")
_DIRECTIONS: dict[str, Direction] = {"request": "request", "response": "response"}
_CATEGORY_BY_NAME: dict[str, Category] = {name: name for name in CATEGORIES}


class ScopeSyntaxError(ValueError):
    """A malformed scope list; `message` says what was expected, for a file:line diagnostic."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ScopeSet:
    """The categories a rule applies to, per direction."""

    request: frozenset[Category]
    response: frozenset[Category]
    text: str = ""

    def applies(self, direction: Direction, category: Category) -> bool:
        """True when the rule covers `category` for a request body or a response body."""
        chosen = self.request if direction == "request" else self.response
        return category in chosen

    @property
    def is_empty(self) -> bool:
        return not self.request and not self.response


ALL = ScopeSet(frozenset(CATEGORIES), frozenset(CATEGORIES), "all")
NONE = ScopeSet(frozenset(), frozenset(), "none")


def parse_scopes(text: str) -> ScopeSet:
    """Parse a scope list; raise `ScopeSyntaxError` with a mendable message when malformed."""
    compact = "".join(text.split()).lower()
    if compact == "all":
        return ALL
    if compact == "none":
        return NONE
    if not compact:
        raise ScopeSyntaxError("empty scope list (write 'all', 'none' or e.g. 'Response[read]')")
    found: dict[Direction, set[Category]] = {"request": set(), "response": set()}
    position = 0
    while position < len(compact):
        position = _parse_one_scope(compact, position, found)
        if position < len(compact):
            if compact[position] != ",":
                raise ScopeSyntaxError(f"expected ',' between scopes, found {compact[position:]!r}")
            position += 1
            if position == len(compact):
                raise ScopeSyntaxError("trailing ',' after the last scope")
    return ScopeSet(frozenset(found["request"]), frozenset(found["response"]), text.strip())


def _parse_one_scope(compact: str, position: int, found: dict[Direction, set[Category]]) -> int:
    """Parse `Request[...]` or `Response[...]` at `position`; return the position after it."""
    bracket = compact.find("[", position)
    head = compact[position:bracket] if bracket >= 0 else compact[position:]
    direction = _DIRECTIONS.get(head)
    if direction is None:
        raise ScopeSyntaxError(
            f"unknown scope {head!r}: expected 'Request[...]' or 'Response[...]', 'all' or 'none'"
        )
    close = compact.find("]", bracket)
    if bracket < 0 or close < 0:
        raise ScopeSyntaxError(f"'{head}' needs a bracketed category list, e.g. {head}[read]")
    for name in filter(None, compact[bracket + 1 : close].split(",")):
        category = _CATEGORY_BY_NAME.get(name)
        if category is None:
            raise ScopeSyntaxError(
                f"unknown category {name!r} in {head}[...]: use {', '.join(CATEGORIES)}"
            )
        found[direction].add(category)
    return close + 1
