"""Negative cases: one per declaration a request can break (ZSPEC.md section 8).

Each `Violation` says what to break (an argument, a body property at a path, the credential)
and how; the engine builds the positive request, applies the violation, and expects an error.
Cases are derived only from what the spec declares, so every case names the declaration it
tests: `POST trips / Mandatory Property trips[0].trip_name`.

ZEST's default cases keep ZEST's names and meaning (ZSPEC.md section 8):
- ArgMaxLength / ArgMinLength: a `style="delimiter"` argument with a `length` (a count of
  values) sent with one value more than the max / one fewer than the min (min > 1 only:
  zero values is the argument left out or one empty value, other kinds' cases);
- Concurrent: an argument sent without the partners its `concurrent` list names;
  Non Concurrent: an argument sent together with one its `non-concurrent` list names (one case
  per pair; a pair both arguments name is one case).

Decisions where ZSPEC.md is silent (recorded for the contract):
- a `range` broken is reported as an Invalid Value case ("above range 1..365"); on a typed
  query parameter or header, as an Invalid Param / Invalid Header case (its value, of the
  right type, above or below its range, or outside its `values`), one per bound;
- an integer or long query parameter or header also gets Invalid Param / Header (fraction): a
  number with a fractional part inside its range, which an API that truncates takes;
- an argument value's own `length` (characters, on its property) is a Length Violation case,
  as for a body property, one case per bound (over max, under min);
- apitest's own Null Allowed sends the null a JSON body property's `nullable-for` allows
  (Null Value goes where it does not): the API must take it (case_kinds.TAKEN), an update
  must store it (engine/null_stuck.py), and what it took is undone as a negative case's
  accepted write is; an API that refused the null its spec allows passed every case before,
  as nothing sent it;
- apitest's own sync cases, Parallel Calls / Sequential Calls, apply to auto-sync operations
  only: the positive call fired twice at once / back to back; both must get declared answers
  and no server error, since what a sync operation guarantees under concurrency is the API's
  to say;
- concurrent / non-concurrent relate query parameters and headers: a URL variable is always
  sent, so a name that is one (or names no argument) makes no case (lint warns);
- apitest's own Unknown Key: a URL variable that names the record (`record_variables`) sent
  with a well-formed key no record has, on a read, an update or an action that is not a PUT;
  the API must refuse it (404). InvalidValueInURLPath sends a malformed key, which an API that
  checks a key's form (an integer id) refuses before it looks the record up: an update of a
  missing record answered 204 passed unseen (LoopBack 4). Made only where the key's form is
  typed (an integer, long or long_string, or a string with a regex), since an untyped
  string's InvalidValueInURLPath value is a well-formed unknown key already. Not on a PUT (an
  upserting PUT rightly stores a record at any key), a create (it makes the record its URL
  names: JupyterHub's POST /users/{name}), nor a delete (a delete of a key no record has is
  answered 404 by some correct APIs and 204 by others: a DELETE is idempotent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from apitest._by_identity import IdentityCache
from apitest.case_kinds import NegativeKind
from apitest.plan._values import ITEM_TYPES, item_property
from apitest.plan.model import Violation, ViolationMode
from apitest.zspec.model import (
    Argument,
    Authentication,
    Bounds,
    Content,
    Operation,
    Property,
    Structure,
)
from apitest.zspec.scopes import Category
from apitest.zspec.text_bodies import text_value_property

_MANDATORY: dict[str, NegativeKind] = {"param": "Mandatory Param", "header": "Mandatory Header"}
_INVALID: dict[str, NegativeKind] = {"param": "Invalid Param", "header": "Invalid Header"}
_EMPTY: dict[str, NegativeKind] = {"param": "Empty Param", "header": "Empty Header"}
_UNTYPED = frozenset({"string", "any", "file", "object"})
_NOT_TYPED_IN_JSON = frozenset({"any", "file", "object"})
_WHOLE_NUMBERS = frozenset({"integer", "long"})
"""Types a JSON number with a fractional part is not: besides text, each gets a fraction
(bad_values._fraction), or an API that took one (marshmallow's default `Integer` stores 5 for
5.5) passed every case."""
_MOMENTS = frozenset({"datetime", "date"})
"""Types that JSON writes as text: besides a value of another JSON type (a number, which a lax
framework may read as seconds since the epoch), each gets text no moment reads, or an API
that took any text for one passed every case (Litestar's hunt: "next tuesday" was stored)."""
MAX_BODY_DEPTH = 8


def negative_cases(
    op: Operation,
    auth: Authentication | None,
    read_only_profiles: tuple[str, ...] = (),
    record_variables: frozenset[str] = frozenset(),
) -> list[Violation]:
    """Every negative case of `op`, minus those its `auto-skip-cases` names. A write gets a
    Read Only Profile case per profile marked read-only: that user must be refused.
    `record_variables`: the URL variables that name the operation's record (its resource's
    primary key, or a value its own records give), each of which gets an Unknown Key case.
    `auth`: the operation's authentication (its own, else its resource's), if any."""
    has_auth = auth is not None
    found = [
        *_argument_cases(op, auth), *_unknown_key_cases(op, record_variables), *_partner_cases(op),
        *_body_cases(op), *_auth_cases(has_auth), *_sync_cases(op),
    ]  # fmt: skip
    if has_auth and op.category != "read":
        found.extend(
            Violation("Read Only Profile", name, "auth", "profile", name)
            for name in read_only_profiles
        )
    if not op.auto_skip_cases:
        return found
    skipped = {name.strip().lower() for name in op.auto_skip_cases}
    return [case for case in found if not _skipped(case, skipped)]


def _skipped(case: Violation, names: set[str]) -> bool:
    return case.kind.lower() in names or case.name.lower() in names


def _argument_cases(op: Operation, auth: Authentication | None) -> Iterator[Violation]:
    for arg in op.arguments:
        if _carries_the_token(arg, auth):
            continue  # the token goes there; Missing Token and Invalid Token are its cases
        prop = arg.value_property
        yield from _count_cases(arg)
        if arg.location == "variable":
            yield Violation(
                "InvalidValueInURLPath", arg.name, "variable", "set", "invalid", arg=arg
            )
            continue
        where = arg.location
        if arg.required and arg.condition is None:  # with one, required only where it holds
            yield Violation(_MANDATORY[where], arg.name, where, "omit", arg=arg)
        if prop is not None and prop.type not in _UNTYPED:
            yield Violation(_INVALID[where], arg.name, where, "set", "type", arg=arg)
            if prop.type in _WHOLE_NUMBERS:  # "1.5": an API that truncates it took it
                yield Violation(
                    _INVALID[where], arg.name, where, "set", "fraction", (), None, arg, "fraction"
                )
            # a value the server answers with its default (invalid-value="map-default") is none
            for miss in _value_misses(prop) if prop.invalid_value != "map-default" else ():
                yield Violation(_INVALID[where], arg.name, where, "set", miss, (), None, arg, miss)
        elif prop is not None and (miss := _text_miss(prop)):
            yield Violation(_INVALID[where], arg.name, where, "set", miss, arg=arg)
        if prop is None or not prop.emptiable_for.applies("request", op.category):
            yield Violation(_EMPTY[where], arg.name, where, "set", "empty", arg=arg)
        if prop is not None and prop.length is not None:
            yield from _bound_cases(prop.length, "Length Violation", "Length Violation", arg=arg)


def _carries_the_token(arg: Argument, auth: Authentication | None) -> bool:
    """Whether `arg` is where `auth` puts its token (a declared `Authorization` header, say):
    the run sends the token there whatever the argument's value, so an argument case that
    leaves it out or empties it still went with the token, and a correct API that accepted
    the call failed it (Mandatory Header Authorization, "the API accepted a call without")."""
    if auth is None:
        return False
    if auth.in_header:
        return arg.location == "header" and arg.name.lower() == auth.name.lower()
    return arg.location == "param" and arg.name == auth.name


def _unknown_key_cases(op: Operation, record_variables: frozenset[str]) -> Iterator[Violation]:
    """Unknown Key: a record variable given a well-formed key no record has (see the module's
    docstring for where and why)."""
    if op.category not in ("read", "update", "action") or op.method == "put":
        return
    for arg in op.arguments:
        named = arg.location == "variable" and arg.name in record_variables
        if named and _has_typed_form(arg.value_property):
            yield Violation("Unknown Key", arg.name, "variable", "set", "unknown", arg=arg)


def _has_typed_form(prop: Property | None) -> bool:
    """Whether a key's form is typed, so that a well-formed key differs from a malformed one:
    a number, digits (long_string) or a string its regex shapes; not one of a few `values`."""
    if prop is None or prop.values:
        return False
    return prop.type in ("integer", "long", "long_string") or (
        prop.type == "string" and prop.regex is not None
    )


def _text_miss(prop: Property) -> str:
    """How a text argument's value can be invalid (ZEST's Invalid Param/Header is made for
    every param and header): outside its `values`, else against its `regex`; "" when any
    text is valid."""
    if prop.values and prop.extra_value == "deny":
        return "outside values"
    return "regex" if prop.regex else ""


def _value_misses(prop: Property) -> Iterator[str]:
    """How a value of the right type can still be invalid: outside its `values` (where
    `extra-value="deny"`), above or below its numeric `range`. A body property's Invalid Value
    cases and a typed argument's Invalid Param / Header cases (Platformatic's `limit` of 0..100
    sent as 101 crashed it with a 500 no case had sent) are made from these alike."""
    if prop.values and prop.extra_value == "deny":
        yield "outside values"
    if prop.range is not None and prop.type in ("integer", "long", "double"):
        if prop.range.max is not None:
            yield "above range"
        if prop.range.min is not None:
            yield "below range"


def _count_cases(arg: Argument) -> Iterator[Violation]:
    """ArgMaxLength / ArgMinLength: too many or too few delimited values (ZEST's argument
    `length` counts values, and only a delimiter-style argument has several in one value).
    Never zero values: on the wire that is the argument left out (Mandatory Param's case, and
    no fault where it is optional) or `tags=`, one empty value (Empty Param's case), which an
    API whose values may be empty rightly took, and ArgMinLength failed it."""
    bounds = arg.length
    if not arg.is_delimited or bounds is None:
        return
    if bounds.max is not None:
        count = int(bounds.max) + 1
        detail = f"{count} values, max {int(bounds.max)}"
        yield _arg_case("ArgMaxLength", arg, "set", "too many", detail)
    if bounds.min is not None and bounds.min > 1:
        count = int(bounds.min) - 1
        detail = f"{count} value{'' if count == 1 else 's'}, min {int(bounds.min)}"
        yield _arg_case("ArgMinLength", arg, "set", "too few", detail)


def _arg_case(
    kind: NegativeKind, arg: Argument, mode: ViolationMode, value: str, detail: str
) -> Violation:
    return Violation(kind, arg.name, arg.location, mode, value, (), None, arg, detail)


def _partner_cases(op: Operation) -> Iterator[Violation]:
    """Concurrent: an argument without its `concurrent` partners; Non Concurrent: an argument
    with one of its `non-concurrent` ones. Only query parameters and headers take part."""
    sendable = {arg.name: arg for arg in op.arguments if arg.location != "variable"}
    for arg in sendable.values():
        partners = [name for name in arg.concurrent if name in sendable and name != arg.name]
        if partners:
            listed = ",".join(partners)
            detail = "without " + ", ".join(partners)
            yield _arg_case("Concurrent", arg, "without", listed, detail)
    pairs: set[frozenset[str]] = set()
    for arg in sendable.values():
        for name in arg.non_concurrent:
            pair = frozenset((arg.name, name))
            if name not in sendable or name == arg.name or pair in pairs:
                continue
            pairs.add(pair)
            yield _arg_case("Non Concurrent", arg, "with", name, f"with {name}")


def _bound_cases(
    bounds: Bounds, over: NegativeKind, under: NegativeKind, **where: Any
) -> Iterator[Violation]:
    arg: Argument | None = where.get("arg")
    target = arg.name if arg is not None else where["target"]
    location = arg.location if arg is not None else "body"
    path = where.get("path", ())
    prop = where.get("prop")
    if bounds.max is not None:
        yield Violation(over, target, location, "set", "too long", path, prop, arg, "over max")
    if bounds.min is not None and bounds.min > 0:
        yield Violation(under, target, location, "set", "too short", path, prop, arg, "under min")


def _auth_cases(has_auth: bool) -> Iterator[Violation]:
    if has_auth:
        yield Violation("Missing Token", "", "auth", "omit")
        yield Violation("Invalid Token", "", "auth", "set", "invalid")


def _sync_cases(op: Operation) -> Iterator[Violation]:
    if op.is_sync:
        yield Violation("Parallel Calls", "", "call", "twice", "at once")
        yield Violation("Sequential Calls", "", "call", "twice", "in turn")


def _body_cases(op: Operation) -> tuple[Violation, ...]:
    content = request_content(op)
    if content is None or content.structure is None:
        return ()
    text = text_value_property(content)
    if text is not None:  # the body is this one value, as text: a form field's cases
        return tuple(_property_cases(text, op.category, (), form=True))
    return _cases_of_structure(content.structure, op.category, _is_form(content))


def _is_form(content: Content) -> bool:
    """Whether the body is a form (urlencoded or multipart): its fields are text, as query
    parameters are."""
    encode = (content.encode or "").split(";")[0].strip().lower()
    return encode == "application/x-www-form-urlencoded" or encode.startswith("multipart/")


MAX_CACHED_STRUCTURES = 4096
_BODY_CASES: IdentityCache[Structure, tuple[Violation, ...]] = IdentityCache(MAX_CACHED_STRUCTURES)


def _cases_of_structure(
    structure: Structure, category: Category, form: bool
) -> tuple[Violation, ...]:
    """The body cases of a request structure, derived once per structure, category and
    encoding (a form or not): many operations send the same component (every write of a
    resource, say), and its cases depend on nothing else. Steps may share the cases, since
    nothing changes a Violation after planning."""
    return _BODY_CASES.get(
        structure,
        (category, form),
        lambda: tuple(_structure_cases(structure, category, (), 0, form=form)),
    )


def request_content(op: Operation) -> Content | None:
    """The body encoding a request sends: JSON when the spec offers it, else the first
    declared (the planner's cases and the engine's requests agree on it)."""
    if op.request_body is None or not op.request_body.contents:
        return None
    contents = op.request_body.contents
    return next((c for c in contents if c.encode and "json" in c.encode), contents[0])


def _structure_cases(
    structure: Structure,
    category: Category,
    path: tuple[str | int, ...],
    depth: int,
    *,
    form: bool = False,
) -> Iterator[Violation]:
    """`form`: the properties are a form's fields (an object or list inside one is sent as
    JSON text, so its own properties are JSON again)."""
    if structure.recursive_ref is not None or depth > MAX_BODY_DEPTH or not structure.is_map:
        return
    for prop in structure.properties:
        if not prop.name or not prop.include_for.applies("request", category):
            continue
        here = (*path, prop.name)
        yield from _property_cases(prop, category, here, form=form)
        child = prop.structure
        if child is not None:
            inner = (*here, 0) if prop.type == "collections" else here
            yield from _structure_cases(child, category, inner, depth + 1)
            if prop.type == "collections" and not form:
                yield from _item_cases(child, category, inner)
        elif prop.type == "collections" and not form:
            yield from _typed_item_cases(prop, category, (*here, 0))


def _item_cases(
    items: Structure, category: Category, path: tuple[str | int, ...]
) -> Iterator[Violation]:
    """The cases of the first item of a collection of scalars (`tags[0]`), whose items keep the
    rules of the structure's nameless property (its first, as the body builder and the shape
    check read it): a list holding an item that breaks them must be refused as a property that
    breaks them is, or an API that never checks its items passed. Only values set: an item is
    not left out (the list's `length` counts its items)."""
    if items.is_map or not items.properties:
        return
    item = items.properties[0]
    if item.structure is None and item.type != "collections":
        yield from _set_cases(item, category, path)


def _typed_item_cases(
    prop: Property, category: Category, path: tuple[str | int, ...]
) -> Iterator[Violation]:
    """The cases of the first item of a list its `content-types` types (`<property
    name="tags" type="collections" content-types="string" values="a,b"/>`): its items keep
    that type and the list's `values` and `regex`, as the body builder makes them
    (`item_property`). Only for one known scalar type: of several, an item of another is one
    the list may take."""
    kinds = [kind.strip().lower() for kind in prop.content_types]
    if len(kinds) != 1 or kinds[0] not in ITEM_TYPES:
        return
    item = replace(
        item_property(prop), extra_value=prop.extra_value, invalid_value=prop.invalid_value
    )
    yield from _set_cases(item, category, path)


def _set_cases(
    item: Property, category: Category, path: tuple[str | int, ...]
) -> Iterator[Violation]:
    """An item's cases that set a value: an item is never left out (its list's `length`
    counts the items)."""
    return (case for case in _property_cases(item, category, path) if case.mode == "set")


def _property_cases(
    prop: Property, category: Category, path: tuple[str | int, ...], *, form: bool = False
) -> Iterator[Violation]:
    """A form field is text, as a query parameter is: `14614944` is a good string and
    there is no null to send (the `null` apitest sent was a good string too), so a form
    gets neither case for a string and no Null Value; another type gets text it cannot
    parse (digits are a good long_string)."""
    target = format_path(path)

    def case(
        kind: NegativeKind, mode: ViolationMode, value: str = "", detail: str = ""
    ) -> Violation:
        return Violation(kind, target, "body", mode, value, path, prop, None, detail)

    if prop.required_for.applies("request", category) and not prop.request_conditions:
        yield case("Mandatory Property", "omit")  # (conditional: required only where it holds)
    if prop.type not in (_UNTYPED if form else _NOT_TYPED_IN_JSON):
        yield case("Invalid Type", "set", "text" if form else "type")
        if not form and prop.type in _MOMENTS:
            yield case("Invalid Type", "set", "text", "text")
        if not form and prop.type in _WHOLE_NUMBERS:
            yield case("Invalid Type", "set", "fraction", "fraction")
    if prop.invalid_value != "map-default":  # else the server answers it with the default
        yield from _criteria_cases(prop, path, case)
    if not form:
        nullable = prop.nullable_for.applies("request", category)
        yield case("Null Allowed" if nullable else "Null Value", "set", "null")


def _criteria_cases(
    prop: Property, path: tuple[str | int, ...], case: Callable[..., Violation]
) -> Iterator[Violation]:
    """Values outside `values`, `range`, `regex` and `length` (what `invalid-value` governs)."""
    target = format_path(path)
    for miss in _value_misses(prop):
        yield case("Invalid Value", "set", miss, "" if miss == "outside values" else miss)
    if prop.regex and prop.type in ("string", "long_string"):
        yield case("Regex Mismatch", "set", "regex")
    if prop.length is not None and prop.type in ("string", "long_string", "collections"):
        yield from _bound_cases(
            prop.length, "Length Violation", "Length Violation", target=target, path=path, prop=prop
        )


def format_path(path: tuple[str | int, ...]) -> str:
    """("trips", 0, "trip_name") -> "trips[0].trip_name"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
