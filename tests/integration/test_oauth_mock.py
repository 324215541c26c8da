"""apitest's OAuth2 against a third-party authorization server, oauth2-mock-server 9.3 (npm):
the token call as the spec declares it (RFC 6749's form body), refresh ahead of expiry, a
refused refresh reported, Missing Token / Invalid Token verdicts, and no secret in any output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, cli_env, run_cli
from ._oauth_mock import CLIENT_ID, CLIENT_SECRET, OAuthMock, notes_app, oauth_mock
from ._zest_app import AppServer

SPEC = DATA / "thirdparty" / "oauth" / "notes.xml"


def _spec(folder: Path, oauth_url: str) -> Path:
    spec = folder / "notes.xml"
    spec.write_text(SPEC.read_text(encoding="utf-8").replace("{oauth}", oauth_url), "utf-8")
    return spec


def _run(
    mock: OAuthMock, api: AppServer, folder: Path, *extra: str, **env: str
) -> tuple[int, str, dict[str, Any]]:
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / "report.json"
    done = run_cli(
        "run", str(_spec(folder, mock.server.url)), "--base-url", api.base_url, "--seed", "5",
        "--token-store-path", str(folder / "tokens.json"),
        "--report-dir", str(folder / "reports"), "--json", str(report), *extra,
        env=cli_env(credentials=False, APITEST_CLIENT_ID=CLIENT_ID,
                    APITEST_CLIENT_SECRET=CLIENT_SECRET, **env),
    )  # fmt: skip
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return done.returncode, done.stdout + done.stderr, result


def _outputs(folder: Path) -> str:
    """Every file the run wrote, as text (token store aside: keeping tokens is its job)."""
    texts = [
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "tokens.json"
    ]
    return "\n".join(texts)


def _verdicts(result: dict[str, Any]) -> dict[str, str]:
    return {f"{c['operation']} / {c['case']}": c["status"] for c in result["cases"]}


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[OAuthMock]:
    with oauth_mock(tmp_path / "oauth") as started:
        yield started


def test_a_correct_api_behind_the_mock_servers_tokens_passes(
    mock: OAuthMock, tmp_path: Path
) -> None:
    with AppServer(notes_app(mock.server.url + "/check")) as api:
        code, output, result = _run(mock, api, tmp_path / "run")
    verdicts = _verdicts(result)
    assert code == 0, (output, verdicts)
    assert any(v == "passed" for v in verdicts.values())
    requests = mock.token_requests()
    assert requests, "no token was asked for"
    first = requests[0]
    assert first["grant_type"] == "client_credentials"
    assert first["auth"] == "body" and not first["query"]
    assert first["content_type"] == "application/x-www-form-urlencoded"
    assert first["scope"] == "notes.read,notes.write"
    _assert_no_secret(mock, output, tmp_path / "run")


def _assert_no_secret(mock: OAuthMock, output: str, folder: Path, *more: str) -> None:
    seen = output + _outputs(folder)
    secrets = [CLIENT_SECRET, *mock.issued_tokens(), *more]
    assert len(secrets) > 1
    leaked = [secret[:6] for secret in secrets if secret in seen]
    assert not leaked, f"secrets in the run's outputs (first characters): {leaked}"


def test_short_lived_tokens_are_refreshed_before_they_expire(tmp_path: Path) -> None:
    """Tokens living 4 s, a run of about 6 s (0.5 s per call, two chains at once): the refresh
    token is spent ahead of expiry (RFC 6749 section 6), and no call carries an expired token."""
    given_refresh = "given-refresh-token-0b1c2d"
    with (
        oauth_mock(tmp_path / "oauth", ttl_s=4) as mock,
        AppServer(notes_app(mock.server.url + "/check", delay_s=0.5)) as api,
    ):
        code, output, result = _run(
            mock, api, tmp_path / "run", APITEST_REFRESH_TOKEN=given_refresh
        )
        expired = api.app.state.expired_calls
    assert code == 0, (output, _verdicts(result))
    grants = [r["grant_type"] for r in mock.token_requests()]
    assert grants[0] == "refresh_token", grants
    assert len(grants) >= 2 and set(grants) == {"refresh_token"}, grants
    assert all(
        r["auth"] == "body" and "refresh_token" in r["fields"] for r in mock.token_requests()
    )
    assert expired == [], f"calls made with an expired token: {expired}"
    _assert_no_secret(mock, output, tmp_path / "run", given_refresh)


def test_a_refused_refresh_says_invalid_grant_and_what_was_used_instead(tmp_path: Path) -> None:
    given_refresh = "spent-refresh-token-9f8e7d"
    with (
        oauth_mock(tmp_path / "oauth", refuse=("refresh_token",)) as mock,
        AppServer(notes_app(mock.server.url + "/check")) as api,
    ):
        code, output, result = _run(
            mock, api, tmp_path / "run", APITEST_REFRESH_TOKEN=given_refresh
        )
    grants = [r["grant_type"] for r in mock.token_requests()]
    assert grants[:2] == ["refresh_token", "client_credentials"], grants
    assert code == 0, (output, _verdicts(result))
    assert "invalid_grant" in output
    notices = json.dumps(result.get("auth_notices"))
    assert "invalid_grant" in notices, notices
    _assert_no_secret(mock, output, tmp_path / "run", given_refresh)


def test_a_refused_refresh_with_no_other_flow_fails_the_run_saying_why(tmp_path: Path) -> None:
    given_refresh = "spent-refresh-token-1a2b3c"
    refuse = ("refresh_token", "client_credentials")
    with (
        oauth_mock(tmp_path / "oauth", refuse=refuse) as mock,
        AppServer(notes_app(mock.server.url + "/check")) as api,
    ):
        folder = tmp_path / "run"
        folder.mkdir()
        done = run_cli(
            "run", str(_spec(folder, mock.server.url)), "--base-url", api.base_url,
            "--token-store-path", str(folder / "tokens.json"),
            "--report-dir", str(folder / "reports"),
            env=cli_env(credentials=False, APITEST_CLIENT_ID=CLIENT_ID,
                        APITEST_CLIENT_SECRET=CLIENT_SECRET,
                        APITEST_REFRESH_TOKEN=given_refresh),
        )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # every case needing a token errors
    assert "invalid_grant" in output and "unauthorized_client" in output
    _assert_no_secret(mock, output, folder, given_refresh)


@pytest.mark.parametrize(
    ("defect", "case"),
    [("accepts-missing-token", "Missing Token"), ("accepts-any-token", "Invalid Token")],
)
def test_an_api_letting_calls_in_without_a_good_token_fails_those_cases(
    mock: OAuthMock, tmp_path: Path, defect: str, case: str
) -> None:
    with AppServer(notes_app(mock.server.url + "/check", defects=[defect])) as api:
        code, output, result = _run(mock, api, tmp_path / "run")
    verdicts = _verdicts(result)
    assert code == 1, (output, verdicts)
    named = {name: v for name, v in verdicts.items() if name.endswith(f" / {case}")}
    assert len(named) == 4 and set(named.values()) == {"failed"}, verdicts
    others = {name: v for name, v in verdicts.items() if name not in named}
    assert set(others.values()) == {"passed"}, others


PROFILES = """[auth]
default = "admin"
[auth.profiles.admin]
client_id = "notes-client"
client_secret_env = "NOTES_SECRET"
refresh_token_env = "ADMIN_REFRESH"
[auth.profiles.reader]
client_id = "notes-client"
client_secret_env = "NOTES_SECRET"
refresh_token_env = "READER_REFRESH"
scopes = ["notes.read"]
read_only = true
"""


def test_a_read_only_profile_with_a_refresh_token_asks_for_its_scopes_only(
    mock: OAuthMock, tmp_path: Path
) -> None:
    """A profile's `scopes` narrow its token (README: "asks for no more than those") whatever
    the flow: refreshing without `scope` gets every scope the refresh token was granted (RFC
    6749 section 6), so the reader could write and each Read Only Profile case failed."""
    auth = tmp_path / "auth.toml"
    auth.write_text(PROFILES, encoding="utf-8")
    refresh = {"ADMIN_REFRESH": "admin-refresh-5e6f7a", "READER_REFRESH": "reader-refresh-8b9c0d"}
    with AppServer(notes_app(mock.server.url + "/check")) as api:
        code, output, result = _run(
            mock, api, tmp_path / "run", "--auth", str(auth), NOTES_SECRET=CLIENT_SECRET, **refresh
        )
    verdicts = _verdicts(result)
    read_only = {name: v for name, v in verdicts.items() if "Read Only Profile" in name}
    assert len(read_only) == 2, verdicts
    assert code == 0, (output, verdicts)
    scopes = [r["scope"] for r in mock.token_requests() if r["grant_type"] == "refresh_token"]
    assert sorted(scopes, key=str) == [None, "notes.read"], scopes
    _assert_no_secret(mock, output, tmp_path / "run", *refresh.values())
