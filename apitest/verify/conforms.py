"""A yes/no shape check compiled once per structure, for the answer that is simply right.

Almost every answer of a healthy API matches its structure, and `shape._Walk` spends most of
its time building JSON paths and reports that nobody reads when nothing is wrong. So a
structure is compiled, once per (structure, direction, category), into plain closures
that answer one question: does this body pass with no mismatch *and* no note? Whenever the
answer is not a clean yes (a broken rule, or anything the walk would note: an undeclared key,
a long_string sent as a number, a value too long for its regex, nesting past MAX_DEPTH), the
caller runs the full walk, which alone decides what is reported. So this module may only ever
say "clean" where the walk would find nothing; saying "not clean" is always safe.

Structure groups (one-of, any-of, all-of, array-of) are left to the walk: compiling them gives
None, and so does any structure holding one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from apitest._by_identity import IdentityCache
from apitest.verify import value_checks
from apitest.zspec.model import Property, Structure
from apitest.zspec.scopes import Category, Direction
from apitest.zspec.values import DIGITS

Check = Callable[[Any], bool]
_Candidate = tuple[Callable[[Any], str | None], bool, Check | None]
MAX_COMPILED = 8192
"""Compiled checks kept (by structure identity); past it the cache starts afresh."""

_compiled: IdentityCache[Structure, Check | None] = IdentityCache(MAX_COMPILED)


def clean_check(
    structure: Structure, direction: Direction, category: Category, max_depth: int
) -> Check | None:
    """The compiled check of `structure`, or None when it holds what only the walk handles.
    `strict` needs no key of its own: it only turns an undeclared key from a note into a
    mismatch, and either is "not clean"."""
    return _compiled.get(
        structure,
        (direction, category, max_depth),
        lambda: _Compiler(direction, category, max_depth).structure(structure, 0),
    )


def _always(value: Any) -> bool:
    return True


_ABSENT = object()


class _Compiler:
    """Mirrors `shape._Walk` rule for rule (and depth for depth), minus paths and reports."""

    def __init__(self, direction: Direction, category: Category, max_depth: int) -> None:
        self.direction = direction
        self.category = category
        self.max_depth = max_depth

    def structure(self, structure: Structure, depth: int) -> Check | None:
        if structure.stream is not None:
            return None  # a byte stream nested in a body: the walk says what it makes of it
        if structure.recursive_ref is not None or structure.declares_nothing:
            return _always
        if depth > self.max_depth:
            return None  # the walk notes it
        if structure.is_map:
            return self.object(structure, depth)
        return self.value(structure.properties[0], depth + 1)

    def object(self, structure: Structure, depth: int) -> Check | None:
        if structure.extra_properties:
            return None  # keys named by pattern: the walk's to match and judge
        declared = frozenset(p.name for p in structure.properties if p.name)
        members: list[tuple[str, bool, Check]] = []
        for prop in structure.properties:
            if prop.has_call_rules:
                return None  # rules on siblings, the call or map keys: the walk's to judge
            if prop.name is None or not prop.include_for.applies(self.direction, self.category):
                continue
            check = self.value(prop, depth + 1)
            if check is None:
                return None
            required = prop.required_for.applies(self.direction, self.category)
            members.append((prop.name, required, check))
        rules = tuple(members)

        def check_object(value: Any) -> bool:
            if type(value) is not dict or not declared.issuperset(value):
                return False  # not an object, or a key the structure does not declare
            for name, required, check in rules:
                member = value.get(name, _ABSENT)
                if member is _ABSENT:
                    if required:
                        return False
                elif not check(member):
                    return False
            return True

        return check_object

    def value(self, prop: Property, depth: int) -> Check | None:
        if prop.structure_group is not None or prop.has_call_rules:
            return None
        nested: Check | None = _always
        if prop.type == "collections":
            nested = self.items(prop, depth)
        elif prop.type == "map":
            nested = self.map(prop, depth)
        if nested is None:
            return None
        return _scalar_check(prop, self.direction, self.category, nested)

    def items(self, prop: Property, depth: int) -> Check | None:
        if prop.structure is not None:
            item = self.structure(prop.structure, depth + 1)
        else:
            candidates = _scalar_candidates(prop, self.direction)
            item = _first_fitting(candidates) if candidates else _always
        if item is None:
            return None
        if item is _always:
            return _always
        return _every(item)

    def map(self, prop: Property, depth: int) -> Check | None:
        entries = self._entries(prop, depth)
        pattern = prop.name_regex
        if entries is None or not pattern:
            return entries
        return _both(lambda value: value_checks.names_ok(value, pattern), entries)

    def _entries(self, prop: Property, depth: int) -> Check | None:
        shape = prop.structure
        if shape is None:
            return _always
        if shape.is_map or shape.recursive_ref is not None or not shape.properties:
            return self.structure(shape, depth + 1)
        entry = self.value(shape.properties[0], depth + 1)
        if entry is None:
            return None
        each = _every(entry)
        return lambda value: each(value.values())


def _scalar_check(prop: Property, direction: Direction, category: Category, nested: Check) -> Check:
    """Null, the empty answer, the type, then what is nested, then the constraints: the order
    and the outcomes of `_Walk.value`."""
    nullable = prop.nullable_for.applies(direction, category)
    empty_rule = direction == "response" and (
        prop.type in value_checks.STRING_TYPES or prop.type in ("collections", "any")
    )
    empty_ok = prop.length is None or prop.length.contains(0)  # `length` on "" and [] alike
    type_of = _type_check(prop, direction)
    after = _both(nested, _constraints(prop, direction) or _always)

    def check_value(value: Any) -> bool:
        if value is None:
            return nullable
        if empty_rule and not value and isinstance(value, str | list):
            return empty_ok
        return type_of(value) and after(value)

    return check_value


def _every(check: Check) -> Check:
    """`check` on each item of an iterable (a plain loop: about three times `all()` over a
    generator, on every record of every answer)."""

    def check_each(values: Any) -> bool:
        for item in values:  # noqa: SIM110
            if not check(item):
                return False
        return True

    return check_each


def _both(first: Check, second: Check) -> Check:
    """`first`, then `second`; a part that always holds is left out."""
    if first is _always:
        return second
    if second is _always:
        return first
    return lambda value: first(value) and second(value)


def _type_check(prop: Property, direction: Direction) -> Check:
    """True when the value is of the type with nothing to note (a long_string sent as a JSON
    integer is accepted by the walk, but noted, so it is not clean)."""
    kind = prop.type
    if kind == "string":
        return lambda value: type(value) is str
    if kind == "long_string":
        digits = DIGITS.fullmatch
        return lambda value: type(value) is str and digits(value) is not None
    generic = value_checks.TYPE_CHECKS.get(kind)
    if generic is None:
        return _always  # unknown types pass (the loader reports them)
    return lambda value: generic(value, prop, direction) is None


def _constraints(prop: Property, direction: Direction) -> Check | None:
    """`length`, `values`, `regex`, `range`, `decimal-place`: one small check per rule the
    property declares, each the walk's rule; None when none is declared (the common case)."""
    checks: list[Check] = []
    length = prop.length
    if length is not None:
        checks.append(
            lambda value: not isinstance(value, str | list) or length.contains(len(value))
        )
    if prop.values and prop.extra_value != "allow":
        allowed = value_checks.value_set(prop.values)
        checks.append(
            lambda value: (
                (type(value) is str and value in allowed)
                or value_checks.values_problem(value, prop, direction) is None
            )
        )
    if prop.regex:
        checks.append(
            lambda value: (
                not (isinstance(value, str) and len(value) > value_checks.REGEX_LIMIT)
                and value_checks.regex_problem(value, prop) is None
            )  # (past the limit the walk notes it)
        )
    if prop.range is not None or prop.decimal_place is not None:
        checks.append(lambda value: not value_checks.number_problems(value, prop))
    if not checks:
        return None
    combined = checks[0]
    for rule in checks[1:]:
        combined = _both(combined, rule)
    if prop.invalid_value == "map-default" and prop.default_value is not None:
        rules = combined  # the walk lets the mapped default through without these rules
        return lambda value: value_checks.is_mapped_default(value, prop) or rules(value)
    return combined


def _scalar_candidates(prop: Property, direction: Direction) -> list[_Candidate]:
    """Per `content-types` type of a collection of scalars: how the walk tells an item is of
    that type (its own check, so the same candidate wins), and that type's rules."""
    return [
        (
            functools.partial(value_checks.type_problem, prop=candidate, direction=direction),
            candidate.type == "long_string",
            _constraints(candidate, direction),
        )
        for candidate in value_checks.scalar_item_props(prop)
    ]


def _first_fitting(candidates: list[_Candidate]) -> Check:
    """`_Walk.scalar_item`: the first candidate type the item is of decides its rules."""

    def check_item(item: Any) -> bool:
        if item is None:
            return False
        for type_problem, long_string, rules in candidates:
            if type_problem(item) is None:
                if long_string and value_checks.is_int(item):
                    return False  # accepted, but noted
                return rules is None or rules(item)
        return False

    return check_item
