"""Authentication schemas in ZEST's official form, against the reference service: every token
call is built from the operation its `<authentication-schema>` declares, and every test looks
at the calls that really went over the wire."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from apitest.auth.credentials import Credentials
from apitest.auth.memory import MemoryStore
from apitest.auth.oauth2 import AuthFailedError
from apitest.auth.placement import Authenticator
from apitest.auth.profiles import AuthConfig, Profile
from apitest.demo import DemoServer
from apitest.demo.credentials import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_GRANT_CODE,
    DEMO_REFRESH_TOKEN,
    DESTINATIONS_READ,
)
from apitest.zspec.loader import load, load_catalog
from apitest.zspec.model import Catalog

from ..support import SPECS, cli_env, run_cli
from .conftest import MakeServer

OFFICIAL_SCHEMA = re.search(
    r"  <authentication-schema>.*?</authentication-schema>\n",
    (SPECS / "destinations.xml").read_text(encoding="utf-8"),
    re.DOTALL,
)
assert OFFICIAL_SCHEMA is not None
SCHEMA_BLOCK = OFFICIAL_SCHEMA.group(0)
_T = TypeVar("_T")

RESOURCE = """<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="{name}" product="TravelAgency" pre-loaded="true"
          file-version="1">
  <components>{components}</components>
  <server name="local" url="http://127.0.0.1:8765/api/v1"/>
{schemas}
  <authentication type="{type}" name="Authorization" location="header" schema="{schema}"
                  prefix="Zoho-oauthtoken" scopes="{scope}"/>
  <url path="/destinations">
    <operation method="get" name="GET destinations" category="read">
      <response status="200">
        <content><encode type="application/json"/><structure>
          <property name="destinations" type="collections"/>
        </structure></content>
      </response>
      <response status="401"/>
      <response status="403"/>
    </operation>
  </url>
</resource>
"""


def write_spec(
    folder: Path,
    *,
    name: str = "places",
    schemas: str = SCHEMA_BLOCK,
    components: str = "",
    schema: str = "travel_oauth",
    kind: str = "oauth2",
    scope: str = DESTINATIONS_READ,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.xml"
    text = RESOURCE.format(
        name=name, components=components, schemas=schemas, schema=schema, type=kind, scope=scope
    )
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Wire:
    """Every request the client sent, as (method, path, query, body)."""

    seen: list[tuple[str, str, dict[str, str], bytes, httpx.Headers]] = field(default_factory=list)

    async def hook(self, request: httpx.Request) -> None:
        query = dict(request.url.params)
        self.seen.append(
            (request.method, request.url.path, query, request.content, request.headers)
        )

    def to(self, path: str) -> list[tuple[str, str, dict[str, str], bytes, httpx.Headers]]:
        return [call for call in self.seen if call[1] == path]


def run_auth(
    server: DemoServer,
    catalog: Catalog,
    credentials: Credentials,
    scenario: Callable[[Authenticator, httpx.AsyncClient], Awaitable[_T]],
) -> tuple[_T, Wire]:
    wire = Wire()
    BASE_URLS[id(catalog)] = server.base_url
    config = AuthConfig({"default": Profile("default", credentials)})

    async def main() -> _T:
        async with httpx.AsyncClient(event_hooks={"request": [wire.hook]}) as client:
            auth = Authenticator(client, catalog, server.base_url, config, MemoryStore())
            return await scenario(auth, client)

    return asyncio.run(main()), wire


async def call_api(auth: Authenticator, client: httpx.AsyncClient, catalog: Catalog) -> int:
    """One GET /destinations with the credential the spec says, answered status."""
    resource = catalog.resources[-1]
    op = next(resource.operations)
    headers: dict[str, str] = {}
    params: dict[str, str] = {}
    await auth.apply(resource, op, headers, params)
    url = catalog_base(catalog) + "/destinations"
    return (await client.get(url, headers=headers, params=params)).status_code


BASE_URLS: dict[int, str] = {}


def catalog_base(catalog: Catalog) -> str:
    """The base URL the catalog's run targets (recorded by `run_auth`)."""
    return BASE_URLS[id(catalog)]


def demo(**creds: Any) -> Credentials:
    return Credentials(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET, **creds)


