"""oidc-provider 8.8 (npm, panva), an OAuth 2.0 authorization server strict about its RFCs, in
front of a small notes API served from the same Node process: tests/data/thirdparty/oidc holds
serve.js (one confidential client for client_credentials and refresh_token, resource indicators
on, refresh tokens rotated with reuse revoking the grant, defects planted by name) and notes.xml,
which declares the token and refresh calls in ZEST's official form with RFC 6749's form body
(client_secret_post) and RFC 8707's `resource` pinned by `values`.

What it shows beside django-oauth-toolkit's hunt (test_oauth_toolkit.py): a correct run takes
one token for the whole run and passes every case; each planted defect of the API is caught and
named (the spec pins no example-value on what an update changes: with one, the update sends
what the create sent, and a kept update passes with a note saying its check cannot tell, as
ZSPEC.md section 8 decides); a wrong secret is refused (invalid_client, 401 with
WWW-Authenticate) once for the run; refreshes ahead of a 4 s expiry spend each rotated refresh
token once (one spent twice would revoke the grant); client_secret_basic works when the profile
gives the whole `Authorization` value as a token field (APITEST_TOKEN_FIELD_AUTHORIZATION),
which no output shows.

What it found, now fixed:
- apitest joins the operations' scopes by commas when the spec does not show how; oidc-provider
  does not refuse "notes:read,notes:write" (invalid_scope, which apitest answers by asking again
  joined by spaces) but drops the scope its resource server does not define and grants a token
  with none, saying no `scope`: every call met 403 insufficient_scope, and a correct API failed
  with "got 403 (declared as forbidden)" and no word of the scopes. Such a 403 now has the token
  asked for once more joined by spaces (auth/oauth2.TokenSource.after_insufficient_scope);
- a token-url operation that declares RFC 6749's `Authorization` header (client_secret_basic,
  the provider's default method) got nothing built from the client id and secret: the call went
  out with no client authentication. It now carries HTTP Basic of them (auth/declared.client_basic).
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, cli_env, loopback_client, run_cli
from ._thirdparty import Started, assert_lints_clean, listed, npm_package, serving_node

OIDC_PROVIDER = "oidc-provider@8.8.1"
"""8.x supports Node 18 and later (9.x asks for Node 22); this machine runs Node 20."""
APP = DATA / "thirdparty" / "oidc"
SPEC = APP / "notes.xml"
CLIENT_ID = "apitest-oidc-" + secrets.token_hex(4)
CLIENT_SECRET = secrets.token_urlsafe(24)
CLIENT = {"APITEST_CLIENT_ID": CLIENT_ID, "APITEST_CLIENT_SECRET": CLIENT_SECRET}
TOKEN_CASES = {"Missing Token", "Invalid Token"}


def oidc(folder: Path, ttl_s: int = 3600) -> AbstractContextManager[Started]:
    """serve.js: the provider and the notes API."""
    modules = npm_package(OIDC_PROVIDER) / "node_modules"
    env = {"OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_TTL": str(ttl_s)}
    return serving_node(APP, modules, folder, "/.well-known/openid-configuration", env)


@pytest.fixture(scope="module")
def correct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    with oidc(tmp_path_factory.mktemp("oidc") / "correct") as api:
        yield api


@contextmanager
def planted(api: Started, *defects: str) -> Iterator[Started]:
    """`api` with `defects` planted while the block runs; after it, none, and no note left."""
    with loopback_client() as http:
        answer = http.put(api.url + "/_test/defects", content=",".join(defects))
        assert answer.status_code == 200, answer.text
        try:
            yield api
        finally:
            http.put(api.url + "/_test/defects", content="")
            token = client_token(api)
            for note in notes(api):
                gone = http.delete(f"{api.url}/notes/{note['id']}", headers=token)
                assert gone.status_code == 204, gone.text


def stats(api: Started) -> dict[str, Any]:
    found: dict[str, Any] = api.get("/_test/stats").json()
    return found


def token_calls(api: Started, since: int = 0) -> list[dict[str, Any]]:
    """What the token endpoint was asked, in order, from the `since`th call on."""
    calls: list[dict[str, Any]] = stats(api)["token"][since:]
    return calls


def client_token(api: Started) -> dict[str, str]:
    """The header of a token of the test's own, for both scopes."""
    with loopback_client() as http:
        answer = http.post(
            api.url + "/token",
            auth=(CLIENT_ID, CLIENT_SECRET),
            data={"grant_type": "client_credentials", "scope": "notes:read notes:write",
                  "resource": "urn:apitest:notes"},
        )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def notes(api: Started) -> list[dict[str, Any]]:
    """Every note the API holds, read with a token of the test's own."""
    return listed(api, "/notes", headers=client_token(api))


