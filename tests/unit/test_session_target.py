"""How a run picks its server, data centre and environment (session/target.py), from the spec's
`<server>` and `<environment>` and the options."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from apitest.auth.profiles import AuthConfig
from apitest.engine.http.throttle import WindowStore
from apitest.errors import UsageError
from apitest.session.target import (
    Target,
    TargetOptions,
    choose_server,
    environment_of,
    resolve_target,
    server_url,
    throttle_store,
)
from apitest.zspec.loader import load, load_catalog
from apitest.zspec.model import Catalog

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


def test_a_var_no_server_url_has_is_a_usage_error(servers: Catalog) -> None:
    """`--var versoin=v2` ran against the default v1 instead, without a word. A name any
    server's URL has is fine, whichever server the run picks (`--dc EU` takes one without)."""
    with pytest.raises(
        UsageError,
        match=r"--var versoin: no <server> URL of the specs has \{versoin\} "
        r"\(their variables: version\); from --var, or the suite's \[target\] vars",
    ):
        resolve_target(servers, TargetOptions(variables=("versoin=v2",)))
    eu = resolve_target(servers, TargetOptions(variables=("version=v2",), dc="EU"))
    assert eu.base_url == "https://api.example.eu/v1"


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
    with pytest.raises(UsageError, match="--base-url: 'http://h:port/api' is not an http"):
        resolve_target(servers, TargetOptions(base_url="http://h:port/api"))  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="--profile admin: profiles come from --auth FILE"):
        resolve_target(servers, TargetOptions(profile="admin"))  # type: ignore[arg-type]


def test_server_variables_beside_base_url_are_said_to_fill_nothing(servers: object) -> None:
    """--base-url is the whole target: a --var (or a suite's [target] vars) beside it was
    dropped without a word, and a user who meant it to choose a port never knew."""
    base = "http://127.0.0.1:9/api"
    given = TargetOptions(base_url=base, variables=("version=v2", "port=9000"))
    target = resolve_target(servers, given)  # type: ignore[arg-type]
    assert target.base_url == base
    assert target.note == (
        "--base-url names the whole target: the server variables given (version, port) fill nothing"
    )
    assert resolve_target(servers, TargetOptions(base_url=base)).note is None  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="--var port: write NAME=VALUE"):
        resolve_target(servers, TargetOptions(base_url=base, variables=("port",)))  # type: ignore[arg-type]


def test_the_throttle_store_file_is_this_machines_folder_unless_the_service_is_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    remote = Target("http://127.0.0.1:9/api/v1", AuthConfig({}))
    assert throttle_store("file", remote) == WindowStore(folder=tmp_path / "apitest" / "throttle")
    in_process = Target("http://127.0.0.1:9/api/v1", AuthConfig({}), server=cast(Any, object()))
    assert throttle_store("file", in_process) == WindowStore()


@pytest.mark.parametrize("chosen", ["redis://u:hunter2@cache:6379/0", "postgres", "sqlite"])
def test_an_unknown_throttle_store_names_the_option_and_never_its_password(chosen: str) -> None:
    remote = Target("http://127.0.0.1:9/api/v1", AuthConfig({}))
    with pytest.raises(UsageError, match=r"--throttle-store \(or \[run\] throttle_store\)") as e:
        throttle_store(chosen, remote)
    assert "hunter2" not in str(e.value)
    assert "file" in str(e.value) and "mysql://" in str(e.value)
