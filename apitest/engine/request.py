"""Turn a planned step into a concrete request: URL, arguments, credential-free headers, body.

Values come from the Data Manager where the spec names a `path`, else from the seeded
generator. Optional arguments are sent only when the spec gives them a value to use (a record
path or an example), since a made-up filter value tests nothing but can hide every record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from apitest.engine.client import Request
from apitest.plan.data import MISSING, DataGenerator, Lookup
from apitest.plan.graph import primary_key_names, url_variables
from apitest.spec.model import Argument, Content, Operation, Resource

_VARIABLE = re.compile(r"\{([^{}]+)\}")


@dataclass
class Built:
    request: Request
    sent: Any
    """The body as sent (for comparing with the record read back)."""


def needs_own_record(resource: Resource, op: Operation) -> bool:
    """Whether the call addresses an existing record of its resource: a key in its URL, an
    argument taking the resource's own records, or a body keyed to the record (update, delete)."""
    keys = set(primary_key_names(resource))
    if keys & set(url_variables(op.url_path)):
        return True
    for arg in op.arguments:
        prop = arg.value_property
        if prop is not None and prop.path is not None and prop.path.name == resource.name:
            return True
    return op.category in ("update", "delete") and op.request_body is not None and bool(keys)


def build_request(
    resource: Resource,
    op: Operation,
    base_url: str,
    generator: DataGenerator,
    lookup: Lookup,
    *,
    keys: dict[str, Any] | None,
    vary_from: Any = MISSING,
) -> Built:
    """The request for `op`; raises NoRecordError (from the generator) when an auto-dependency
    argument has no record to take its value from."""
    values: dict[str, dict[str, str]] = {"param": {}, "header": {}, "variable": {}}
    for arg in op.arguments:
        if not arg.required and not _has_given_value(arg, lookup):
            continue
        value = generator.child(f"arg:{arg.name}").argument_value(arg, lookup=lookup)
        values[arg.location][arg.name] = _text(value)
    url = base_url.rstrip("/") + _fill_path(op.url_path, values["variable"], keys or {})
    body: Any = None
    encode: str | None = None
    content = _request_content(op)
    if content is not None:
        config = resource.resource_config
        body = generator.child("body").body(
            content,
            op.category,
            lookup=lookup,
            keys=keys,
            record_structure=config.primary_structure if config else None,
            vary_from=vary_from,
        )
        encode = content.encode
    request = Request(op.method, url, values["param"], values["header"], body, encode)
    return Built(request, body)


def _has_given_value(arg: Argument, lookup: Lookup) -> bool:
    prop = arg.value_property
    if prop is None:
        return False
    if prop.path is not None and prop.path.source == "resource":
        return bool(lookup(prop.path))
    return prop.example_value is not None or bool(prop.values)


def _fill_path(path: str, variables: dict[str, str], keys: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = variables.get(name)
        if found is None and name in keys:
            found = _text(keys[name])
        return quote(found if found is not None else match.group(0), safe="")

    return _VARIABLE.sub(value, path)


def _request_content(op: Operation) -> Content | None:
    """The body encoding to send: JSON when the spec offers it, else the first declared."""
    if op.request_body is None or not op.request_body.contents:
        return None
    contents = op.request_body.contents
    return next((c for c in contents if c.encode and "json" in c.encode), contents[0])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)
