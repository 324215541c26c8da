"""Against GNU Mailman 3 core (PyPI mailman 3.3.10), the REST API of a mailing-list manager:
its own REST WSGI application, served after Mailman's initialize() over SQLite from
tests/data/thirdparty/mailman/serve.py (no master, no runners, no MTA), with defects planted by
name by a WSGI middleware in front of it, and specs written from Mailman's REST API docs
(domains.xml, users.xml, lists.xml, members.xml).

Mailman's conventions are the point: a create (POST /3.1/domains, /users, /lists, /members)
answers 201 Created with an EMPTY body (under `application/json`) and the new record's absolute
URL in its Location header, the only place a user's or a member's id (32 hex digits, Mailman's)
is shown; a domain's key is the mail_host the client sent, a list's the list_id Mailman makes
of the address sent (ant@lists.example.net: ant.lists.example.net). A list's settings are
PATCHed apart, at /3.1/lists/{list_id}/config, and shown by the list's own read. A collection
is `{start, total_size, entries, http_etag}`, `entries` left out where there is none; a PATCH
answers 204, a DELETE 204; errors are Falcon's `{"title", "description"}` (400 for what its
validator refuses, 401 without the REST admin's Basic credentials, 404). Its validator converts
each value with str(), so a number or a null is stored as its text ("5", "None"), and it checks
no form of mail_host: the specs skip those cases (auto-skip-cases, with a comment), and a test
here runs some.

What it shows apitest gets right: a create answered only by a Location is taken at its word:
the record's key is read off the Location's path against the spec's own URLs
(`/domains/{mail_host}`, `/users/{user_id}`, `/lists/{list_id}`, `/members/{member_id}`), and
the record is read back, updated, deleted and swept by it; a member is made on the list_id the
Location of the list's create gave. An update not stored, a delete that keeps the record, a
create that drops a member, a create answered 200, a Location that names another record, a
create with no Location at all are each caught and named.
The Mailman bugs it meets are true reds: a PATCH of an unknown domain, a null is_server_owner or
pre_verified, or a number for a member's subscriber crashes it (500), a non-string
description is stored as its text, and an address with an unquoted "@" in its local part (the
Regex Mismatch value, a match, "!" and the match again) is taken for a user and a member (so a
planted lax email check, which took what Mailman refused, shows nothing more and is gone).

What it showed, now fixed: a negative create that Mailman wrongly accepted with a null
mail_host made the domain "None" (the Location says so); apitest filed that key, but sent
`DELETE /3.1/domains/` (the null it had sent, as ""), took the 404 for "already gone", noted
"the record it made was removed at once" and counted nothing left: the domain stayed. A key the
create's URL or Location names now replaces a null sent under it (engine/effects.
created_items), and a record's key is never sent null or empty (engine/request._record_key).
"""

from __future__ import annotations

import base64
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    Started,
    assert_passed_clean,
    edited_spec,
    emptied,
    failures,
    list_only_spec,
    plant,
    pypi_command,
    run_with_token,
    serving_app,
    the_case,
)

