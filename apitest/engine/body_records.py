"""Where a body holds its records: a resource's extraction config, the records at its
path, their keys, and the records a request sent (the body itself, the property a structure
shapes, what a JSON Patch sets).

ZEST's Data Manager finds a resource's data at its `data-extraction-path`: an array there is one
record per element, an object one record, each known by its `<primary>` keys. The Data Manager
(records.py) keeps and hands out the records this module finds; it stands apart because reading
a body is a question about one call's body and the spec, asked by the write's bookkeeping, its
read-back and its undo alike, and none of it bears on which record a step is handed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from apitest.engine.json_patch import patch_operations, patched_fields
from apitest.engine.records import JsonObject
from apitest.plan.cases import request_content
from apitest.verify.compare import WHOLE_BODY
from apitest.zspec.conditions import EvalContext
from apitest.zspec.model import (
    Content,
    Operation,
    PathConfig,
    Primary,
    Resource,
    ResourceConfig,
    Structure,
)
from apitest.zspec.text_bodies import text_value_property


def extraction_config(
    resource: Resource, op: Operation, content: Content | None
) -> PathConfig | None:
    """Where a response's records are: the content's own path-config over the resource's. For a
    status the spec does not declare, the operation's first success content stands in. A
    content path-config without `<primary>` keeps the resource-config's primaries (ZEST's
    path-config page: they are used when the content level gives none)."""
    if content is None:
        for response in op.success_responses:
            if response.contents:
                content = response.contents[0]
                break
    config = resource.resource_config
    general = config.path_config if config is not None else None
    if content is not None and content.path_config is not None:
        own = content.path_config
        if not own.primaries and general is not None and general.primaries:
            return replace(own, primaries=general.primaries)
        return own
    return general


def records_at(matches: Iterable[Any]) -> list[JsonObject]:
    """The records the matches of a data-extraction-path hold, as ZEST's Data Manager reads
    them: an array is one record per element (`$.trips` on `{"trips": [...]}`), an object is one
    record, and several matches (`$.trips[*]`, apitest's older form) are several records.
    Whatever is not an object (a number, a string, an array inside the array) is no record."""
    found: list[JsonObject] = []
    for match in matches:
        if isinstance(match, dict):
            found.append(match)
        elif isinstance(match, list):
            found.extend(item for item in match if isinstance(item, dict))
    return found


def record_keys(record: JsonObject, primaries: Sequence[Primary]) -> dict[str, Any]:
    """The record's primary keys by name (`<primary name>`, else the path's last step), each
    path read relative to the record; a key the record lacks is left out."""
    keys: dict[str, Any] = {}
    for primary in primaries:
        values = primary.path.find(EvalContext(response_body=record))
        if values:
            keys[primary.key] = values[0]
    return keys


def extract(body: Any, config: PathConfig | None) -> list[tuple[JsonObject, dict[str, Any]]]:
    """Records and their keys found in `body`: the records at the data-extraction-path (the
    body itself without one), keyed by the primary paths."""
    if config is None or config.data_extraction_path is None:
        matches = [body]
    else:
        matches = config.data_extraction_path.find(EvalContext(response_body=body))
    primaries = config.primaries if config is not None else ()
    return [(item, record_keys(item, primaries)) for item in records_at(matches)]


def sent_records(body: Any, resource: Resource, op: Operation) -> list[JsonObject]:
    """The records a write sent, where its request says they are: the request content's own
    path-config (`$.row` on Datasette's `{"row": {...}, "return": true}`); without one, where
    the structure puts the resource's primary-structure: the body itself, or the property
    shaped by it (`trips` on `{"trips": [{...}]}`). A request that declares neither sent no
    record that can be told from its envelope, and the callback read compares none (comparing
    envelope keys such as `return` with the stored record failed every honest write). A
    structure of its own whose every key is a field of the record (a PATCH's `{"title": ...}`)
    is a partial record, not an envelope: it is the record sent (else an update that did not
    stick passed unchecked). A JSON Patch sends operations, not a record: what they set is
    the record sent (json_patch.py). Without a primary-structure to go by, see
    `_where_answers_keep_them`."""
    content = request_content(op)
    if text_value_property(content) is not None and isinstance(body, str | int | float | bool):
        return [{WHOLE_BODY: body if isinstance(body, str) else json.dumps(body)}]  # as sent
    own = content.path_config if content is not None else None
    if own is not None and own.data_extraction_path is not None:
        return records_at(own.data_extraction_path.find(EvalContext(response_body=body)))
    config = resource.resource_config
    primary = config.primary_structure if config is not None else None
    structure = content.structure if content is not None else None
    if not primary or structure is None:
        patched = _patched(body)
        return patched if patched is not None else _where_answers_keep_them(body, config)
    if structure.ref_name == primary:
        return records_at([body])
    for prop in structure.properties:
        shape = prop.structure
        if prop.name and shape is not None and shape.ref_name == primary:
            return (
                records_at([body[prop.name]])
                if isinstance(body, dict) and prop.name in body
                else []
            )
    patched = _patched(body)
    if patched is not None:
        return patched
    record = resource.components.structures.get(primary)
    return records_at([body]) if record is not None and _fields_of(structure, record) else []


def _patched(body: Any) -> list[JsonObject] | None:
    """The partial record a JSON Patch body sets (none when it sets nothing a read can be
    held to); None when the body is no patch."""
    operations = patch_operations(body)
    if operations is None:
        return None
    fields = patched_fields(operations)
    return [fields] if fields else []


def _fields_of(part: Structure, record: Structure) -> bool:
    """Whether every key `part` declares is a field of `record`: the body is then a partial
    record (what a PATCH sends), not an envelope around one."""
    names = {prop.name for prop in part.properties}
    fields = {prop.name for prop in record.properties if prop.name}
    return bool(names) and None not in names and names <= fields


def _where_answers_keep_them(body: Any, config: ResourceConfig | None) -> list[JsonObject]:
    """A request with no structure to go by: the records at the resource's data-extraction-path,
    when the request holds them there as answers do (`$.gadgets` on `{"gadgets": [...]}`), else
    the whole body."""
    general = config.path_config if config is not None else None
    path = general.data_extraction_path if general is not None else None
    if path is not None:
        items = records_at(path.find(EvalContext(response_body=body)))
        if items:
            return items
    return [body] if isinstance(body, dict) else []


def same_key(a: Mapping[str, Any], b: Mapping[str, Any], *, composite: bool = False) -> bool:
    """Whether keys `b` name the record keyed `a`, compared as text (a long_string id may come
    back as a JSON integer): any one key both carry for a simple primary, every key of `a` for
    a composite one."""
    if not a:
        return False
    if composite:
        return all(str(b.get(name)) == str(value) for name, value in a.items())
    return any(name in b and str(b[name]) == str(value) for name, value in a.items())
