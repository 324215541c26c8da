"""Token calls built from a schema's declared operation, and tokens read from its answer.

The schemas are real spec files loaded by the loader, so the tests also prove that the
official `<authentication-schema>` form reaches the auth layer intact.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from apitest.auth.declared import (
    Endpoint,
    TokenEndpoints,
    build_request,
    expires_in_seconds,
    only_string_property,
    read_field,
    scope_separator,
)
from apitest.zspec.loader import load, load_catalog
from apitest.zspec.model import AuthEndpoint, OAuth2Schema, Resource, TokenSchema

from ..support import read_url

_RESOURCE = (
    """<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="things" product="Demo" pre-loaded="true" file-version="1">
  <server name="local" url="http://127.0.0.1:1/api/v1"/>
  <authentication-schema>
{schemas}
  </authentication-schema>
  <authentication type="oauth2" name="Authorization" location="header" schema="flow"/>
"""
    + read_url("/things", "GET things")
    + "</resource>\n"
)


def param(name: str, values: str = "", location: str = "param", required: bool = False) -> str:
    pinned = f' values="{values}"' if values else ""
    needed = ' required="true"' if required else ""
    return (
        f'<argument name="{name}" location="{location}"{needed}><content>'
        f'<encode type="text/plain"/><structure><property type="string"{pinned}/></structure>'
        "</content></argument>"
    )


def answer(*props: str, status: int = 200) -> str:
    return (
        f'<response status="{status}"><content><encode type="application/json"/>'
        f"<structure>{''.join(props)}</structure></content></response>"
    )


def prop(name: str, kind: str = "string", inner: str = "") -> str:
    if inner:
        return f'<property name="{name}" type="{kind}"><structure>{inner}</structure></property>'
    return f'<property name="{name}" type="{kind}"/>'


def load_schemas(tmp_path: Path, schemas: str) -> Resource:
    spec = tmp_path / "things.xml"
    spec.write_text(_RESOURCE.format(schemas=schemas), encoding="utf-8")
    catalog = load_catalog([spec])
    found = catalog.resource("things")
    assert found is not None
    return found


def oauth2(tmp_path: Path, token_op: str, refresh_op: str = "") -> OAuth2Schema:
    refresh = f'<refresh-url path="/oauth/refresh">{refresh_op}</refresh-url>' if refresh_op else ""
    resource = load_schemas(
        tmp_path,
        f'<oauth2 name="flow"><token-url path="/oauth/token">{token_op}</token-url>'
        f"{refresh}</oauth2>",
    )
    [schema] = resource.oauth2
    return schema


def endpoint(declared: AuthEndpoint | None) -> Endpoint:
    assert declared is not None and declared.operation is not None
    return Endpoint("http://auth.example/oauth/token", declared.operation)


def test_params_go_in_the_query_string_with_runner_values_first(tmp_path: Path) -> None:
    """The official sample: every argument location="param"; grant_type pinned by `values`,
    but the flow's own grant type wins (client credentials through the token-url)."""
    schema = oauth2(
        tmp_path,
        '<operation method="post" name="Token" category="action">'
        + param("grant_type", "authorization_code")
        + param("client_id")
        + param("client_secret")
        + param("code")
        + param("access_type", "offline,online")
        + param("response_type", "code")
        + answer(prop("access_token"))
        + "</operation>",
    )
    made = endpoint(schema.token)
    request = build_request(made, {"grant_type": "client_credentials", "client_id": "id-1"})
    assert request.method == "POST"
    assert request.params == {
        "grant_type": "client_credentials",
        "client_id": "id-1",
        "response_type": "code",  # no runner value: the single declared value
    }  # client_secret, code (no value) and access_type (two values) are left out
    assert request.form is None and request.json is None and request.content is None
    pinned = build_request(made, {"client_id": "id-1", "code": "c0de"})
    assert pinned.params["grant_type"] == "authorization_code"
    assert pinned.params["code"] == "c0de"


