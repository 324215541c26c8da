"""Malformed ZSPEC files: each gives exactly one clear, located `SpecError` of the right kind.

Every fixture below is written out line by line, so the expected `line:col` can be checked by
eye: `line` counts the fixture's lines from 1, `col` is the 1-based column of the element's `<`
or of the attribute's name (`attr=`) the error is about. For XML syntax errors the column is where
the parser finds the fault, counted the same way.
"""

from __future__ import annotations

import os
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from apitest.errors import (
    SpecError,
    SpecReferenceError,
    SpecStructureError,
    SpecSyntaxError,
    SpecTooLargeError,
    SpecValueError,
    UsageError,
)
from apitest.zspec.loader import load, load_catalog

from ..support import SPECS


def spec(*lines: str) -> str:
    """A fixture from its lines: line N of the file is `lines[N - 1]`."""
    return "\n".join(lines) + "\n"


RES = '<resource name="r">'
URL = '  <url path="/items">'
# `    <operation method="get" name="list" category="read">`:
# <operation at col 5, method= at 16, name= at 29, category= at 41, the next attribute at 57.
OP = '    <operation method="get" name="list" category="read">'
OK = '      <response status="200"/>'  # <response at col 7, status= at col 17
END_OP = "    </operation>"
END_URL = "  </url>"
END = "</resource>"
# A valid url with one operation, and the resource's closing tag: what most fixtures end with.
VALID_URL_TO_END = (URL, OP, OK, END_OP, END_URL, END)


def simple(*inner: str, op: str = OP) -> str:
    """Lines 1-3 are RES, URL, `op`; `inner` starts at line 4, then the closing tags."""
    return spec(RES, URL, op, *inner, END_OP, END_URL, END)


def head(*lines: str, root: str = RES) -> str:
    """`root` at line 1, `lines` from line 2, then a valid url (line 2 + len(lines))."""
    return spec(root, *lines, *VALID_URL_TO_END)


def components(*lines: str) -> str:
    """`<components>` at line 2, `lines` from line 3, then a valid url."""
    return head("  <components>", *lines, "  </components>")


def component(*lines: str) -> str:
    """`<components>` at line 2, a structure at line 3, `lines` from line 4, then a valid url."""
    return components('    <structure ref-name="item">', *lines, "    </structure>")


def prop(attrs: str) -> str:
    """A spec whose line 4 is `      <property name="p" type="string" {attrs}/>`.

    `<property` is at col 7, `name=` at 17, `type=` at 26 and `attrs` start at col 40.
    """
    return component(f'      <property name="p" type="string" {attrs}/>')


VALID = simple(OK)


@dataclass(frozen=True)
class Case:
    """One malformed spec: `files` (name -> text), what to load, and the error expected."""

    id: str
    files: dict[str, str | bytes]
    kind: type[SpecError]
    file: str
    line: int
    col: int
    fragment: str
    load: tuple[str, ...] = ()
    max_bytes: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


def case(
    id: str,
    text: str | bytes,
    kind: type[SpecError],
    line: int,
    col: int,
    fragment: str,
    **more: object,
) -> Case:
    return Case(id, {"r.xml": text}, kind, "r.xml", line, col, fragment, **more)  # type: ignore[arg-type]


SYNTAX = [
    case("empty-file", b"", SpecSyntaxError, 1, 1, "the file is empty"),
    case("whitespace-only", b"  \n\t \r\n   \n", SpecSyntaxError, 1, 1, "the file is empty"),
    case(
        "binary-nul-bytes",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        SpecSyntaxError,
        1,
        1,
        "binary file",
    ),
    # line 2 is `  <url path="/caf\xe9">`: two blanks, `<url path="/caf` is 15 more, so the bad
    # byte is the 18th of its line.
    case(
        "non-utf8-byte",
        b'<resource name="r">\n  <url path="/caf\xe9">\n  </url>\n</resource>\n',
        SpecSyntaxError,
        2,
        18,
        "not valid UTF-8 (byte 0xe9)",
    ),
    case(
        "latin1-on-line-one",
        b'<resource name="\xe9t\xe9">\n</resource>\n',
        SpecSyntaxError,
        1,
        17,
        "byte 0xe9",
    ),
    # The text stops after line 2's newline: the end of the data is line 3, col 1.
    case(
        "truncated-after-a-line",
        spec(RES, URL),
        SpecSyntaxError,
        3,
        1,
        "Premature end of data",
    ),
    # Stops inside a start tag: line 3 has 27 characters, the end of the data is col 28.
    case(
        "truncated-in-a-tag",
        RES + "\n" + URL + '\n    <operation method="get"',
        SpecSyntaxError,
        3,
        28,
        "malformed XML",
    ),
    # `  </uri>` closes `<url>`: the parser knows once it has read the whole end tag, col 9.
    case(
        "mismatched-tag",
        spec(RES, URL, "  </uri>", END),
        SpecSyntaxError,
        3,
        9,
        "tag mismatch",
    ),
    # `name="r>` runs on into line 2, where the `<` of `<url` (col 3) cannot be in a value.
    case(
        "unclosed-attribute-quote",
        spec('<resource name="r>', URL, END_URL, END),
        SpecSyntaxError,
        2,
        3,
        "Unescaped '<'",
    ),
    # `<resource name=` is 15 characters: the unquoted value starts at col 16.
    case(
        "unquoted-attribute",
        spec("<resource name=r>", END),
        SpecSyntaxError,
        1,
        16,
        "AttValue",
    ),
    # A second root element at line 8, col 1.
    case(
        "content-after-the-root",
        VALID + '<resource name="s"/>\n',
        SpecSyntaxError,
        8,
        1,
        "Extra content",
    ),
]

