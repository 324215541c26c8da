"""Request bodies built from a spec's structures (ZSPEC.md 3, 8): the included properties of a
category, the chain's record keys in place, values named by `path="resource:$..."` taken from the
Data Manager, nested structures and structure groups, and the rules between members of one body
(`condition-for-request`, `value-condition`, start_* before end_*).

Every scalar comes from one `ValueSource`, so a body is as reproducible as its seed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypeAlias

from apitest.plan._values import MISSING, ValueSource, convert, item_property
from apitest.plan._windows import int_window
from apitest.zspec.conditions import DataPath, EvalContext, LiteralValue
from apitest.zspec.formats import in_order, ordered_key
from apitest.zspec.model import Property, Structure, StructureGroup
from apitest.zspec.scopes import Category

Lookup: TypeAlias = Callable[[DataPath], list[Any]]
"""The Data Manager: the values a `path="resource:$..."` names; [] when there are none."""

_MAX_DEPTH: Final = 8


@dataclass(frozen=True)
class BodyPlan:
    """What stays fixed while one body is built: the operation's category, the Data Manager,
    the chain's record keys and the structure they belong to."""

    category: Category
    lookup: Lookup
    keys: Mapping[str, Any]
    record_structure: str | None
    looking_up: bool = False
    """The body of a read that looks for one record (a write's read-back): only the members it
    must send and those a record gives. Prefect lists by `POST /flows/filter`, and a generated
    `offset` paged past the record, so every correct write "held no record"."""