def test_headers_and_url_variables_are_placed_where_declared(tmp_path: Path) -> None:
    schema = oauth2(
        tmp_path,
        '<operation method="put" name="Token" category="action">'
        + param("X-Client-Id", location="header")
        + param("tenant", location="variable")
        + answer(prop("access_token"))
        + "</operation>",
    )
    declared = schema.token
    assert declared is not None and declared.operation is not None
    made = Endpoint("http://auth.example/{tenant}/token", declared.operation)
    request = build_request(made, {"X-Client-Id": "id-1", "tenant": "a b"})
    assert request.method == "PUT"
    assert request.headers == {"X-Client-Id": "id-1"}
    assert request.url == "http://auth.example/a%20b/token"
    assert request.params == {}


@pytest.mark.parametrize(
    ("encode", "attribute", "expected"),
    [
        ("application/json", "json", {"client_id": "id-1", "grant_type": "client_credentials"}),
        (
            "application/x-www-form-urlencoded",
            "form",
            {"client_id": "id-1", "grant_type": "client_credentials"},
        ),
    ],
)
def test_a_request_body_carries_its_properties(
    tmp_path: Path, encode: str, attribute: str, expected: dict[str, str]
) -> None:
    """The `<token>` sample posts client_id, client_secret and code in a JSON body."""
    body = (
        f'<request-body><content><encode type="{encode}"/><structure>'
        '<property name="client_id" type="string"/>'
        '<property name="client_secret" type="string"/>'
        '<property name="grant_type" type="string" values="client_credentials"/>'
        "</structure></content></request-body>"
    )
    schema = oauth2(
        tmp_path,
        f'<operation method="post" name="Token" category="action">{body}'
        + answer(prop("access_token"))
        + "</operation>",
    )
    request = build_request(endpoint(schema.token), {"client_id": "id-1"})
    assert getattr(request, attribute) == expected
    assert request.params == {}
    sent = request.send_kwargs()
    assert ("json" if attribute == "json" else "data") in sent


def test_a_plain_text_body_of_one_property_is_the_raw_value(tmp_path: Path) -> None:
    """The official `<token>` authentication-url sample posts the token as text/plain."""
    resource = load_schemas(
        tmp_path,
        '<token name="flow"><token-url path="/t"><operation method="post" name="T" '
        'category="action">' + answer(prop("token")) + "</operation></token-url>"
        '<authentication-url path="/info"><operation method="post" name="I" category="action">'
        '<request-body><content><encode type="text/plain"/><structure name="Token">'
        '<property name="token" type="string"/></structure></content></request-body>'
        '<response status="200"/></operation></authentication-url></token>',
    )
    [schema] = resource.tokens
    request = build_request(endpoint(schema.authentication), {"token": "t0ken"})
    assert request.content == "t0ken" and request.headers["Content-Type"] == "text/plain"
    assert request.placed == {"token"}


def test_an_endpoint_of_the_deprecated_attribute_form_posts_the_rfc_form() -> None:
    request = build_request(Endpoint("http://a/token"), {"grant_type": "refresh_token"})
    assert (request.method, request.form, request.params) == (
        "POST",
        {"grant_type": "refresh_token"},
        {},
    )


def test_fields_are_read_where_the_declared_answer_nests_them(tmp_path: Path) -> None:
    tokens = prop("access_token") + prop("refresh_token") + prop("expires_in", "integer")
    schema = oauth2(
        tmp_path,
        '<operation method="post" name="Token" category="action">'
        + answer(prop("success", "boolean"), prop("data", "map", tokens))
        + "</operation>",
        '<operation method="post" name="Refresh" category="action">'
        + answer(prop("data", "collections", tokens))
        + "</operation>",
    )
    assert schema.token is not None and schema.refresh is not None
    nested = {"success": True, "data": {"access_token": "a1", "refresh_token": "r1"}}
    assert read_field(schema.token.operation, nested, "access_token") == "a1"
    assert read_field(schema.token.operation, nested, "refresh_token") == "r1"
    listed = {"data": [{"access_token": "a2", "expires_in": 60}]}
    assert read_field(schema.refresh.operation, listed, "access_token") == "a2"
    assert read_field(schema.refresh.operation, listed, "expires_in") == 60
    # not where the declaration says, but at the top level: still found
    assert read_field(schema.token.operation, {"access_token": "top"}, "access_token") == "top"
    assert read_field(None, {"access_token": "top"}, "access_token") == "top"
    assert read_field(schema.token.operation, ["not", "an", "object"], "access_token") is None