ROOT = [
    case(
        "wrong-root-openapi",
        spec('<?xml version="1.0" encoding="UTF-8"?>', '<openapi version="3.0.0">', "</openapi>"),
        SpecStructureError,
        2,
        1,
        "the root element is <openapi>",
    ),
    case(
        "root-without-name",
        spec('<resource specification="1.0.0">', URL, OP, OK, END_OP, END_URL, END),
        SpecStructureError,
        1,
        1,
        "missing the required attribute 'name'",
    ),
    # `<resource ` is 10 characters: name= at col 11.
    case(
        "root-with-blank-name",
        spec('<resource name="  ">', URL, OP, OK, END_OP, END_URL, END),
        SpecStructureError,
        1,
        11,
        "name",
    ),
    case(
        "doctype-xxe",
        spec(
            '<?xml version="1.0"?>',
            "<!DOCTYPE resource [",
            '  <!ENTITY xxe SYSTEM "file://{tmp}/secret.txt">',
            "]>",
            '<resource name="&xxe;">',
            *VALID_URL_TO_END,
        ),
        SpecStructureError,
        2,
        1,
        "<!DOCTYPE> is not allowed",
        extra={"secret.txt": "TOP-SECRET-CONTENT"},
    ),
    # An entity declaration without a DOCTYPE, in lower case: `<!entity` at line 2, col 3.
    case(
        "entity-declaration",
        head('  <!entity lol "lolololol">'),
        SpecStructureError,
        2,
        3,
        "<!ENTITY> is not allowed",
    ),
    # A whole-file fault is located at the start of the file, as for an empty file.
    case(
        "over-max-bytes",
        VALID,
        SpecTooLargeError,
        1,
        1,
        "over the limit of 50",
        max_bytes=50,
    ),
]

MISSING = [
    case(
        "operation-without-method",
        simple(OK, op='    <operation name="list" category="read">'),
        SpecStructureError,
        3,
        5,
        "missing the required attribute 'method'",
    ),
    case(
        "operation-without-name",
        simple(OK, op='    <operation method="get" category="read">'),
        SpecStructureError,
        3,
        5,
        "missing the required attribute 'name'",
    ),
    case(
        "operation-without-category",
        simple(OK, op='    <operation method="get" name="list">'),
        SpecStructureError,
        3,
        5,
        "missing the required attribute 'category'",
    ),
    case(
        "property-without-type",
        component('      <property name="id"/>'),
        SpecStructureError,
        4,
        7,
        "missing the required attribute 'type'",
    ),
    case(
        "url-without-path",
        spec(RES, "  <url>", OP, OK, END_OP, END_URL, END),
        SpecStructureError,
        2,
        3,
        "missing the required attribute 'path'",
    ),
    case(
        "response-without-status",
        simple(OK, '      <response name="oops"/>'),
        SpecStructureError,
        5,
        7,
        "missing the required attribute 'status'",
    ),
    case(
        "encode-without-type",
        simple(
            '      <response status="200">',
            "        <content>",
            "          <encode/>",
            "        </content>",
            "      </response>",
        ),
        SpecStructureError,
        6,
        11,
        "missing the required attribute 'type'",
    ),
    case(
        "error-without-condition",
        simple("      <error/>", OK),
        SpecStructureError,
        4,
        7,
        "missing the required attribute 'condition'",
    ),
    case(
        "throttling-without-threshold",
        simple('      <throttling duration="1000"/>', OK),
        SpecStructureError,
        4,
        7,
        "missing the required attribute 'threshold'",
    ),
    case(
        "argument-without-location",
        simple('      <argument name="q"/>', OK),
        SpecStructureError,
        4,
        7,
        "missing the required attribute 'location'",
    ),
    case(
        "dependency-without-resource",
        head("  <dependency/>"),
        SpecStructureError,
        2,
        3,
        "<dependency> names no resource",
    ),
    case(
        "server-without-url",
        head('  <server name="local"/>'),
        SpecStructureError,
        2,
        3,
        "missing the required attribute 'url'",
    ),
    case(
        "component-structure-without-key",
        components(
            "    <structure>", '      <property name="p" type="string"/>', "    </structure>"
        ),
        SpecStructureError,
        3,
        5,
        "needs a 'ref-name'",
    ),
]

