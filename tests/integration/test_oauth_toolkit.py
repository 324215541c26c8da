"""django-oauth-toolkit 3.4 (PyPI), a real OAuth 2.0 provider, guarding a Django REST framework
3.16 API: tests/data/thirdparty/dot (a notes ModelViewSet behind DOT's OAuth2Authentication
and TokenHasReadWriteScope, the token endpoint at /o/token/) and notes.xml, which declares the
token and refresh calls in ZEST's official form (`<authentication-schema><oauth2>` with a
`<token-url>` and a `<refresh-url>` operation each, RFC 6749's form body).

DOT is strict where our demo service is lenient: it takes credentials in the form body only
("URL query parameters are not allowed"), reads `scope` as RFC 6749 section 3.3 says (a list
delimited by spaces), rotates refresh tokens with no grace period (a refresh token used twice
is refused, invalid_grant) and revokes the access token a refresh replaces.

What it showed, now fixed: apitest asked for the scopes the operations declare joined by commas
(`scope=read,write`, as Zoho's accounts server has them), which DOT takes for one scope named
"read,write" and refuses (invalid_scope): a correct spec that declares its operations' scopes
got no client credentials token, and every case needing one erred. A refusal of several scopes
is now asked again with them joined the other way, kept for the run and said in a notice; a
spec that shows the form (a `style="delimiter"` scope argument, or an example-value such as
"read write") is asked so at once (auth/declared.scope_separator). The refresh flow worked from
the first: rotation, refresh ahead of a 3 s expiry at concurrency, and two processes sharing one
token store spend each refresh token once.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import pytest

from apitest.auth.stores import FileStore

from ..support import (
    CLI_TIMEOUT_S,
    DATA,
    assert_caught,
    cli_env,
    loopback_client,
    run_cli,
    started_cli,
)
from ._thirdparty import (
    DJANGO,
    Started,
    case_named,
    pypi_command,
    serving_app,
)

DOT = "django-oauth-toolkit==3.4.1"
DRF = "djangorestframework==3.16.1"
APP = DATA / "thirdparty" / "dot"
SPEC = APP / "notes.xml"
CC_ID = "apitest-cc-" + secrets.token_hex(4)
CC_SECRET = secrets.token_urlsafe(24)
PW_ID = "apitest-pw-" + secrets.token_hex(4)
PW_SECRET = secrets.token_urlsafe(24)
USER_PASSWORD = secrets.token_urlsafe(16)
LENIENT = {"Invalid Type title", "Invalid Type body"}  # DRF's CharField takes 739170 as "739170"
TOKEN_CASES = {"Missing Token", "Invalid Token"}


def notes_api(folder: Path, ttl_s: int = 36000, *defects: str) -> AbstractContextManager[Started]:
    python = pypi_command(DOT, "python", DJANGO, DRF)
    env = {
        "DOT_CC_ID": CC_ID,
        "DOT_CC_SECRET": CC_SECRET,
        "DOT_PW_ID": PW_ID,
        "DOT_PW_SECRET": PW_SECRET,
        "DOT_USER_PASSWORD": USER_PASSWORD,
        "DOT_ACCESS_TOKEN_SECONDS": str(ttl_s),
        "DOT_DEFECTS": ",".join(defects),
    }
    return serving_app(python, APP, folder, [str(folder / "db.sqlite3")], "/notes/", env=env)


@pytest.fixture(scope="module")
def lasting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """DOT with its default ten-hour access tokens."""
    with notes_api(tmp_path_factory.mktemp("dot") / "lasting") as api:
        yield api


def stats(api: Started) -> dict[str, Any]:
    seen: dict[str, Any] = api.get("/stats/").json()
    return seen


def counts(api: Started) -> dict[str, int]:
    found: dict[str, int] = stats(api)["counts"]
    return found


def token_answer(api: Started, **form: str) -> dict[str, Any]:
    with loopback_client() as http:
        answer = http.post(api.url + "/o/token/", data=form)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def fresh_refresh_token(api: Started) -> str:
    """A refresh token of the password-grant application, as a user would obtain one."""
    answer = token_answer(
        api, grant_type="password", client_id=PW_ID, client_secret=PW_SECRET,
        username="writer", password=USER_PASSWORD,
    )  # fmt: skip
    token: str = answer["refresh_token"]
    return token


def notes_left(api: Started) -> int:
    """How many notes the API holds, read with a token of the client's own."""
    access = token_answer(
        api, grant_type="client_credentials", client_id=CC_ID, client_secret=CC_SECRET
    )["access_token"]
    with loopback_client() as http:
        listed = http.get(api.url + "/notes/", headers={"Authorization": f"Bearer {access}"})
    assert listed.status_code == 200, listed.text
    return len(listed.json())


