"""Builders of what declares a call: `<url>`, `<operation>` and its parts (`<argument>`,
`<request-body>`, `<response>`, `<content>` with its `<path-config>` and `<error>`,
`<authentication>`, `<throttling>`).

Each is a function of the file's `FileBuilder` and the element, so it can be handed to
`FileBuilder.resolve` (and `collect`) as the way to build a referenced component.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from apitest.errors import SpecStructureError
from apitest.zspec.builder import FileBuilder
from apitest.zspec.documentation import (
    build_deprecate,
    build_example,
    build_external_document,
    build_tag,
)
from apitest.zspec.model import (
    Argument,
    ArgumentLocation,
    Authentication,
    Content,
    ErrorCondition,
    Operation,
    PathConfig,
    Primary,
    RequestBody,
    Response,
    Throttling,
    Url,
)
from apitest.zspec.structures import SHAPE_TAGS, shape_child


def build_path_config(b: FileBuilder, element: etree._Element) -> PathConfig:
    b.reader.check(element)
    primaries = []
    for _, child in b.reader.children(element):
        b.reader.check(child)
        path = b.json_path(child, "path")
        if path is not None:
            primaries.append(Primary(b.loc(child), path, b.reader.text(child, "name") or None))
    return PathConfig(
        b.loc(element), b.json_path(element, "data-extraction-path"), tuple(primaries)
    )


def build_content(b: FileBuilder, element: etree._Element) -> Content:
    b.reader.check(element)
    fields: dict[str, Any] = {}
    examples = []
    for name, child in b.reader.children(element):
        if name in SHAPE_TAGS:
            shape = shape_child(b, name, child, 0)
            if shape is not None:
                fields[shape[0]] = shape[1]
        elif name == "encode":
            b.reader.check(child)
            fields["encode"] = b.reader.required_text(child, "type").lower()
        elif name == "error":
            fields["error"] = build_error_condition(b, child)
        elif name == "path-config":
            fields["path_config"] = build_path_config(b, child)
        elif name == "example":
            examples.append(build_example(b, child))
        elif name == "example-ref":
            found = b.resolve("example", child, build_example)
            if found is not None:
                examples.append(found)
    return Content(
        b.loc(element),
        examples=tuple(examples),
        name=b.reader.text(element, "name"),
        visibility=b.reader.enum(element, "visibility", "public"),
        **fields,
    )


def build_argument(b: FileBuilder, element: etree._Element) -> Argument:
    b.reader.check(element)
    contents = b.repeated(element, "content", build_content)
    location: ArgumentLocation = b.reader.enum(element, "location", "param")
    if location == "variable" and element.get("condition") is not None:
        message = "'condition' has no effect on a URL path variable: the URL needs it on every call"
        hint = "put the condition on a param or header argument, or remove it"
        b.reader.report(element, message, hint, attr="condition", severity="warning")
    return Argument(
        b.loc(element),
        name=b.reader.required_text(element, "name"),
        location=location,
        required=b.reader.boolean(element, "required"),
        auto_sync=b.reader.boolean(element, "auto-sync"),
        auto_dependency=b.reader.boolean(element, "auto-dependency"),
        visibility=b.reader.enum(element, "visibility", "public"),
        condition=b.condition(element, "condition"),
        content=contents[0] if contents else None,
        description=b.description(element),
        **_argument_values(b, element),
    )


def _argument_values(b: FileBuilder, element: etree._Element) -> dict[str, Any]:
    """ZEST's `style`, `delimiter`, `length` (a count of delimited values), `concurrent` and
    `non-concurrent`, each checked where it is written."""
    style = b.reader.enum(element, "style", "standard")
    delimiter = element.get("delimiter")  # not stripped: " " is a delimiter
    if delimiter == "":
        hint = 'write delimiter=","'
        b.reader.report(element, "'delimiter' must not be empty", hint, attr="delimiter")
    elif delimiter is not None and style != "delimiter":
        message = "'delimiter' has no effect on an argument of style standard"
        hint = 'add style="delimiter" to send several values joined by it'
        b.reader.report(element, message, hint, attr="delimiter", severity="warning")
    length = b.reader.bounds(element, "length")
    if length is not None and not all(
        end is None or (end >= 0 and end == int(end)) for end in (length.min, length.max)
    ):
        message = "'length' of an argument counts values: whole numbers from 0 up"
        hint = 'write length="max" or length="min,max", e.g. length="1,10"'
        b.reader.report(element, message, hint, attr="length")
        length = None
    return {
        "style": style,
        "delimiter": delimiter or ",",
        "length": length,
        "concurrent": b.reader.csv(element, "concurrent"),
        "non_concurrent": b.reader.csv(element, "non-concurrent"),
    }


def build_request_body(b: FileBuilder, element: etree._Element) -> RequestBody:
    b.reader.check(element)
    return RequestBody(
        b.loc(element),
        contents=b.repeated(element, "content", build_content),
        required=b.reader.boolean(element, "required", True),
        name=b.reader.text(element, "name"),
    )


def build_response(b: FileBuilder, element: etree._Element) -> Response:
    b.reader.check(element)
    return Response(
        b.loc(element),
        status=b.reader.integer(element, "status", 0) or 0,
        name=b.reader.text(element, "name"),
        unexpected_error=b.reader.boolean(element, "unexpected-error"),
        visibility=b.reader.enum(element, "visibility", "public"),
        contents=b.repeated(element, "content", build_content),
        arguments=b.repeated(element, "argument", build_argument),
        description=b.description(element),
    )


def build_error_condition(b: FileBuilder, element: etree._Element) -> ErrorCondition | None:
    b.reader.check(element)
    condition = b.condition(element, "condition")
    return ErrorCondition(b.loc(element), condition) if condition else None


def build_throttling(b: FileBuilder, element: etree._Element) -> Throttling:
    b.reader.check(element)
    return Throttling(
        b.loc(element),
        threshold=b.reader.integer(element, "threshold", 1) or 1,
        duration=b.reader.integer(element, "duration", 1) or 1,
        lock_period=b.reader.integer(element, "lock-period", 0) or 0,
        type=b.reader.text(element, "type"),
        name=b.reader.text(element, "name"),
    )


def build_authentication(b: FileBuilder, element: etree._Element) -> Authentication:
    b.reader.check(element)
    owner, _, key = (element.get("schema") or "").strip().rpartition(".")
    if owner and key:
        b.expect_resource(owner)  # schema="other.name": load other.xml from beside this
    return Authentication(
        b.loc(element),
        type=b.reader.enum(element, "type", "oauth2"),
        name=b.reader.text(element, "name") or "Authorization",
        location=b.reader.enum(element, "location", "header"),
        schema=b.reader.text(element, "schema"),
        scopes=_scope_names(element.get("scopes")),
        prefix=element.get("prefix"),
    )


def _scope_names(text: str | None) -> tuple[str, ...]:
    """OAuth scopes may be separated by commas or spaces."""
    return tuple((text or "").replace(",", " ").split())


# How each child of <operation> is built; `<x-ref>` children resolve through the same entry.
_OPERATION_PARTS: dict[str, Callable[[FileBuilder, etree._Element], Any]] = {
    "error": build_error_condition,
    "argument": build_argument,
    "request-body": build_request_body,
    "response": build_response,
    "authentication": build_authentication,
    "throttling": build_throttling,
    "tag": build_tag,
    "deprecate": build_deprecate,
}


def build_operation(b: FileBuilder, element: etree._Element, url_path: str) -> Operation:
    b.reader.check(element)
    parts = b.collect(element, {**_OPERATION_PARTS, "external-document": build_external_document})

    def last(tag: str) -> Any:
        return parts[tag][-1] if parts[tag] else None

    def first(tag: str) -> Any:
        return parts[tag][0] if parts[tag] else None

    for tag in ("request-body", "authentication"):
        _note_alternatives(b, element, tag, parts[tag])

    return Operation(
        b.loc(element),
        name=b.reader.required_text(element, "name"),
        method=b.reader.enum(element, "method", "get"),
        category=b.reader.enum(element, "category", "read"),
        url_path=url_path,
        delay=b.reader.integer(element, "delay", 0) or 0,
        validation_delay=b.reader.integer(element, "validation-delay", 0) or 0,
        visibility=b.reader.enum(element, "visibility", "public"),
        auto_sync=b.reader.boolean(element, "auto-sync"),
        auto_callback_get=b.reader.boolean(element, "auto-callback-get"),
        auto_test_dependency=b.reader.boolean(element, "auto-test-dependency"),
        auto_skip=b.reader.boolean(element, "auto-skip"),
        auto_skip_cases=b.reader.csv(element, "auto-skip-cases"),
        description=b.description(element),
        error=last("error"),
        arguments=tuple(parts["argument"]),
        request_body=first("request-body"),
        responses=tuple(parts["response"]),
        authentication=first("authentication"),
        throttling=last("throttling"),
        tags=tuple(parts["tag"]),
        external_documents=tuple(parts["external-document"]),
        deprecate=last("deprecate"),
        request_bodies=tuple(parts["request-body"]),
        authentications=tuple(parts["authentication"]),
    )


def _note_alternatives(b: FileBuilder, element: etree._Element, tag: str, found: list[Any]) -> None:
    """ZEST lets an operation repeat `<request-body>` and `<authentication>` without saying
    how they combine; apitest uses the first (its positive case, body cases and credential
    placement) and keeps the rest in the model, and says so rather than choosing silently."""
    if len(found) < 2:
        return
    first = found[0].loc.line
    b.reader.report(
        element,
        f"operation declares {len(found)} <{tag}> elements; apitest tests with the first "
        f"(line {first}) and keeps the others as documentation",
        f"put the <{tag}> to test first",
        SpecStructureError,
        severity="warning",
    )


def build_url(b: FileBuilder, element: etree._Element) -> Url:
    b.reader.check(element)
    path = b.reader.required_text(element, "path")
    return Url(
        b.loc(element),
        path=path,
        operations=tuple(
            build_operation(b, child, path)
            for name, child in b.reader.children(element)
            if name == "operation"
        ),
        name=b.reader.text(element, "name"),
        description=b.description(element),
    )