MAILMAN = "mailman==3.3.10"
ALSO = ("sqlalchemy==2.0.45", "falcon==3.1.3")
"""Pinned beside it: Mailman 3.3.10's `GET /users` crashes on SQLAlchemy 2.1, which its
`sqlalchemy>=1.4` lets pip choose; Falcon of its time (3.x), not the 4.x it predates."""
APP = DATA / "thirdparty" / "mailman"
DOMAINS = APP / "domains.xml"
USERS = APP / "users.xml"
LISTS = APP / "lists.xml"
MEMBERS = APP / "members.xml"
PRESET = "lists.example.net"
"""The domain serve.py makes at its start, for the lists' addresses: never the run's."""
TOKEN = "Basic " + base64.b64encode(b"restadmin:restpass").decode()
"""The REST admin of serve.py's mailman.cfg, as the whole Authorization header."""
AUTH = {"Authorization": TOKEN}
KEYS = {"members": "member_id", "lists": "list_id", "users": "user_id", "domains": "mail_host"}
"""Each kind's key, in the order a test's leftovers are deleted (a member before its list)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """One Mailman for the module (its start initializes Mailman and its database, some
    seconds); each test plants its defects with `plant`."""
    python = pypi_command(MAILMAN, "python", *ALSO)
    folder = tmp_path_factory.mktemp("mailman") / "server"
    with serving_app(python, APP, folder, [str(folder)], "/hunt/ready") as api:
        yield api


@pytest.fixture
def mailman(server: Started) -> Iterator[Started]:
    """The module's server with no defect planted, emptied of members, lists, users and
    domains (but lists.example.net) after the test (so a test that kept a record leaves nothing
    to the next; a subscription makes a user of an unknown email too)."""
    plant(server)
    yield server
    kept = [(kind, key) for kind in KEYS for key in held(server, kind) if key != PRESET]
    emptied(server, (f"/3.1/{kind}/{key}" for kind, key in kept), AUTH)


def held(api: Started, kind: str) -> list[str]:
    """The keys of the records of `kind` Mailman holds, read past apitest (`entries` is left
    out of an empty collection)."""
    with loopback_client() as http:
        answer = http.get(f"{api.url}/3.1/{kind}", headers=AUTH)
    assert answer.status_code == 200, answer.text
    return [entry[KEYS[kind]] for entry in answer.json().get("entries", [])]


def together(folder: Path, *specs: Path) -> Path:
    """A folder holding `specs`: a member's spec runs with the lists' it depends on."""
    folder.mkdir()
    for spec in specs:
        shutil.copy(spec, folder / spec.name)
    return folder


def run(api: Started, tmp_path: Path, spec: Path, cases: str) -> tuple[int, dict[str, Any]]:
    return run_with_token(spec, api, tmp_path, TOKEN, "--seed", "3", "--cases", cases, under="/3.1")


def unskipped(spec: Path, operation: str, case: str, folder: Path) -> Path:
    """`spec` with `case` no longer skipped on `operation`: the case Mailman's laxity fails."""

    def edit(tree: Any) -> None:
        op = tree.find(f".//operation[@name='{operation}']")
        assert op is not None
        skipped = str(op.get("auto-skip-cases", "")).split(",")
        op.set("auto-skip-cases", ",".join(name for name in skipped if name != case))

    return edited_spec(spec, folder, edit)


@pytest.mark.parametrize(("spec", "kind"), [(DOMAINS, "domain"), (USERS, "user")])
def test_a_correct_run_passes_every_case_and_leaves_nothing(
    mailman: Started, tmp_path: Path, spec: Path, kind: str
) -> None:
    """And the create is answered 201 with no body: the key of the record it made is the one
    its Location names, by which the record is then read."""
    status, result = run(mailman, tmp_path, spec, "all")
    left = [{"key": key} for key in held(mailman, f"{kind}s") if key != PRESET]
    verifies = [f"verify {verb} {kind}" for verb in ("create", "update", "delete")]
    assert_passed_clean(status, result, left, verifies)
    calls = the_case(result, f"create {kind} / positive")["calls"]
    (call,) = [call for call in calls if call["method"] == "POST"]
    assert (call["status"], call["response_body"]) == (201, None)
    named = call["response_headers"]["location"].rsplit("/", 1)[1]
    (read,) = the_case(result, f"read {kind} / verify create {kind}")["calls"]
    assert read["url"].endswith(f"/3.1/{kind}s/{named}")


def test_a_correct_run_of_lists_and_members_passes_every_case_and_leaves_nothing(
    mailman: Started, tmp_path: Path
) -> None:
    """A list's settings are PATCHed at /lists/{list_id}/config and read back by the list's
    own read; a member is made on a list the run made first (its list_id from the Location of
    that list's create), and each is swept in turn."""
    status, result = run(mailman, tmp_path, together(tmp_path / "spec", LISTS, MEMBERS), "all")
    assert status == 0, failures(result)
    done = sorted(c["case"] for c in result["cases"] if c["kind"] == "operation validation")
    writes = ["create list", "update list settings", "delete list"]
    writes += ["create member", "update member", "delete member"]
    assert done == sorted(f"verify {write}" for write in writes)
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert (held(mailman, "members"), held(mailman, "lists")) == ([], [])
    assert held(mailman, "domains") == [PRESET]