def server_secrets(api: Started) -> list[str]:
    """Every secret the run could have shown: the clients' secrets, the user's password and
    every token DOT still holds."""
    database = Path(api.log).parent / "db.sqlite3"
    with sqlite3.connect(database) as db:
        tokens = [row[0] for row in db.execute("select token from oauth2_provider_accesstoken")]
        tokens += [row[0] for row in db.execute("select token from oauth2_provider_refreshtoken")]
    return [CC_SECRET, PW_SECRET, USER_PASSWORD, *tokens]


def live_refresh_token(api: Started, token: str) -> bool:
    """Whether DOT holds `token` as a refresh token not yet spent (rotated) or revoked."""
    database = Path(api.log).parent / "db.sqlite3"
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "select revoked from oauth2_provider_refreshtoken where token = ?", (token,)
        ).fetchall()
    return rows == [(None,)]


def without_scopes(folder: Path) -> Path:
    """notes.xml with no `scopes` on its authentications: the token call then asks for none
    and DOT grants its default scopes (read and write)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = re.sub(r'\s*scopes="[^"]*"', "", SPEC.read_text(encoding="utf-8"))
    (folder / SPEC.name).write_text(text, encoding="utf-8")
    return folder / SPEC.name


def slow(spec: Path, folder: Path, delay_ms: int) -> Path:
    """`spec` with `delay` on every operation, so a run outlives several access tokens."""
    folder.mkdir(parents=True, exist_ok=True)
    text = spec.read_text(encoding="utf-8")
    text = text.replace("<operation method=", f'<operation delay="{delay_ms}" method=')
    (folder / spec.name).write_text(text, encoding="utf-8")
    return folder / spec.name


def client_env(**credentials: str) -> dict[str, str]:
    return cli_env(credentials=False, **credentials)


CLIENT_CREDENTIALS = {"APITEST_CLIENT_ID": CC_ID, "APITEST_CLIENT_SECRET": CC_SECRET}


def run_args(spec: Path, api: Started, folder: Path, *options: str) -> list[str]:
    return [
        "run", str(spec), "--base-url", api.url, "--seed", "11",
        "--report-dir", str(folder / "report"), "--json", str(folder / "report.json"),
        "--token-store-path", str(folder / "tokens.json"), *options,
    ]  # fmt: skip


def judged(api: Started, folder: Path, output: str) -> dict[str, Any]:
    """The JSON result of a run that judged (and showed no secret anywhere)."""
    shown = output + "".join(
        path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file()
        and path.name not in ("tokens.json",) and not path.name.startswith("tokens.json.")
    )  # fmt: skip
    leaked = [secret for secret in server_secrets(api) if secret in shown]
    assert not leaked, f"{len(leaked)} secrets shown"
    result: dict[str, Any] = json.loads((folder / "report.json").read_text())
    return result


def run(
    spec: Path, api: Started, folder: Path, env: dict[str, str], *options: str
) -> tuple[int, dict[str, Any], str]:
    """`apitest run` of `spec` against `api`: its exit status, JSON result and output."""
    folder.mkdir(parents=True, exist_ok=True)
    done = run_cli(*run_args(spec, api, folder, *options), env=env)
    output = done.stdout + done.stderr
    assert done.returncode in (0, 1), output[-3000:]
    return done.returncode, judged(api, folder, output), output


def failed(cases: list[dict[str, Any]]) -> dict[str, str]:
    return {f"{c['id']} {c['case']}": c["message"] for c in cases if c["status"] != "passed"}


def assert_passed_but_where_drf_is_lenient(result: dict[str, Any]) -> None:
    """Every case ran and passed but DRF's lenient Invalid Type ones, which failed saying so;
    the token cases met 401."""
    cases: list[dict[str, Any]] = result["cases"]
    wrong = {c["case"] for c in cases if c["status"] != "passed"}
    assert wrong == LENIENT, failed(cases)
    assert all("the API accepted" in message for message in failed(cases).values())
    tested = [c for c in cases if c["kind"] == "test"]
    assert all(c["http_status"] is not None for c in tested), failed(cases)  # each really called
    refused = [c for c in cases if c["case"] in TOKEN_CASES]
    assert refused and all(c["http_status"] == 401 for c in refused)


def unauthorized(seen: dict[str, int]) -> int:
    """Calls of /notes/ DOT answered 401."""
    return sum(seen.get(f"{method}:401", 0) for method in ("GET", "POST", "PUT", "DELETE"))


def token_cases(result: dict[str, Any]) -> int:
    return sum(1 for c in result["cases"] if c["case"] in TOKEN_CASES)


def test_an_api_open_to_anyone_fails_its_token_cases(tmp_path: Path) -> None:
    with notes_api(tmp_path / "api", 36000, "open-notes") as api:
        status, result, _ = run(SPEC, api, tmp_path / "run", client_env(**CLIENT_CREDENTIALS))
    assert status == 1
    assert_caught(result["cases"], "Missing Token", "the API accepted a call without a token")


def showing_spaces(folder: Path) -> Path:
    """notes.xml whose scope properties show the form DOT takes: example-value="read write"."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SPEC.read_text(encoding="utf-8").replace(
        '<property name="scope" type="string"/>',
        '<property name="scope" type="string" example-value="read write"/>',
    )
    (folder / SPEC.name).write_text(text, encoding="utf-8")
    return folder / SPEC.name