def test_expires_in_as_number_numeric_string_or_moment() -> None:
    now = time.time()
    assert expires_in_seconds(3600, now) == 3600.0
    assert expires_in_seconds("3600", now) == 3600.0  # the official sample types it string
    assert expires_in_seconds(" 90.5 ", now) == 90.5
    moment = (datetime.now(UTC) + timedelta(seconds=120)).isoformat()
    seconds = expires_in_seconds(moment, now)
    assert seconds is not None and 110 < seconds <= 121  # the `<token>` sample: datetime
    assert expires_in_seconds("2030-01-01T00:00:00", now) is None  # no zone: unknown moment
    assert expires_in_seconds(True, now) is None
    assert expires_in_seconds("soon", now) is None
    assert expires_in_seconds(None, now) is None


def test_the_only_string_property_names_a_token_schemas_token(tmp_path: Path) -> None:
    resource = load_schemas(
        tmp_path,
        '<token name="flow"><token-url path="/t"><operation method="post" name="T" '
        'category="action">'
        + answer(prop("jwt"), prop("ttl", "integer"))
        + "</operation></token-url></token>",
    )
    [schema] = resource.tokens
    assert isinstance(schema, TokenSchema) and schema.token is not None
    assert only_string_property(schema.token.operation) == "jwt"
    assert only_string_property(None) is None


def test_endpoints_fall_back_to_each_other() -> None:
    token = Endpoint("http://a/token")
    only_token = TokenEndpoints("oauth2", token)
    assert only_token.for_refresh() is token and only_token.for_grant() is token
    refresh = Endpoint("http://a/refresh")
    only_refresh = TokenEndpoints("oauth2", None, refresh)
    assert only_refresh.for_grant() is refresh and only_refresh.label == "http://a/refresh"
    both = TokenEndpoints("oauth2", token, refresh)
    assert both.for_refresh() is refresh and both.for_grant() is token


def test_a_token_schema_without_token_url_and_an_endpoint_without_operation_are_errors(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "things.xml"
    spec.write_text(
        _RESOURCE.format(
            schemas='<oauth2 name="flow" visibility="secret"><token-url path="/t"/></oauth2>'
            '<token name="tk"/>'
        ),
        encoding="utf-8",
    )
    messages = [str(d) for d in load([spec]).diagnostics.errors]
    assert any("<token-url> has no <operation>" in m for m in messages), messages
    assert any('<token name="tk"> has no <token-url>' in m for m in messages), messages
    assert any("'visibility' must be one of public, internal, private" in m for m in messages)


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ('<argument name="scope" location="param" style="delimiter" delimiter="+"><content>'
         '<encode type="text/plain"/><structure><property type="string"/></structure>'
         "</content></argument>", "+"),
        ('<argument name="scope" location="param"><content><encode type="text/plain"/>'
         '<structure><property type="string" example-value="read write"/></structure>'
         "</content></argument>", " "),
        ("<request-body><content><encode type=\"application/x-www-form-urlencoded\"/><structure>"
         '<property name="scope" type="string" default-value="ZohoCRM.a.READ,ZohoCRM.b.ALL"/>'
         "</structure></content></request-body>", ","),
        (param("scope"), None),  # one value shown nowhere: the spec does not say
        (param("client_id"), None),  # no scope at all
    ],
)  # fmt: skip
def test_the_scope_separator_is_what_the_declared_call_shows(
    tmp_path: Path, scope: str, expected: str | None
) -> None:
    """How several scopes are joined in one value: a delimiter argument's `delimiter`, else
    the separator an example or default value shows; None where the spec says nothing, so
    the token source may learn it from the server's refusal."""
    schema = oauth2(
        tmp_path,
        f'<operation method="post" name="Token" category="action">{scope}'
        + answer(prop("access_token"))
        + "</operation>",
    )
    assert scope_separator(endpoint(schema.token)) == expected
    assert scope_separator(Endpoint("http://auth.example/token")) is None  # the RFC form
