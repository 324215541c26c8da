"""Against JupyterHub 5.4 (PyPI jupyterhub), the REST API of the multi-user Hub of Jupyter: its
users, its groups and their members, and its users' API tokens, under /hub/api.
tests/data/thirdparty/jupyterhub/serve.py starts JupyterHub's own application over SQLite
(no configurable-http-proxy: an in-memory route table stands for it, since no server is
spawned) with the DummyAuthenticator, and plants defects by name by wrapping JupyterHub's own
API handlers; users.xml, groups.xml and tokens.xml are written from JupyterHub's REST API
reference.

JupyterHub's conventions are the point: a user's key is its name, and the caller chooses it in
the URL (`POST /users/{name}`, 201, no body); a `PATCH {"name": new}` renames the user, so
the key changes; a group is made the same way, and its members are added and removed by a
POST and a DELETE with a body (`{"users": [...]}`) on `/groups/{name}/users`, each answered
with the group; a token belongs to a user, lives under the user's URL
(`/users/{name}/tokens/{id}`), and its secret is shown by the create only. Errors are
`{"status", "message"}`; no token, or a wrong one, is 403.

What it shows apitest gets right: a create whose key is the URL variable it chose, read back by
it; a correct rename read back, changed and deleted at the new name, and a rename that copied
(the old name still there) or was lost (the new name names nobody) each caught; members that
are the run's own users (`path="users:$.name"`), a member not added, and one not removed (the
DELETE's answer still lists it: an `<error condition>` says so); a token read back under the
user its create named; a kept delete of a user or a token, a create answered 200, a name the
Authenticator should refuse and a Hub that lets anyone read are each caught and named. And
it finds JupyterHub's own faults (test_jupyterhubs_own_faults): a rename takes any name, one
the Authenticator's `username_pattern` refuses at create too, and a token's note that is not
a string is taken (a number stored as its text; a list or an object crashes the Hub, 500),
and a list of users to make holding a name that is no string crashes it too.

What it showed, now fixed:
- an update varied its values from the last body sent, not from the record: a user's create
  sends none, so the PATCH sent `admin: false`, what the new user held, and a Hub that never
  stores `admin` passed with exit 0 (at about half the seeds). An update now differs from
  the record as well (engine/steps._vary_from);
- JupyterHub's paginated list (`{"items", "_pagination": {"total", "next": {"url"}}}`) was
  not read past its first page: a correct create read back by the list failed. `_pagination`
  and a `next` object's `url` are now read (engine/paging);
- a negative case's rename the API accepted was not followed: its undo, the cases sent beside
  it and the cleanup addressed the old name (404: three negative cases passed on it, the
  chain's delete failed on it), and the user was left under the new name while the sweep
  reported the old one deleted. An accepted negative update now moves the record before it
  is restored, the create's URL variable follows a rename (engine/bookkeeping), and the
  negative cases of an update whose body sends the record's naming member go one at a time
  (plan/model.parallel_groups);
- a create of several users (`POST /users {"usernames": [a, b]}`, answered with both) failed
  "answered 201 with 2 records for the 1 it sent", and both users were left on the Hub:
  records an answer holds are now taken as made where the create's body named each by its
  keys (engine/created_keys.each_named_by_the_body).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from lxml import etree

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    Started,
    assert_passed_clean,
    edited_spec,
    emptied,
    failures,
    listed,
    plant,
    pypi_command,
    run_with_token,
    serving_app,
    the_case,
)

JUPYTERHUB = "jupyterhub==5.4.3"
APP = DATA / "thirdparty" / "jupyterhub"
USERS = APP / "users.xml"
GROUPS = APP / "groups.xml"
TOKENS = APP / "tokens.xml"
TOKEN = "hunt-admin-3f9c27d1e84b4a60"
API = "/hub/api"
HEADERS = {"Authorization": f"token {TOKEN}"}
PAGED = {**HEADERS, "Accept": "application/jupyterhub-pagination+json"}
PAGE = 50  # JupyterHub's api_page_default_limit
WRITES: tuple[str, ...] = ("create user", "create users", "update user", "delete user")
WRITES += ("create group", "add members", "delete group", "create token", "delete token")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """One Hub for the module (it starts in some seconds); each test plants its defects with
    `plant`."""
    python = pypi_command(JUPYTERHUB, "python")
    folder = tmp_path_factory.mktemp("jupyterhub") / "hub"
    with serving_app(python, APP, folder, [str(folder), TOKEN], f"{API}/") as api:
        yield api


@pytest.fixture
def hub(server: Started) -> Iterator[Started]:
    """The module's Hub with no defect planted, emptied after the test (so a test whose run
    left a user or a group leaves nothing to the next)."""
    plant(server)
    yield server
    empty(server)


def empty(api: Started) -> None:
    """No defect planted, and no user or group on the Hub (a user's tokens go with it)."""
    held = ((kind, name) for kind in ("groups", "users") for name in names(api, kind))
    emptied(api, (f"{API}/{kind}/{quote(name, safe='')}" for kind, name in held), HEADERS)
    assert names(api, "users") == names(api, "groups") == []


@dataclass
class Correct:
    """The module's one run of all three specs, every case, against a correct Hub."""

    status: int
    result: dict[str, Any]
    left: list[dict[str, Any]]


@pytest.fixture(scope="module")
def correct(server: Started, tmp_path_factory: pytest.TempPathFactory) -> Correct:
    """Run once, read by several tests (each run of apitest costs a second or so)."""
    plant(server)
    status, result = run(server, tmp_path_factory.mktemp("correct"), APP, "all")
    found = Correct(status, result, left(server))
    empty(server)
    return found


def names(api: Started, kind: str) -> list[str]:
    """The names of the users or groups the Hub holds, read past apitest."""
    return [item["name"] for item in listed(api, f"{API}/{kind}", headers=HEADERS)]


def left(api: Started) -> list[dict[str, Any]]:
    """The users and groups the Hub holds, read past apitest."""
    return [
        *listed(api, f"{API}/users", headers=HEADERS),
        *listed(api, f"{API}/groups", headers=HEADERS),
    ]


def run(api: Started, tmp_path: Path, spec: Path, cases: str) -> tuple[int, dict[str, Any]]:
    return run_with_token(spec, api, tmp_path, TOKEN, "--seed", "3", "--cases", cases, under=API)


def variant(folder: Path, spec: Path, edit: Callable[[Any], None]) -> Path:
    """`spec` with `edit` applied to its tree, in `folder` (with users.xml beside it, which
    groups and tokens need)."""
    edited = edited_spec(spec, folder, edit)
    if spec != USERS:
        (folder / USERS.name).write_bytes(USERS.read_bytes())
    return edited


def both(*edits: Callable[[Any], None]) -> Callable[[Any], None]:
    """One edit that makes each of `edits` in turn."""

    def edit(tree: Any) -> None:
        for each in edits:
            each(tree)

    return edit


def unskipped(operation: str) -> Callable[[Any], None]:
    """An edit that gives back the cases the shipped spec skips on `operation`."""

    def edit(tree: Any) -> None:
        (op,) = tree.xpath(f"//operation[@name='{operation}']")
        del op.attrib["auto-skip-cases"]

    return edit


def paged_list_only(tree: Any) -> None:
    """users.xml without its read by name, its list asked for in JupyterHub's paginated form
    (the Accept header its docs name), so that the list verifies every write."""
    (read,) = tree.xpath("//operation[@name='read user']")
    read.getparent().remove(read)
    (listing,) = tree.xpath("//operation[@name='list users']")
    listing.insert(0, etree.fromstring(
        '<argument name="Accept" location="header"><content><encode type="text/plain"/>'
        '<structure><property type="string" values="application/jupyterhub-pagination+json"/>'
        "</structure></content></argument>"
    ))  # fmt: skip
    (content,) = listing.xpath("response[@status='200']/content")
    content.remove(content.find("structure"))
    content.append(etree.fromstring(
        '<structure><property name="items" type="collections" required-for="all">'
        '<structure-ref name="user"/></property>'
        '<property name="_pagination" type="any" required-for="all"/></structure>'
    ))  # fmt: skip
    content.append(etree.fromstring(
        '<path-config data-extraction-path="$.items"><primary path="$.name"/></path-config>'
    ))  # fmt: skip


def of(result: dict[str, Any], operation: str) -> list[dict[str, Any]]:
    return [c for c in result["cases"] if c["operation"] == operation]


def sent(case: dict[str, Any]) -> Any:
    """The body of a case's first call, as sent."""
    return json.loads(case["calls"][0]["request_body"])


def test_a_correct_run_passes_every_case_and_leaves_nothing(correct: Correct) -> None:
    """Each write is read back; groups and tokens are run with the users they need, which the
    run makes and deletes itself. Chains interleave, so the read-backs come in no set order."""
    result = correct.result
    done = [c["case"] for c in result["cases"] if c["kind"] == "operation validation"]
    assert sorted(done) == sorted(f"verify {write}" for write in WRITES)
    assert_passed_clean(correct.status, result, correct.left, done)
    assert not [c for c in result["cases"] if c["status"] != "passed"]


def test_a_rename_moves_the_user_and_its_new_name_is_read_changed_and_deleted(
    correct: Correct,
) -> None:
    result = correct.result
    created = the_case(result, "create user / positive")["url"].rsplit("/", 1)[1]
    update = the_case(result, "update user / positive")
    new = sent(update)["name"]
    assert new != created and update["url"].endswith(f"/users/{created}")
    for case in ("read user / verify update user", "delete user / positive"):
        assert the_case(result, case)["url"].endswith(f"/users/{new}"), case


def test_the_members_are_the_users_the_run_made_for_the_group(correct: Correct) -> None:
    result = correct.result
    chain = the_case(result, "add members / positive")["chain"]
    (prepared,) = [
        c for c in result["cases"]
        if c["chain"] == chain and c["operation"] == "create user"
    ]  # fmt: skip
    user = prepared["url"].rsplit("/", 1)[1]
    for operation in ("add members", "remove members"):
        assert sent(the_case(result, f"{operation} / positive")) == {"users": [user]}


def test_a_token_is_read_and_deleted_under_the_user_its_create_named(correct: Correct) -> None:
    create = the_case(correct.result, "create token / positive")
    made = json.loads(create["calls"][0]["response_body"])
    assert made["token"] and create["url"].endswith(f"/users/{made['user']}/tokens")
    mine = f"/users/{made['user']}/tokens/{made['id']}"
    for case in ("read token / verify create token", "delete token / positive"):
        assert the_case(correct.result, case)["url"].endswith(mine), case


@pytest.mark.parametrize(
    ("defect", "spec", "cases", "operation", "case", "said"),
    [
        ("lost-rename", USERS, "positive", None, "verify update user",
         "is not there (read user answered 404"),
        ("copying-rename", USERS, "positive", "update user", "positive",
         "was still there when read back at the end of the run"),
        ("kept-user", USERS, "positive", None, "verify delete user",
         "is still there after the delete"),
        ("wrong-status", USERS, "positive", "create user", "positive",
         "status 200 is not declared for create user"),
        ("lenient-names", USERS, "negative", "create user", "InvalidValueInURLPath name",
         "the API accepted URL path variable name="),
        ("open-door", USERS, "negative", "read user", "Missing Token",
         "the API accepted a call without a token"),
        ("open-door", USERS, "negative", "list users", "Invalid Token",
         "the API accepted an invalid token"),
        ("dropped-member", GROUPS, "positive", None, "verify add members",
         "the write did not stick: $.users: sent 1 item(s), read 0"),
        ("kept-member", GROUPS, "positive", "remove members", "positive",
         "the error condition `RESPONSE:$.users contains REQUEST:$.users[0]` holds"),
        ("dropped-note", TOKENS, "positive", None, "verify create token",
         "the write did not stick: $.note: sent "),
        ("kept-token", TOKENS, "positive", None, "verify delete token",
         "is still there after the delete"),
    ],
)  # fmt: skip
def test_each_planted_defect_is_caught_and_named(
    hub: Started,
    tmp_path: Path,
    defect: str,
    spec: Path,
    cases: str,
    operation: str | None,
    case: str,
    said: str,
) -> None:
    """And a user a kept delete left is reported NOT deleted by the sweep; nothing else is
    left."""
    plant(hub, defect)
    status, result = run(hub, tmp_path, spec, cases)
    kept = names(hub, "users")
    assert status == 1
    judged = [c for c in result["cases"] if operation in (None, c["operation"])]
    assert_caught(judged, case, said)
    assert kept == [] or defect == "kept-user", kept
    for name in kept:
        assert [line for line in result["cleanup"] if f"(name={name}) NOT deleted" in line]
    assert names(hub, "groups") == []


def test_jupyterhubs_own_faults(hub: Started, tmp_path: Path) -> None:
    """The shipped specs skip two cases JupyterHub fails by its own fault; given back, each
    is caught: the Hub renames a user to a name its username_pattern refuses (it checks the
    pattern where a user is made, not where one is renamed), and takes a token's note of
    another JSON type, storing a number as its text (a list or an object crashes it, 500,
    which no generated case sends); and a list of names to make holding a number or a null
    crashes it, 500, as a list of members to add or remove does."""
    spec = variant(tmp_path / "users", USERS, unskipped("update user"))
    _status, result = run(hub, tmp_path / "u", spec, "negative")
    rename = the_case(result, "update user / Regex Mismatch name")
    assert (rename["status"], rename["http_status"]) == ("failed", 200)
    assert rename["message"].startswith("the API accepted name = ")
    assert json.loads(rename["calls"][0]["response_body"])["name"] == sent(rename)["name"]
    spec = variant(tmp_path / "tokens", TOKENS, unskipped("create token"))
    _status, result = run(hub, tmp_path / "t", spec, "negative")
    note = the_case(result, "create token / Invalid Type note")
    assert (note["status"], note["http_status"]) == ("failed", 201)
    assert note["message"].startswith("the API accepted note = ")
    answered = json.loads(note["calls"][0]["response_body"])
    assert answered["note"] == str(sent(note)["note"])
    with loopback_client() as http:
        made = http.post(f"{hub.url}{API}/users/noter", headers=HEADERS)
        assert made.status_code == 201, made.text
        crash = http.post(
            f"{hub.url}{API}/users/noter/tokens", headers=HEADERS, json={"note": ["a", "list"]}
        )
    assert crash.status_code == 500, crash.text
    spec = variant(tmp_path / "made", USERS, unskipped("create users"))
    _status, result = run(hub, tmp_path / "m", spec, "negative")
    for case in ("Invalid Type usernames[0]", "Null Value usernames[0]"):
        crashed = the_case(result, f"create users / {case}")
        assert (crashed["status"], crashed["http_status"]) == ("failed", 500), crashed
        assert "unexpected-error response (500 crash)" in crashed["message"]
    spec = variant(
        tmp_path / "members", GROUPS, both(unskipped("add members"), unskipped("remove members"))
    )
    _status, result = run(hub, tmp_path / "g", spec, "negative")
    for name in ("add members", "remove members"):
        for case in ("Invalid Type users[0]", "Null Value users[0]"):
            crashed = the_case(result, f"{name} / {case}")
            assert (crashed["status"], crashed["http_status"]) == ("failed", 500), crashed


def test_an_update_that_does_not_store_admin_is_caught(hub: Started, tmp_path: Path) -> None:
    plant(hub, "lost-admin")
    status, result = run(hub, tmp_path, USERS, "positive")
    assert status == 1
    assert_caught(result["cases"], "verify update user", "$.admin")


def test_a_rename_a_negative_case_made_is_followed(hub: Started, tmp_path: Path) -> None:
    spec = variant(tmp_path / "users", USERS, unskipped("update user"))
    _status, result = run(hub, tmp_path / "u", spec, "negative")
    after = [
        c["case"] for c in of(result, "update user")
        if c["http_status"] == 404 and c["case"] != "InvalidValueInURLPath name"
    ]  # fmt: skip
    assert after == [], f"passed on the 404 of a user the rename had moved: {after}"
    restore = the_case(result, "update user / Regex Mismatch name")["notes"]
    assert any("was restored at once" in note for note in restore), restore
    assert result["cleanup_counts"]["not_deleted"] == 0
    assert names(hub, "users") == [], "left behind under the name the rename gave it"


def test_a_write_read_back_through_the_paginated_list_is_found_on_its_page(
    hub: Started, tmp_path: Path
) -> None:
    with loopback_client() as http:
        for number in range(PAGE + 5):
            made = http.post(f"{hub.url}{API}/users/before{number:02d}", headers=HEADERS)
            assert made.status_code == 201, made.text
    with loopback_client() as http:
        page = http.get(f"{hub.url}{API}/users", headers=PAGED).json()
    assert page["_pagination"]["next"]["url"]  # the Hub names its next page
    spec = variant(tmp_path / "paged", USERS, paged_list_only)
    status, result = run(hub, tmp_path / "r", spec, "positive")
    assert the_case(result, "list users / verify create user")["status"] == "passed"
    assert status == 0, failures(result)


def two_at_once(tree: Any) -> None:
    """users.xml whose create of several users asks for two at once."""
    (names_sent,) = tree.xpath("//operation[@name='create users']//property[@name='usernames']")
    names_sent.set("length", "2,10")


def test_a_create_of_two_users_takes_both_as_made(hub: Started, tmp_path: Path) -> None:
    spec = variant(tmp_path / "users", USERS, two_at_once)
    status, result = run(hub, tmp_path / "r", spec, "positive")
    create = the_case(result, "create users / positive")
    assert len(sent(create)["usernames"]) == 2
    assert create["status"] == "passed", create["message"]
    assert names(hub, "users") == [], "left behind: the run made them and deleted neither"
    assert status == 0, failures(result)