def test_scopes_refused_joined_by_commas_are_asked_again_joined_by_spaces(
    lasting: Started, tmp_path: Path
) -> None:
    """notes.xml as written says nothing of how to join scopes: the first ask (by commas) is
    refused, the second (by spaces) granted and kept for the whole run, and the run says how
    the spec can spare the refused call."""
    before = counts(lasting)
    _, result, output = run(SPEC, lasting, tmp_path, client_env(**CLIENT_CREDENTIALS))
    after = counts(lasting)
    assert_passed_but_where_drf_is_lenient(result)
    asked = {
        key: after.get(key, 0) - before.get(key, 0)
        for key in ("client_credentials:invalid_scope", "client_credentials:200")
    }
    assert asked == {"client_credentials:invalid_scope": 1, "client_credentials:200": 1}
    (notice,) = result["auth_notices"]
    assert notice["kind"] == "scope-separator"
    assert notice["used"] == "scope joined by spaces"
    assert 'delimiter=" "' in notice["message"] and "warning: profile 'default'" in output


def test_a_spec_that_shows_how_to_join_scopes_is_asked_so_at_once(
    lasting: Started, tmp_path: Path
) -> None:
    spec = showing_spaces(tmp_path / "spec")
    before = counts(lasting)
    _, result, output = run(spec, lasting, tmp_path / "run", client_env(**CLIENT_CREDENTIALS))
    after = counts(lasting)
    assert_passed_but_where_drf_is_lenient(result)
    refused = "client_credentials:invalid_scope"
    assert after.get(refused, 0) == before.get(refused, 0)
    assert result["auth_notices"] == [] and "warning:" not in output