@pytest.mark.parametrize(
    ("defect", "spec", "cases", "case", "said"),
    [
        ("lost-update", DOMAINS, "positive", "verify update domain", "stick: $.description"),
        ("lost-update", USERS, "positive", "verify update user", "stick: $.display_name"),
        ("kept-delete", DOMAINS, "positive", "verify delete domain", "still there after"),
        ("kept-delete", USERS, "positive", "verify delete user", "still there after"),
        ("dropped-member", DOMAINS, "positive", "verify create domain", "stick: $.description"),
        ("dropped-member", USERS, "positive", "verify create user", "stick: $.display_name"),
        ("wrong-location", USERS, "positive", "verify create user", "the write made or changed"),
        ("lost-update", LISTS, "positive", "verify update list settings", "stick: $.description"),
        ("lost-update", MEMBERS, "positive", "verify update member", "stick: $.delivery_mode"),
        ("kept-delete", LISTS, "positive", "verify delete list", "still there after"),
        ("kept-delete", MEMBERS, "positive", "verify delete member", "still there after"),
    ],
)
def test_each_planted_defect_is_caught_and_named(
    mailman: Started, tmp_path: Path, defect: str, spec: Path, cases: str, case: str, said: str
) -> None:
    """(A member's spec runs with the lists' it depends on.)"""
    specs = (LISTS, MEMBERS) if spec == MEMBERS else (spec,)
    plant(mailman, defect)
    status, result = run(mailman, tmp_path, together(tmp_path / "spec", *specs), cases)
    assert status == 1
    assert_caught(result["cases"], case, said)


def test_a_location_naming_mailmans_own_address_is_read_by_its_path(
    mailman: Started, tmp_path: Path
) -> None:
    """Behind a web server, Mailman's Location names its own address (localhost:8001), not the
    one the client reached: the record is the one its path names, read at the run's base URL."""
    plant(mailman, "proxied")
    status, result = run(mailman, tmp_path, USERS, "positive")
    assert status == 0, failures(result)
    calls = the_case(result, "create user / positive")["calls"]
    (call,) = [call for call in calls if call["method"] == "POST"]
    assert call["response_headers"]["location"].startswith("http://localhost:8001/3.1/users/")
    (read,) = the_case(result, "read user / verify create user")["calls"]
    assert read["url"].startswith(mailman.url + "/3.1/users/")
    assert held(mailman, "users") == []


@pytest.mark.parametrize("defect", ["", "kept-delete"])
def test_a_write_read_back_through_the_collection_is_judged_by_its_entries(
    mailman: Started, tmp_path: Path, defect: str
) -> None:
    """Without the read by id, the collection verifies every write: a user made is found in
    `entries`, and the answer after the delete, which has no `entries` at all when none is
    left, reads as gone; a delete that keeps the user is not passed."""
    spec = list_only_spec(USERS, "read user", tmp_path / "spec")
    plant(mailman, *filter(None, [defect]))
    status, result = run(mailman, tmp_path, spec, "positive")
    verified = {c["case"]: c["status"] for c in result["cases"] if c["kind"] != "test"}
    kept = defect == "kept-delete"
    assert verified == {
        "verify create user": "passed",
        "verify update user": "passed",
        "verify delete user": "failed" if kept else "passed",
    }
    assert status == kept
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": int(kept)}
    assert len(held(mailman, "users")) == kept


@pytest.mark.parametrize(("spec", "kind"), [(DOMAINS, "domain"), (USERS, "user")])
def test_a_create_answered_200_fails_and_its_record_is_still_deleted(
    mailman: Started, tmp_path: Path, spec: Path, kind: str
) -> None:
    """The Location of the undeclared 200 still names the record: the run deletes it."""
    plant(mailman, "created-200")
    status, result = run(mailman, tmp_path, spec, "positive")
    assert status == 1
    create = the_case(result, f"create {kind} / positive")
    assert create["status"] == "failed"
    assert create["message"].startswith(f"status 200 is not declared for create {kind}")
    assert [key for key in held(mailman, f"{kind}s") if key != PRESET] == []


