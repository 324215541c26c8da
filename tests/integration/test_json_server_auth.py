"""ZEST's `<token>` schema against a real login: json-server-auth 2.1 (npm) in front of
json-server 0.17, whose `POST /login` takes `{"email", "password"}` and answers
`{"accessToken": <JWT>, "user": {...}}`, and whose route guard (664) lets anyone read posts and
only a logged-in user write them.

Before, a token call could carry only OAuth's fields (client_id, client_secret, code, ...): the
login went out as `{}`, was refused, and every write of the run failed. A profile now gives the
fields the declared call names (`APITEST_TOKEN_FIELD_<NAME>`, or the profile's `token_fields`),
as secrets that reach no output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..support import DATA, cli_env, free_port, loopback_client, run_cli
from ._thirdparty import JSON_SERVER, Started, npm_package, serving

JSON_SERVER_AUTH = "json-server-auth@2.1.0"
SPEC = DATA / "thirdparty" / "jsauth" / "posts.xml"
EMAIL = "qa@example.com"
PASSWORD = "an-unguessable-pass-7c41"
FIELDS = {"APITEST_TOKEN_FIELD_EMAIL": EMAIL, "APITEST_TOKEN_FIELD_PASSWORD": PASSWORD}
GUARDED = {"/posts*": "/664/posts$1", "/users*": "/600/users$1"}
UNGUARDED = {"/users*": "/600/users$1"}  # a defect: posts open to anyone's writes


def _server(folder: Path, routes: dict[str, str]) -> Iterator[Started]:
    folder.mkdir()
    (folder / "db.json").write_text('{"users": [], "posts": []}', encoding="utf-8")
    (folder / "routes.json").write_text(json.dumps(routes), encoding="utf-8")
    command = npm_package(JSON_SERVER_AUTH, JSON_SERVER) / "node_modules" / ".bin"
    port = free_port()
    with serving(
        [str(command / "json-server-auth"), "db.json", "-r", "routes.json",
         "--port", str(port), "--host", "127.0.0.1"],
        f"http://127.0.0.1:{port}", "/posts", folder / "server.log",
    ) as started:  # fmt: skip
        with loopback_client() as http:
            made = http.post(started.url + "/register", json={"email": EMAIL, "password": PASSWORD})
        assert made.status_code == 201, made.text
        yield started


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    yield from _server(tmp_path_factory.mktemp("jsauth") / "guarded", GUARDED)


def run(api: Started, tmp_path: Path, *options: str, **env: str) -> tuple[Any, dict[str, Any]]:
    """`apitest run` of the posts spec with its own token store: the process, report.json."""
    report = tmp_path / "report.json"
    done = run_cli(
        "run", str(SPEC), "--base-url", api.url, "--token-store-path", str(tmp_path / "tokens"),
        "--report-dir", str(tmp_path / "r"), "--json", str(report), *options,
        env=cli_env(credentials=False, **env),
    )  # fmt: skip
    return done, json.loads(report.read_text()) if report.exists() else {}


def posts(api: Started) -> list[Any]:
    found: list[Any] = api.get("/posts").json()
    return found


def test_the_login_the_schema_declares_gives_the_token_every_write_needs(
    guarded: Started, tmp_path: Path
) -> None:
    done, report = run(guarded, tmp_path, "--cases", "positive", **FIELDS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report["counts"]["failed"] == 0 and report["counts"]["passed"] > 0
    assert report["token_refreshes"] == 1  # one login for the run
    assert posts(guarded) == []  # what the run made, it deleted
    outputs = [done.stdout, done.stderr, *(p.read_text() for p in (tmp_path / "r").iterdir())]
    outputs.append((tmp_path / "report.json").read_text())
    assert not any(PASSWORD in text for text in outputs)
    token = httpx.post(
        guarded.url + "/login", json={"email": EMAIL, "password": PASSWORD}, trust_env=False
    ).json()["accessToken"]
    assert not any(token.split(".")[2] in text for text in outputs)  # its signature, at least


def test_missing_and_invalid_token_cases_pass_against_the_guard(
    guarded: Started, tmp_path: Path
) -> None:
    """json-server validates nothing, so the body's negative cases fail (rightly: the spec
    promises rules it does not keep); the token's cases pass on its 401s."""
    done, report = run(guarded, tmp_path, **FIELDS)
    assert done.returncode == 1, done.stdout + done.stderr
    token_cases = [c for c in report["cases"] if c["case"] in ("Missing Token", "Invalid Token")]
    assert len(token_cases) == 6  # POST, PUT, DELETE each
    assert all(c["status"] == "passed" and c["http_status"] == 401 for c in token_cases)
    wrong = [c for c in report["cases"] if c["status"] == "failed"]
    assert wrong and all(c["message"].startswith("the API accepted") for c in wrong)
    assert posts(guarded) == []


def test_a_profile_file_gives_the_fields_and_keeps_the_secret_in_the_environment(
    guarded: Started, tmp_path: Path
) -> None:
    profiles = tmp_path / "auth.toml"
    profiles.write_text(
        '[auth.profiles.qa.token_fields]\nemail = "qa@example.com"\npassword_env = "QA_PASS"\n',
        encoding="utf-8",
    )
    done, report = run(
        guarded, tmp_path, "--cases", "positive", "--auth", str(profiles), QA_PASS=PASSWORD
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert report["counts"]["failed"] == 0


def test_a_login_without_its_fields_names_them_and_how_to_give_them(
    guarded: Started, tmp_path: Path
) -> None:
    """The writes error, each saying so; the public read passes."""
    done, report = run(guarded, tmp_path, "--cases", "positive")
    assert done.returncode == 1, done.stdout + done.stderr
    said = (
        "refused profile 'default' (HTTP 400); the call names email, password, which the "
        "profile gives no value: set APITEST_TOKEN_FIELD_EMAIL, APITEST_TOKEN_FIELD_PASSWORD"
    )
    assert said in done.stdout, done.stdout
    assert any(said in str(c["message"]) for c in report["cases"] if c["status"] == "error")
    wrong, _ = run(
        guarded, tmp_path / "wrong", "--cases", "positive",
        APITEST_TOKEN_FIELD_EMAIL=EMAIL, APITEST_TOKEN_FIELD_PASSWORD="not-it",
    )  # fmt: skip
    assert wrong.returncode == 1 and "refused profile 'default'" in wrong.stdout, wrong.stdout
    assert "check its credentials" in wrong.stdout  # both fields were given: the values are off
    assert "not-it" not in wrong.stdout + wrong.stderr


def test_posts_open_to_anyone_fail_the_missing_token_cases(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    for api in _server(tmp_path_factory.mktemp("jsauth") / "open", UNGUARDED):
        done, report = run(api, tmp_path, **FIELDS)
        assert done.returncode == 1
        missing = [c for c in report["cases"] if c["case"] == "Missing Token"]
        assert missing and all(c["status"] == "failed" for c in missing), missing
        assert all("the API accepted a call without a token" in c["message"] for c in missing)
        assert posts(api) == []
