"""Auth profile files, and how a run picks its server, data centre, environment and proxy."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from apitest.auth.profiles import auth_from_table, from_environment, load_auth_file
from apitest.engine.client import new_client
from apitest.errors import UsageError
from apitest.session.target import (
    TargetOptions,
    choose_server,
    environment_of,
    resolve_target,
    server_url,
)
from apitest.spec.loader import load, load_catalog

ENV = {"SECRET": "s3cret", "REFRESH": "r3fresh"}


def test_profiles_take_secrets_from_named_variables() -> None:
    table = {
        "default": "admin",
        "profiles": {
            "admin": {"client_id": "id", "client_secret_env": "SECRET"},
            "reader": {"client_id": "id", "refresh_token_env": "REFRESH", "read_only": True,
                       "scopes": ["A.READ"]},
        },
    }  # fmt: skip
    config = auth_from_table(table, "auth.toml", ENV)
    assert config.main.name == "admin"
    assert config.main.credentials.client_secret == "s3cret"
    assert config.read_only == ("reader",)
    assert config.profiles["reader"].scopes == ("A.READ",)
    assert "s3cret" not in repr(config)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"profiles": {}}, r"\[auth.profiles.NAME\] tables are missing"),
        ({"profiles": {"a": {"client_id": "x"}}, "colour": 1}, r"unknown key\(s\) colour"),
        ({"profiles": {"a": {"client_secret_env": "NOPE"}}}, "names NOPE, which is not set"),
        ({"profiles": {"a": {"client_secret": "x", "client_secret_env": "SECRET"}}}, "not both"),
        ({"profiles": {"a": {"read_only": "yes"}}}, "read_only must be true or false"),
        ({"profiles": {"a": {"scopes": "A.READ"}}}, "scopes must be a list of strings"),
        ({"profiles": {"a": {}}, "default": "b"}, r"profile 'b' is not defined \(defined: a\)"),
    ],
)
def test_profile_mistakes_name_the_file_and_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        auth_from_table(table, "auth.toml", ENV)
    assert str(caught.value).startswith("auth.toml: [auth")


def test_profile_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[auth\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"--auth .*bad.toml: not valid TOML"):
        load_auth_file(bad)
    with pytest.raises(UsageError, match="cannot read it"):
        load_auth_file(tmp_path / "missing.toml")
    empty = tmp_path / "empty.toml"
    empty.write_text("[other]\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"no \[auth\] table"):
        load_auth_file(empty)


def test_environment_profile_is_the_default() -> None:
    config = from_environment({"APITEST_CLIENT_ID": "a", "APITEST_CLIENT_SECRET": "b"})
    assert config.default == "default" and config.main.credentials.has_oauth2


SPEC = """<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="things">
  <server name="us" url="https://api.example.com/{version}" dc="US">
    <variable name="version" values="v1,v2"/>
    <environment type="sandbox" name="X-Env" value="sandbox" location="header"/>
    <environment type="development" name="env" value="dev" location="param">
      <description>ZEST's own example: env=dev as a query parameter.</description>
    </environment>
  </server>
  <server name="eu" url="https://api.example.eu/v1" dc="EU,IN-2" visibility="internal"/>
  <url path="/things">
    <operation method="get" name="GET things" category="read"><response status="200"/></operation>
  </url>
