"""Request data synthesised from a spec's structures, reproducibly from a seed (ZSPEC.md 3, 4, 8).

`--seed` must reproduce a run exactly, and one case's data must not depend on which other cases
were planned. So each case gets its own `random.Random`, derived from the run's seed and the case's
key by a stable hash (`DataGenerator.child`); the global `random` is never touched.
Preference per value (ZSPEC.md 8): `example-value`, then the first of `values`, then generated
data that satisfies the type and its constraints (`regex`, `length`, `range`, `decimal-place`,
`format`). Values that must name existing records (`path="resource:$..."`) come from the Data
Manager through a `Lookup`, so a trip is booked to a destination that really exists.

This module is the one door to it: scalars by type and format are made in `plan._values`,
bodies in `plan._bodies`, numeric windows in `plan._windows`; the arguments of a request
(query parameters, headers, URL variables, delimited lists) are made here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apitest.plan._bodies import BodyBuilder, BodyPlan, Lookup
from apitest.plan._values import MISSING, ValueSource, convert, item_property
from apitest.plan._windows import count_window
from apitest.zspec.conditions import DataPath
from apitest.zspec.model import Argument, Bounds, Content, Property
from apitest.zspec.scopes import Category

__all__ = ["MISSING", "DataGenerator", "Lookup", "NoRecordError"]


class NoRecordError(Exception):
    """A value must come from a dependency's records (argument auto-dependency="true") and there is
    none, so the case is skipped with this reason rather than sent with invented data."""

    def __init__(self, path: DataPath) -> None:
        self.path = path
        super().__init__(f"no record of {path.name} to take {path.text} from (auto-dependency)")


class DataGenerator:
    """Valid request data for one seed and key; `child` gives each case its own stream."""

    def __init__(self, seed: int, key: str = "", run: str = "") -> None:
        """`run`: a mark of this run alone, from which `unique-for` values are made (the same
        seed gives every other value again, but not a value an earlier run made unique)."""
        self.seed = seed
        self.key = key
        self.run = run
        self._values = ValueSource(seed, key, run)

    def child(self, key: str) -> DataGenerator:
        """An independent stream for `key` under this one: derived from the seed, the run's
        mark and the joined key only, so neither sibling order nor this stream's use shifts
        its data."""
        return DataGenerator(self.seed, f"{self.key}/{key}" if self.key else key, self.run)

    def scalar(self, prop: Property, *, vary_from: Any = MISSING) -> Any:
        """One valid value of `prop`; with `vary_from`, one that differs from it where possible
        (an update must change what the create sent, or its verification proves nothing)."""
        return self._values.scalar(prop, vary_from=vary_from)

    def argument_value(self, arg: Argument, *, lookup: Lookup, category: Category = "read") -> Any:
        """The value of a query parameter, header or URL variable (the engine stringifies it);
        for a delimiter-style argument, several values joined by its delimiter. A map or list
        its structure shapes (LoopBack's `?filter={"limit": 50}`) is built as a `category`
        request body would hold it: generated bare, it was `{}` whatever its structure asked."""
        if arg.is_delimited:
            return self.delimited(arg, None, lookup=lookup)
        prop = arg.value_property
        if prop is None:
            return self._values.text(1, 20)
        path = prop.path
        if path is not None and path.records_of is not None:
            found = lookup(path)
            if found:
                return found[0]
            if arg.auto_dependency:
                raise NoRecordError(path)
        shaped = prop.structure is not None or prop.structure_group is not None
        if shaped and prop.type in ("map", "collections") and prop.example_value is None:
            value = BodyBuilder(self._values, BodyPlan(category, lookup, {}, None)).value(prop)
            return {} if value is MISSING else value
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
            low, high = count_window(arg.length)
            count = min(max(2, low), high)
            if pool:
                count = max(low, min(count, len(pool)))
        if pool:
            items = [pool[index % len(pool)] for index in range(count)]
        elif prop is None:
            items = [self._values.text(1, 20) for _ in range(count)]
        else:
            item = item_property(prop) if prop.type == "collections" else prop
            items = [self._values.generate(item) for _ in range(count)]
        return arg.delimiter.join(_as_text(item) for item in items)

    def _delimited_pool(self, arg: Argument, prop: Property | None, lookup: Lookup) -> list[Any]:
        """The given values a delimited argument's items are taken from, distinct, in order."""
        if prop is None:
            return []
        path = prop.path
        if path is not None and path.records_of is not None:
            found: list[Any] = []
            for value in lookup(path):
                found.extend(value if isinstance(value, list) else [value])
            if found:
                return _distinct(found)
            if arg.auto_dependency:
                raise NoRecordError(path)
        kind = item_property(prop).type if prop.type == "collections" else prop.type
        if prop.example_value is not None:
            texts = prop.example_value.split(arg.delimiter)
        else:
            texts = list(prop.values)
        values = [convert(kind, text.strip()) for text in texts if text.strip()]
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
        made_up: list[str] | None = None,
        looking_up: bool = False,
    ) -> Any:
        """The request body of a `category` operation; None when the content has no shape.

        `keys` fill the properties of the record structure (`record_structure`) verbatim, so an
        update or delete body targets the chain's record; `vary_from` is the previous body.
        `made_up` gets each required property whose data path found no record, whose value
        was therefore generated (the run says so on the case). `looking_up`: a read's body
        looking for one record, which sends only what it must (`BodyPlan.looking_up`)."""
        plan = BodyPlan(category, lookup, keys or {}, record_structure, looking_up)
        builder = BodyBuilder(self._values, plan)
        if content.structure is not None:
            value = builder.structure(content.structure, 0, vary_from)
        elif content.structure_group is not None:
            value = builder.group(content.structure_group, 0, vary_from)
        else:
            return None
        if made_up is not None:
            made_up.extend(builder.made_up)
        return None if value is MISSING else value

    def fresh(self, prop: Property) -> Any:
        """A value of `prop`'s type and rules made from this stream, never its example or
        `values`: an Unknown Key case's key must be one no record was given."""
        return self._values.generate(prop)

    def regex_match(self, pattern: str, length: Bounds) -> str | None:
        """A full match of `pattern` of a length within `length`, or None."""
        return self._values.regex_match(pattern, length)

    def text(self, low: int, high: int) -> str:
        """Readable text of `low..high` characters from this stream (negative values use it)."""
        return self._values.text(low, high)

    def hex(self, count: int) -> str:
        """`count` hex digits from this stream (negative values use it)."""
        return self._values.hex(count)


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