ENUMS = [
    case(
        "method-fetch",
        simple(OK, op='    <operation method="fetch" name="list" category="read">'),
        SpecValueError,
        3,
        16,
        "'method' must be one of",
    ),
    case(
        "category-browse",
        simple(OK, op='    <operation method="get" name="list" category="browse">'),
        SpecValueError,
        3,
        41,
        "'category' must be one of",
    ),
    case(
        "visibility-secret",
        simple(OK, op=OP[:-1] + ' visibility="secret">'),
        SpecValueError,
        3,
        57,
        "'visibility' must be one of",
    ),
    # `      <argument name="q" ` is 25 characters: location= at col 26.
    case(
        "argument-location-body",
        simple('      <argument name="q" location="body"/>', OK),
        SpecValueError,
        4,
        26,
        "'location' must be one of",
    ),
    # after `type="string" ` (col 40), `values="a,b" ` is 13 more: extra-value= at col 53.
    case(
        "extra-value-reject",
        prop('values="a,b" extra-value="reject"'),
        SpecValueError,
        4,
        53,
        "'extra-value' must be one of",
    ),
    # `  <authentication ` is 18 characters: type= at col 19, then location= at col 33.
    case(
        "authentication-type-basic",
        head('  <authentication type="basic"/>'),
        SpecValueError,
        2,
        19,
        "'type' must be one of",
    ),
    case(
        "authentication-location-cookie",
        head('  <authentication type="oauth2" location="cookie"/>'),
        SpecValueError,
        2,
        33,
        "'location' must be one of",
    ),
    # `        <structure-group ` is 25 characters: type= at col 26.
    case(
        "structure-group-type",
        component(
            '      <property name="v" type="map">',
            '        <structure-group type="some-of">',
            '          <structure name="a">',
            '            <property name="p" type="string"/>',
            "          </structure>",
            "        </structure-group>",
            "      </property>",
        ),
        SpecValueError,
        5,
        26,
        "'type' must be one of",
    ),
    # The fault is on the first line of a start tag that goes on over a second line.
    case(
        "method-on-multi-line-tag",
        simple(
            '               name="list" category="read">',
            OK,
            op='    <operation method="fetch"',
        ),
        SpecValueError,
        3,
        16,
        "'method' must be one of",
    ),
]

NUMBERS = [
    case(
        "auto-sync-maybe",
        simple(OK, op=OP[:-1] + ' auto-sync="maybe">'),
        SpecValueError,
        3,
        57,
        "'auto-sync' must be true or false",
    ),
    case(
        "delay-negative",
        simple(OK, op=OP[:-1] + ' delay="-5">'),
        SpecValueError,
        3,
        57,
        "'delay' must be between 0 and",
    ),
    case(
        "delay-soon",
        simple(OK, op=OP[:-1] + ' delay="soon">'),
        SpecValueError,
        3,
        57,
        "'delay' must be a whole number",
    ),
    case(
        "status-99",
        simple(OK, '      <response status="99"/>'),
        SpecValueError,
        5,
        17,
        "'status' must be between 100 and 599",
    ),
    # `      <throttling ` is 18 characters: threshold= at col 19.
    case(
        "threshold-zero",
        simple('      <throttling threshold="0" duration="1000"/>', OK),
        SpecValueError,
        4,
        19,
        "'threshold' must be between 1 and",
    ),
    # `  <info ` is 8 characters: limit= at col 9.
    case(
        "info-limit-zero",
        head('  <info limit="0"/>'),
        SpecValueError,
        2,
        9,
        "'limit' must be between 1 and",
    ),
    case("length-min-above-max", prop('length="5,2"'), SpecValueError, 4, 40, "min 5 above max 2"),
    case(
        "length-not-numbers",
        prop('length="a,b"'),
        SpecValueError,
        4,
        40,
        "'length' must be 'max' or 'min,max'",
    ),
    case(
        "range-three-numbers",
        prop('range="1,2,3"'),
        SpecValueError,
        4,
        40,
        "'range' must be 'max' or 'min,max'",
    ),
    # `      <property name="p" ` is 25 characters: type= at col 26.
    case(
        "unknown-type",
        component('      <property name="p" type="str"/>'),
        SpecValueError,
        4,
        26,
        "unknown type 'str'",
    ),
    case("bad-regex", prop('regex="[a-"'), SpecValueError, 4, 40, "bad regex '[a-'"),
]

SCOPES = [
    case(
        "scope-unknown-category",
        prop('include-for="Response[browse]"'),
        SpecValueError,
        4,
        40,
        "unknown category 'browse'",
    ),
    case(
        "scope-missing-brackets",
        prop('required-for="Request"'),
        SpecValueError,
        4,
        40,
        "needs a bracketed category list",
    ),
    case(
        "scope-trailing-comma",
        prop('nullable-for="Response[read],"'),
        SpecValueError,
        4,
        40,
        "trailing ','",
    ),
    case(
        "scope-unknown-direction",
        prop('unique-for="Reply[read]"'),
        SpecValueError,
        4,
        40,
        "unknown scope 'reply'",
    ),
    case(
        "scope-empty",
        prop('emptiable-for=" "'),
        SpecValueError,
        4,
        40,
        "empty scope list",
    ),
    case(
        "scope-missing-comma",
        prop('include-for="Request[create]Response[read]"'),
        SpecValueError,
        4,
        40,
        "expected ',' between scopes",
    ),
]


