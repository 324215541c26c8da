"""fastapi-users (PyPI): a FastAPI app behind the JWT bearer backend, where the token comes
from a LOGIN, not from OAuth client credentials. tests/data/thirdparty/fastapi-users holds
serve.py (fastapi-users' own routes, a custom user field, and an /items CRUD of the app's own
owned by the logged-in user; defects planted by name), items.xml, and users/ (register and
/users/{id} as a superuser, /users/me), written from fastapi-users' docs. The login is a
`<token>` schema whose token-url declares `POST /auth/jwt/login` with a FORM body of
`username` and `password`, filled from APITEST_TOKEN_FIELD_USERNAME / _PASSWORD.

What it shows apitest gets right: the form login is built from the declared operation and
made once per run; a token the API lets expire (a 2 s JWT) is renewed on the 401 and the call
replayed, so a correct API still passes every case; a wrong password is one refused login,
said on every case that needed the token and asked no more, a missing password names the
variable to set, and neither value reaches any output (the user's email, which the API echoes
in /users/me, is masked in the report too); each planted defect of the items (an update or a
create that does not stick, a kept delete, a 500 on a null, routes open without a token) and
of /users/me is caught and named. It also found a bug of fastapi-users 15.0.5 itself:
`PATCH /users/{id}` with `"email": null` (or a null is_active, is_superuser, is_verified)
reaches the NOT NULL column and answers 500.

What it showed, now fixed:
- the token store keyed a `<token>` login by profile and token URL only: a run logging in as
  another user (even with a wrong password) was handed the first user's stored token, passed,
  and tested as someone else (the key now holds a digest of the login's fields);
- a refused login said only "(HTTP 400)": fastapi-users' reason, `{"detail":
  "LOGIN_BAD_CREDENTIALS"}` (FastAPI's error shape), was dropped (auth/token_answer.reason);
- on a pre-loaded singleton (/users/me) the undo of a wrongly accepted negative update
  rewrote the record the lifecycle chain had just updated, before its read-back, which then
  said the correct update "did not stick": a resource with no create now runs its negative
  cases after its positive ones, in one chain (plan/graph._chains_once).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    Started,
    case_named,
    edited_spec,
    failures,
    must_refuse,
    pypi_command,
    run_spec,
    serving_app,
)

FASTAPI_USERS = (
    "fastapi-users==15.0.5",
    "fastapi-users-db-sqlalchemy==7.0.0",
    "aiosqlite==0.22.1",
    "uvicorn==0.54.0",
    "fastapi==0.165.0",
    "sqlalchemy==2.0.58",
)
APP = DATA / "thirdparty" / "fastapi-users"
ITEMS = APP / "items.xml"
USERS = APP / "users"
LOGIN = {"username": "qa-3f9c@example.com", "password": "fu-secret-8d1e4b"}
LOGIN_CALL = '"POST /auth/jwt/login HTTP/1.1"'
ITEM_DEFECTS = ("lost-update", "kept-delete", "dropped-field", "null-update", "lost-me-update")
"""Planted together: each shows in a case of its own."""


def items_api(
    folder: Path, *defects: str, lifetime_s: int = 3600
) -> AbstractContextManager[Started]:
    python = pypi_command(FASTAPI_USERS[0], "python", *FASTAPI_USERS[1:])
    argv = [str(folder / "app.sqlite"), f"{LOGIN['username']}:{LOGIN['password']}"]
    env = {
        "FASTAPI_USERS_DEFECTS": ",".join(defects),
        "FASTAPI_USERS_JWT_LIFETIME": str(lifetime_s),
    }
    return serving_app(python, APP, folder, argv, "/items", env=env)


@pytest.fixture(scope="module")
def correct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    with items_api(tmp_path_factory.mktemp("fastapi-users") / "correct") as api:
        yield api


@pytest.fixture(scope="module")
def defective(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    with items_api(tmp_path_factory.mktemp("fastapi-users") / "defective", *ITEM_DEFECTS) as api:
        yield api


@pytest.fixture(scope="module")
def defective_run(
    defective: Started, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, dict[str, Any]]:
    return run(defective, tmp_path_factory.mktemp("defective-run"), ITEMS, "all")


def run(
    api: Started,
    tmp_path: Path,
    spec: Path = ITEMS,
    cases: str = "positive",
    fields: dict[str, str] | None = None,
    tokens: Path | None = None,
) -> tuple[int, dict[str, Any]]:
    """apitest against `api` logging in with `fields` (LOGIN unless given), its tokens kept in
    `tokens` (a store of the test's own unless given: the session's would hand a later test
    the token an earlier one stored)."""
    store = tokens or tmp_path / "tokens.json"
    return run_spec(
        spec, api, tmp_path, "--seed", "3", "--cases", cases,
        "--token-store-path", str(store), fields=LOGIN if fields is None else fields,
    )  # fmt: skip


def logins(api: Started) -> list[str]:
    """The statuses of the login calls the API has answered so far (uvicorn's access log)."""
    lines = api.log.read_text(errors="replace").splitlines()
    return [line.split(LOGIN_CALL, 1)[1].split()[0] for line in lines if LOGIN_CALL in line]


def token(api: Started, username: str, password: str) -> str:
    with loopback_client() as http:
        answer = http.post(
            f"{api.url}/auth/jwt/login", data={"username": username, "password": password}
        )
    assert answer.status_code == 200, answer.text
    found: str = answer.json()["access_token"]
    return found


def items(api: Started) -> list[dict[str, Any]]:
    """The items of the test user, asked with a login of the test's own."""
    with loopback_client() as http:
        answer = http.get(
            f"{api.url}/items", headers={"Authorization": f"Bearer {token(api, **LOGIN)}"}
        )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def delayed(spec: Path, operation: str, delay_ms: int, folder: Path) -> Path:
    """A copy of `spec` in `folder` whose `operation` has that validation-delay: its
    read-back waits so long after the write."""

    def edit(tree: Any) -> None:
        found = [op for op in tree.iter("operation") if op.get("name") == operation]
        assert len(found) == 1, operation
        found[0].set("validation-delay", str(delay_ms))

    return edited_spec(spec, folder, edit)


def test_a_correct_api_passes_every_case_with_one_login_and_leaves_no_item(
    correct: Started, tmp_path: Path
) -> None:
    before = len(logins(correct))
    status, result = run(correct, tmp_path, ITEMS, "all")
    assert status == 0, failures(result)
    cases = result["cases"]
    verifies = [c["case"] for c in cases if c["kind"] == "operation validation"]
    assert verifies == ["verify create item", "verify update item", "verify delete item"]
    tokens = [c for c in cases if c["case"] in ("Missing Token", "Invalid Token")]
    assert len(tokens) == 10 and {c["http_status"] for c in tokens} == {401}
    unknown = {c["http_status"] for c in cases if c["negative_kind"] == "Unknown Key"}
    assert unknown == {404}  # a well-formed id no item has
    refused = {
        c["http_status"] for c in cases if must_refuse(c) and c["negative_kind"] != "Unknown Key"
    }
    assert refused == {401, 422}
    assert logins(correct)[before:] == ["200"]  # the form login, once for the whole run
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert items(correct) == []


def test_a_token_that_expires_mid_run_is_renewed_on_the_401(tmp_path: Path) -> None:
    """A 2 s JWT, and a read-back that waits 2.5 s: the login answers no expires_in, so the
    expiry shows only as the API's 401, upon which apitest logs in again and replays."""
    spec = delayed(ITEMS, "update item", 2500, tmp_path / "spec")
    with items_api(tmp_path / "api", lifetime_s=2) as api:
        status, result = run(api, tmp_path, spec, "all")
        seen = logins(api)
    assert status == 0, failures(result)
    assert len(seen) >= 2 and set(seen) == {"200"}  # logged in again, never refused
    assert result["token_refreshes"] == len(seen)
    assert case_named(result, "read item / verify update item")["status"] == "passed"


@pytest.mark.parametrize(
    ("case", "said"),
    [
        ("read item / verify update item", "the write did not stick: $.note: sent "),
        ("read item / verify delete item", "is still there after the delete"),
        (
            "delete item / record prepared for negative cases",
            "answered 204, but the items record",
        ),
        ("read item / verify create item", "the write did not stick: $.note: sent "),
        ("update item / Null Value title", "its declared unexpected-error response (500"),
        ("update item / Null Value quantity", "its declared unexpected-error response (500"),
    ],
)
def test_each_planted_item_defect_is_caught_and_named(
    defective_run: tuple[int, dict[str, Any]], case: str, said: str
) -> None:
    status, result = defective_run
    assert status == 1
    assert_caught([case_named(result, case)], case.split(" / ", 1)[1], said)


def test_the_planted_item_defects_fail_nothing_else(
    defective_run: tuple[int, dict[str, Any]],
) -> None:
    _, result = defective_run
    assert {
        f"{c['operation']} / {c['case']}" for c in result["cases"] if c["status"] != "passed"
    } == {
        "read item / verify update item",
        "read item / verify delete item",
        "delete item / record prepared for negative cases",  # kept: found by the end-of-run read
        "read item / verify create item",
        "update item / Null Value title",
        "update item / Null Value quantity",
    }


def test_items_open_without_a_token_fail_each_token_case(tmp_path: Path) -> None:
    with items_api(tmp_path / "api", "open-items") as api:
        status, result = run(api, tmp_path, ITEMS, "all")
    assert status == 1
    assert_caught(result["cases"], "Missing Token", "the API accepted a call without a token")
    assert_caught(result["cases"], "Invalid Token", "the API accepted an invalid token")
    failed = [
        f"{c['operation']} / {c['case']}: {c['message']}"
        for c in result["cases"]
        if c["status"] != "passed"
    ]
    assert len(failed) == 10, "\n".join(failed)  # each named: a count told nothing at 11


def test_a_wrong_password_is_one_refused_login_said_on_each_case(
    correct: Started, tmp_path: Path
) -> None:
    """run_spec fails the test too if the password or the username shows in any output."""
    before = len(logins(correct))
    wrong = {**LOGIN, "password": "not-the-password-5a1"}
    status, result = run(correct, tmp_path, ITEMS, "all", fields=wrong)
    assert status == 1
    assert logins(correct)[before:] == ["400"]  # asked once, not once per case
    said = f"the token-url {correct.url}/auth/jwt/login refused profile 'default' (HTTP 400 "
    said += "(LOGIN_BAD_CREDENTIALS)); "  # FastAPI's `detail`: the server's reason, said
    erred = [c for c in result["cases"] if c["status"] == "error"]
    assert erred and all(c["message"].startswith(said) for c in erred)
    passed = {c["case"] for c in result["cases"] if c["status"] == "passed"}
    assert passed == {"Missing Token", "Invalid Token"}  # they need no token to be judged


def test_a_login_without_its_password_names_the_variable_to_set(
    correct: Started, tmp_path: Path
) -> None:
    fields = {"username": LOGIN["username"]}
    status, result = run(correct, tmp_path, ITEMS, fields=fields)
    assert status == 1
    said = "the call names password, which the profile gives no value: set "
    said += "APITEST_TOKEN_FIELD_PASSWORD"
    assert said in case_named(result, "create item / positive")["message"]


def test_a_run_as_another_user_does_not_take_the_first_users_token(
    correct: Started, tmp_path: Path
) -> None:
    other = {"username": "other-77b2@example.com", "password": "other-secret-c40a"}
    with loopback_client() as http:
        made = http.post(
            f"{correct.url}/auth/register", json={"email": other["username"], "password": "x1"}
        )  # registered with another password than the one the run is given
    assert made.status_code == 201, made.text
    tokens = tmp_path / "tokens.json"
    status, _ = run(correct, tmp_path / "first", tokens=tokens)
    assert status == 0
    before = len(logins(correct))
    status, result = run(correct, tmp_path / "second", fields=other, tokens=tokens)
    assert logins(correct)[before:] == ["400"], "the second user's login was never asked"
    assert status == 1, failures(result)


def test_the_users_routes_of_a_correct_api_pass(correct: Started, tmp_path: Path) -> None:
    """Register, read, update and delete a user as a superuser; read and update /users/me."""
    status, result = run(correct, tmp_path, USERS)
    assert status == 0, failures(result)
    verifies = {c["case"] for c in result["cases"] if c["kind"] == "operation validation"}
    assert verifies == {
        "verify register",
        "verify users:patch_user",
        "verify users:delete_user",
        "verify users:patch_current_user",
    }
    me = case_named(result, "users:current_user / positive")
    assert '"email":"***"' in me["calls"][0]["response_body"]  # the login's username, masked
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}


