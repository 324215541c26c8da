"""Request data synthesised from a spec's structures, reproducibly from a seed (ZSPEC.md 3, 4, 8).

`--seed` must reproduce a run exactly, and one case's data must not depend on which other cases
were planned. So each case gets its own `random.Random`, derived from the run's seed and the case's
key by a stable hash (`DataGenerator.child`); the global `random` is never touched.
Preference per value (ZSPEC.md 8): `example-value`, then the first of `values`, then generated
data that satisfies the type and its constraints (`regex`, `length`, `range`, `decimal-place`,
`format`). Values that must name existing records (`path="resource:$..."`) come from the Data
Manager through a `Lookup`, so a trip is booked to a destination that really exists.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import mimetypes
import random
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final, TypeAlias

import rstr

from apitest.spec.conditions import DataPath, EvalContext, LiteralValue
from apitest.spec.formats import in_order, ordered_key, render_java
from apitest.spec.model import Argument, Bounds, Content, Property, Structure, StructureGroup
from apitest.spec.scopes import Category
from apitest.spec.values import INT32, INT64

__all__ = ["MISSING", "DataGenerator", "Lookup", "NoRecordError"]


class _Missing:
    """The type of `MISSING`: "no value", which JSON null (None) cannot say."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

Lookup: TypeAlias = Callable[[DataPath], list[Any]]
"""The Data Manager: the values a `path="resource:$..."` names; [] when there are none."""

_FLOAT_LIMIT: Final = (-1e15, 1e15)  # keeps generated doubles exact enough to round-trip JSON
_REGEX_TRIES: Final = 50
_VARY_TRIES: Final = 20
_MAX_DEPTH: Final = 8
_STRING_CAP: Final = 64
_WORDS: Final = ("apitest", "sample", "alpha", "bravo", "delta", "harbor", "maple", "quartz")
_OFFSETS: Final = (0, 60, 120, 330, 480, 540, 600, -180, -300, -420, -480)  # minutes from UTC
_WINDOW_START: Final = datetime(2027, 1, 1)
_WINDOW_MINUTES: Final = 4 * 365 * 24 * 60  # 2027-2030: never "now", so no time rule trips over it
_FILE: Final = ("apitest.txt", b"apitest upload\n", "text/plain")
_ITEM_TYPES: Final = {
    "string": "string", "long_string": "long_string", "integer": "integer", "int": "integer",
    "long": "long", "double": "double", "float": "double", "number": "double",
    "boolean": "boolean", "bool": "boolean", "datetime": "datetime", "date": "date", "any": "any",
}  # fmt: skip


class NoRecordError(Exception):
    """A value must come from a dependency's records (argument auto-dependency="true") and there is
    none, so the case is skipped with this reason rather than sent with invented data."""

    def __init__(self, path: DataPath) -> None:
        self.path = path
        super().__init__(f"no record of {path.name} to take {path.text} from (auto-dependency)")


class _Xeger(rstr.Rstr):
    """rstr's regex expander with open repeats (`+`, `*`, `{2,}`) capped per call, not at 100, so
    a match also tends to fit the property's `length`; and with the alphabets of non-word and
    negated classes sorted, since rstr builds them from sets, whose order follows PYTHONHASHSEED."""

    repeat_cap = _STRING_CAP

    def __init__(self, rng: random.Random) -> None:
        word = set(string.ascii_letters + string.digits + "_")
        super().__init__(rng, nonword="".join(sorted(set(string.printable) - word)))

    def _handle_in(self, value: Any) -> Any:
        candidates = list(itertools.chain(*(self._handle_state(item) for item in value)))
        if candidates and candidates[0] is False:  # a negated class: printable minus the listed
            candidates = sorted(set(string.printable).difference(candidates[1:]))
        return self._random.choice(candidates)

    def _handle_repeat(self, start_range: int, end_range: int, value: str) -> str:
        return super()._handle_repeat(
            start_range, min(end_range, max(start_range, self.repeat_cap)), value
        )


@dataclass(frozen=True)
class _BodyPlan:
    """What stays fixed while one body is built."""

    category: Category
    lookup: Lookup
    keys: Mapping[str, Any]
    record_structure: str | None


