"""The conformance corpus of authentication forms (tests/data/zspec/): each file, written in
ZEST's official form, lints clean and runs against the reference service with its tokens
obtained exactly as its `<authentication-schema>` declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from apitest.zspec.loader import load, load_catalog

from ..support import DATA, cli_env, run_cli
from .conftest import MakeServer

CORPUS = DATA / "zspec"


def lint_clean(name: str) -> None:
    """No error, and no unknown element or attribute: every form in the file is known."""
    found = load([CORPUS / name]).diagnostics
    problems = [str(d) for d in found]
    assert not found.errors, problems
    assert not [p for p in problems if "unknown" in p or "deprecated" in p], problems
    done = run_cli("lint", str(CORPUS / name), env=cli_env())
    assert done.returncode == 0 and "no problems" in done.stdout, done.stdout + done.stderr


def run(server_url: str, name: str, tmp_path: Path) -> str:
    done = run_cli(
        "run", str(CORPUS / name), "--base-url", server_url, "--cases", "positive",
        "--report-dir", str(tmp_path / "report"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    return done.stdout


def test_authentication_schema_oauth2(make_server: MakeServer, tmp_path: Path) -> None:
    name = "authentication-schema-oauth2.xml"
    lint_clean(name)
    [resource] = load_catalog([CORPUS / name]).resources
    [schema] = resource.oauth2
    assert schema.visibility == "internal"
    endpoints = [schema.authorization, schema.token, schema.refresh, schema.authentication]
    assert [e.path if e else None for e in endpoints] == [
        "/oauth/v2/auth", "/oauth/v2/token", "/oauth/v2/token", "/oauth/user/info",
    ]  # fmt: skip
    assert schema.token is not None and schema.token.operation is not None
    assert schema.token.operation.name == "Generate Access Token and Refresh Token"
    assert {arg.location for arg in schema.token.operation.arguments} == {"param"}
    server = make_server()
    out = run(server.base_url, name, tmp_path)
    assert "1 passed" in out
    authority = server.state.authority
    # the demo credentials of cli_env: client credentials through the declared token-url,
    # narrowed to the scope the operation's <authentication> names
    assert authority.counts["client_credentials"] == 1
    assert authority.issued and authority.issued[0][0] == "client_credentials"


def test_authentication_schema_token(make_server: MakeServer, tmp_path: Path) -> None:
    name = "authentication-schema-token.xml"
    lint_clean(name)
    [resource] = load_catalog([CORPUS / name]).resources
    [schema] = resource.tokens
    assert schema.name == "MyTokenFlow" and schema.token is not None
    assert schema.authentication is not None and schema.authentication.description
    server = make_server()
    out = run(server.base_url, name, tmp_path)
    assert "1 passed" in out
    # the token came from the declared JSON body (grant_type pinned by its single value)
    assert server.state.authority.counts["client_credentials"] == 1


def test_components_oauth2(make_server: MakeServer, tmp_path: Path) -> None:
    name = "components-oauth2.xml"
    lint_clean(name)
    [resource] = load_catalog([CORPUS / name]).resources
    assert set(resource.components.oauth2) == {"travel_oauth"}
    assert [schema.name for schema in resource.oauth2] == ["travel_oauth"]  # via oauth2-ref
    server = make_server()
    out = run(server.base_url, name, tmp_path)
    assert "1 passed" in out
    assert server.state.authority.counts["client_credentials"] == 1


@pytest.mark.parametrize(
    "name",
    [
        "authentication-schema-oauth2.xml",
        "authentication-schema-token.xml",
        "components-oauth2.xml",
    ],
)
def test_a_refused_client_fails_the_run_with_one_clear_message(
    make_server: MakeServer, tmp_path: Path, name: str
) -> None:
    server = make_server()
    done = run_cli(
        "run", str(CORPUS / name), "--base-url", server.base_url, "--cases", "positive",
        "--report-dir", str(tmp_path / "report"),
        env=cli_env(APITEST_CLIENT_SECRET="wrong-secret"),
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode != 0, out[-2000:]
    assert "refused profile 'default'" in out and "invalid_client" in out, out[-2000:]
    assert "Traceback" not in out and "wrong-secret" not in out
    assert server.state.authority.counts["client_credentials:invalid_client"] >= 1