class BodyBuilder:
    """One body's values, nested as its structures nest; scalars from `values`."""

    def __init__(self, values: ValueSource, plan: BodyPlan) -> None:
        self.values = values
        self.plan = plan
        self.made_up: list[str] = []
        """`name (path)` of each required property whose data path found no record, so its
        value was generated: the call may name a record that does not exist."""

    def structure(self, structure: Structure, depth: int, prior: Any) -> Any:
        """A dict of the included properties; MISSING for a self-reference or too deep a nest."""
        if structure.recursive_ref is not None or depth > _MAX_DEPTH:
            return MISSING
        if not structure.is_map:  # a scalar holder (an argument's value property)
            props = structure.properties
            return self._value(props[0], depth, prior) if props else {}
        is_record = (
            structure.ref_name is not None and structure.ref_name == self.plan.record_structure
        )
        before: Mapping[str, Any] = prior if isinstance(prior, Mapping) else {}
        out: dict[str, Any] = {}
        moments: dict[str, datetime] = {}
        for prop in structure.properties:
            name = prop.name
            if not name or not prop.include_for.applies("request", self.plan.category):
                continue
            if self.plan.looking_up and not _sent_looking_up(prop, self.plan.category):
                continue
            if is_record and name in self.plan.keys:
                out[name] = self.plan.keys[name]
                continue
            if prop.extend_properties:
                prop = _request_variant(prop, out)
            self.values.last_moment = None
            value = self._value(prop, depth + 1, before.get(name, MISSING))
            if value is not MISSING:
                out[name] = value
                if self.values.last_moment is not None and prop.type in ("datetime", "date"):
                    moments[name] = self.values.last_moment
        self._follow_rules(structure, out, moments, self.plan.keys if is_record else {})
        return out

    def _follow_rules(
        self,
        structure: Structure,
        out: dict[str, Any],
        moments: dict[str, datetime],
        fixed: Mapping[str, Any],
    ) -> None:
        """Rules between the members of one body: `condition-for-request` drops what does not
        apply; `value-condition` (and, where none is given, the order the names promise:
        start_* before end_*) moves a generated value to the right side of its sibling."""
        for prop in structure.properties:
            name = prop.name
            if not name or name not in out or name in fixed:
                continue
            if prop.request_conditions and not _conditions_hold(prop, out):
                del out[name]
                continue
            rule = prop.value_condition
            if rule is not None:
                op, sibling = rule.op, rule.sibling
                other = out.get(sibling, MISSING) if sibling else _literal(rule.operand)
            elif prop.type in ("datetime", "date") and (sibling := _start_of(name, out)):
                op, other = ">", out[sibling]
            else:
                continue
            if other is MISSING or in_order(out[name], op, other, prop.format) is not False:
                continue
            value = self._satisfying(prop, op, other, moments.get(sibling or ""))
            if value is not MISSING:
                out[name] = value

    def _satisfying(self, prop: Property, op: str, other: Any, moment: datetime | None) -> Any:
        """A value of `prop` on the `op` side of `other` (a few days off for moments, one off
        for numbers, an equal one for >= and <=); MISSING when there is no such value to make."""
        sign = 1 if op in (">", ">=") else -1
        if prop.type in ("datetime", "date"):
            base = moment if moment is not None else ordered_key(other, prop.format)
            if not isinstance(base, datetime):
                return MISSING
            if base.tzinfo is None:
                base = base.replace(tzinfo=UTC)
            step = timedelta(
                days=self.values.rng.randint(1, 14), minutes=self.values.rng.randrange(0, 1440)
            )
            return self.values.render_moment(prop, base + sign * step)
        key = ordered_key(other)
        numeric = prop.type in ("integer", "long", "double")
        if isinstance(key, datetime) or key is None or not numeric:
            return MISSING
        value = key + sign * (0 if op in (">=", "<=") else 1)
        if prop.type != "double":
            value = int(value)
        return value if prop.range is None or prop.range.contains(value) else MISSING

    def value(self, prop: Property) -> Any:
        """One property's value as a body would hold it (MISSING: none), for a value built
        outside a body: an argument's map or list."""
        return self._value(prop, 0, MISSING)

    def _value(self, prop: Property, depth: int, prior: Any) -> Any:
        """One property's value; MISSING leaves it out of the body."""
        path = prop.path
        if path is not None and path.records_of is not None:
            found = self.plan.lookup(path)
            if found:  # a list property naming records gets the one record's value as a list
                listed = prop.type == "collections" and not isinstance(found[0], list)
                return [found[0]] if listed else _as_declared(prop, found[0])
            if not prop.required_for.applies("request", self.plan.category):
                return MISSING  # optional: better absent than naming a record that does not exist
            self.made_up.append(f"{prop.name or 'the value'} ({path.name}:{path.text})")
            prior = MISSING  # path-resolved fields are never varied
        if prop.type == "collections":
            return self._collection(prop, depth, prior)
        shape = prop.structure
        if prop.type == "map" and shape is not None and shape.properties and not shape.is_map:
            return self._entries(prop, shape.properties[0], depth, prior)
        if prop.structure is not None:
            return self.structure(prop.structure, depth, prior)
        if prop.structure_group is not None:
            return self.group(prop.structure_group, depth, prior)
        if prop.unique_for.applies("request", self.plan.category):
            return self.values.unique(prop)
        return self.values.scalar(prop, vary_from=prior)

    def _entries(self, prop: Property, entry: Property, depth: int, prior: Any) -> Any:
        """A map of one entry shaped by its nameless property, under a key that matches
        `name-regex` when one is given."""
        key = "key"
        if prop.name_regex:
            key = self.values.from_regex(prop.name_regex, None, 20) or key
        earlier = prior.get(key, MISSING) if isinstance(prior, Mapping) else MISSING
        value = self._value(entry, depth + 1, earlier)
        return {} if value is MISSING else {key: value}

    def _collection(self, prop: Property, depth: int, prior: Any) -> Any:
        """A list of `length`'s minimum items (one by default), shaped or of the content type."""
        shaped = prop.structure is not None or prop.structure_group is not None
        if not shaped and prior is MISSING and prop.example_value is not None:
            example = convert("collections", prop.example_value)
            if example is not MISSING:
                return example
        count = int_window(prop.length, (1, 1), (0, 1000))[0]
        before = prior if isinstance(prior, list) else []
        item_prop = item_property(prop)
        items: list[Any] = []
        for index in range(count):
            earlier = before[index] if index < len(before) else MISSING
            if prop.structure is not None:
                item = self.structure(prop.structure, depth, earlier)
            elif prop.structure_group is not None:
                item = self.group(prop.structure_group, depth, earlier)
            else:
                item = self.values.scalar(item_prop, vary_from=earlier)
            if item is not MISSING:
                items.append(item)
        return MISSING if count and not items else items

    def group(self, group: StructureGroup, depth: int, prior: Any) -> Any:
        """The first structure of one-of/any-of, all of all-of merged, array-of as a list of one."""
        if not group.structures:
            return MISSING
        first = group.structures[0]
        if group.type == "array-of":
            earlier = prior[0] if isinstance(prior, list) and prior else MISSING
            item = self.structure(first, depth, earlier)
            return MISSING if item is MISSING else [item]
        if group.type == "all-of":
            merged: dict[str, Any] = {}
            for structure in group.structures:
                part = self.structure(structure, depth, prior)
                if isinstance(part, dict):
                    merged.update(part)
            return merged
        value = self.structure(first, depth, prior)
        discriminator = group.discriminator
        if discriminator is not None and isinstance(value, dict):
            for mapping in discriminator.mappings:
                if mapping.structure is first or mapping.structure == first:
                    value[discriminator.property_name] = mapping.value  # the server picks by it
                    break
        return value