def test_a_grant_code_is_exchanged_with_the_params_in_the_query_string(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    catalog = load_catalog([write_spec(tmp_path)])
    status, wire = run_auth(
        server,
        catalog,
        Credentials(
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            grant_token=DEMO_GRANT_CODE,
        ),
        lambda auth, client: call_api(auth, client, catalog),
    )
    assert status == 200
    [(method, _, query, body, _)] = wire.to("/oauth/v2/token")
    assert method == "POST" and body == b""  # every argument is location="param"
    assert query == {
        "grant_type": "authorization_code",
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "code": DEMO_GRANT_CODE,
    }  # a grant code's scopes were fixed when it was issued: no scope is sent
    assert server.state.authority.counts["authorization_code"] == 1
    # the authentication-url checked the new token once, placed as <authentication> says
    [(check_method, _, _, _, headers)] = wire.to("/oauth/user/info")
    assert check_method == "GET" and headers["authorization"].startswith("Zoho-oauthtoken ")


def test_refresh_goes_to_refresh_url_and_keeps_the_rotated_token(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """token-url points nowhere: only the refresh-url can serve, and a 401 renews there with
    the refresh token the previous answer rotated in."""
    server = make_server()
    schemas = SCHEMA_BLOCK.replace('<token-url path="/oauth/v2/token">', '<token-url path="/no">')
    catalog = load_catalog([write_spec(tmp_path, schemas=schemas)])

    async def scenario(auth: Authenticator, client: httpx.AsyncClient) -> tuple[str, bool]:
        resource = catalog.resources[-1]
        op = next(resource.operations)
        headers: dict[str, str] = {}
        first = await auth.apply(resource, op, headers, {})
        assert first is not None
        renewed = await auth.after_unauthorized(resource, op, first)
        return first, renewed

    (first, renewed), wire = run_auth(
        server, catalog, demo(refresh_token=DEMO_REFRESH_TOKEN), scenario
    )
    assert renewed
    calls = wire.to("/oauth/v2/token")
    assert [call[2]["grant_type"] for call in calls] == ["refresh_token", "refresh_token"]
    assert calls[0][2]["refresh_token"] == DEMO_REFRESH_TOKEN
    rotated = calls[1][2]["refresh_token"]
    assert rotated != DEMO_REFRESH_TOKEN  # the one the first answer handed out
    assert not wire.to("/no")
    counts = server.state.authority.counts
    assert counts["refresh_token"] == 2 and counts["refresh_token:invalid_grant"] == 0
    assert server.state.authority.verify(first) is not None


def test_client_credentials_ask_for_the_scopes_the_operations_need(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    catalog = load_catalog([write_spec(tmp_path)])

    async def scenario(auth: Authenticator, client: httpx.AsyncClient) -> list[str]:
        resource = catalog.resources[-1]
        return await auth.missing_scopes(resource, next(resource.operations))

    missing, wire = run_auth(server, catalog, demo(), scenario)
    assert missing == []
    [(_, _, query, _, _)] = wire.to("/oauth/v2/token")
    assert query["grant_type"] == "client_credentials"  # the flow's, over values="..."
    assert query["scope"] == DESTINATIONS_READ
    assert "code" not in query and "redirect_uri" not in query  # no value: left out
    assert server.state.authority.counts["client_credentials"] == 1


TOKEN_SCHEMA = """  <authentication-schema>
    <token name="service_token" visibility="internal">
      <description>A token from the service's token endpoint, posted as JSON.</description>
      <token-url path="/oauth/v2/token">
        <operation method="post" name="GenerateToken" category="action">
          <request-body>
            <content>
              <encode type="application/json"/>
              <structure>
                <property name="client_id" type="string"/>
                <property name="client_secret" type="string"/>
                <property name="grant_type" type="string" values="client_credentials"/>
              </structure>
            </content>
          </request-body>
          <response status="200">
            <content>
              <encode type="application/json"/>
              <structure name="TokenResponse">
                <property name="access_token" type="string"/>
                <property name="expires_in" type="string"/>
              </structure>
            </content>
          </response>
        </operation>
      </token-url>
      <authentication-url path="/oauth/user/info">
        <operation method="get" name="Check Token" category="action">
          <response status="200"/>
        </operation>
      </authentication-url>
    </token>
  </authentication-schema>
"""


def test_a_token_schema_runs_its_token_url_call(make_server: MakeServer, tmp_path: Path) -> None:
    server = make_server()
    spec = write_spec(tmp_path, schemas=TOKEN_SCHEMA, schema="service_token", kind="token")
    catalog = load_catalog([spec])
    status, wire = run_auth(
        server, catalog, demo(), lambda auth, client: call_api(auth, client, catalog)
    )
    assert status == 200
    [(method, _, query, body, headers)] = wire.to("/oauth/v2/token")
    assert method == "POST" and query == {}
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "grant_type": "client_credentials",  # pinned by the property's single value
    }
    assert len(wire.to("/oauth/user/info")) == 1


def test_an_authentication_url_that_refuses_the_token_stops_the_run(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    schemas = SCHEMA_BLOCK.replace('path="/oauth/user/info"', 'path="/oauth/user/missing"')
    catalog = load_catalog([write_spec(tmp_path, schemas=schemas)])
    with pytest.raises(AuthFailedError, match=r"authentication-url .*/oauth/user/missing .*404"):
        run_auth(server, catalog, demo(), lambda auth, client: call_api(auth, client, catalog))


def test_a_schema_in_components_is_found_by_name_and_by_ref(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    inner = re.search(r"<oauth2 .*</oauth2>", SCHEMA_BLOCK, re.DOTALL)
    assert inner is not None
    direct = load_catalog([write_spec(tmp_path / "direct", components=inner.group(0), schemas="")])
    status, _ = run_auth(
        server, direct, demo(), lambda auth, client: call_api(auth, client, direct)
    )
    assert status == 200
    referred = write_spec(
        tmp_path / "ref",
        components=inner.group(0),
        schemas="<authentication-schema><oauth2-ref name='travel_oauth'/></authentication-schema>",
    )
    catalog = load_catalog([referred])
    assert [schema.name for schema in catalog.resources[0].oauth2] == ["travel_oauth"]
    status, wire = run_auth(
        server, catalog, demo(), lambda auth, client: call_api(auth, client, catalog)
    )
    assert status == 200 and len(wire.to("/oauth/v2/token")) == 1


def test_a_schema_of_another_file_is_named_resource_dot_name(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    folder = tmp_path / "specs"
    write_spec(folder, name="accounts")
    places = write_spec(folder, name="places", schemas="", schema="accounts.travel_oauth")
    done = run_cli(
        "run", str(places), "--base-url", server.base_url, "--cases", "positive",
        "--report-dir", str(tmp_path / "report"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "passed" in done.stdout
    assert server.state.authority.counts["client_credentials"] == 1


def test_the_deprecated_attribute_form_still_runs_and_lint_names_the_official_form(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    alias = (
        '  <oauth2 name="travel_oauth" token-url="/oauth/v2/token" refresh-url="/oauth/v2/token"\n'
        f'          scopes="{DESTINATIONS_READ}"/>\n'
    )
    spec = write_spec(tmp_path, schemas=alias)
    warnings = [str(d) for d in load([spec]).diagnostics.warnings]
    assert any("<oauth2> directly under <resource>" in w and "<authentication-schema>" in w
               for w in warnings), warnings  # fmt: skip
    assert any("'token-url' on <oauth2> is apitest's deprecated form" in w
               and "<token-url path>" in w for w in warnings), warnings  # fmt: skip
    assert not load([spec]).diagnostics.errors
    catalog = load_catalog([spec])
    status, wire = run_auth(
        server, catalog, demo(), lambda auth, client: call_api(auth, client, catalog)
    )
    assert status == 200
    [(method, _, query, body, _)] = wire.to("/oauth/v2/token")
    assert method == "POST" and query == {}  # the RFC 6749 form body, as ever
    assert b"grant_type=client_credentials" in body
    done = run_cli("lint", str(spec), env=cli_env())
    assert done.returncode == 0 and "deprecated form" in done.stdout + done.stderr


def test_a_refusal_names_a_field_the_token_call_declares_and_nothing_filled(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """A wrong secret, and a header the token call declares that the profile gives no value:
    the refusal says both, not only "check its credentials"."""
    server = make_server()
    header = (
        '<argument name="X-Tenant" location="header" required="true"><content>'
        '<encode type="text/plain"/><structure><property type="string"/></structure>'
        "</content></argument>"
    )
    opening = r"(<token-url[^>]*>\s*<operation[^>]*>)"
    schemas = re.sub(opening, lambda m: m.group(1) + header, SCHEMA_BLOCK, count=1)
    assert header in schemas
    catalog = load_catalog([write_spec(tmp_path, schemas=schemas)])
    wrong = Credentials(client_id=DEMO_CLIENT_ID, client_secret="wrong-secret-123")
    with pytest.raises(AuthFailedError) as caught:
        run_auth(server, catalog, wrong, lambda auth, client: call_api(auth, client, catalog))
    message = str(caught.value)
    assert "invalid_client" in message and "wrong-secret-123" not in message
    assert message.endswith(
        "check its credentials; and the call names X-Tenant, which the profile gives no value: "
        "set APITEST_TOKEN_FIELD_X_TENANT, or the profile's [auth.profiles.NAME.token_fields]"
    )
