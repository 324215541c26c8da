"""Against Node-RED 4 (npm node-red), the Admin HTTP API of a low-code flow runtime, embedded in
an Express app by tests/data/thirdparty/nodered/serve.js and started from its settings.js
(adminAuth on, a temporary userDir, no editor), with defects planted by name by middleware in
front of it; specs written from Node-RED's admin API docs: flows.xml and login.xml.

Node-RED's conventions are the point. A flow (an editor tab) is added by `POST /flow`, answered
200 `{"id"}` only (the docs' tables say 204 with no body, beside "Returns the id of the flow");
`GET /flow/:id` answers it with its nodes, `PUT /flow/:id` replaces it whole and answers
`{"id"}`, `DELETE /flow/:id` answers 204; `GET /flows` answers every tab and node of the
runtime in one flat list, shaped by the `Node-RED-API-Version` header (v1: a bare array, v2:
`{"rev", "flows"}`). Every call carries `Authorization: Bearer <token>` from `POST /auth/token`,
OAuth 2.0's resource owner password grant (RFC 6749 section 4.3) of the fixed client
node-red-admin, scope `*`. And Node-RED checks almost nothing of a flow: on POST only that
`nodes` is there and its nodes have ids, on PUT nothing; a label that is a number, a null
`disabled`, `nodes` sent as a string are all stored (the string's characters become entries of
the runtime's configuration that no flow owns, and outlive the flow). Where it differs from its
docs beside the 200s: a wrong password is 403 invalid_grant (the docs: 401), and the admin is
granted a token for any scope, not only `*` or `read`.

What it shows apitest gets right: the login declared as a `<token>` schema (a form body of
client_id, grant_type and scope pinned by `values`, username and password from
APITEST_TOKEN_FIELD_*) is made once per run and its token sent as `Bearer` on every call; the
same `<token>` schema named by a `type="oauth2"` authentication (official forms only) works
too; a correct Node-RED passes every positive case and keeps nothing; an update not stored, a
delete that keeps the flow, a create that loses the label, reads open without a token and a
token endpoint that ignores the password are each caught and named; of the negative cases,
each body Node-RED wrongly accepts fails, saying so, and is deleted again (no flow of the run
is left); the login's own answers (400, 401, 403, and oauth2orize's 501 for a grant type it
does not serve, declared with an `<error condition>`) pass as the errors they are.

What it showed, now fixed:
- the official `<oauth2>` form of this login could not get a token: a run with the username and
  password refused to start, asking for a client secret Node-RED does not have; given one, it
  sent grant_type=client_credentials over the declared `values="password"`, and every case
  erred. A token-url that pins grant_type to `password` is now a password login (auth/oauth2.
  TokenSource, RFC 6749 section 4.3), its username and password from APITEST_TOKEN_FIELD_*,
  which the run asks for before its first call where they are missing;
- that refusal (oauth2orize answers unsupported_grant_type with 501) was taken for server
  trouble and asked again by every case: 37 refused token calls in one run. An RFC 6749 error
  code other than temporarily_unavailable or server_error is now a refusal whatever the status;
- a list read used as the read-back left out the optional `Node-RED-API-Version: v2` header
  the spec pins, so the answer was v1's bare array: a correct delete's read-back failed
  "expected an object, got an array". A read-back now sends an optional header pinned to one
  value (engine/request._has_given_value).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, cli_env, loopback_client, run_cli
from ._thirdparty import (
    Started,
    assert_passed_clean,
    edited_spec,
    failures,
    list_only_spec,
    npm_package,
    plant,
    run_spec,
    serving_node,
    the_case,
)

NODE_RED = "node-red@4.1.15"
"""The current release of the line that runs on this machine's Node.js 20 (Node-RED 5 wants 22)."""
APP = DATA / "thirdparty" / "nodered"
FLOWS = APP / "flows.xml"
LOGIN_SPEC = APP / "login.xml"
LOGIN = {"username": "hunt-admin-3c9e", "password": "nr-secret-81d2f0"}
VERIFIES = ["verify add flow", "verify update flow", "verify delete flow"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """One Node-RED for the module; each test plants its defects with `plant`."""
    modules = npm_package(NODE_RED) / "node_modules"
    folder = tmp_path_factory.mktemp("nodered") / "server"
    env = {"NODERED_USERNAME": LOGIN["username"], "NODERED_PASSWORD": LOGIN["password"]}
    with serving_node(APP, modules, folder, "/auth/login", env, str(folder / "userdir")) as api:
        yield api


@pytest.fixture
def nodered(server: Started) -> Iterator[Started]:
    """The module's Node-RED with no defect planted, its flows emptied after the test (a full
    deployment of nothing: what a kept delete, or a `nodes` string accepted, left)."""
    plant(server)
    yield server
    plant(server)
    with loopback_client() as http:
        emptied = http.post(f"{server.url}/flows", json=[], headers=admin(server))
    assert emptied.status_code == 204, emptied.text


def admin(api: Started) -> dict[str, str]:
    """The headers of a call as the admin, past apitest."""
    form = {"client_id": "node-red-admin", "grant_type": "password", "scope": "*", **LOGIN}
    with loopback_client() as http:
        answer = http.post(f"{api.url}/auth/token", data=form)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def configuration(api: Started) -> list[Any]:
    """Every entry of Node-RED's running configuration (tabs, nodes, and whatever else it
    stored), read past apitest."""
    headers = {**admin(api), "Node-RED-API-Version": "v2"}
    with loopback_client() as http:
        answer = http.get(f"{api.url}/flows", headers=headers)
    assert answer.status_code == 200, answer.text
    found: list[Any] = answer.json()["flows"]
    return found


def tabs(api: Started) -> list[dict[str, Any]]:
    """The flows Node-RED holds."""
    return [e for e in configuration(api) if isinstance(e, dict) and e.get("type") == "tab"]


def logins(api: Started) -> int:
    """The calls of POST /auth/token since the defects were last planted."""
    with loopback_client() as http:
        count: int = http.get(f"{api.url}/hunt/logins").json()
    return count


def run(api: Started, tmp_path: Path, spec: Path, cases: str) -> tuple[int, dict[str, Any]]:
    """`apitest run SPEC` as the admin, its token store in `tmp_path` (so each run logs in)."""
    store = str(tmp_path / "tokens.json")
    return run_spec(
        spec, api, tmp_path, "--seed", "3", "--cases", cases, "--token-store-path", store,
        fields=LOGIN,
    )  # fmt: skip


def variant(folder: Path, auth_type: str, schema_kind: str) -> Path:
    """flows.xml with its login declared otherwise: the `<authentication type>` given, and the
    schema as a `<token>` or an `<oauth2>` (the same token-url operation inside)."""

    def edit(tree: Any) -> None:
        auth = tree.find("authentication")
        schema = tree.find("authentication-schema/token")
        assert auth is not None and schema is not None
        auth.set("type", auth_type)
        auth.attrib.pop("prefix")
        schema.tag = schema_kind

    return edited_spec(FLOWS, folder, edit)


def sent_headers(result: dict[str, Any], case: str) -> list[dict[str, str]]:
    """The headers of every call the run's cases named `case` sent."""
    cases = [c for c in result["cases"] if c["case"] == case]
    return [call["request_headers"] for c in cases for call in c["calls"]]


def test_a_correct_run_logs_in_once_and_passes_clean(nodered: Started, tmp_path: Path) -> None:
    """And every call carries the login's token as a bearer token; the list is read as v2."""
    status, result = run(nodered, tmp_path, FLOWS, "positive")
    assert logins(nodered) == 1
    assert_passed_clean(status, result, tabs(nodered), VERIFIES)
    calls = [call for c in result["cases"] for call in c["calls"]]
    assert calls and {call["request_headers"]["Authorization"] for call in calls} == {
        "Bearer ${APITEST_ACCESS_TOKEN}"
    }
    listing = the_case(result, "get flows / positive")
    assert listing["status"] == "passed"
    assert listing["calls"][0]["request_headers"]["Node-RED-API-Version"] == "v2"


def test_the_token_schema_named_by_an_oauth2_authentication_is_sent_as_bearer(
    nodered: Started, tmp_path: Path
) -> None:
    """Official forms only (no apitest `prefix`): `type="oauth2"` puts `Bearer` before it."""
    spec = variant(tmp_path / "spec", "oauth2", "token")
    status, result = run(nodered, tmp_path, spec, "positive")
    assert logins(nodered) == 1
    assert_passed_clean(status, result, tabs(nodered), VERIFIES)


@pytest.mark.parametrize(
    ("defect", "case", "said"),
    [
        ("lost-update", "verify update flow", "the write did not stick: $.info: sent "),
        ("kept-delete", "verify delete flow", "is still there after the delete"),
        ("lost-label", "verify add flow", '$.label: sent "Sheet 1", the read answer lacks it'),
    ],
)
def test_each_planted_defect_of_the_flows_is_caught_and_named(
    nodered: Started, tmp_path: Path, defect: str, case: str, said: str
) -> None:
    """And the flow a kept delete left is the one the sweep reports NOT deleted."""
    plant(nodered, defect)
    status, result = run(nodered, tmp_path, FLOWS, "positive")
    kept = tabs(nodered)
    assert status == 1
    assert_caught(result["cases"], case, said)
    assert list(failures(result).values()) == [the_case(result, f"get flow / {case}")["message"]]
    assert result["cleanup_counts"]["not_deleted"] == len(kept) == (defect == "kept-delete")
    if kept:
        (line,) = result["cleanup"]
        assert kept[0]["id"] in line and "NOT deleted" in line, line


def test_reads_open_without_a_token_are_caught(nodered: Started, tmp_path: Path) -> None:
    """adminAuth's `default` read permission: a read without a token, or with a wrong one, is
    answered; the writes still want the token."""
    plant(nodered, "anonymous-read")
    status, result = run(nodered, tmp_path, FLOWS, "negative")
    assert status == 1
    for operation in ("get flow", "get flows"):
        cases = [c for c in result["cases"] if c["operation"] == operation]
        assert_caught(cases, "Missing Token", "answered 200")
        assert_caught(cases, "Invalid Token", "answered 200")
    for operation in ("add flow", "update flow", "delete flow"):
        for case in ("Missing Token", "Invalid Token"):
            assert the_case(result, f"{operation} / {case}")["status"] == "passed"


def test_a_correct_login_passes_and_one_that_ignores_the_password_is_caught(
    nodered: Started, tmp_path: Path
) -> None:
    """login.xml, every case: the login's refusals are the errors they should be (a missing
    grant type's 501 among them); with the password ignored, its Mandatory Property case is
    answered a token."""
    status, result = run(nodered, tmp_path / "correct", LOGIN_SPEC, "all")
    assert status == 0, failures(result)
    assert the_case(result, "log in / Mandatory Property grant_type")["http_status"] == 501
    plant(nodered, "any-password")
    status, result = run(nodered, tmp_path / "planted", LOGIN_SPEC, "all")
    assert status == 1
    assert_caught(result["cases"], "Mandatory Property password", "(answered 200)")
    (caught,) = failures(result)
    assert caught == the_case(result, "log in / Mandatory Property password")["id"]


def test_node_red_checks_only_the_nodes_of_a_flow_and_each_flow_it_accepts_is_deleted(
    nodered: Started, tmp_path: Path
) -> None:
    """Every case fails where Node-RED accepts a body it should refuse, and only there (the
    list read of the lifecycle may meet the entries an accepted `nodes` string left); each flow
    so made is deleted by the run, so what is left is those entries alone, no flow."""
    status, result = run(nodered, tmp_path, FLOWS, "all")
    left = configuration(nodered)
    assert status == 1
    failed = {c["id"]: c for c in result["cases"] if c["status"] != "passed"}
    wrong = [c for c in failed.values() if not c["message"].startswith("the API accepted")]
    assert [(c["operation"], c["case"]) for c in wrong] in ([], [("get flows", "positive")])
    accepted = {c["case"] for c in failed.values() if c["operation"] == "add flow"}
    assert {"Invalid Type label", "Null Value disabled", "Invalid Type nodes"} <= accepted
    refused = {
        f"{c['operation']} / {c['case']}" for c in result["cases"] if c["status"] == "passed"
    }
    assert {
        "add flow / Mandatory Property nodes",
        "add flow / Null Value nodes",
        "get flows / Invalid Header Node-RED-API-Version",
        "update flow / InvalidValueInURLPath id",
    } <= refused
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert left and all(isinstance(entry, str) for entry in left)


def test_the_official_oauth2_form_of_the_password_login_gets_a_token(
    nodered: Started, tmp_path: Path
) -> None:
    """Today the run refuses to start (exit 2): 'add flow needs OAuth2 (admin_login); set
    APITEST_CLIENT_ID and APITEST_CLIENT_SECRET ...', though the spec pins the client and the
    run is given the username and password the call names."""
    spec = variant(tmp_path / "spec", "oauth2", "oauth2")
    status, result = run(nodered, tmp_path, spec, "positive")
    assert_passed_clean(status, result, tabs(nodered), VERIFIES)


def test_a_password_login_without_its_fields_stops_before_the_first_call(
    nodered: Started, tmp_path: Path
) -> None:
    """The `<oauth2>` form pins grant_type=password: with no username and password given, the
    run says which variables to set (exit 2) and calls nothing."""
    spec = variant(tmp_path / "spec", "oauth2", "oauth2")
    done = run_cli(
        "run", str(spec), "--base-url", nodered.url, "--report-dir", str(tmp_path / "r"),
        env=cli_env(credentials=False),
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "whose token-url logs in with a password: set APITEST_TOKEN_FIELD_USERNAME, " in (
        done.stderr
    )
    assert "APITEST_TOKEN_FIELD_PASSWORD" in done.stderr and "Traceback" not in done.stderr
    assert logins(nodered) == 0


def test_a_token_call_refused_with_501_is_not_asked_again_by_every_case(
    nodered: Started, tmp_path: Path
) -> None:
    """The `<oauth2>` form with `grant_type` left unpinned, given Node-RED's client and its
    built-in secret: apitest asks for client credentials, which Node-RED refuses with 501
    {"error": "unsupported_grant_type"}, a judgment asked once, not again by every case."""
    spec = variant(tmp_path / "spec", "oauth2", "oauth2")
    pinned = 'name="grant_type" type="string" values="password"'
    spec.write_text(spec.read_text().replace(pinned, 'name="grant_type" type="string"'))
    env = cli_env(
        credentials=False, APITEST_CLIENT_ID="node-red-admin",
        APITEST_CLIENT_SECRET="not_available",
    )  # fmt: skip
    done = run_cli(
        "run", str(spec), "--base-url", nodered.url, "--report-dir", str(tmp_path / "r"),
        "--json", str(tmp_path / "report.json"), "--cases", "all",
        "--token-store-path", str(tmp_path / "tokens.json"), env=env,
    )  # fmt: skip
    asked = logins(nodered)
    result = json.loads((tmp_path / "report.json").read_text())
    errors = [c["message"] for c in result["cases"] if c["status"] == "error"]
    assert done.returncode == 1 and errors
    assert all("unsupported_grant_type" in message for message in errors), errors
    assert asked <= 1


def test_a_list_read_back_sends_the_header_that_shapes_its_answer(
    nodered: Started, tmp_path: Path
) -> None:
    """GET /flows verifies the writes (no read by id): a correct delete's read-back fails
    "$: expected an object, got an array of 0 items". (The writes' read-backs could not pass
    in any case: a tab in the list does not hold its nodes.)"""
    spec = list_only_spec(FLOWS, "get flow", tmp_path / "spec")
    _status, result = run(nodered, tmp_path, spec, "positive")
    read_backs = sent_headers(result, "verify delete flow")
    assert read_backs and all(h.get("Node-RED-API-Version") == "v2" for h in read_backs)
    assert the_case(result, "get flows / verify delete flow")["status"] == "passed"