def _error(condition: str) -> str:
    """Line 4 is `      <error condition="..."/>`: `<error` at col 7, condition= at col 14."""
    return simple(f'      <error condition="{condition}"/>', OK)


CONDITIONS = [
    case(
        "condition-single-equals",
        _error("$.status = 'error'"),
        SpecValueError,
        4,
        14,
        "compare with '=='",
    ),
    case(
        "condition-missing-operand",
        _error("$.status =="),
        SpecValueError,
        4,
        14,
        "expected an operand after '=='",
    ),
    case(
        "condition-unclosed-paren",
        _error("($.status == 'error'"),
        SpecValueError,
        4,
        14,
        "')' to close the '('",
    ),
    case(
        "condition-lone-literal",
        _error("'error'"),
        SpecValueError,
        4,
        14,
        "only a data path may stand alone",
    ),
    case(
        "condition-bad-regex-literal",
        _error("$.code =~ '('"),
        SpecValueError,
        4,
        14,
        "a valid regex after '=~'",
    ),
    case(
        "condition-bad-jsonpath",
        _error("$.a[?(@.b == ] == 1"),
        SpecValueError,
        4,
        14,
        "bad condition in 'condition'",
    ),
    # `      <argument name="q" location="param" ` is 42 characters: condition= at col 43.
    case(
        "argument-condition-dangling-and",
        simple('      <argument name="q" location="param" condition="$.a &amp;&amp;"/>', OK),
        SpecValueError,
        4,
        43,
        "bad condition in 'condition'",
    ),
]

PATHS = [
    case("data-path-no-prefix", prop('path="no_prefix"'), SpecValueError, 4, 40, "no_prefix"),
    case(
        "data-path-no-resource", prop('path="$.x"'), SpecValueError, 4, 40, "must name a resource"
    ),
    case(
        "data-path-bad-jsonpath",
        prop('path="trips:$.[["'),
        SpecValueError,
        4,
        40,
        "bad data path",
    ),
]


def _in_content(line: str) -> str:
    """Line 6 is `line`, inside `<response status="200"><content>` at lines 4 and 5."""
    return simple(
        '      <response status="200">',
        "        <content>",
        line,
        "        </content>",
        "      </response>",
    )