</resource>
"""


@pytest.fixture
def servers(tmp_path: Path) -> object:
    path = tmp_path / "things.xml"
    path.write_text(SPEC, encoding="utf-8")
    return load_catalog([path])


def test_server_dc_and_variables(servers: object) -> None:
    catalog = servers
    first = choose_server(catalog, None, None)  # type: ignore[arg-type]
    assert first is not None and server_url(first, {}) == "https://api.example.com/v1"
    assert server_url(first, {"version": "v2"}) == "https://api.example.com/v2"
    eu = choose_server(catalog, None, "eu")  # type: ignore[arg-type]
    assert eu is not None and eu.name == "eu"
    assert choose_server(catalog, None, "in-2").name == "eu"  # type: ignore[arg-type,union-attr]
    with pytest.raises(
        UsageError, match=r"--dc IN: no <server dc> of that name \(known: US, EU, IN-2\)"
    ):
        choose_server(catalog, None, "IN")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match=r"--server asia: no such <server> .*known: us, eu"):
        choose_server(catalog, "asia", None)  # type: ignore[arg-type]


def test_env_adds_a_header_or_a_parameter(servers: object) -> None:
    server = choose_server(servers, "us", None)  # type: ignore[arg-type]
    assert environment_of(server, "sandbox") == ({"X-Env": "sandbox"}, {})
    assert environment_of(server, "DEVELOPMENT") == ({}, {"env": "dev"})
    assert environment_of(server, None) == ({}, {})
    with pytest.raises(UsageError, match=r"--env production: .*known: sandbox, development"):
        environment_of(server, "production")


def test_env_alias_form_still_works_with_a_warning(tmp_path: Path) -> None:
    """apitest's earlier `<environment name=KIND key=HEADER>` loads, and lint names the
    official `type=KIND name=HEADER` form."""
    path = tmp_path / "things.xml"
    path.write_text(
        SPEC.replace(
            '<environment type="sandbox" name="X-Env" value="sandbox" location="header"/>',
            '<environment name="sandbox" key="X-Env" value="sandbox" location="header"/>',
        ),
        encoding="utf-8",
    )
    result = load([path])
    assert not result.diagnostics.errors
    (warning,) = result.diagnostics.warnings
    assert warning.line == 5 and "deprecated form" in warning.message
    assert '<environment type="sandbox" name="X-Env">' in warning.hint
    server = choose_server(result.catalog, "us", None)  # type: ignore[arg-type]
    assert environment_of(server, "sandbox") == ({"X-Env": "sandbox"}, {})


def test_environment_type_is_required_and_name_needs_value(tmp_path: Path) -> None:
    path = tmp_path / "things.xml"
    path.write_text(
        SPEC.replace('type="sandbox" name="X-Env" value="sandbox"', 'name="X-Env"'),
        encoding="utf-8",
    )
    messages = [d.message for d in load([path]).diagnostics.errors]
    assert messages == ["<environment> is missing the required attribute 'type'"]
    path.write_text(SPEC.replace(' value="sandbox" location="header"', ""), encoding="utf-8")
    messages = [d.message for d in load([path]).diagnostics.errors]
    assert messages == ["<environment name=\"X-Env\"> needs 'value' and 'location' too"]


def test_resolve_target_with_base_url_keeps_the_env(servers: object) -> None:
    options = TargetOptions(base_url="http://127.0.0.1:9/api", env="sandbox")
    target = resolve_target(servers, options)  # type: ignore[arg-type]
    assert target.base_url == "http://127.0.0.1:9/api" and target.server is None
    assert target.extra_headers == {"X-Env": "sandbox"}
    with pytest.raises(UsageError, match="--base-url: 'ftp://x' is not an http"):
        resolve_target(servers, TargetOptions(base_url="ftp://x"))  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="--profile admin: profiles come from --auth FILE"):
        resolve_target(servers, TargetOptions(profile="admin"))  # type: ignore[arg-type]


def test_proxy_credentials_go_to_the_proxy_not_the_url() -> None:
    client = new_client(4, 5.0, connect_timeout_s=2.0, proxy="http://user:pw@127.0.0.1:3128")
    transport = client._transport
    proxy = transport.proxy  # type: ignore[attr-defined]
    assert isinstance(proxy, httpx.Proxy)
    assert proxy.auth == ("user", "pw") and proxy.url.host == "127.0.0.1"
    assert "pw" not in str(proxy.url)
    assert client.timeout.connect == 2.0 and client.timeout.read == 5.0