def test_a_create_with_no_location_is_named_and_nothing_is_made_up(
    mailman: Started, tmp_path: Path
) -> None:
    """A user's id is Mailman's, shown only by the Location: without one nothing names the
    user made, and the writes that would need it are skipped, never sent to a made-up id."""
    plant(mailman, "no-location")
    status, result = run(mailman, tmp_path, USERS, "positive")
    assert status == 1
    create = the_case(result, "create user / positive")
    assert create["message"].startswith(
        "create user answered 201 with no body and no Location header"
    )
    writes = ("update user / positive", "delete user / positive")
    assert [the_case(result, name)["status"] for name in writes] == ["skipped", "skipped"]


def test_a_domain_with_no_location_is_known_by_the_mail_host_it_sent(
    mailman: Started, tmp_path: Path
) -> None:
    """A domain's key is the client's: where no Location names it, the mail_host sent does."""
    plant(mailman, "no-location")
    status, result = run(mailman, tmp_path, DOMAINS, "positive")
    assert status == 0, failures(result)
    assert held(mailman, "domains") == [PRESET]


def test_mailmans_own_faults_are_true_reds(mailman: Started, tmp_path: Path) -> None:
    """Unskipped, the cases Mailman 3.3.10 fails are failed, each for what it did: a PATCH of
    an unknown domain crashes it (500), a number for a description is stored as its text;
    the domain that wrongly made is deleted at once."""
    spec = unskipped(DOMAINS, "update domain", "InvalidValueInURLPath mail_host", tmp_path / "a")
    spec = unskipped(spec, "create domain", "Invalid Type description", tmp_path / "b")
    status, result = run(mailman, tmp_path, spec, "negative")
    assert status == 1
    crashed = the_case(result, "update domain / InvalidValueInURLPath mail_host")
    assert crashed["http_status"] == 500
    assert "declared unexpected-error response (500 crash)" in crashed["message"]
    stored = the_case(result, "create domain / Invalid Type description")
    assert stored["message"].startswith("the API accepted description = ")
    assert set(failures(result)) == {crashed["id"], stored["id"]}
    assert held(mailman, "domains") == [PRESET]


def test_mailman_takes_an_address_with_an_unquoted_at_in_its_local_part(
    mailman: Started, tmp_path: Path
) -> None:
    """Unskipped, Regex Mismatch email fails: its value, a match, a stray "!" and the match
    again, is no address by RFC 5322 (an unquoted "@" in its local part), and Mailman makes a
    user of it; that user is deleted at once, and nothing else fails."""
    spec = unskipped(USERS, "create user", "Regex Mismatch email", tmp_path / "spec")
    status, result = run(mailman, tmp_path, spec, "negative")
    assert status == 1
    taken = the_case(result, "create user / Regex Mismatch email")
    assert re.match(r'the API accepted email = "[a-z0-9.]+@example\.org![a-z0-9.]+@example\.org"',
                    taken["message"]), taken["message"]  # fmt: skip
    assert set(failures(result)) == {taken["id"]}
    assert "the record it made was removed at once" in " ".join(taken["notes"]), taken["notes"]


def test_a_domain_an_accepted_null_mail_host_made_is_deleted_by_the_name_mailman_gave_it(
    mailman: Started, tmp_path: Path
) -> None:
    spec = unskipped(DOMAINS, "create domain", "Null Value mail_host", tmp_path / "spec")
    status, result = run(mailman, tmp_path, spec, "negative")
    assert status == 1
    accepted = the_case(result, "create domain / Null Value mail_host")
    assert accepted["message"].startswith("the API accepted mail_host = null")
    assert [key for key in held(mailman, "domains") if key != PRESET] == [], accepted["notes"]
    assert any("removed at once" in note for note in accepted["notes"]), accepted["notes"]
    undo = [(call["method"], call["url"]) for call in accepted["calls"][1:]]
    assert ("DELETE", f"{mailman.url}/3.1/domains/None") in undo, undo


def test_an_empty_collection_has_no_entries(mailman: Started) -> None:
    """What the specs declare of a collection: `entries` is left out, not [], when empty."""
    for kind in ("members", "lists", "users"):
        with loopback_client() as http:
            body = http.get(f"{mailman.url}/3.1/{kind}", headers=AUTH).json()
        assert sorted(body) == ["http_etag", "start", "total_size"]
