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
    scopes = _top_level_split(compact)
    for index, scope in enumerate(scopes):
        if not scope:
            problem = (
                "a ',' before the first scope" if index == 0
                else "a trailing ',' after the last scope" if index == len(scopes) - 1
                else "an empty scope between commas"
            )  # fmt: skip
            raise ScopeSyntaxError(f"{problem} (remove the extra ',')")
        _parse_one_scope(scope, found)
    return ScopeSet(frozenset(found["request"]), frozenset(found["response"]), text.strip())


def _top_level_split(compact: str) -> list[str]:
    """Split at the commas that separate scopes, not those inside `[...]`."""
    parts: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(compact):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth < 0:
                raise ScopeSyntaxError(f"a ']' with no '[' before it in {compact!r}")
        elif char == "," and depth == 0:
            parts.append(compact[start:index])
            start = index + 1
    if depth:
        raise ScopeSyntaxError(f"a '[' is never closed in {compact!r}")
    parts.append(compact[start:])
    return parts


def _parse_one_scope(scope: str, found: dict[Direction, set[Category]]) -> None:
    """Parse one `request[...]` or `response[...]` into `found`."""
    head, bracket, rest = scope.partition("[")
    direction = _DIRECTIONS.get(head)
    if direction is None:
        raise ScopeSyntaxError(
            f"unknown scope {head!r}: expected 'Request[...]' or 'Response[...]', 'all' or 'none'"
        )
    close = rest.find("]")
    if not bracket or close < 0:
        raise ScopeSyntaxError(f"'{head}' needs a bracketed category list, e.g. {head}[read]")
    if close != len(rest) - 1:
        raise ScopeSyntaxError(
            f"expected ',' between scopes, found {rest[close + 1 :]!r} after '{head}[...]'"
        )
    inner = rest[:close]
    if not inner:
        return  # Request[] means no request category
    for name in inner.split(","):
        category = _CATEGORY_BY_NAME.get(name)
        if category is None:
            what = "an empty category" if not name else f"unknown category {name!r}"
            raise ScopeSyntaxError(
                f"{what} in {head}[...]: use {', '.join(CATEGORIES)}, separated by single commas"
            )
        found[direction].add(category)