def minted_refresh_token(api: Started) -> str:
    """A refresh token of the client for a user, as an authorization-code grant issues it."""
    with loopback_client() as http:
        answer = http.post(api.url + "/_test/refresh-token")
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["refresh_token"]
    return token


def variant(folder: Path, *swaps: tuple[str, str]) -> Path:
    """notes.xml with each (old, new) of `swaps` made (each must be found)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SPEC.read_text(encoding="utf-8")
    for old, new in swaps:
        assert old in text, old
        text = text.replace(old, new)
    (folder / SPEC.name).write_text(text, encoding="utf-8")
    return folder / SPEC.name


SCOPES_SHOWN = (' example-value="notes:read notes:write"', "")
"""Without it the spec says nothing of how its token call joins several scopes."""
BASIC_ARGUMENT = """
          <argument name="Authorization" location="header" required="true">
            <description>client_secret_basic: Basic base64(client_id:client_secret)</description>
            <content>
              <encode type="text/plain"/>
              <structure><property type="string"/></structure>
            </content>
          </argument>
          <request-body>"""
BASIC = (
    ('<property name="client_id" type="string"/>', ""),
    ('<property name="client_secret" type="string"/>', ""),
    ('category="action">\n          <request-body>', 'category="action">' + BASIC_ARGUMENT),
)
"""The token and refresh calls as RFC 6749 section 2.3.1 has them first: the client's id and
secret in an `Authorization: Basic` header, not in the body."""


def slow(spec: Path, delay_ms: int) -> Path:
    """`spec` with `delay` on every operation, so that a run outlives several access tokens."""
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("<operation method=", f'<operation delay="{delay_ms}" method='))
    return spec


def run(
    spec: Path, api: Started, folder: Path, env: dict[str, str], *options: str
) -> tuple[int, dict[str, Any], str]:
    """`apitest run` of `spec` against `api`: its exit status, JSON result and output. A run
    that could not judge, showed a traceback, or showed a secret anywhere fails at once."""
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / "report.json"
    done = run_cli(
        "run", str(spec), "--base-url", api.url, "--seed", "3",
        "--report-dir", str(folder / "report"), "--json", str(report),
        "--token-store-path", str(folder / "tokens.json"), *options,
        env={**cli_env(credentials=False), **env},
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode in (0, 1) and "Traceback" not in output, output[-3000:]
    shown = output + "".join(
        path.read_text(errors="replace")
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith("tokens.json")
    )
    given = [value for name, value in env.items() if "SECRET" in name or "TOKEN" in name]
    basic = basic_value().removeprefix("Basic ")  # the pair, as its header carries it
    assert not [secret for secret in [CLIENT_SECRET, basic, *given] if secret in shown]
    result: dict[str, Any] = json.loads(report.read_text())
    return done.returncode, result, output


def failures(result: dict[str, Any]) -> dict[str, str]:
    return {
        f"{c['id']} {c['case']}": c["message"] for c in result["cases"] if c["status"] != "passed"
    }


def basic_value(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_the_variant_declaring_the_basic_header_lints_clean(tmp_path: Path) -> None:
    """notes.xml's variant declaring client_secret_basic's Authorization header (notes.xml
    itself: test_thirdparty_specs.py)."""
    assert_lints_clean(variant(tmp_path, *BASIC))


def test_a_correct_run_passes_every_case_on_one_token_and_leaves_no_note(
    correct: Started, tmp_path: Path
) -> None:
    """One client_credentials grant serves the run: asked in the form body (no query string, no
    Basic header), for both scopes joined as the spec shows and for the API's resource, and
    granted both; the Missing Token and Invalid Token cases meet oidc-provider's 401."""
    before = notes(correct)
    asked_before = len(token_calls(correct))
    status, result, _ = run(SPEC, correct, tmp_path, CLIENT, "--cases", "all")
    assert status == 0, failures(result)
    cases = result["cases"]
    assert len(cases) > 30 and all(c["status"] == "passed" for c in cases)
    refused = [c for c in cases if c["case"] in TOKEN_CASES]
    assert len(refused) == 10 and all(c["http_status"] == 401 for c in refused)
    (call,) = token_calls(correct, asked_before)
    assert call == {
        "status": 200, "grant_type": "client_credentials", "error": None,
        "scope_asked": "notes:read notes:write", "scope_granted": "notes:read notes:write",
        "resource": "urn:apitest:notes", "basic": False, "query": [],
        "content_type": "application/x-www-form-urlencoded", "www_authenticate": None,
    }  # fmt: skip
    assert result["auth_notices"] == []
    assert notes(correct) == before


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [
        ("kept-update", "verify PUT note", "the write did not stick: $.title"),
        ("kept-delete", "verify DELETE note", "is still there after the delete"),
        ("dropped-body", "verify POST notes", "$.body: sent "),
        ("open-notes", "Missing Token", "the API accepted"),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    correct: Started, tmp_path: Path, defect: str, case: str, said: str
) -> None:
    cases = "all" if case in TOKEN_CASES else "positive"
    with planted(correct, defect):
        status, result, _ = run(SPEC, correct, tmp_path, CLIENT, "--cases", cases)
    assert status == 1
    assert_caught(result["cases"], case, said)


