"""The keys of a record a create made that its answer's body does not show.

Three places name them besides the body: the create's own URL, where the client chose the key
(S3's `PUT /{Bucket}`, answered with an empty 200); the `Location` header of a `201 Created`
with no body (django-tastypie's default, and the HTTP way of saying where the new resource is,
RFC 9110 section 10.2.2); and the record the create sent, where the client chose the key and
sent it in the body (DynamoDB's PutItem, answered `{}`). Either way the record was made, and a
run that did not see it failed the create and tested nothing after it (docs/zspec.md#primary).
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import unquote, urljoin, urlsplit

from apitest.engine.body_records import record_keys
from apitest.engine.http.client import Exchange
from apitest.engine.records import JsonObject
from apitest.plan.cases import request_content
from apitest.plan.record_keys import takes_own_records
from apitest.zspec.model import Operation, PathConfig, Property, Resource, Structure
from apitest.zspec.urls import path_ending_in, url_variables


def keys_named_by_the_call(
    resource: Resource,
    op: Operation,
    config: PathConfig | None,
    exchange: Exchange,
    record: Structure | None,
) -> list[tuple[str, str, Any]]:
    """(record field, key name, value) for each primary key the create `op`'s URL, else its
    answer's `Location`, names. A key is named by a URL variable of the key's name
    (`<primary path="$.Name" name="Bucket">` and `/{Bucket}`), or by one whose argument
    takes this resource's key (`path="notes:$.id"`); never by one that takes another
    resource's (`POST /users/{id}/posts`: that id is the user's). A value is text in a URL;
    it is kept as the `record` structure types its field (`7`, not `"7"`, for an integer
    id), since later requests send it as the record holds it."""
    if config is None:
        return []
    own = {
        name: value
        for name, value in exchange.request.variables.items()
        if not _takes_another_resource(resource, op, name)
    }
    named = _keys_in(config, own, record)
    if named:
        return named
    return _keys_in(config, _location_variables(resource, config, exchange), record)


def keys_sent(config: PathConfig | None, sent: list[JsonObject]) -> list[tuple[str, str, Any]]:
    """(record field, key name, value) for each primary key of the one record a create sent,
    where it sent every one: the client chose the key, and an answer that shows none
    (DynamoDB's PutItem answers `{}`) made the record under it. Where the server assigns a key
    the client did not send, the answer must show it, so nothing is taken."""
    if config is None or not config.primaries or len(sent) != 1:
        return []
    keys = record_keys(sent[0], config.primaries)
    if len(keys) != len(config.primaries):
        return []
    named: list[tuple[str, str, Any]] = []
    for primary in config.primaries:
        fields = primary.path.fields
        named.append((fields[0] if fields else primary.key, primary.key, keys[primary.key]))
    return named


def _keys_in(
    config: PathConfig, variables: dict[str, str], record: Structure | None
) -> list[tuple[str, str, Any]]:
    named: list[tuple[str, str, Any]] = []
    for primary in config.primaries:
        value = variables.get(primary.key)
        fields = primary.path.fields
        if value is not None and fields is not None and len(fields) == 1:
            prop = record.property(fields[0]) if record is not None else None
            named.append((fields[0], primary.key, _as_typed(value, prop)))
    return named


def _as_typed(text: str, prop: Property | None) -> Any:
    """`text` as the JSON value its property's type holds, where it reads as one."""
    kind = prop.type if prop is not None else "string"
    if kind in ("integer", "long") and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if kind == "double":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _location_variables(
    resource: Resource, config: PathConfig, exchange: Exchange
) -> dict[str, str]:
    """The variables of the resource's own URL the `Location` of a 201 or 200 points at
    (`/api/v1/notes/1/` on `/notes/{id}/`: id=1), each also under the primary key its
    argument takes. Read operations' URLs are tried first: a Location names what a GET
    reads."""
    location = exchange.headers.get("location")
    if not location or exchange.status not in (200, 201):
        return {}
    path = urlsplit(urljoin(exchange.request.url, location)).path
    ops = sorted(resource.operations, key=lambda op: op.category != "read")
    for op in ops:
        names = url_variables(op.url_path)
        found = path_ending_in(op.url_path).search(path) if names else None
        if found is None:
            continue
        variables: dict[str, str] = {}
        for name, raw in zip(names, found.groups(), strict=True):
            variables[name] = value = unquote(raw)
            key = _key_taken(resource, op, name, config)
            if key is not None:
                variables.setdefault(key, value)
        return variables
    return {}


def _takes_another_resource(resource: Resource, op: Operation, name: str) -> bool:
    """Whether the URL variable `name` of `op` takes its value from another resource's
    records (the parent a nested create is made under)."""
    for arg in op.arguments:
        prop = arg.value_property
        if arg.name == name and arg.location == "variable" and prop and prop.path is not None:
            return prop.records_of not in (None, resource.name)
    return False


def _key_taken(resource: Resource, op: Operation, name: str, config: PathConfig) -> str | None:
    """The primary key the URL variable `name` of `op` takes from this resource's records
    (`<property path="notes:$.id">`), if any."""
    for arg in op.arguments:
        prop = arg.value_property
        if arg.name != name or arg.location != "variable" or prop is None or prop.path is None:
            continue
        if not takes_own_records(resource, prop):
            continue
        for primary in config.primaries:
            if primary.path.fields is not None and primary.path.fields == prop.path.fields:
                return primary.key
    return None


KeyChoice = Literal["pinned", "chosen"]
"""Who names the record a create makes, where the call does: the spec, by pinned values that
every run sends alike, or the run, by values it generates."""


def keys_it_chooses(
    resource: Resource, op: Operation, config: PathConfig | None
) -> KeyChoice | None:
    """Whether the create `op` sends every key of its record itself, in its URL or its body
    (None: the API chooses at least one), and whether the spec pins them all (an
    `example-value` or `values`, not `unique-for="Request[create]"`). Either way a record may
    be there under those keys before the create: every run writes the same pinned record
    (Airflow's variable create and Jupyter's PUT overwrite it, answered as a new one), and a
    run with the same --seed generates the same keys as an earlier run that left its record
    (Synapse's `PUT /users/{id}` updated a user that was there, answered 200)."""
    if config is None or not config.primaries:
        return None
    structure = _record_sent(resource, op)
    pinned = True
    for primary in config.primaries:
        fields = primary.path.fields
        prop = next(
            (arg.value_property for arg in op.arguments
             if arg.location == "variable" and arg.name == primary.key),
            None,
        )  # fmt: skip
        if prop is None and structure is not None:
            prop = structure.property(fields[0] if fields else primary.key)
            if prop is not None and not prop.include_for.applies("request", "create"):
                prop = None
        if prop is None:
            return None  # the API names it
        pinned = pinned and _pinned(prop)
    return "pinned" if pinned else "chosen"


def _record_sent(resource: Resource, op: Operation) -> Structure | None:
    """The structure of the record a create's body sends, where `sent_records` finds it: at
    the request content's own data-extraction-path (DynamoDB's PutItem sends it under `Item`),
    else the property the resource's primary-structure shapes, else the body."""
    content = request_content(op)
    structure = content.structure if content is not None else None
    if content is None or structure is None:
        return None
    own = content.path_config
    if own is not None and own.data_extraction_path is not None:
        for name in own.data_extraction_path.fields or ():
            prop = structure.property(name)
            if prop is None or prop.structure is None:
                return None
            structure = prop.structure
        return structure
    config = resource.resource_config
    primary = config.primary_structure if config is not None else None
    if primary and structure.ref_name != primary:
        shaped = (p.structure for p in structure.properties if p.structure is not None)
        return next((shape for shape in shaped if shape.ref_name == primary), structure)
    return structure


def _pinned(prop: Property) -> bool:
    return (prop.example_value is not None or bool(prop.values)) and not prop.unique_for.applies(
        "request", "create"
    )


def each_named_by_the_body(items: list[tuple[JsonObject, dict[str, Any]]], body: Any) -> bool:
    """Whether every record of a create's answer has keys the create's body sent as values
    (JupyterHub's `POST /users {"usernames": [a, b]}`, answered with users a and b): records
    the call named are the ones it made, however many, where its body shows none as a record.
    Counted by the records it showed, that correct create failed "2 records for the 1 it
    sent", and neither user was deleted. An answer that lists records the call did not name
    (a collection answered for a lost create) still takes none as made."""
    if not items or any(not keys for _item, keys in items):
        return False
    sent = _scalars(body)
    return all(str(value) in sent for _item, keys in items for value in keys.values())


def _scalars(body: Any) -> set[str]:
    """The text of every string and number anywhere in a body (flags and nulls name nothing)."""
    found: set[str] = set()
    pending = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) or (
            isinstance(value, int | float) and not isinstance(value, bool)
        ):
            found.add(str(value))
    return found