REFERENCES = [
    # `          <structure-ref ` is 25 characters: name= at col 26.
    case(
        "dangling-structure-ref",
        _in_content('          <structure-ref name="nope"/>'),
        SpecReferenceError,
        6,
        26,
        'name="nope" refers to no <structure>',
    ),
    # `      <response-ref ` and `      <argument-ref ` are 20 characters: name= at col 21.
    case(
        "dangling-response-ref",
        simple(OK, '      <response-ref name="nope"/>'),
        SpecReferenceError,
        5,
        21,
        'name="nope" refers to no <response>',
    ),
    case(
        "dangling-argument-ref",
        simple('      <argument-ref name="nope"/>', OK),
        SpecReferenceError,
        4,
        21,
        'name="nope" refers to no <argument>',
    ),
    # `        <content-ref ` is 21 characters: name= at col 22.
    case(
        "dangling-content-ref",
        simple(
            '      <response status="200">',
            '        <content-ref name="nope"/>',
            "      </response>",
        ),
        SpecReferenceError,
        5,
        22,
        'name="nope" refers to no <content>',
    ),
    # `      <throttling-ref ` is 22 characters: name= at col 23.
    case(
        "dangling-throttling-ref",
        simple('      <throttling-ref name="nope"/>', OK),
        SpecReferenceError,
        4,
        23,
        'name="nope" refers to no <throttling>',
    ),
    case(
        "dangling-tag-ref",
        simple('      <tag-ref name="nope"/>', OK),
        SpecReferenceError,
        4,
        16,
        'name="nope" refers to no <tag>',
    ),
    case(
        "cross-file-ref-to-unknown-resource",
        _in_content('          <structure-ref name="ghost.item"/>'),
        SpecReferenceError,
        6,
        26,
        'name="ghost.item" refers to no <structure>',
    ),
    # `    <structure ref-name="item">` twice: the second at line 6, ref-name= at col 16.
    case(
        "duplicate-ref-name",
        component(
            '      <property name="a" type="string"/>',
            "    </structure>",
            '    <structure ref-name="item">',
            '      <property name="b" type="string"/>',
        ),
        SpecReferenceError,
        6,
        16,
        "duplicate ref-name 'item'",
    ),
    case(
        "duplicate-operation-name",
        simple(
            OK,
            END_OP,
            '    <operation method="post" name="list" category="create">',
            '      <response status="201"/>',
        ),
        SpecStructureError,
        6,
        30,
        "duplicate operation name 'list'",
    ),
    # `    <structure ref-name="b" ` is 28 characters: extend= at col 29. Structure a (line 3)
    # extends b, and b (line 6) closes the cycle by extending a.
    case(
        "extend-cycle",
        components(
            '    <structure ref-name="a" extend="b">',
            '      <property name="x" type="string"/>',
            "    </structure>",
            '    <structure ref-name="b" extend="a">',
            '      <property name="y" type="string"/>',
            "    </structure>",
        ),
        SpecReferenceError,
        6,
        29,
        "cycle",
    ),
    case(
        "extend-itself",
        components(
            '    <structure ref-name="a" extend="a">',
            '      <property name="x" type="string"/>',
            "    </structure>",
        ),
        SpecReferenceError,
        3,
        29,
        "cycle",
    ),
    # `    <structure ref-name="item" ` is 31 characters: extend= at col 32.
    case(
        "extend-unknown",
        components(
            '    <structure ref-name="item" extend="nope">',
            '      <property name="x" type="string"/>',
            "    </structure>",
        ),
        SpecReferenceError,
        3,
        32,
        'extend="nope" refers to no <structure>',
    ),
    case(
        "dependency-on-unknown-resource",
        head('  <dependency resources="ghost"/>'),
        SpecReferenceError,
        2,
        3,
        "resource 'ghost' is needed here but no loaded file declares it",
    ),
    case(
        "data-path-to-unknown-resource",
        prop('path="ghost:$.id"'),
        SpecReferenceError,
        4,
        7,
        "resource 'ghost' is needed here",
    ),
    # `  <url path="/items/{id}">`: the operation at line 3 has no argument for {id}.
    case(
        "url-variable-without-argument",
        spec(RES, '  <url path="/items/{id}">', OP, OK, END_OP, END_URL, END),
        SpecReferenceError,
        3,
        5,
        "has {id} but 'list' declares no argument for it",
    ),
    # `regex="[a-z]+" ` is 15 characters after col 40: values= at col 55.
    case(
        "values-contradict-regex",
        prop('regex="[a-z]+" values="ok,BAD"'),
        SpecValueError,
        4,
        55,
        "value 'BAD' in 'values' does not match regex",
    ),
    # `length="1,3" ` is 13 characters after col 40: values= at col 53.
    case(
        "values-break-length",
        prop('length="1,3" values="ab,abcd"'),
        SpecValueError,
        4,
        53,
        "value 'abcd' in 'values' breaks length",
    ),
    case(
        "no-2xx-response",
        simple('      <response status="404"/>'),
        SpecStructureError,
        3,
        5,
        "declares no 2xx response",
    ),
    case(
        "no-2xx-response-multi-line-tag",
        simple(
            '               category="read">',
            '      <response status="404"/>',
            op='    <operation method="get" name="list"',
        ),
        SpecStructureError,
        3,
        5,
        "declares no 2xx response",
    ),
    case(
        "authentication-unknown-schema",
        head('  <authentication type="oauth2" schema="missing"/>'),
        SpecReferenceError,
        2,
        33,
        'schema="missing" names no <oauth2> or <token> schema',
    ),
    # `  <resource-config ` is 19 characters: primary-structure= at col 20.
    case(
        "primary-structure-unknown",
        head('  <resource-config primary-structure="ghost"/>'),
        SpecReferenceError,
        2,
        20,
        'primary-structure="ghost" names no structure',
    ),
    case(
        "structure-group-without-structure",
        component(
            '      <property name="v" type="map">',
            '        <structure-group type="one-of"/>',
            "      </property>",
        ),
        SpecStructureError,
        5,
        9,
        "<structure-group> holds no structure",
    ),
]


def two(
    id: str,
    a: str,
    b: str,
    kind: type[SpecError],
    file: str,
    line: int,
    col: int,
    fragment: str,
) -> Case:
    return Case(id, {"a.xml": a, "b.xml": b}, kind, file, line, col, fragment, ("a.xml", "b.xml"))


def _resource(name: str, *extra: str) -> str:
    """Resource `name` with `extra` from line 2, then a valid url (line 2 + len(extra))."""
    return head(*extra, root=f'<resource name="{name}">')


MULTI_FILE = [
    # a needs b and b needs a: b.xml's dependency (line 2) closes the cycle.
    two(
        "dependency-cycle-across-files",
        _resource("a", '  <dependency resources="b"/>'),
        _resource("b", '  <dependency resources="a"/>'),
        SpecReferenceError,
        "b.xml",
        2,
        3,
        "resource dependencies form a cycle",
    ),
    two(
        "duplicate-resource-name",
        _resource("same"),
        _resource("same"),
        SpecStructureError,
        "b.xml",
        1,
        11,
        "resource name 'same' is already used",
    ),
    two(
        "cross-file-ref-to-unknown-key",
        simple(
            '      <response status="200">',
            "        <content>",
            '          <structure-ref name="b.nope"/>',
            "        </content>",
            "      </response>",
        ).replace('name="r"', 'name="a"'),
        _resource("b"),
        SpecReferenceError,
        "a.xml",
        6,
        26,
        'name="b.nope" refers to no <structure>',
    ),
]

