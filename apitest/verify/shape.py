"""Does a body match a declared structure? (ZSPEC.md sections 3 and 4)

Pure: the engine hands in what it parsed. Every rule is applied with the scopes of one category
in one direction (`response` for answers), so `include-for`, `required-for` and `nullable-for`
decide what is expected. A failed rule is a `Mismatch` with its JSON path; what is merely odd
(an undeclared key, a long_string sent as a number) is a note.

ZEST's rules that look beyond one value (`value-condition` against a sibling, `condition-for-
response`, `<extend-property>` variants) need the call, which `check_shape` takes as a lazy
`context`; a `<stream>` answer is bytes, of which only the size is checked.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apitest.errors import clip
from apitest.verify import value_checks
from apitest.verify.conforms import clean_check
from apitest.verify.value_checks import describe
from apitest.zspec.conditions import DataPath, EvalContext
from apitest.zspec.model import Content, Property, Stream, Structure, StructureGroup
from apitest.zspec.scopes import Category, Direction
from apitest.zspec.text_bodies import text_value_property
from apitest.zspec.xml_bodies import is_xml

__all__ = ["MAX_DEPTH", "Mismatch", "RawBody", "ShapeReport", "check_shape", "check_value"]

MAX_DEPTH = 64
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Mismatch:
    """One rule a value broke: where, what the spec wanted, what came."""

    path: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.path}: expected {self.expected}, got {self.actual}"


@dataclass(frozen=True)
class ShapeReport:
    mismatches: tuple[Mismatch, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches


@dataclass(frozen=True)
class RawBody:
    """A response body that is not valid JSON, as text (`size`: its bytes as received)."""

    text: str
    size: int | None = None


_CLEAN = ShapeReport((), ())


def child_path(path: str, key: str) -> str:
    """`$.trips` for a plain key, `$['trip-name']` otherwise; hostile keys are clipped."""
    return path + _key_suffix(key)


@functools.lru_cache(maxsize=4096)
def _key_suffix(key: str) -> str:
    """Worked out once per key name: every record of every answer repeats the same keys."""
    shown = clip(key, value_checks.CLIP)
    return f".{shown}" if _IDENTIFIER.fullmatch(key) else f"[{shown!r}]"


def _names(structures: tuple[Structure, ...] | list[Structure]) -> str:
    shown = [s.name or s.ref_name or f"#{index + 1}" for index, s in enumerate(structures)]
    return clip(", ".join(shown), 200)


@dataclass
class _Walk:
    """One pass over a body, collecting mismatches and notes; `fork` tries a branch apart."""

    direction: Direction
    category: Category
    strict: bool
    mismatches: list[Mismatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    root: Any = None
    context: Callable[[], EvalContext] | None = None
    """The call, for `condition-for-response` and `value-condition` paths (made when asked)."""

    def fork(self) -> _Walk:
        return _Walk(self.direction, self.category, self.strict, root=self.root, context=self.ctx)

    def ctx(self) -> EvalContext:
        """The call's context, made once: the body alone when the caller gave none."""
        made = self.context() if self.context is not None else EvalContext(response_body=self.root)
        self.context = lambda: made
        return made

    def merge(self, other: _Walk) -> None:
        self.mismatches.extend(other.mismatches)
        self.notes.extend(other.notes)

    def miss(self, path: str, expected: str, actual: str) -> None:
        self.mismatches.append(Mismatch(path, expected, actual))

    def note(self, path: str, text: str) -> None:
        self.notes.append(f"{path}: {text}")

    @property
    def scope(self) -> str:
        return f"{self.direction.capitalize()}[{self.category}]"

    # --- structures ----------------------------------------------------------------------------
    def structure(self, value: Any, structure: Structure, path: str, depth: int) -> None:
        if structure.recursive_ref is not None or structure.declares_nothing:
            return  # a self-reference cannot be expanded; an empty structure declares nothing
        if depth > MAX_DEPTH:
            self.note(path, f"nested deeper than {MAX_DEPTH} levels: not checked")
            return
        if structure.is_map:
            self.object(value, structure, path, depth)
        else:  # one nameless property: the value itself is that scalar (or array)
            self.value(value, structure.properties[0], path, depth + 1)

    def object(
        self, value: Any, structure: Structure, path: str, depth: int, *, undeclared: bool = True
    ) -> None:
        if not isinstance(value, dict):
            self.miss(path, "an object", describe(value))
            return
        for prop in structure.properties:
            if prop.name is not None:
                self.member(value, prop, path, depth)
        if undeclared:
            self.undeclared(value, [structure], path, depth)

    def member(self, obj: dict[str, Any], prop: Property, path: str, depth: int) -> None:
        assert prop.name is not None
        if prop.has_call_rules:
            applies = self.applicable(prop)
            if applies is None:
                return  # its condition-for-response does not hold: not expected in this answer
            prop = applies
        assert prop.name is not None
        if not prop.include_for.applies(self.direction, self.category):
            return  # not part of this category's body: neither expected nor flagged
        where = child_path(path, prop.name)
        if prop.name not in obj:
            if prop.required_for.applies(self.direction, self.category):
                self.miss(where, f"present (required for {self.scope})", "absent")
            return
        self.value(obj[prop.name], prop, where, depth + 1)
        if prop.value_condition is not None:
            self.value_condition(obj, prop, where)

    def applicable(self, prop: Property) -> Property | None:
        """The property as it stands in this call: None when its conditions for this direction
        do not all hold, else the first `<extend-property>` whose conditions hold, else itself."""
        if not self.holds(prop):
            return None
        for variant in prop.extend_properties:
            if variant.response_conditions and self.holds(variant):
                return variant
        return prop

    def holds(self, prop: Property) -> bool:
        conditions = (
            prop.response_conditions if self.direction == "response" else prop.request_conditions
        )
        return all(condition.evaluate(self.ctx()) for condition in conditions)

    def value_condition(self, obj: dict[str, Any], prop: Property, path: str) -> None:
        """`value-condition`: against the sibling its path names, else what the path finds in
        the call, else its literal; nothing to compare against leaves it unjudged."""
        rule = prop.value_condition
        assert rule is not None
        value = obj.get(prop.name or "")
        if value is None:
            return
        if rule.sibling is not None and rule.sibling in obj:
            others = [obj[rule.sibling]]
        elif isinstance(rule.operand, DataPath):
            others = rule.operand.find(self.ctx())[:1]
        else:
            others = [rule.operand.value]
        for other in others:
            problem = value_checks.order_problem(value, rule.op, other, rule.text, prop.format)
            if problem is not None:
                self.miss(path, *problem)

    def undeclared(
        self, obj: dict[str, Any], structures: list[Structure], path: str, depth: int
    ) -> None:
        """Keys no property of `structures` names: each judged by the first extra property
        whose `name-regex` takes it, else noted (a failure under `strict`)."""
        declared = {p.name for s in structures for p in s.properties if p.name}
        extras = [
            extra
            for s in structures
            for extra in s.extra_properties
            if extra.include_for.applies(self.direction, self.category)
        ]
        for key, item in obj.items():
            if key in declared:
                continue
            where = child_path(path, str(key))
            extra = value_checks.extra_property_for(str(key), extras) if extras else None
            if extra is not None:
                self.value(item, extra, where, depth + 1)
            elif self.strict:
                self.miss(where, "no such key (not declared in the structure)", describe(item))
            else:
                self.note(where, "not declared in the structure")

    # --- one property's value ------------------------------------------------------------------
    def value(self, value: Any, prop: Property, path: str, depth: int) -> None:
        if value is None:
            if not prop.nullable_for.applies(self.direction, self.category):
                self.miss(path, "not null", "null")
            return
        if self._empty_answer(value, prop, path):
            return
        expected = value_checks.type_problem(value, prop, self.direction)
        if expected is not None:
            self.miss(path, expected, describe(value))
            return
        if prop.type == "long_string" and value_checks.is_int(value):
            self.note(path, "long_string sent as a JSON integer")
        if prop.type == "collections" and isinstance(value, list):
            self.items(value, prop, path, depth)
        elif prop.type == "map" and isinstance(value, dict):
            self.map(value, prop, path, depth)
        self.constraints(value, prop, path)

    def _empty_answer(self, value: Any, prop: Property, path: str) -> bool:
        """ZSPEC 4: an empty string or array in a response passes unless `length` sets min > 0."""
        if self.direction != "response" or not isinstance(value, str | list) or value:
            return False
        if prop.type not in value_checks.STRING_TYPES and prop.type not in ("collections", "any"):
            return False
        problem = value_checks.length_problem(value, prop)
        if problem is not None:
            self.miss(path, *problem)
        return True

    def constraints(self, value: Any, prop: Property, path: str) -> None:
        if (
            prop.length is None
            and not prop.values
            and not prop.regex
            and prop.range is None
            and prop.decimal_place is None
        ):
            return  # nothing declared beyond the type: the common case, kept cheap
        if prop.invalid_value != "deny" and value_checks.is_mapped_default(value, prop):
            return  # invalid-value="map-default": the default stands in for a broken value
        problems = [
            value_checks.length_problem(value, prop),
            value_checks.values_problem(value, prop, self.direction),
        ]
        if isinstance(value, str) and len(value) > value_checks.REGEX_LIMIT and prop.regex:
            self.note(path, f"regex not checked on a value of {len(value):,} characters")
        else:
            problems.append(value_checks.regex_problem(value, prop))
        problems.extend(value_checks.number_problems(value, prop))
        for problem in problems:
            if problem is not None:
                self.miss(path, *problem)

    def items(self, value: list[Any], prop: Property, path: str, depth: int) -> None:
        scalar = value_checks.scalar_item_props(prop)
        for index, item in enumerate(value):
            where = f"{path}[{index}]"
            if prop.structure is not None:
                self.structure(item, prop.structure, where, depth + 1)
            elif prop.structure_group is not None:
                self.group(item, prop.structure_group, where, depth + 1)
            elif scalar:
                self.scalar_item(item, scalar, where)

    def scalar_item(self, item: Any, candidates: list[Property], path: str) -> None:
        if item is None:
            self.miss(path, "not null", "null")
            return
        for candidate in candidates:
            if value_checks.type_problem(item, candidate, self.direction) is None:
                if candidate.type == "long_string" and value_checks.is_int(item):
                    self.note(path, "long_string sent as a JSON integer")
                self.constraints(item, candidate, path)
                return
        wanted = " or ".join(c.type for c in candidates)
        self.miss(path, wanted, describe(item))

    def map(self, value: dict[str, Any], prop: Property, path: str, depth: int) -> None:
        if prop.name_regex:
            for key in value:
                problem = value_checks.name_problem(str(key), prop.name_regex)
                if problem is not None:
                    self.miss(child_path(path, str(key)), *problem)
        if prop.structure_group is not None:
            self.group(value, prop.structure_group, path, depth + 1)
        shape = prop.structure
        if shape is None:
            return
        if shape.is_map or shape.recursive_ref is not None or not shape.properties:
            self.structure(value, shape, path, depth + 1)
            return
        entry = shape.properties[0]  # a nameless property: the shape of every entry's value
        for key, item in value.items():
            self.value(item, entry, child_path(path, str(key)), depth + 1)

    # --- structure groups ----------------------------------------------------------------------
    def group(self, value: Any, group: StructureGroup, path: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.note(path, f"nested deeper than {MAX_DEPTH} levels: not checked")
            return
        if group.type == "array-of":
            if not isinstance(value, list):
                self.miss(path, f"an array (array-of {_names(group.structures)})", describe(value))
                return
            for index, item in enumerate(value):
                self.choose(item, group, f"{path}[{index}]", depth + 1, exactly_one=False)
        elif group.type == "all-of":
            self.all_of(value, group, path, depth + 1)
        else:
            self.choose(value, group, path, depth + 1, exactly_one=group.type == "one-of")

    def choose(
        self, value: Any, group: StructureGroup, path: str, depth: int, *, exactly_one: bool
    ) -> None:
        picked = _discriminated(value, group)
        if picked is not None:
            self.structure(value, picked, path, depth)
            return
        checkable = [s for s in group.structures if s.recursive_ref is None]
        trials: list[tuple[Structure, _Walk]] = []
        for structure in checkable:
            trial = self.fork()
            trial.structure(value, structure, path, depth)
            trials.append((structure, trial))
        matched = [(s, trial) for s, trial in trials if not trial.mismatches]
        if exactly_one and len(matched) > 1:
            self.miss(
                path,
                f"a match of exactly one of {_names(group.structures)}",
                f"a value that matches more than one of {_names([s for s, _ in matched])}",
            )
        elif matched:
            self.merge(matched[0][1])
        elif trials and len(checkable) == len(group.structures):
            self.merge(min(trials, key=lambda t: len(t[1].mismatches))[1])
        # else: a self-referencing member might match; it cannot be expanded, so accept

    def all_of(self, value: Any, group: StructureGroup, path: str, depth: int) -> None:
        objects = [s for s in group.structures if s.is_map and s.recursive_ref is None]
        if objects and not isinstance(value, dict):
            self.miss(path, f"an object (all-of {_names(group.structures)})", describe(value))
            return
        for structure in group.structures:
            if structure in objects:
                self.object(value, structure, path, depth, undeclared=False)
            else:
                self.structure(value, structure, path, depth)
        if objects and isinstance(value, dict):
            self.undeclared(value, objects, path, depth)


def _discriminated(value: Any, group: StructureGroup) -> Structure | None:
    """The member the discriminator's property names, if the body carries a known value."""
    disc = group.discriminator
    if disc is None or not isinstance(value, dict) or disc.property_name not in value:
        return None
    raw = value[disc.property_name]
    text = str(raw).lower() if isinstance(raw, bool) else str(raw)
    for mapping in disc.mappings:
        if mapping.value == text:
            return mapping.structure
    for structure in group.structures:
        if text in (structure.discriminator_name, structure.name, structure.ref_name):
            return structure
    return None


def check_shape(
    body: Any,
    content: Content,
    *,
    direction: Direction,
    category: Category,
    strict: bool = False,
    context: Callable[[], EvalContext] | None = None,
    compiled: bool = True,
) -> ShapeReport:
    """Check a parsed body (or `RawBody`) against the content's structure or structure group:
    every mismatch with its JSON path, every note. `context` gives the call (request, headers,
    records) to rules that look beyond the body. A body that is simply right is recognised by
    the compiled check (`conforms`) and costs no walk; anything else gets the walk, which alone
    words what is reported. `compiled=False` always walks (the tests hold the two to one answer)."""
    structure, group = content.structure, content.structure_group
    if structure is None and group is None:
        return _CLEAN
    if structure is not None and structure.stream is not None:
        return _stream_report(body, structure.stream)
    if compiled and structure is not None and group is None and not isinstance(body, RawBody):
        clean = clean_check(structure, direction, category, MAX_DEPTH)
        if clean is not None and clean(body):
            return _CLEAN
    walk = _Walk(direction, category, strict, root=body, context=context)
    if isinstance(body, RawBody):
        value = text_value_property(content)
        if value is not None:  # one value of plain text (zspec/text_bodies.py)
            for wanted, got in value_checks.text_problems(body.text, value):
                walk.miss("$", wanted, got)
        elif is_xml(content.encode):
            walk.miss("$", "well-formed XML", f"not XML: {clip(body.text, value_checks.CLIP)}")
        else:
            walk.miss("$", "a JSON body", f"not JSON: {clip(body.text, value_checks.CLIP)}")
    else:
        if structure is not None:
            walk.structure(body, structure, "$", 0)
        if group is not None:
            walk.group(body, group, "$", 0)
    return ShapeReport(tuple(walk.mismatches), tuple(walk.notes))


def _stream_report(body: Any, stream: Stream) -> ShapeReport:
    """A `<stream>` answer is bytes, whatever they look like: only a declared size is checked."""
    if stream.size is None or body is None:
        return _CLEAN
    if isinstance(body, RawBody):
        size = body.size if body.size is not None else len(body.text.encode())
    else:
        size = len(json.dumps(body).encode())  # bytes that happened to parse as JSON
    if stream.size.contains(size):
        return _CLEAN
    wanted = f"a stream of {value_checks.bounds_text(stream.size)} bytes"
    return ShapeReport((Mismatch("$", wanted, f"{size:,} bytes"),), ())


def check_value(
    value: Any, prop: Property, *, direction: Direction, category: Category, path: str = "$"
) -> list[Mismatch]:
    """Check one property's value (a body member or an argument); null obeys `nullable-for`."""
    walk = _Walk(direction, category, strict=False)
    walk.value(value, prop, path, 0)
    return walk.mismatches