def test_a_read_only_profile_is_refused_its_write_and_one_let_write_is_caught(
    correct: Started, tmp_path: Path
) -> None:
    """A profile asking for notes:read only, marked read_only: the API refuses its write (403
    insufficient_scope); with the defect any-scope it lets it write, and the Read Only Profile
    case says so."""
    auth = tmp_path / "auth.toml"
    auth.write_text(
        '[auth]\ndefault = "writer"\n'
        f'[auth.profiles.writer]\nclient_id = "{CLIENT_ID}"\nclient_secret_env = "OIDC_SECRET"\n'
        f'[auth.profiles.reader]\nclient_id = "{CLIENT_ID}"\nclient_secret_env = "OIDC_SECRET"\n'
        'scopes = ["notes:read"]\nread_only = true\n',
        encoding="utf-8",
    )
    options = ("--auth", str(auth), "--cases", "all")
    env = {"OIDC_SECRET": CLIENT_SECRET}
    status, result, _ = run(SPEC, correct, tmp_path / "correct", env, *options)
    assert status == 0, failures(result)
    refused = [c for c in result["cases"] if c["case"] == "Read Only Profile reader"]
    assert len(refused) == 3 and all(c["http_status"] == 403 for c in refused)
    with planted(correct, "any-scope"):
        status, result, _ = run(SPEC, correct, tmp_path / "any-scope", env, *options)
    assert status == 1
    assert_caught(result["cases"], "Read Only Profile reader", "the API accepted")


def test_a_wrong_secret_is_refused_once_for_the_whole_run(correct: Started, tmp_path: Path) -> None:
    """A wrong secret in the Basic header: oidc-provider answers invalid_client, 401 with
    WWW-Authenticate (RFC 6749 section 5.2); each case needing the token errs naming it, the
    provider is asked once, and the wrong header is shown nowhere (run() checks)."""
    spec = variant(tmp_path / "spec", *BASIC)
    wrong = basic_value(secret="not-the-secret-" + secrets.token_hex(4))
    env = {**CLIENT, "APITEST_TOKEN_FIELD_AUTHORIZATION": wrong}
    asked_before = len(token_calls(correct))
    status, result, _ = run(spec, correct, tmp_path / "run", env, "--cases", "positive")
    assert status == 1
    erred = [c for c in result["cases"] if c["status"] == "error"]
    said = "invalid_client (client authentication failed)"
    assert len(erred) >= 2 and all(said in c["message"] for c in erred), failures(result)
    assert "not asked again in this run" in erred[-1]["message"]
    (call,) = token_calls(correct, asked_before)
    assert call["status"] == 401 and call["error"] == "invalid_client" and call["basic"]
    assert call["www_authenticate"].startswith("Basic realm=")