CASES = SYNTAX + ROOT + MISSING + ENUMS + NUMBERS + SCOPES + CONDITIONS + PATHS + REFERENCES
CASES += MULTI_FILE


def _write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content.replace("{tmp}", str(folder)), encoding="utf-8")


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 45
    assert len({c.id for c in CASES}) == len(CASES)


def _written(folder: Path, c: Case) -> tuple[list[Path], dict[str, int]]:
    """Writes the case's files into `folder`: the paths to load, and the loader's size limit."""
    _write(folder, c.files)
    _write(folder, c.extra)  # type: ignore[arg-type]
    names = c.load or (next(iter(c.files)),)
    limits = {} if c.max_bytes is None else {"max_bytes": c.max_bytes}
    return [folder / name for name in names], limits


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_malformed_spec_gives_one_located_error(tmp_path: Path, c: Case) -> None:
    paths, limits = _written(tmp_path, c)
    with pytest.raises(SpecError) as info:
        load_catalog(paths, **limits)  # type: ignore[arg-type]
    error = info.value
    where = (error.file, error.line, error.col)
    assert type(error) is c.kind, f"{type(error).__name__} at {where}: {error}"
    assert where == (str(tmp_path / c.file), c.line, c.col), str(error)
    assert c.fragment in error.message, str(error)
    assert str(error).startswith(f"{tmp_path / c.file}:{c.line}:{c.col}: error: ")
    for secret in c.extra.values():
        assert secret not in str(error)


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_lint_reports_the_same_error_first(tmp_path: Path, c: Case) -> None:
    """`load` never raises, and its first error (in file order) is what `load_catalog` raised."""
    paths, limits = _written(tmp_path, c)
    result = load(paths, **limits)  # type: ignore[arg-type]
    assert result.catalog is None
    errors = [d for d in result.diagnostics.sorted() if d.severity == "error"]
    assert errors, "no error reported"
    assert errors[0].kind is c.kind
    assert c.fragment in errors[0].message


# --- hostile files ---------------------------------------------------------------------------


def test_xxe_never_opens_the_entity_target(tmp_path: Path) -> None:
    """The entity points at a FIFO: opening it to read would block, so the load would hang."""
    fifo = tmp_path / "secret.fifo"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    (tmp_path / "r.xml").write_text(
        spec(
            '<?xml version="1.0"?>',
            f'<!DOCTYPE resource [ <!ENTITY xxe SYSTEM "file://{fifo}"> ]>',
            '<resource name="r">',
            "  <description>&xxe;</description>",
            *VALID_URL_TO_END,
        )
    )
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            load_catalog([tmp_path / "r.xml"])
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # a reader is blocked on the FIFO: let it go, then fail
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        worker.join(5)
        pytest.fail("the loader opened the XXE target")
    assert len(outcome) == 1
    assert isinstance(outcome[0], SpecStructureError)
    assert (outcome[0].line, outcome[0].col) == (2, 1)
    # nobody holds the FIFO open for reading now
    with pytest.raises(OSError):
        os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)


def test_billion_laughs_is_refused_before_expansion(tmp_path: Path) -> None:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    (tmp_path / "r.xml").write_text(
        spec('<!DOCTYPE r [<!ENTITY l0 "lol">' + lol + "]>", '<resource name="&l9;"/>')
    )
    with pytest.raises(SpecStructureError) as info:
        load_catalog([tmp_path / "r.xml"])
    assert (info.value.line, info.value.col) == (1, 1)