def test_fastapi_users_own_500_on_a_null_email_is_caught(correct: Started, tmp_path: Path) -> None:
    """fastapi-users 15.0.5's UserUpdate takes `"email": null` (Optional[EmailStr]) and
    stores it: the NOT NULL column answers 500, the same for is_active, is_superuser and
    is_verified. (uvicorn closes the connection after each such 500, so the call after one may
    err "connection reset": the run fails on the 500s either way.)"""
    status, result = run(correct, tmp_path, USERS, "all")
    assert status == 1
    failed = {f"{c['operation']} / {c['case']}" for c in result["cases"] if c["status"] == "failed"}
    names = ("email", "is_active", "is_superuser", "is_verified")
    assert failed == {f"users:patch_user / Null Value {name}" for name in names}
    for name in failed:
        found = case_named(result, name)
        assert found["http_status"] == 500
        assert "its declared unexpected-error response (500 crash)" in found["message"]
    registered = case_named(result, "register / Null Value email")
    assert registered["status"] == "passed" and registered["http_status"] == 422


def test_a_lost_update_of_users_me_is_caught(defective: Started, tmp_path: Path) -> None:
    status, result = run(defective, tmp_path, USERS)
    assert status == 1
    said = "the write did not stick: $.display_name: sent "
    assert_caught(result["cases"], "verify users:patch_current_user", said)
    assert set(failures(result)) == {
        c["id"] for c in result["cases"] if c["case"] == "verify users:patch_current_user"
    }


def test_an_undone_negative_update_of_users_me_fails_only_its_own_case(tmp_path: Path) -> None:
    """/users/me takes a display_name of any length ("long-display-name"): the Length
    Violation case is rightly failed. The lifecycle's update (read back after 1 s, as a
    validation-delay says) stuck, and its read-back should pass."""
    folder = tmp_path / "users"
    delayed(USERS / "me.xml", "users:patch_current_user", 1000, folder)
    (folder / "users.xml").write_bytes((USERS / "users.xml").read_bytes())
    with items_api(tmp_path / "api", "long-display-name") as api:
        status, result = run(api, tmp_path, folder, "all")
    assert status == 1
    me = [c for c in result["cases"] if c["resource"] == "me" and c["status"] != "passed"]
    assert [c["case"] for c in me] == ["Length Violation display_name (over max)"], failures(result)