def _sent_looking_up(prop: Property, category: Category) -> bool:
    """Whether a read looking for one record sends `prop`: required, or given by a record
    (itself or a member at any depth: DynamoDB's `{"Key": {"id": {"S": ...}}}`)."""
    return prop.required_for.applies("request", category) or _gives_a_record_value(prop, 0)


def _gives_a_record_value(prop: Property, depth: int) -> bool:
    if prop.records_of is not None:
        return True
    if prop.structure is None or depth > _MAX_DEPTH:
        return False
    return any(_gives_a_record_value(member, depth + 1) for member in prop.structure.properties)


def _conditions_hold(prop: Property, body: dict[str, Any]) -> bool:
    """`condition-for-request`/`-all` against the body as built (the request is being made, so
    the body is all there is of it yet). ZEST writes request paths as `REQUEST:$.body.key`, so
    the body also answers under `body` (unless it has a member of that name)."""
    seen = body if "body" in body else {**body, "body": body}
    ctx = EvalContext(request_body=seen, response_body=body)
    return all(condition.evaluate(ctx) for condition in prop.request_conditions)


def _request_variant(prop: Property, body: dict[str, Any]) -> Property:
    """The first `<extend-property>` whose request conditions hold on the body so far."""
    for variant in prop.extend_properties:
        if variant.request_conditions and _conditions_hold(variant, body):
            return variant
    return prop


def _literal(operand: Any) -> Any:
    return operand.value if isinstance(operand, LiteralValue) else MISSING


_END = re.compile(r"(?:^|(?<=_))end(?=_|$|[A-Z0-9])|End(?=[A-Z0-9_]|$)|END(?=_|$)")
_START = {"end": "start", "End": "Start", "END": "START"}


def _start_of(name: str, body: Mapping[str, Any]) -> str | None:
    """The start_* member an end_* one follows (end_time: start_time, tripEnd: tripStart)."""
    start = _END.sub(lambda m: _START[m.group(0)], name, count=1)
    return start if start != name and start in body else None


def _as_declared(prop: Property, value: Any) -> Any:
    """A value taken from a record, as the property's type has it: JSON:API's ids are text
    (`"2"`), and an `integer` attribute naming that record sent as text was stored as 2 and
    read back as "did not stick" (SAFRS). Text that is no such value is sent as it is."""
    if isinstance(value, str) and prop.type in _CONVERTED:
        converted = convert(prop.type, value)
        return value if converted is MISSING else converted
    return value


_CONVERTED = frozenset({"integer", "long", "double", "boolean"})