def test_a_dependency_name_cannot_reach_outside_the_spec_folder(tmp_path: Path) -> None:
    """Sibling discovery looks for `<name>.xml` beside the specs: a resource name holding a path
    (`../outside/evil`) must not make the loader open a file elsewhere on the disk."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "evil.xml").write_text(head(root='<resource name="evil">'))
    path = tmp_path / "specs" / "r.xml"
    path.write_text(head('  <dependency resources="../outside/evil"/>'))
    result = load([path])
    assert result.files == [str(path)]
    errors = [(d.file, d.line, d.col, d.kind) for d in result.diagnostics.sorted()]
    assert errors == [(str(path), 2, 3, SpecReferenceError)]


# --- warnings and --strict ---------------------------------------------------------------------


def test_unknown_element_is_a_warning_and_strict_makes_it_the_error(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_text(head("  <widget/>"))
    catalog = load_catalog([path])
    assert [res.name for res in catalog.resources] == ["r"]
    result = load([path])
    assert [(d.severity, d.line, d.col) for d in result.diagnostics] == [("warning", 2, 3)]
    assert "unknown element <widget>" in result.diagnostics.items[0].message
    with pytest.raises(SpecStructureError) as info:
        load_catalog([path], strict=True)
    assert (info.value.file, info.value.line, info.value.col) == (str(path), 2, 3)
    assert "unknown element <widget>" in info.value.message


def test_unknown_attribute_is_a_warning_and_strict_makes_it_the_error(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_text(simple(OK, op=OP[:-1] + ' colour="red">'))
    assert load_catalog([path]).resource("r") is not None
    result = load([path])
    assert [(d.severity, d.line, d.col) for d in result.diagnostics] == [("warning", 3, 57)]
    assert "unknown attribute 'colour' on <operation>" in result.diagnostics.items[0].message
    with pytest.raises(SpecStructureError) as info:
        load_catalog([path], strict=True)
    assert (info.value.line, info.value.col) == (3, 57)
    assert "colour" in info.value.message


def test_a_case_name_that_names_no_case_is_a_warning_at_its_attribute(tmp_path: Path) -> None:
    """`auto-skip-cases="Mandatory Prop"` skipped nothing, and `structure cases="..."` with a
    typo bound the structure to no answer, both without a word. A kind, or a case's whole
    name (a kind, then what it breaks), in any case, is fine."""
    path = tmp_path / "r.xml"
    skips = ' auto-skip-cases="Mandatory Prop,null value,Invalid Type items[0].id">'
    bound = (
        '      <response status="400"><content>'
        '<structure cases="Mandatory Headr,Invalid Param"/></content></response>'
    )
    path.write_text(simple(OK, bound, op=OP[:-1] + skips))
    result = load([path])
    found = [(d.severity, d.line, d.col, d.message) for d in result.diagnostics]
    assert found == [
        ("warning", 3, 57, "auto-skip-cases of 'list' names 'Mandatory Prop', which is no "
         "negative case: it skips nothing"),
        ("warning", 5, 50, "cases names 'Mandatory Headr', which is no negative case: the "
         "structure is bound to none (in the answer 400 of 'list')"),
    ], found  # fmt: skip
    assert "Unknown Key" in result.diagnostics.items[0].hint  # the kinds are listed


def test_a_path_to_a_member_the_other_resource_lacks_is_a_warning_at_it(tmp_path: Path) -> None:
    """`path="destinations:$.destination_nmae"` found nothing in the destinations' records,
    and the create went out without the value: refused (400), for a reason no message named."""
    for spec in SPECS.glob("*.xml"):
        (tmp_path / spec.name).write_text(spec.read_text())
    trips = tmp_path / "trips.xml"
    text = trips.read_text()
    line = text[: text.index('path="destinations:$.destination_name"')].count("\n") + 1
    trips.write_text(
        text.replace("destinations:$.destination_name", "destinations:$.destination_nmae", 1)
    )
    found = [(d.severity, d.file, d.line, d.message) for d in load([tmp_path]).diagnostics]
    assert found == [
        ("warning", str(trips), line, 'path="destinations:$.destination_nmae": no structure of '
         "destinations declares a member 'destination_nmae', so its records hold no value there"),
    ], found  # fmt: skip
    assert load([SPECS]).diagnostics.items == []  # the member as written: no word


def test_a_primary_path_to_a_member_no_structure_declares_is_a_warning(tmp_path: Path) -> None:
    """`<primary path="$.trip_ID">` gave the records no key; the update that addresses one by
    it answered 404, and nothing said why. A resource whose records are left untyped (a list
    of no declared items) declares no members to hold the path to: no word."""
    (tmp_path / "destinations.xml").write_text((SPECS / "destinations.xml").read_text())
    trips = tmp_path / "trips.xml"
    trips.write_text(
        (SPECS / "trips.xml").read_text().replace('path="$.trip_id"', 'path="$.trip_ID"')
    )
    found = {(d.line, d.message) for d in load([tmp_path]).diagnostics}
    said = "primary path=\"$.trip_ID\": no structure of trips declares a member 'trip_ID'"
    assert len(found) == 2 and all(message.startswith(said) for _line, message in found), found
    untyped = (
        '<resource name="r"><resource-config><path-config data-extraction-path="$.items">'
        '<primary path="$.item_id"/></path-config></resource-config><url path="/items">'
        '<operation method="get" name="list" category="read"><response status="200"><content>'
        '<structure><property name="items" type="collections"/></structure></content>'
        "</response></operation></url></resource>"
    )
    (tmp_path / "r.xml").write_text(untyped)
    assert load([tmp_path / "r.xml"]).diagnostics.items == []


def test_an_argument_condition_on_a_param_not_declared_is_a_warning(tmp_path: Path) -> None:
    """`condition="REQUEST:$.params.srot == 'name'"` never held, so `order` was never sent and
    none of its cases made, without a word."""
    corpus = Path(__file__).parents[1] / "data" / "zspec" / "argument-condition.xml"
    path = tmp_path / "r.xml"
    path.write_text(corpus.read_text().replace("$.params.sort ==", "$.params.srot ==", 1))
    [found] = load([path]).diagnostics
    assert found.severity == "warning" and found.line == 27, found
    assert found.message == (
        "the condition of argument 'order' reads the param 'srot', which 'GET things' does not "
        "declare: the run never sends it, so the condition finds nothing there"
    )
    assert found.hint == "name a param of this operation (order, page, per_page, sort)"
    assert load([corpus]).diagnostics.items == []
    server = '<server name="local" dc="US" url="http://127.0.0.1/api/v1"/>'
    path.write_text(  # a param every call carries under --env sandbox: no word
        corpus.read_text()
        .replace("$.params.sort ==", "$.params.env ==", 1)
        .replace(server, server[:-2] + '><environment type="sandbox" name="env" value="s" '
                 'location="param"/></server>')
    )  # fmt: skip
    assert load([path]).diagnostics.items == []


@pytest.mark.parametrize(
    ("attrs", "said"),
    [
        ('regex="[a-z]+" example-value="Bali 2"', "does not match regex '[a-z]+'"),
        ('length="1,5" example-value="Spring Break"', "breaks length 1,5"),
        ('values="a,b" example-value="c"', "is not one of the 'values'"),
        ('type="integer" range="1,10" example-value="11"', "is outside range 1,10"),
        ('type="double" range="0.5," example-value="0.25"', "is outside range 0.5,"),
    ],
)
def test_an_example_that_breaks_its_own_rules_is_a_warning(
    tmp_path: Path, attrs: str, said: str
) -> None:
    """A positive call sends the example as it is: one too long, out of range or outside its
    `values` had a correct API refuse the run's own positive case. Only the regex was said."""
    path = tmp_path / "r.xml"
    text = prop(attrs)
    path.write_text(text.replace('type="string" type=', "type=") if "type=" in attrs else text)
    [found] = load([path]).diagnostics
    assert (found.severity, found.line) == ("warning", 4), found
    assert found.message.startswith("example-value '") and found.message.endswith(said)
    path.write_text(prop('length="1,5" example-value="Bali"'))  # a valid example: no word
    assert load([path]).diagnostics.items == []