class DataGenerator:
    """Valid request data for one seed and key; `child` gives each case its own stream."""

    def __init__(self, seed: int, key: str = "") -> None:
        self.seed = seed
        self.key = key
        self._stream: random.Random | None = None
        self._xeger_instance: _Xeger | None = None
        self._last_moment: datetime | None = None  # the moment behind the last date-time made

    @property
    def _rng(self) -> random.Random:
        """Made on first use: most steps of a big run ask for no data at all."""
        if self._stream is None:
            digest = hashlib.sha256(f"{self.seed}\x00{self.key}".encode()).digest()
            self._stream = random.Random(int.from_bytes(digest[:8], "big"))
        return self._stream

    @property
    def _xeger(self) -> _Xeger:
        if self._xeger_instance is None:
            self._xeger_instance = _Xeger(self._rng)
        return self._xeger_instance

    def child(self, key: str) -> DataGenerator:
        """An independent stream for `key` under this one: derived from the seed and the joined
        key only, so neither sibling order nor this stream's use shifts its data."""
        return DataGenerator(self.seed, f"{self.key}/{key}" if self.key else key)

    def scalar(self, prop: Property, *, vary_from: Any = MISSING) -> Any:
        """One valid value of `prop`; with `vary_from`, one that differs from it where possible
        (an update must change what the create sent, or its verification proves nothing)."""
        if vary_from is not MISSING:
            pinned = (
                MISSING if prop.example_value is None else _convert(prop.type, prop.example_value)
            )
            if pinned is not MISSING:  # example-value wins, in an update too (ZSPEC.md section 8):
                return pinned  # a spec pins a value (a flag, say) that must not change
            return self._vary(prop, vary_from)
        for text in (prop.example_value, *prop.values[:1]):
            if text is not None:
                value = _convert(prop.type, text)
                if value is not MISSING:
                    return value
        return self._generate(prop)

    def argument_value(self, arg: Argument, *, lookup: Lookup) -> Any:
        """The value of a query parameter, header or URL variable (the engine stringifies it);
        for a delimiter-style argument, several values joined by its delimiter."""
        if arg.is_delimited:
            return self.delimited(arg, None, lookup=lookup)
        prop = arg.value_property
        if prop is None:
            return self._text(1, 20)
        path = prop.path
        if path is not None and path.source == "resource":
            found = lookup(path)
            if found:
                return found[0]
            if arg.auto_dependency:
                raise NoRecordError(path)
        return self.scalar(prop)

    def delimited(self, arg: Argument, count: int | None, *, lookup: Lookup) -> str:
        """`count` valid values of a delimiter-style argument joined by its delimiter; with
        `count` None, a valid count: two where `length` allows, else its nearest bound (and
        no more than the distinct values there are to send, down to its minimum).

        Values come as for any value: the records its `path` names, else its example-value
        (split at the delimiter: an example may be written whole), else `values`, else
        generated, so a case that breaks the count breaks nothing else."""
        prop = arg.value_property
        pool = self._delimited_pool(arg, prop, lookup)
        if count is None:
            low, high = _count_window(arg.length)
            count = min(max(2, low), high)
            if pool:
                count = max(low, min(count, len(pool)))
        if pool:
            items = [pool[index % len(pool)] for index in range(count)]
        elif prop is None:
            items = [self._text(1, 20) for _ in range(count)]
        else:
            item = _item_property(prop) if prop.type == "collections" else prop
            items = [self._generate(item) for _ in range(count)]
        return arg.delimiter.join(_as_text(item) for item in items)

    def _delimited_pool(self, arg: Argument, prop: Property | None, lookup: Lookup) -> list[Any]:
        """The given values a delimited argument's items are taken from, distinct, in order."""
        if prop is None:
            return []
        path = prop.path
        if path is not None and path.source == "resource":
            found: list[Any] = []
            for value in lookup(path):
                found.extend(value if isinstance(value, list) else [value])
            if found:
                return _distinct(found)
            if arg.auto_dependency:
                raise NoRecordError(path)
        kind = _item_property(prop).type if prop.type == "collections" else prop.type
        if prop.example_value is not None:
            texts = prop.example_value.split(arg.delimiter)
        else:
            texts = list(prop.values)
        values = [_convert(kind, text.strip()) for text in texts if text.strip()]
        return _distinct([value for value in values if value is not MISSING])

    def body(
        self,
        content: Content,
        category: Category,
        *,
        lookup: Lookup,
        keys: Mapping[str, Any] | None = None,
        record_structure: str | None = None,
        vary_from: Any = MISSING,
    ) -> Any:
        """The request body of a `category` operation; None when the content has no shape.

        `keys` fill the properties of the record structure (`record_structure`) verbatim, so an
        update or delete body targets the chain's record; `vary_from` is the previous body."""
        plan = _BodyPlan(category, lookup, keys or {}, record_structure)
        if content.structure is not None:
            value = self._structure(content.structure, plan, 0, vary_from)
        elif content.structure_group is not None:
            value = self._group(content.structure_group, plan, 0, vary_from)
        else:
            return None
        return None if value is MISSING else value

    # -- bodies ------------------------------------------------------------------------------

    def _structure(self, structure: Structure, plan: _BodyPlan, depth: int, prior: Any) -> Any:
        """A dict of the included properties; MISSING for a self-reference or too deep a nest."""
        if structure.recursive_ref is not None or depth > _MAX_DEPTH:
            return MISSING
        if not structure.is_map:  # a scalar holder (an argument's value property)
            props = structure.properties
            return self._value(props[0], plan, depth, prior) if props else {}
        is_record = structure.ref_name is not None and structure.ref_name == plan.record_structure
        before: Mapping[str, Any] = prior if isinstance(prior, Mapping) else {}
        out: dict[str, Any] = {}
        moments: dict[str, datetime] = {}
        for prop in structure.properties:
            name = prop.name
            if not name or not prop.include_for.applies("request", plan.category):
                continue
            if is_record and name in plan.keys:
                out[name] = plan.keys[name]
                continue
            if prop.extend_properties:
                prop = _request_variant(prop, out)
            self._last_moment = None
            value = self._value(prop, plan, depth + 1, before.get(name, MISSING))
            if value is not MISSING:
                out[name] = value
                if self._last_moment is not None and prop.type in ("datetime", "date"):
                    moments[name] = self._last_moment
        self._follow_rules(structure, out, moments, plan.keys if is_record else {})
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
            if other is MISSING or in_order(out[name], op, other) is not False:
                continue
            value = self._satisfying(prop, op, other, moments.get(sibling or ""))
            if value is not MISSING:
                out[name] = value

    def _satisfying(self, prop: Property, op: str, other: Any, moment: datetime | None) -> Any:
        """A value of `prop` on the `op` side of `other` (a few days off for moments, one off
        for numbers, an equal one for >= and <=); MISSING when there is no such value to make."""
        sign = 1 if op in (">", ">=") else -1
        if prop.type in ("datetime", "date"):
            base = moment if moment is not None else ordered_key(other)
            if not isinstance(base, datetime):
                return MISSING
            if base.tzinfo is None:
                base = base.replace(tzinfo=UTC)
            step = timedelta(days=self._rng.randint(1, 14), minutes=self._rng.randrange(0, 1440))
            return self._render_moment(prop, base + sign * step)
        key = ordered_key(other)
        numeric = prop.type in ("integer", "long", "double")
        if isinstance(key, datetime) or key is None or not numeric:
            return MISSING
        value = key + sign * (0 if op in (">=", "<=") else 1)
        if prop.type != "double":
            value = int(value)
        return value if prop.range is None or prop.range.contains(value) else MISSING

    def _value(self, prop: Property, plan: _BodyPlan, depth: int, prior: Any) -> Any:
        """One property's value; MISSING leaves it out of the body."""
        path = prop.path
        if path is not None and path.source == "resource":
            found = plan.lookup(path)
            if found:  # a list property naming records gets the one record's value as a list
                listed = prop.type == "collections" and not isinstance(found[0], list)
                return [found[0]] if listed else found[0]
            if not prop.required_for.applies("request", plan.category):
                return MISSING  # optional: better absent than naming a record that does not exist
            prior = MISSING  # path-resolved fields are never varied
        if prop.type == "collections":
            return self._collection(prop, plan, depth, prior)
        shape = prop.structure
        if prop.type == "map" and shape is not None and shape.properties and not shape.is_map:
            return self._entries(prop, shape.properties[0], plan, depth, prior)
        if prop.structure is not None:
            return self._structure(prop.structure, plan, depth, prior)
        if prop.structure_group is not None:
            return self._group(prop.structure_group, plan, depth, prior)
        return self.scalar(prop, vary_from=prior)

    def _entries(
        self, prop: Property, entry: Property, plan: _BodyPlan, depth: int, prior: Any
    ) -> Any:
        """A map of one entry shaped by its nameless property, under a key that matches
        `name-regex` when one is given."""
        key = "key"
        if prop.name_regex:
            key = self._from_regex(prop.name_regex, None, 20) or key
        earlier = prior.get(key, MISSING) if isinstance(prior, Mapping) else MISSING
        value = self._value(entry, plan, depth + 1, earlier)
        return {} if value is MISSING else {key: value}

    def _file(self, prop: Property) -> tuple[str, bytes, str]:
        """An upload that fits `<file-meta>`: its first extension, a name matching the
        file-name regex where one is given, content within the sizes."""
        meta = prop.file_meta
        if meta is None:
            return _FILE
        ext = meta.extensions[0] if meta.extensions else None
        suffix = ext.name if ext is not None else "txt"
        name = f"apitest.{suffix}"
        if meta.file_name_regex:
            name = self._from_regex(meta.file_name_regex, None, 40) or name
        limits = [b.max for b in (meta.overall_size, ext.size if ext else None) if b and b.max]
        content = _FILE[1][: int(min(limits))] if limits else _FILE[1]
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return name, content, media

    def _collection(self, prop: Property, plan: _BodyPlan, depth: int, prior: Any) -> Any:
        """A list of `length`'s minimum items (one by default), shaped or of the content type."""
        shaped = prop.structure is not None or prop.structure_group is not None
        if not shaped and prior is MISSING and prop.example_value is not None:
            example = _convert("collections", prop.example_value)
            if example is not MISSING:
                return example
        count = _int_window(prop.length, (1, 1), (0, 1000))[0]
        before = prior if isinstance(prior, list) else []
        item_prop = _item_property(prop)
        items: list[Any] = []
        for index in range(count):
            earlier = before[index] if index < len(before) else MISSING
            if prop.structure is not None:
                item = self._structure(prop.structure, plan, depth, earlier)
            elif prop.structure_group is not None:
                item = self._group(prop.structure_group, plan, depth, earlier)
            else:
                item = self.scalar(item_prop, vary_from=earlier)
            if item is not MISSING:
                items.append(item)
        return MISSING if count and not items else items

    def _group(self, group: StructureGroup, plan: _BodyPlan, depth: int, prior: Any) -> Any:
        """The first structure of one-of/any-of, all of all-of merged, array-of as a list of one."""
        if not group.structures:
            return MISSING
        first = group.structures[0]
        if group.type == "array-of":
            earlier = prior[0] if isinstance(prior, list) and prior else MISSING
            item = self._structure(first, plan, depth, earlier)
            return MISSING if item is MISSING else [item]
        if group.type == "all-of":
            merged: dict[str, Any] = {}
            for structure in group.structures:
                part = self._structure(structure, plan, depth, prior)
                if isinstance(part, dict):
                    merged.update(part)
            return merged
        value = self._structure(first, plan, depth, prior)
        discriminator = group.discriminator
        if discriminator is not None and isinstance(value, dict):
            for mapping in discriminator.mappings:
                if mapping.structure is first or mapping.structure == first:
                    value[discriminator.property_name] = mapping.value  # the server picks by it
                    break
        return value

    # -- scalars -----------------------------------------------------------------------------

    def _vary(self, prop: Property, previous: Any) -> Any:
        """A valid value other than `previous`: another of `values`, else a regenerated one."""
        choices = [
            v for v in (_convert(prop.type, text) for text in prop.values) if v is not MISSING
        ]
        if choices:
            others = [value for value in choices if value != previous]
            return self._rng.choice(others) if others else choices[0]
        value = self._generate(prop)
        for _ in range(_VARY_TRIES):
            if value != previous:
                break
            value = self._generate(prop)
        return value

    def _generate(self, prop: Property) -> Any:
        """A fresh type-and-constraint-valid value (no example, no `values` preference)."""
        kind = prop.type
        if kind in ("integer", "long"):
            limit, default = (INT32, (1, 1000)) if kind == "integer" else (INT64, (1, 10**12))
            low, high = _int_window(prop.range, default, limit)
            return self._rng.randint(low, high)
        if kind == "double":
            return self._double(prop)
        if kind == "boolean":
            return self._rng.random() < 0.5
        if kind in ("datetime", "date"):
            return self._moment(prop)
        if kind == "long_string":
            return self._long_string(prop)
        if kind == "collections":
            count = _int_window(prop.length, (1, 1), (0, 1000))[0]
            return [self._generate(_item_property(prop)) for _ in range(count)]
        if kind == "map":
            return {}
        if kind == "file":
            return self._file(prop)
        if kind in ("any", "object"):
            return f"any {self._hex(4)}"
        return self._string(prop)

    def _string(self, prop: Property) -> str:
        """Readable text within `length` (capped at 64 when open or huge), or a regex match."""
        low, high = _int_window(prop.length, (1, 20), (0, 1 << 20))
        high = max(low, min(high, _STRING_CAP))
        if prop.regex:
            found = self._from_regex(prop.regex, prop.length, high)
            if found is not None:
                return found
        return self._text(low, high)

    def _long_string(self, prop: Property) -> str:
        """A 64-bit id as digits, without a leading zero (what a real id looks like)."""
        if prop.regex:
            found = self._from_regex(prop.regex, prop.length, 19, _is_id)
            if found is not None:
                return found
        low, high = _int_window(prop.length, (1, 19), (1, 1 << 20))
        digits = self._rng.randint(low, max(low, min(high, 19)))
        top = INT64[1] if digits == 19 else 10**digits - 1  # 19 digits may overflow 64 bits
        return str(self._rng.randint(10 ** (digits - 1), top))

    def _from_regex(
        self, pattern: str, length: Bounds | None, cap: int, *extra: Callable[[str], bool]
    ) -> str | None:
        """A full match of `pattern` within `length`, else the best candidate; None if the pattern
        cannot be used at all (the caller then generates without it)."""
        try:
            compiled = re.compile(pattern)
        except (re.error, RecursionError):
            return None
        checks: tuple[Callable[[str], object], ...] = (
            compiled.fullmatch, lambda s: length is None or length.contains(len(s)), *extra
        )  # fmt: skip
        best: tuple[tuple[bool, ...], str] | None = None
        self._xeger.repeat_cap = cap
        for _ in range(_REGEX_TRIES):
            try:
                candidate = self._xeger.xeger(pattern)
            except Exception:  # constructs rstr cannot expand (look-arounds, back references)
                break
            score = tuple(bool(check(candidate)) for check in checks)
            if all(score):
                return candidate
            if best is None or score > best[0]:
                best = (score, candidate)
        return None if best is None else best[1]

    def _double(self, prop: Property) -> float:
        """A number in `range`, rounded to `decimal-place` digits, pulled back in if rounding
        pushed it out."""
        low, high = _float_window(prop.range, (0.0, 1000.0), _FLOAT_LIMIT)
        places = max(0, prop.decimal_place if prop.decimal_place is not None else 2)
        scale = 10.0**places
        value = round(self._rng.uniform(low, high), places)
        if value > high:
            value = math.floor(high * scale) / scale
        if value < low:
            value = math.ceil(low * scale) / scale
        return value

    def _moment(self, prop: Property) -> str:
        """A future moment with an offset, as ISO-8601 or by the property's Java `format`."""
        offset = timezone(timedelta(minutes=self._rng.choice(_OFFSETS)))
        minutes = self._rng.randrange(_WINDOW_MINUTES)
        moment = (_WINDOW_START + timedelta(minutes=minutes)).replace(tzinfo=offset)
        return self._render_moment(prop, moment)

    def _render_moment(self, prop: Property, moment: datetime) -> str:
        self._last_moment = moment
        if prop.format:
            return render_java(prop.format, moment)
        return moment.date().isoformat() if prop.type == "date" else moment.isoformat()

    def text(self, low: int, high: int) -> str:
        """Readable text of `low..high` characters from this stream (negative values use it)."""
        return self._text(low, high)

    def hex(self, count: int) -> str:
        return self._hex(count)

    def _text(self, low: int, high: int) -> str:
        """Readable text such as "apitest 3fa9c1", trimmed or padded to `low..high` characters."""
        text = f"{self._rng.choice(_WORDS)} {self._hex(6)}"
        if len(text) < low:
            text += self._hex(low - len(text))
        text = text[:high]
        return text[:-1] + self._hex(1) if text.endswith(" ") else text

    def _hex(self, count: int) -> str:
        return f"{self._rng.getrandbits(4 * count):0{count}x}" if count > 0 else ""


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