def test_client_credentials_without_declared_scopes_pass(lasting: Started, tmp_path: Path) -> None:
    """With no scope asked for, DOT grants its default ones: every case really ran, the
    Missing Token and Invalid Token ones met 401, one token served the whole run, and what the
    run made it deleted."""
    spec = without_scopes(tmp_path / "spec")
    left = notes_left(lasting)  # a token grant of its own: counted before the run's
    before = counts(lasting)
    _, result, _ = run(spec, lasting, tmp_path / "run", client_env(**CLIENT_CREDENTIALS))
    after = counts(lasting)
    assert_passed_but_where_drf_is_lenient(result)
    grants = after.get("client_credentials:200", 0) - before.get("client_credentials:200", 0)
    assert grants == 1
    assert after.get("client_credentials:400", 0) == before.get("client_credentials:400", 0)
    assert unauthorized(after) - unauthorized(before) == token_cases(result) == 10
    created = after.get("POST:201", 0) - before.get("POST:201", 0)
    assert created >= 2 + len(LENIENT)  # the lifecycle's, the negative chain's, the lenient
    assert notes_left(lasting) == left


def test_a_refused_refresh_token_falls_back_to_client_credentials_and_says_so(
    lasting: Started, tmp_path: Path
) -> None:
    """A refresh token DOT does not know (spent elsewhere): refused (invalid_grant), client
    credentials used instead, and the run says so in its summary and report.json."""
    env = client_env(**CLIENT_CREDENTIALS, APITEST_REFRESH_TOKEN=secrets.token_urlsafe(22))
    spec = without_scopes(tmp_path / "spec")
    status, result, output = run(spec, lasting, tmp_path / "run", env, "--cases", "positive")
    assert status == 0, failed(result["cases"])
    (notice,) = result["auth_notices"]
    assert notice["refused"] == ["APITEST_REFRESH_TOKEN: invalid_grant"]
    assert notice["used"] == "client credentials"
    assert "warning: profile 'default'" in output and "invalid_grant" in output


def test_a_wrong_secret_is_refused_once_for_the_whole_run(lasting: Started, tmp_path: Path) -> None:
    """Each case that needs the token errs with DOT's refusal, but DOT is asked once: every
    case asked again, each flow each time, which a provider's lockout of the client counts."""
    env = client_env(APITEST_CLIENT_ID=CC_ID, APITEST_CLIENT_SECRET="not-the-secret-0000")
    before = counts(lasting)
    status, result, output = run(SPEC, lasting, tmp_path, env, "--cases", "positive")
    after = counts(lasting)
    assert status == 1
    erred = [c for c in result["cases"] if c["status"] == "error"]
    assert len(erred) >= 2 and all("invalid_client" in c["message"] for c in erred)
    assert "not asked again in this run" in erred[-1]["message"]
    refused = "client_credentials:invalid_client"
    assert after.get(refused, 0) - before.get(refused, 0) == 1, (before, after)
    assert "not-the-secret-0000" not in output


def test_a_scope_the_server_does_not_know_is_named(lasting: Started, tmp_path: Path) -> None:
    """Refused joined by commas and by spaces alike, the scopes are named as what to check,
    not the credentials, and DOT is asked those two times for the whole run."""
    folder = tmp_path / "spec"
    folder.mkdir()
    spec = folder / SPEC.name
    spec.write_text(SPEC.read_text(encoding="utf-8").replace('scopes="write"', 'scopes="admin"'))
    before = counts(lasting)
    status, result, _ = run(spec, lasting, tmp_path / "run", client_env(**CLIENT_CREDENTIALS))
    after = counts(lasting)
    assert status == 1
    erred = [c for c in result["cases"] if c["status"] == "error"]
    said = "the scopes asked for (read, admin) were refused: check the scopes the operations'"
    assert erred and all(said in c["message"] for c in erred), erred[0]["message"]
    refused = "client_credentials:invalid_scope"
    assert after.get(refused, 0) - before.get(refused, 0) == 2


