"""Builders of ZEST's authentication schemas: `<authentication-schema>`, `<oauth2>`, `<token>`.

The official form (docs: zest-specification-file/authentication-schema/*) wraps the schemas in
`<authentication-schema>`; each schema holds endpoint children (`authorization-url`,
`token-url`, `refresh-url`, `authentication-url`), each a `path` plus a full `<operation>` that
declares the call: where client id, secret, grant type and codes go, and where the answer puts
the tokens. The runner builds its token calls from those operations (apitest/auth/declared.py).

Read too, with a lint warning naming the official form:
- an `<oauth2>`/`<token>` directly under `<resource>` (apitest's earlier placement);
- apitest's deprecated `<oauth2 token-url= refresh-url= authorize-url= revoke-url= scopes=>`
  attributes, which stand for endpoints with no declared operation (the runner then posts the
  RFC 6749 form it always did).
Schemas may also sit in `<components>` (keyed by `name`) and be pulled into the
`<authentication-schema>` with `<oauth2-ref name>` / `<token-ref name>` (`resource.name` reaches
another file); an `<authentication schema>` finds component schemas directly as well.
"""

from __future__ import annotations

from lxml import etree

from apitest.errors import SpecStructureError
from apitest.zspec.builder import FileBuilder
from apitest.zspec.model import AuthEndpoint, OAuth2Schema, TokenSchema
from apitest.zspec.operations import build_operation

_ENDPOINTS = ("authorization-url", "token-url", "refresh-url", "authentication-url")
_ALIAS_ATTRS = {
    "token-url": "a <token-url path> child with its <operation>",
    "refresh-url": "a <refresh-url path> child with its <operation>",
    "authorize-url": "an <authorization-url path> child with its <operation>",
    "revoke-url": "nothing: ZEST declares no revoke endpoint (remove it)",
    "scopes": 'scopes="..." on <authentication> (the scopes each operation needs)',
}


def build_authentication_schema(
    b: FileBuilder, element: etree._Element
) -> tuple[list[OAuth2Schema], list[TokenSchema]]:
    """The `<oauth2>` and `<token>` schemas of one `<authentication-schema>`, refs resolved."""
    b.reader.check(element)
    found = b.collect(element, {"oauth2": build_oauth2, "token": build_token})
    oauth2: list[OAuth2Schema] = found["oauth2"]
    tokens: list[TokenSchema] = found["token"]
    if not oauth2 and not tokens:
        b.reader.report(
            element,
            "<authentication-schema> declares no <oauth2> or <token> schema",
            'add <oauth2 name="..."> with its <token-url>, or <token name="...">',
            SpecStructureError,
            severity="warning",
        )
    return oauth2, tokens


def note_outside_wrapper(b: FileBuilder, element: etree._Element) -> None:
    """An `<oauth2>`/`<token>` directly under `<resource>`: read, with a note of the official
    placement."""
    tag = str(element.tag)
    b.reader.report(
        element,
        f"<{tag}> directly under <resource> is apitest's earlier form",
        f"ZEST writes it inside <authentication-schema>: <authentication-schema><{tag} ...>"
        f"</{tag}></authentication-schema>",
        SpecStructureError,
        severity="warning",
    )


def build_oauth2(b: FileBuilder, element: etree._Element) -> OAuth2Schema:
    b.reader.check(element)
    _warn_alias_attributes(b, element)
    endpoints = _endpoints(b, element)
    return OAuth2Schema(
        b.loc(element),
        name=b.reader.required_text(element, "name"),
        token_url=b.reader.text(element, "token-url"),
        refresh_url=b.reader.text(element, "refresh-url"),
        authorize_url=b.reader.text(element, "authorize-url"),
        revoke_url=b.reader.text(element, "revoke-url"),
        scopes=tuple((element.get("scopes") or "").replace(",", " ").split()),
        visibility=b.reader.enum(element, "visibility", "public"),
        description=b.description(element),
        authorization=endpoints.get("authorization-url"),
        token=endpoints.get("token-url"),
        refresh=endpoints.get("refresh-url"),
        authentication=endpoints.get("authentication-url"),
    )


def build_token(b: FileBuilder, element: etree._Element) -> TokenSchema:
    b.reader.check(element)
    endpoints = _endpoints(b, element)
    if "token-url" not in endpoints:
        b.reader.report(
            element,
            f'<token name="{element.get("name", "")}"> has no <token-url>',
            'add <token-url path="..."> with the <operation> that issues the token',
            SpecStructureError,
        )
    return TokenSchema(
        b.loc(element),
        name=b.reader.required_text(element, "name"),
        description=b.description(element),
        visibility=b.reader.enum(element, "visibility", "public"),
        token=endpoints.get("token-url"),
        authentication=endpoints.get("authentication-url"),
    )


def _endpoints(b: FileBuilder, element: etree._Element) -> dict[str, AuthEndpoint]:
    """Each endpoint child by tag (the last of a repeated tag wins, as for other singletons)."""
    found: dict[str, AuthEndpoint] = {}
    for name, child in b.reader.children(element):
        if name in _ENDPOINTS:
            found[name] = _endpoint(b, child)
    return found


def _endpoint(b: FileBuilder, element: etree._Element) -> AuthEndpoint:
    b.reader.check(element)
    path = b.reader.required_text(element, "path")
    operations = [child for name, child in b.reader.children(element) if name == "operation"]
    if not operations:
        b.reader.report(
            element,
            f"<{element.tag}> has no <operation>",
            'declare the call: <operation method=... name=... category="action"> with its '
            'arguments and <response status="200">',
            SpecStructureError,
        )
    operation = build_operation(b, operations[-1], path) if operations else None
    return AuthEndpoint(b.loc(element), path, operation, b.description(element))


def _warn_alias_attributes(b: FileBuilder, element: etree._Element) -> None:
    for attr, official in _ALIAS_ATTRS.items():
        if element.get(attr) is not None:
            b.reader.report(
                element,
                f"'{attr}' on <oauth2> is apitest's deprecated form",
                f"write {official} instead",
                SpecStructureError,
                attr,
                severity="warning",
            )