def _convert(kind: str, text: str) -> Any:
    """`text` (an example-value or one of `values`) as a value of `kind`, or MISSING when it is
    not one, so the next preference serves instead of a crash."""
    try:
        if kind in ("integer", "long"):
            return int(text.strip())
        if kind == "double":
            number = float(text)
            return number if math.isfinite(number) else MISSING
        if kind == "boolean":
            return {"true": True, "false": False}.get(text.strip().lower(), MISSING)
        if kind in ("collections", "map"):
            parsed, wanted = json.loads(text), list if kind == "collections" else dict
            return parsed if isinstance(parsed, wanted) else MISSING
    except (ValueError, RecursionError):
        return MISSING
    return MISSING if kind == "file" else text


def _item_property(prop: Property) -> Property:
    """The shape of one item of a scalar collection, from its first content type."""
    first = prop.content_types[0].strip().lower() if prop.content_types else "string"
    kind = _ITEM_TYPES.get(first, "string")
    return Property(prop.loc, kind, values=prop.values, regex=prop.regex, format=prop.format)


def _is_id(text: str) -> bool:
    return text.isdigit() and text.isascii() and (text == "0" or not text.startswith("0"))


def _float_window(
    bounds: Bounds | None, default: tuple[float, float], limit: tuple[float, float]
) -> tuple[float, float]:
    """An inclusive window from `bounds`; an open end is filled from the default span next to
    the given end, and an unsatisfiable one collapses onto its lower end (never raises)."""
    low = _finite(None if bounds is None else bounds.min, limit)
    high = _finite(None if bounds is None else bounds.max, limit)
    span = default[1] - default[0]
    if low is None:
        low = default[0] if high is None or high >= default[0] else high - span
    if high is None:
        high = default[1] if low <= default[1] else low + span
    low, high = max(low, limit[0]), min(high, limit[1])
    return low, max(low, high)


def _count_window(bounds: Bounds | None) -> tuple[int, int]:
    """The valid counts of a delimited argument: at least one value unless its `length` says
    otherwise, and at most its max (open: as many as wanted)."""
    if bounds is None:
        return 1, 1 << 20
    low = int(bounds.min) if bounds.min is not None else min(1, int(bounds.max or 1))
    high = int(bounds.max) if bounds.max is not None else max(low, 1 << 20)
    return low, max(low, high)


def _distinct(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _as_text(value: Any) -> str:
    """A value as it goes into a delimited list (as the engine writes any argument)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _int_window(
    bounds: Bounds | None, default: tuple[int, int], limit: tuple[int, int]
) -> tuple[int, int]:
    """`_float_window` on whole numbers, clamped to the type's limits."""
    low, high = _float_window(bounds, default, (float(limit[0]), float(limit[1])))
    whole_low = min(max(math.ceil(low), limit[0]), limit[1])
    whole_high = min(max(math.floor(high), limit[0]), limit[1])
    return whole_low, max(whole_low, whole_high)


def _finite(value: float | None, limit: tuple[float, float]) -> float | None:
    if value is None or math.isnan(value):
        return None
    return min(max(value, limit[0]), limit[1])