def profile_file(folder: Path, profile: str, body: str) -> Path:
    """An `--auth` file whose default profile `profile` holds `body` (TOML lines)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "auth.toml"
    text = f'[auth]\ndefault = "{profile}"\n[auth.profiles.{profile}]\n{body}'
    path.write_text(text, encoding="utf-8")
    return path


def test_a_read_only_profile_is_refused_writes_and_skips_what_it_lacks(
    lasting: Started, tmp_path: Path
) -> None:
    """A profile asking for the scope "read" only (one scope: no delimiter to get wrong): DOT
    grants it; its writes are skipped naming the scope, and the Read Only Profile write it
    still makes is refused (403)."""
    auth = profile_file(
        tmp_path,
        "reader",
        f'client_id = "{CC_ID}"\nclient_secret_env = "DOT_READER_SECRET"\n'
        'scopes = ["read"]\nread_only = true\n',
    )
    env = client_env(DOT_READER_SECRET=CC_SECRET)
    before = counts(lasting)
    status, result, _ = run(SPEC, lasting, tmp_path / "run", env, "--auth", str(auth))
    after = counts(lasting)
    assert status == 0, failed(result["cases"])
    read_only = case_named(result, "POST notes / Read Only Profile reader")
    assert read_only["status"] == "passed" and read_only["http_status"] == 403
    skipped = [
        c for c in result["cases"] if c["operation"] == "POST notes" and c["status"] == "skipped"
    ]
    assert skipped and all("not granted write" in c["message"] for c in skipped)
    assert after.get("POST:403", 0) - before.get("POST:403", 0) == 1
    assert after.get("POST:201", 0) == before.get("POST:201", 0)


def test_a_profile_asking_for_two_scopes_refreshes(lasting: Started, tmp_path: Path) -> None:
    """A profile with `scopes = ["read", "write"]` and a refresh token: the refresh asks for
    both, as RFC 6749 section 6 allows; refused joined by commas, it is asked again joined by
    spaces with the same refresh token, which the refusal did not spend."""
    auth = profile_file(
        tmp_path,
        "writer",
        f'client_id = "{PW_ID}"\nclient_secret_env = "DOT_WRITER_SECRET"\n'
        'refresh_token_env = "DOT_WRITER_REFRESH"\nscopes = ["read", "write"]\n',
    )
    env = client_env(DOT_WRITER_SECRET=PW_SECRET, DOT_WRITER_REFRESH=fresh_refresh_token(lasting))
    before = counts(lasting)
    status, result, _ = run(
        SPEC, lasting, tmp_path / "run", env, "--auth", str(auth), "--cases", "positive"
    )
    after = counts(lasting)
    assert status == 0, failed(result["cases"])
    refused = {
        key: after.get(key, 0) - before.get(key, 0)
        for key in ("refresh_token:invalid_scope", "refresh_token:invalid_grant")
    }
    assert refused == {"refresh_token:invalid_scope": 1, "refresh_token:invalid_grant": 0}
    assert [n["kind"] for n in result["auth_notices"]] == ["scope-separator"]


TTL_S = 3


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """DOT with three-second access tokens."""
    with notes_api(tmp_path_factory.mktemp("dot") / "short", TTL_S) as api:
        yield api


def refresh_env(api: Started) -> dict[str, str]:
    return client_env(
        APITEST_CLIENT_ID=PW_ID,
        APITEST_CLIENT_SECRET=PW_SECRET,
        APITEST_REFRESH_TOKEN=fresh_refresh_token(api),
    )


def refreshes_since(api: Started, since: float) -> list[float]:
    return [when for when in stats(api)["refreshed_at"] if when >= since]


def assert_one_refresh_per_expiry(refreshed: list[float], elapsed: float) -> None:
    """DOT granted a refresh per expiry of its tokens: never two for one (two processes or
    callers refreshing at once would be milliseconds apart), and enough to last the run. A
    token is refreshed when a call finds it near its end, so refreshes come a little more than
    a lifetime apart (3.2 to 3.4 s for 3 s tokens): counted against exact lifetimes, a run
    slowed by a loaded machine (32 s, 9 refreshes) failed though no call went unrefreshed."""
    assert len(refreshed) >= elapsed / (TTL_S * 1.5) - 1, (len(refreshed), elapsed)
    gaps = [later - earlier for earlier, later in itertools.pairwise(sorted(refreshed))]
    assert not gaps or min(gaps) >= TTL_S * 0.75 - 0.25, gaps


def test_rotating_refresh_tokens_over_a_run_longer_than_their_access_tokens(
    short_lived: Started, tmp_path: Path
) -> None:
    """notes.xml as written (scopes declared: a refresh asks for none), its operations delayed
    0.8 s, two copies of each chain at concurrency 8: the run outlives its access token several
    times, refreshes ahead of each expiry, never spends a refresh token twice, never sends a
    revoked access token, and keeps the newest refresh token, which DOT still holds live."""
    spec = slow(SPEC, tmp_path / "spec", 800)
    env = refresh_env(short_lived)
    before, started = counts(short_lived), time.time()
    folder = tmp_path / "run"
    _, result, output = run(spec, short_lived, folder, env, "--repeat", "2", "--concurrency", "8")
    elapsed, after = time.time() - started, counts(short_lived)
    assert_passed_but_where_drf_is_lenient(result)
    assert elapsed >= 3 * TTL_S
    assert result["auth_notices"] == [] and "warning:" not in output
    assert after.get("refresh_token:400", 0) == before.get("refresh_token:400", 0)
    refreshed = refreshes_since(short_lived, started)
    assert result["token_refreshes"] == len(refreshed) >= 3
    assert_one_refresh_per_expiry(refreshed, elapsed)
    assert unauthorized(after) - unauthorized(before) == token_cases(result)
    (kept,) = FileStore(folder / "tokens.json").get_tokens()
    assert kept.refresh_token and live_refresh_token(short_lived, kept.refresh_token)


def test_two_processes_share_one_token_store_and_spend_each_refresh_token_once(
    short_lived: Started, tmp_path: Path
) -> None:
    """Two `apitest run` at once with one refresh token and one --token-store-path: the file
    lock makes one refresh serve both, so DOT refuses none and neither run falls back."""
    spec = slow(SPEC, tmp_path / "spec", 800)
    env = refresh_env(short_lived)
    store = tmp_path / "shared-tokens.json"
    before, started = counts(short_lived), time.time()
    with ExitStack() as running:
        runs = []
        for n in range(2):
            folder = tmp_path / f"run{n}"
            folder.mkdir()
            args = run_args(spec, short_lived, folder, "--concurrency", "8")
            args[args.index("--token-store-path") + 1] = str(store)
            runs.append(running.enter_context(started_cli(*args, env=env)))
        try:
            outputs = [each.communicate(timeout=CLI_TIMEOUT_S) for each in runs]
        except subprocess.TimeoutExpired:
            pytest.fail("a run did not end in time")
    elapsed, after = time.time() - started, counts(short_lived)
    for n, (each, (out, err)) in enumerate(zip(runs, outputs, strict=True)):
        assert each.returncode in (0, 1) and "Traceback" not in out + err, (out + err)[-3000:]
        result = judged(short_lived, tmp_path / f"run{n}", out + err)
        assert_passed_but_where_drf_is_lenient(result)
        assert result["auth_notices"] == [] and "warning:" not in out + err
    assert after.get("refresh_token:400", 0) == before.get("refresh_token:400", 0)
    assert after.get("client_credentials:400", 0) == before.get("client_credentials:400", 0)
    refreshed = refreshes_since(short_lived, started)
    assert len(refreshed) >= 2
    assert_one_refresh_per_expiry(refreshed, elapsed)
