"""Turn a planned step into a concrete request: path, arguments, credential-free headers, body.

Values come from the Data Manager where the spec names a `path`, else from the seeded
generator. Optional arguments are sent only when the spec gives them a value to use (a record
path or an example), since a made-up filter value tests nothing but can hide every record.
The path is the operation's, below the run's base URL, which the Caller holds and adds.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from apitest.engine.http.client import Request
from apitest.errors import clip
from apitest.plan.bad_values import bad_value
from apitest.plan.cases import format_path, request_content
from apitest.plan.data import MISSING, DataGenerator, Lookup, NoRecordError
from apitest.plan.model import Violation
from apitest.plan.record_keys import names_the_record, own_record_properties, takes_own_records
from apitest.zspec.conditions import DataPath, EvalContext
from apitest.zspec.model import Argument, Content, Operation, Property, Resource
from apitest.zspec.urls import expand_url
from apitest.zspec.xml_bodies import is_xml

_TEXT_TYPES = frozenset({"string", "long_string"})


@dataclass
class Built:
    request: Request
    sent: Any
    """The body as sent (for comparing with the record read back)."""
    broken: str = ""
    """For a negative case: what was broken, as "the API accepted <broken>" will say it."""
    made_up: list[str] = field(default_factory=list)
    """Required body properties whose data path found no record, so their values were made up
    (`owner_id (owners:$.id)`): said on the case, since the call may name no real record."""


def build_request(
    resource: Resource,
    op: Operation,
    generator: DataGenerator,
    lookup: Lookup,
    *,
    keys: dict[str, Any] | None,
    vary_from: Any = MISSING,
    violation: Violation | None = None,
    reading_back: bool = False,
    address: Mapping[str, str] | None = None,
) -> Built:
    """The request for `op` (with `violation` applied, for a negative case); raises
    NoRecordError (from the generator) when an auto-dependency argument has no record, and
    NotApplicable when the case cannot be built (see `_keep_accepted`, `break_body`).
    `reading_back`: the call looks for the record `keys` names (a write's callback read), so
    an optional argument goes only with a value taken from a record: one the spec merely
    exemplifies (a page size, a sort order, a filter) can hide the record it looks for.
    `address`: the URL variables of the create that made the record (`Record.address`); a URL
    variable of the same name takes its value there."""
    forced = violation.arg if violation is not None and violation.arg is not None else None
    values = _argument_values(
        resource, op, generator, lookup, keys, forced, violation, reading_back, address or {}
    )
    body: Any = None
    made_up: list[str] = []
    encode: str | None = None
    content = request_content(op)
    if content is not None and keys is not None:
        _refuse_made_up_keys(resource, op, content, lookup)
    if content is not None:
        config = resource.resource_config
        body = generator.child("body").body(
            content,
            op.category,
            lookup=lookup,
            keys=keys,
            record_structure=config.primary_structure if config else None,
            vary_from=vary_from,
            made_up=made_up,
            looking_up=reading_back and op.category == "read",
        )
        encode = content.encode
    if op.conditional_arguments:
        call = _call_so_far(op, values, body, keys or {}, lookup)
        _keep_accepted(op.conditional_arguments, values, call, forced)
    broken = ""
    if violation is not None and violation.mode in ("with", "without"):
        broken = _break_partners(op, values, violation, generator, lookup)
    elif violation is not None and violation.location in values:
        broken = _break_argument(values[violation.location], violation, generator, lookup)
    accept = _accept(resource, op)
    if accept is not None:
        values["header"] = {**values["header"], "Accept": accept}
    if violation is not None and violation.location == "body":
        body, broken = break_body(body, violation, generator, xml=is_xml(encode))
    path = _fill_path(op.url_path, values["variable"], keys or {})
    request = Request(op.method, path, values["param"], values["header"], body, encode)
    request.variables = values["variable"]
    request.left_out = _left_out(op, violation)
    if content is not None and is_xml(encode):
        request.xml = content
    if violation is not None and violation.location == "auth":
        broken = _break_auth(request, violation, op)
    return Built(request, body, broken, made_up)


def _argument_values(
    resource: Resource,
    op: Operation,
    generator: DataGenerator,
    lookup: Lookup,
    keys: dict[str, Any] | None,
    forced: Argument | None,
    violation: Violation | None,
    reading_back: bool,
    address: Mapping[str, str],
) -> dict[str, dict[str, str]]:
    """Each argument sent, as text by location: a record's key where the argument names the
    record, the place it was made where the URL names it (`address`: the bucket of an object),
    else a generated value (the case's broken argument is left to the case)."""
    values: dict[str, dict[str, str]] = {"param": {}, "header": {}, "variable": {}}
    for arg in _arguments_to_send(op, lookup, forced, reading_back):
        if arg is forced and _case_gives_value(violation, arg, lookup):
            continue  # sent only for the case, which gives its value (or leaves it out)
        if keys is not None and names_the_record(resource, arg):
            value = _record_key(resource, arg, lookup, keys)
        elif arg.location == "variable" and arg.name in address:
            value = address[arg.name]
        else:
            if (
                keys is not None
                and arg is not forced
                and _lacks_own(resource, arg.value_property, lookup)
            ):
                raise NoKeyError(
                    resource.name,
                    _field(arg.value_property, arg.name),
                    f"{arg.location} {arg.name}",
                )
            value = generator.child(f"arg:{arg.name}").argument_value(
                arg, lookup=lookup, category=op.category
            )
        values[arg.location][arg.name] = argument_text(value)
    return values


def _break_auth(request: Request, violation: Violation, op: Operation) -> str:
    """The credential the auth case breaks: a read-only profile for a write, no token, or an
    invalid one; what was broken, in words."""
    if violation.mode == "profile":
        request.profile = violation.value
        return f"a {op.category} by the read-only profile {violation.value!r}"
    request.auth = "omit" if violation.mode == "omit" else "invalid"
    return "a call without a token" if violation.mode == "omit" else "an invalid token"


def _case_gives_value(violation: Violation | None, arg: Argument, lookup: Lookup) -> bool:
    """The broken argument is sent only for its case, which sets or omits it itself."""
    if violation is None or violation.mode not in ("set", "omit"):
        return False
    return not (arg.required or _has_given_value(arg, lookup))


def _call_so_far(
    op: Operation,
    values: dict[str, dict[str, str]],
    body: Any,
    keys: dict[str, Any],
    lookup: Lookup,
) -> EvalContext:
    """What an argument's `condition` sees: the valid call as built (its parameters and
    headers live, so an argument left out is gone for the next condition), its body, its URL
    path, and, under `<resource>:`, the record the chain is handed."""
    return EvalContext(
        request_body=body,
        params=values["param"],
        request_headers=values["header"],
        url=_fill_path(op.url_path, values["variable"], keys),
        records=lambda name: lookup(DataPath("resource", name, "$")),
    )


def _keep_accepted(
    conditional: tuple[Argument, ...],
    values: dict[str, dict[str, str]],
    call: EvalContext,
    forced: Argument | None,
) -> None:
    """ZEST's argument `condition`, "the condition which needs to be true in order to accept
    the argument": a parameter or header whose condition does not hold on the call as built is
    left out (a required one is required only where it holds). Leaving one out can make
    another's condition fail, so this runs until nothing changes. The argument a negative case
    breaks stays, but only where its condition holds: elsewhere the API would refuse it
    whatever its value, and the case would pass having tested nothing."""
    left_out = True
    while left_out:
        left_out = False
        for arg in conditional:
            assert arg.condition is not None
            if arg is forced or arg.name not in values[arg.location]:
                continue
            if not arg.condition.evaluate(call):
                del values[arg.location][arg.name]
                left_out = True
    if forced is None or forced.condition is None or forced.location == "variable":
        return
    if not forced.condition.evaluate(call):
        raise NotApplicable(
            f"{forced.location} {forced.name} is accepted only where its condition "
            f"({forced.condition.text}) holds, and it does not on this call"
        )


def _arguments_to_send(
    op: Operation, lookup: Lookup, forced: Argument | None, reading_back: bool = False
) -> list[Argument]:
    """The required arguments and those the spec gives a value (plus `forced`, the one a case
    breaks), with their `concurrent` partners added and, of each `non-concurrent` pair, the
    optional one left out, so a positive call keeps the rules that the Concurrent and Non
    Concurrent cases break."""
    by_name = {arg.name: arg for arg in op.arguments}
    chosen = {
        arg.name
        for arg in op.arguments
        if arg.required or arg is forced or _has_given_value(arg, lookup, reading_back)
    }
    pending = list(chosen)
    while pending:
        arg = by_name[pending.pop()]
        for name in arg.concurrent:
            if name in by_name and name not in chosen:
                chosen.add(name)
                pending.append(name)
    for arg in op.arguments:
        if arg.name not in chosen:
            continue
        for name in arg.non_concurrent:
            other = by_name.get(name)
            if other is None or name not in chosen or other is arg:
                continue
            drop = other if not (other.required or other is forced) else arg
            if not (drop.required or drop is forced):
                chosen.discard(drop.name)
    return [arg for arg in op.arguments if arg.name in chosen]


def _break_partners(
    op: Operation,
    values: dict[str, dict[str, str]],
    violation: Violation,
    generator: DataGenerator,
    lookup: Lookup,
) -> str:
    """Concurrent: the argument sent without its `concurrent` partners; Non Concurrent: sent
    with the `non-concurrent` one the case names (each with a valid value)."""
    arg = violation.arg
    assert arg is not None
    by_name = {each.name: each for each in op.arguments}
    names = violation.value.split(",")
    if violation.mode == "without":
        for name in names:
            partner = by_name.get(name)
            if partner is not None:
                values[partner.location].pop(name, None)
        return f"{arg.location} {arg.name} without {', '.join(names)} (Concurrent)"
    partner = by_name[names[0]]
    if partner.name not in values[partner.location]:
        value = generator.child(f"arg:{partner.name}").argument_value(
            partner, lookup=lookup, category=op.category
        )
        values[partner.location][partner.name] = argument_text(value)
    return f"{arg.location} {arg.name} together with {partner.name} (Non Concurrent)"


def _left_out(op: Operation, violation: Violation | None) -> frozenset[tuple[str, str]]:
    """The headers and params `violation` leaves out of the call: the argument a Mandatory
    case omits, the partners a Concurrent case goes without (see `Request.left_out`)."""
    if violation is None:
        return frozenset()
    if violation.mode == "omit" and violation.location in ("header", "param"):
        return frozenset({(violation.location, violation.target)})
    if violation.mode == "without":
        by_name = {arg.name: arg for arg in op.arguments}
        names = violation.value.split(",")
        return frozenset((by_name[name].location, name) for name in names if name in by_name)
    return frozenset()


def _break_argument(
    values: dict[str, str], violation: Violation, generator: DataGenerator, lookup: Lookup
) -> str:
    where = "URL path variable" if violation.location == "variable" else violation.location
    if violation.mode == "omit":
        values.pop(violation.target, None)
        return f"a call without the required {where} {violation.target}"
    value = argument_text(bad_value(violation, generator.child("negative"), lookup))
    values[violation.target] = value
    return f"{where} {violation.target}={clip(repr(value), 60)} ({violation.kind})"


def break_body(
    body: Any, violation: Violation, generator: DataGenerator, *, xml: bool = False
) -> tuple[Any, str]:
    """`body` with the property at `violation.path` left out or given the bad value. Raises
    NotApplicable when the body has no such place (an optional parent was left out), and for
    a wrong type in place of text in an XML body, where every value is text: the number sent
    for a string is a string there, which the API rightly takes."""
    path = violation.path
    if not path:
        return _break_text_body(violation, generator)
    prop = violation.prop
    if xml and violation.value == "type" and prop is not None and prop.type in _TEXT_TYPES:
        raise NotApplicable(
            f"in an XML body every value is text: a number in place of the {prop.type} "
            f"{format_path(path)} is still text, so there is no wrong type to send"
        )
    body = copy.deepcopy(body)
    parent = body
    for part in path[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            raise NotApplicable(f"the body has no {format_path(path[:-1])} to break") from None
    last = path[-1]
    if isinstance(parent, list) and isinstance(last, int):  # an item of a list of scalars
        if last >= len(parent):
            raise NotApplicable(f"the body's {format_path(path[:-1])} holds no item to break")
    elif not isinstance(parent, dict) or not isinstance(last, str):
        raise NotApplicable(f"the body has no object holding {format_path(path)}")
    target = format_path(path)
    if violation.mode == "omit":
        parent.pop(last, None)
        return body, f"a body without {target}"
    value = bad_value(violation, generator.child("negative"))
    parent[last] = value
    return body, f"{target} = {clip(json.dumps(value), 60)} ({violation.kind})"


def _break_text_body(violation: Violation, generator: DataGenerator) -> tuple[Any, str]:
    """A body that is one value of text (zspec/text_bodies.py), broken as a whole: left out, or
    sent as the bad value's text."""
    if violation.prop is None:
        raise NotApplicable("the violation names no body property")
    if violation.mode == "omit":
        return None, "a call without its body"
    value = bad_value(violation, generator.child("negative"))
    text = value if isinstance(value, str) else json.dumps(value)
    shown = json.dumps(text) if len(text) <= 40 else f"{len(text):,} characters"
    return text, f"a body of {shown} ({violation.kind})"


class NoKeyError(NoRecordError):
    """The record a call addresses lacks a value the call takes from it (a key its URL names,
    or a parameter, header or body property whose path names the resource's own records; the
    answer that made it held none), so the call is not sent: a made-up key would address
    another record, and a delete or cleanup would remove it."""

    def __init__(self, resource: str, name: str, place: str = "the URL") -> None:
        Exception.__init__(
            self,
            f"the {resource} record has no {name} to put in {place} (no answer body about it "
            f"held one: the records are kept from bodies, never from headers); a made-up {name} "
            "would address another record",
        )


def _lacks_own(resource: Resource, prop: Property | None, lookup: Lookup) -> bool:
    """Whether `prop` takes its value from the resource's own records (the one the call
    addresses) and that record has none."""
    if prop is None or prop.path is None or not takes_own_records(resource, prop):
        return False
    return not lookup(prop.path)


def _field(prop: Property | None, default: str) -> str:
    """The record's field a value is taken from (`trip_id` of `trips:$.trip_id`, `id.S` of
    `notes:$.id.S`)."""
    fields = prop.path.fields if prop is not None and prop.path is not None else None
    return ".".join(map(str, fields)) if fields else default


def _refuse_made_up_keys(
    resource: Resource, op: Operation, content: Content, lookup: Lookup
) -> None:
    """A call addressing a record does not go with a body property it must send made up where
    it takes its value from that record (SQS's `QueueName` of `GetQueueUrl`, from
    `queues:$.QueueName`; DynamoDB's `Key.id.S`, at any depth): it would ask after, change or
    delete another record."""
    structure = content.structure
    own = own_record_properties(resource, structure, op.category) if structure else iter(())
    for prop in own:
        if _lacks_own(resource, prop, lookup):
            raise NoKeyError(resource.name, _field(prop, prop.name or "the value"), "the body")


def _record_key(resource: Resource, arg: Argument, lookup: Lookup, keys: dict[str, Any]) -> Any:
    """The addressed record's key for `arg`: through its path, else the key of its name; never
    generated (docs/zspec.md#primary: the key fills the URL variable of the same name), and
    never null or empty: sent as "", it made `DELETE /domains/` of a record Mailman had filed
    under "None", whose 404 was read as gone, and the record was left."""
    prop = arg.value_property
    path = prop.path if prop is not None else None
    found = [value for value in lookup(path) if value not in (None, "")] if path else []
    if found:
        return found[0]
    if keys.get(arg.name) not in (None, ""):
        return keys[arg.name]
    raise NoKeyError(resource.name, arg.name)


class NotApplicable(Exception):
    """A negative case that cannot be built from this body; the case is skipped with why."""


def _has_given_value(arg: Argument, lookup: Lookup, reading_back: bool = False) -> bool:
    """Whether an optional argument goes out: with a value a record gives, or one the spec
    exemplifies. A read-back sends no exemplified value (a page size, a sort or a filter could
    hide the record it looks for) but a header the spec pins to one value (`values="v2"`): a
    version or format header chooses the answer's shape, not its records, and left out,
    Node-RED answered its v1 form, which the declared shape failed."""
    prop = arg.value_property
    if prop is None:
        return False
    if prop.path is not None and prop.records_of is not None:
        return bool(lookup(prop.path))
    if reading_back:
        return arg.location == "header" and len(prop.values) == 1
    return prop.example_value is not None or bool(prop.values)


def _fill_path(path: str, variables: dict[str, str], keys: dict[str, Any]) -> str:
    def value(name: str) -> str:
        found = variables.get(name)
        if found is None and name in keys:
            found = argument_text(keys[name])
        return quote(found if found is not None else "{" + name + "}", safe="")

    return expand_url(path, value)


def _accept(resource: Resource, op: Operation) -> str | None:
    """The Accept header: the media types the operation's answers are declared in (for one
    whose answers declare no content, a DELETE with only its 204, those of the resource's
    other operations), then anything else at a lower weight. httpx's own `*/*` names none of
    them, and an API that negotiates strictly (a JSON:API server wants
    `application/vnd.api+json`) refuses it with 406 before the call is tested. None where the
    spec declares an Accept argument (its value, and its cases, are the spec's) or no answer
    of the resource has content."""
    if op.declares_accept:
        return None
    types = op.answer_types or resource.answer_types
    return ", ".join([*types, "*/*;q=0.1"]) if types else None


def argument_text(value: Any) -> str:
    """An argument's value as its parameter or header carries it; a map or list as JSON (a
    Python repr, `{'limit': 50}`, is no form any API reads)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