def test_required_for_a_scope_include_for_leaves_out_is_a_warning(tmp_path: Path) -> None:
    """The body built for a create left `p` out (include-for decides what a body carries), so
    a correct API refused the run's own create, for a reason no message named."""
    path = tmp_path / "r.xml"
    scopes = 'required-for="Request[create,update],Response[read,delete]"'
    path.write_text(prop(f'include-for="Request[update],Response[read]" {scopes}'))
    [found] = load([path]).diagnostics
    assert (found.severity, found.line) == ("warning", 4), found
    assert found.message == (
        "required-for names Request[create], Response[delete], which include-for "
        "(Request[update],Response[read]) leaves out: no body of that scope carries the property"
    )
    path.write_text(prop('include-for="Response[read]" required-for="all"'))  # where included
    assert load([path]).diagnostics.items == []


def test_a_misspelt_attribute_gets_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_text(simple(OK, op=OP[:-1] + ' validation-dealy="5">'))
    [warning] = load([path]).diagnostics
    assert warning.severity == "warning"
    assert "validation-delay" in warning.hint


def test_namespaced_attribute_gives_no_warning(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    root = (
        '<resource name="r" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:noNamespaceSchemaLocation="zspec.xsd">'
    )
    path.write_text(head(root=root))
    result = load([path])
    assert list(result.diagnostics) == []
    assert load_catalog([path], strict=True).resource("r") is not None


def test_folder_skips_non_zspec_xml_silently(tmp_path: Path) -> None:
    (tmp_path / "r.xml").write_text(VALID)
    (tmp_path / "pom.xml").write_text("<project><modelVersion>4.0.0</modelVersion></project>\n")
    result = load([tmp_path])
    assert result.skipped == [str(tmp_path / "pom.xml")]
    assert list(result.diagnostics) == []
    assert result.catalog is not None
    assert [res.name for res in result.catalog.resources] == ["r"]
    assert load_catalog([tmp_path], strict=True).resource("r") is not None


def test_folder_of_only_non_zspec_xml_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text("<project/>\n")
    with pytest.raises(UsageError, match="no ZSPEC"):
        load_catalog([tmp_path])


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or folder"):
        load_catalog([tmp_path / "absent.xml"])


def test_a_path_that_is_there_but_no_file_says_what_it_is(tmp_path: Path) -> None:
    """/dev/null and a looping link were "no such file or folder", which sends a user looking
    for a typo in a path that is there."""
    with pytest.raises(UsageError, match="/dev/null: a device, pipe or socket, not a file or"):
        load_catalog(["/dev/null"])
    (tmp_path / "a.xml").symlink_to(tmp_path / "b.xml")
    (tmp_path / "b.xml").symlink_to(tmp_path / "a.xml")
    with pytest.raises(UsageError, match=r"a\.xml: a link that leads to no file or folder, in a"):
        load_catalog([tmp_path / "a.xml"])


def test_lint_collects_every_error_of_a_file(tmp_path: Path) -> None:
    """One bad attribute does not hide the next: `load` reports all, sorted by position."""
    path = tmp_path / "r.xml"
    path.write_text(
        simple(
            '      <response status="99"/>',
            OK,
            op='    <operation method="fetch" name="list" category="browse">',
        )
    )
    errors = [(d.line, d.col, d.kind) for d in load([path]).diagnostics.sorted()]
    # `method="fetch" ` is two characters longer than OP's: category= at col 43
    assert errors == [(3, 16, SpecValueError), (3, 43, SpecValueError), (4, 17, SpecValueError)]
