"""Did the write stick? Values sent against the record read back (ZSPEC.md section 6).

Only properties the read includes (`include-for` Response[read]) are compared; one that the read
includes but leaves out is a difference, since the write's value cannot be confirmed. Values
compare by their declared type, so an API may normalise what it stores without failing the
check: a datetime is compared as an instant (read by its Java `format` where it has one, so a
Spring API that writes `05-12-2026 04:30:00 +0000` for the `05-12-2026 10:00:00 +0530` sent
holds what was sent), a long_string id as text. An uploaded file
(`type="file"`) must still be shown, but not as it was sent: what an API shows of an upload is
its own (Django REST framework answers the URL it serves the file at, renamed on a clash), so
comparing the bytes sent with it failed every correct upload.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from apitest.errors import clip
from apitest.zspec.formats import parse_java
from apitest.zspec.model import Property, Structure

_ABSENT: Any = object()
"""A member the read does not show (None is a value it may show)."""
WHOLE_BODY = "$"
"""The field under which a record holds a body that is one value of plain text (S3's object
content, `spec.text_bodies.text_value_property`): what a write sent as text, a read answers."""


def compare_record(
    sent: dict[str, Any],
    read: dict[str, Any],
    structure: Structure | None,
    path: str = "$",
    references: Mapping[str, str] | None = None,
) -> list[str]:
    """Each difference as `path: sent X, read Y`; [] when the read holds what was sent.
    `references` (`reference_keys` of the request) name the values sent as another record's
    key, which the read may answer with that record."""
    differences: list[str] = []
    for name, value in sent.items():
        prop = structure.property(name) if structure is not None else None
        if prop is not None and not prop.include_for.applies("response", "read"):
            continue
        where = path if name == WHOLE_BODY else f"{path}.{name}"
        if name not in read:
            differences.append(f"{where}: sent {_show(value, prop)}, the read answer lacks it")
            continue
        reference = references.get(name) if references else None
        differences.extend(_compare_value(value, read[name], prop, where, reference, references))
    return differences


def nested_holder(
    sent: dict[str, Any], read: dict[str, Any], structure: Structure | None
) -> str | None:
    """The member of `read` that is an object holding every name of `sent`, or None: of
    several (Flask-AppBuilder's `label_columns` names every field too), the one that differs
    least from what was sent, and None on a tie.

    A write sent flat (`{"name": …}`) and read back in an envelope (Flask-AppBuilder's
    `{"id": 1, "result": {"name": …}}`, read with data-extraction-path `$`) reads as if the
    write did not stick, when the record is one level down: the user's fix is the path, and
    this names it. It only names: comparing there unasked could pass a write that did not
    stick."""
    if not sent:
        return None
    ranked = sorted(
        (len(compare_record(sent, value, structure)), name)
        for name, value in read.items()
        if isinstance(value, dict) and all(each in value for each in sent)
    )
    if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return None
    return ranked[0][1]


def held_values(
    sent: dict[str, Any],
    read: dict[str, Any] | None,
    structure: Structure | None,
    references: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """What the read-back record should hold, property by property (those the read includes):
    the value as the read showed it where it matched what was sent (an API may normalise it),
    else the value sent. A replay of the chain checks its own read against these. An object
    is held key by key, to the keys sent: what the server added inside it (JSON:API's
    `attributes.created`) is no part of the write, and a replay's new record differs there."""
    held: dict[str, Any] = {}
    for name, value in sent.items():
        prop = structure.property(name) if structure is not None else None
        if prop is not None and not prop.include_for.applies("response", "read"):
            continue
        if prop is not None and prop.type == "file":
            continue  # a replay's upload is shown as its own (another URL): nothing to hold
        shown = read.get(name, _ABSENT) if read is not None else _ABSENT
        if shown is _ABSENT or compare_record(
            {name: value}, {name: shown}, structure, "$", references
        ):
            held[name] = value
        elif references and name in references and isinstance(shown, dict):
            held[name] = value  # the record the key names, read in its place: the key is held
        else:
            held[name] = _held(value, shown, prop)
    return held


def dropped_members(kept: Mapping[str, Any], read: Mapping[str, Any]) -> list[str]:
    """What a PATCH left out and the record no longer holds: each member of `kept` the read
    record lacks, holds as null, or holds reset to its type's empty value (false, 0, "", [],
    {}: Airflow 2.10's pool PATCH wrote a `true` it was not sent back to `false`). Only that: a
    member the server derives from another (a slug from a title) may change with it, but a
    PATCH gives no member away, nor sets one back to nothing."""
    dropped = []
    for name, value in kept.items():
        now = read.get(name)
        if now is None:
            said = "answer lacks it" if name not in read else "record holds null"
        elif _reset(value, now):
            said = f"record holds {_show(now)}, as if reset to its default"
        else:
            continue
        held = f"$.{name}: held {_show(value)} before the PATCH, which did not send it"
        dropped.append(f"{held}; the read {said}")
    return dropped


def _reset(before: Any, now: Any) -> bool:
    """`now` is the empty value of `before`'s type, and `before` was not."""
    if isinstance(before, bool) or isinstance(now, bool):
        return before is True and now is False
    if isinstance(before, (int, float)) and isinstance(now, (int, float)):
        return before != 0 and now == 0
    return (
        type(before) is type(now)
        and isinstance(now, (str, list, dict))
        and bool(before)
        and not now
    )


def uploads_shown(sent: dict[str, Any], structure: Structure | None) -> list[str]:
    """The uploaded files of `sent` that the read shows but whose content it cannot confirm."""
    if structure is None:
        return []
    return [
        name
        for name in sent
        if (prop := structure.property(name)) is not None
        and prop.type == "file"
        and prop.include_for.applies("response", "read")
    ]


def _held(sent: Any, read: Any, prop: Property | None) -> Any:
    """The read's matching value, narrowed to what was sent inside objects and lists."""
    if isinstance(sent, dict) and isinstance(read, dict):
        return held_values(sent, read, prop.structure if prop is not None else None)
    if isinstance(sent, list) and isinstance(read, list) and len(sent) == len(read):
        return [_held(one, other, prop) for one, other in zip(sent, read, strict=True)]
    return read


def _compare_value(
    sent: Any,
    read: Any,
    prop: Property | None,
    where: str,
    reference: str | None = None,
    references: Mapping[str, str] | None = None,
) -> list[str]:
    if prop is not None and prop.type == "file":
        return []  # shown, which is all a read says of an upload (see the module's docstring)
    child = prop.structure if prop is not None else None
    if isinstance(sent, dict) and isinstance(read, dict):
        return compare_record(sent, read, child, where, references)
    if isinstance(sent, list) and isinstance(read, list):
        if len(sent) != len(read):
            return [f"{where}: sent {len(sent)} item(s), read {len(read)}"]
        found: list[str] = []
        for index, (one, other) in enumerate(zip(sent, read, strict=True)):
            where_item = f"{where}[{index}]"
            found.extend(_compare_value(one, other, prop, where_item, reference, references))
        return found
    if isinstance(read, dict) and reference is not None and reference in read:
        # the record a sent key names, answered in its place: its key is what the write held
        return _compare_value(sent, read[reference], prop, f"{where}.{reference}")
    type_name, fmt = (prop.type, prop.format) if prop is not None else ("any", None)
    if same_value(sent, read, type_name, fmt):
        return []
    return [f"{where}: sent {_show(sent)}, read {_show(read)}"]


def reference_keys(structure: Structure | None, depth: int = 0) -> dict[str, str]:
    """The properties of a request structure sent as another resource's record key
    (`path="owner:$.id"`), by name, each with the member that holds that key ("id").

    An API may answer such a reference with the record it names: Sails populates `owner: 2`
    as `owner: {"id": 2, "name": ...}`, as Strapi, Django's nested serializers and Rails'
    includes can. That record's key is what the write held; comparing the id sent with the
    whole record failed every correct write."""
    found: dict[str, str] = {}
    for prop in structure.properties if structure is not None and depth < 6 else ():
        path = prop.path
        if prop.name and path is not None and path.records_of and path.fields:
            found[prop.name] = path.fields[-1]
        found.update(reference_keys(prop.structure, depth + 1))
    return found


def same_value(sent: Any, read: Any, type_name: str, fmt: str | None = None) -> bool:
    """Equal as the declared type (and a datetime's `format`) sees it."""
    if type_name == "datetime" and isinstance(sent, str) and isinstance(read, str):
        a, b = _moments(sent, read, fmt)
        if a is not None and b is not None:
            return a == b
    if type_name == "long_string" and not isinstance(sent, bool) and not isinstance(read, bool):
        return str(sent) == str(read)
    if isinstance(sent, bool) or isinstance(read, bool):
        return sent is read
    if isinstance(sent, int | float) and isinstance(read, int | float):
        return math.isclose(sent, read, rel_tol=1e-9, abs_tol=1e-12)
    return bool(sent == read)


def marked_changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any]]:
    """(field, value now) for each top-level field of `after` that a call turned to another
    text or truth value, or added with one (`lifecycle_stage` 'active' -> 'deleted', `deleted`
    absent -> true). Moments are left out: a write moves `updated_at` on whatever it does.
    A record still readable after a delete that changed so is likely deleted softly."""
    changes: list[tuple[str, Any]] = []
    for name, now in after.items():
        if not isinstance(now, str | bool) or (isinstance(now, str) and _instant(now)):
            continue
        if name not in before or before[name] != now:
            changes.append((name, now))
    return changes


def _moments(sent: str, read: str, fmt: str | None) -> tuple[datetime | None, datetime | None]:
    """Both values as moments: by `fmt` where both match it and both carry an offset or
    neither does (an offset on one side alone leaves them unlike), else as ISO-8601 instants."""
    if fmt:
        a, b = parse_java(fmt, sent), parse_java(fmt, read)
        if a is not None and b is not None and (a.tzinfo is None) == (b.tzinfo is None):
            return a, b
    return _instant(sent), _instant(read)


def _instant(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _show(value: Any, prop: Property | None = None) -> str:
    """A value as the API's JSON writes it: Python's `repr` said a null read back "None" and
    quoted strings the way no HTTP body does."""
    if prop is not None and prop.type == "file" and isinstance(value, tuple) and value:
        return f"the file {clip(_as_json(value[0]), 60)}"  # (name, content, media type)
    return clip(_as_json(value), 60)


def _as_json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # not a JSON value (a file's bytes): as Python has it
        return repr(value)