def test_client_secret_basic_with_the_whole_header_given_as_a_token_field(
    correct: Started, tmp_path: Path
) -> None:
    """The token call declares an `Authorization` header argument and no secret in its body;
    the profile gives the header's value (APITEST_TOKEN_FIELD_AUTHORIZATION): the provider gets
    HTTP Basic and nothing else, and the run passes without showing that value."""
    spec = variant(tmp_path / "spec", *BASIC)
    env = {**CLIENT, "APITEST_TOKEN_FIELD_AUTHORIZATION": basic_value()}
    asked_before = len(token_calls(correct))
    status, result, _ = run(spec, correct, tmp_path / "run", env, "--cases", "positive")
    assert status == 0, failures(result)
    (call,) = token_calls(correct, asked_before)
    assert call["basic"] and call["status"] == 200 and call["query"] == []


TTL_S = 4
"""Whole seconds: oidc-provider counts a token's expiry from the second it was issued in, so it
may die up to 1 s before `expires_in` says; refreshing a quarter of a 4 s lifetime ahead, apitest
still refreshes before it does."""


def test_refreshes_ahead_of_expiry_spend_each_rotated_refresh_token_once(tmp_path: Path) -> None:
    """Access tokens of 4 s, each operation delayed 0.5 s, two copies of the chain: the run trades
    the refresh token it was given, then the rotated one ahead of the access token's expiry,
    never spends one twice (oidc-provider would revoke the grant and refuse every later
    refresh, invalid_grant), never meets a 401, and never falls back to client credentials."""
    spec = slow(variant(tmp_path / "spec"), 500)
    with oidc(tmp_path / "api", TTL_S) as api:
        env = {**CLIENT, "APITEST_REFRESH_TOKEN": minted_refresh_token(api)}
        options = ("--cases", "positive", "--repeat", "2", "--concurrency", "4")
        status, result, output = run(spec, api, tmp_path / "run", env, *options)
        calls = token_calls(api)
        seen = stats(api)
    assert status == 0, failures(result)
    assert result["auth_notices"] == [] and "warning:" not in output
    assert {(c["grant_type"], c["status"]) for c in calls} == {("refresh_token", 200)}, calls
    assert result["token_refreshes"] == len(calls) >= 2
    refreshed = seen["refreshedAt"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(refreshed)]
    assert min(gaps) >= TTL_S * 0.5, gaps  # one refresh per expiry, never two at once
    assert not [key for key in seen["api"] if key.endswith(":401")], seen["api"]
    assert all(c["resource"] == "urn:apitest:notes" and c["scope_asked"] is None for c in calls)


def positive_run(
    api: Started, folder: Path, *swaps: tuple[str, str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A positive run of notes.xml with `swaps` made in it: what the token endpoint was asked,
    and the run's JSON result."""
    spec = variant(folder / "spec", *swaps)
    asked_before = len(token_calls(api))
    _, result, _ = run(spec, api, folder / "run", CLIENT, "--cases", "positive")
    return token_calls(api, asked_before), result


@pytest.fixture(scope="module")
def scopes_not_shown(
    correct: Started, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A token call that does not show how to join scopes."""
    return positive_run(correct, tmp_path_factory.mktemp("scopes"), SCOPES_SHOWN)


def test_scopes_the_spec_does_not_show_how_to_join_still_pass(
    scopes_not_shown: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    """Joined by commas (apitest's guess), the scopes are dropped, not refused: the first
    call's 403 insufficient_scope has the token asked for once more joined by spaces, which
    serves the rest of the run, and a notice says how to declare it."""
    calls, result = scopes_not_shown
    failed = [c for c in result["cases"] if c["status"] != "passed"]
    assert failed == [], (calls[0], failures(result))
    asked = [call["scope_asked"] for call in calls]
    assert asked == ["notes:read,notes:write", "notes:read notes:write"], calls
    (notice,) = [n for n in result["auth_notices"] if n["kind"] == "scope-separator"]
    assert "403 insufficient_scope" in notice["message"], notice
    assert 'delimiter=" "' in notice["message"], notice


@pytest.fixture(scope="module")
def basic_unfilled(
    correct: Started, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The Basic variant, with the client's id and secret but no value for its Authorization
    argument."""
    return positive_run(correct, tmp_path_factory.mktemp("basic"), *BASIC)


def test_client_secret_basic_is_built_from_the_client_credentials(
    basic_unfilled: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    calls, result = basic_unfilled
    assert calls and all(call["basic"] for call in calls), calls
    assert all(c["status"] == "passed" for c in result["cases"]), failures(result)
