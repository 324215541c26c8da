"""Against Matrix Synapse 1.163 (PyPI matrix-synapse), the homeserver's Admin API: its
registration tokens, its users and its rooms. tests/data/thirdparty/synapse/serve.py generates
the homeserver's config into the test's folder (SQLite, no presence, no federation sending, no
key servers), runs Synapse as its child and puts a small proxy in front of it that plants
defects by name; the test registers a server admin with the config's shared secret (the HMAC
register API) and runs apitest with its access token as the Bearer token.
registration_tokens.xml, users.xml and rooms.xml are written from Synapse's Admin API docs (and
the Matrix client-server spec for the two room calls it makes).

Synapse's conventions are the point: a registration token's create is
`POST /v1/registration_tokens/new`, answered 200 (not 201) with the token, whose key is the
token itself; its update is a PUT answered with the token, its delete 200 `{}`; a list is
`{"registration_tokens": [...]}`. A user's key is its Matrix ID, chosen by the caller in the
URL, and `PUT /v2/users/{user_id}` both makes a user (201) and changes one (200). A user is
never deleted: `POST /v1/deactivate/{user_id}` deactivates it, and it still reads, 200 with
`deactivated: true` (the read's `<error condition>` declares that gone). A room is made by the
client API (`POST /_matrix/client/v3/createRoom`, answered `{"room_id"}` only), renamed by a
state event, and deleted by `DELETE /v2/rooms/{room_id}`, which is asynchronous: it answers a
`delete_id` at once and purges the room in the background (the delete's validation-delay).
Errors are `{"errcode", "error"}`, 400 for a bad value (Synapse takes only JSON integers where
it wants one), 401 without a token or with a wrong one.

What it shows apitest gets right: the 200 create and the `{}` delete of a token, the list's
records under `$.registration_tokens`, a key of `.` `~` `-` characters in a URL; a create
whose key is the URL variable it chose (`@...:localhost`, sent percent-encoded), read back by
it; a delete that is a POST to another URL, read back as gone through the soft-delete
condition; a create whose answer is the key alone, read back for the name and topic sent; the
asynchronous delete waited out by its validation-delay, or polled by --eventually; an update
not stored (a token's, a user's, a room's name), a create that drops `uses_allowed`, a kept
delete (token, room), a kept deactivation, a negative `uses_allowed` accepted and a user's
create answered 200 are each caught and named. And it finds Synapse's own fault
(test_synapses_own_fault): a user's create takes a displayname that its update refuses (a
number, stored as its text; null; one past 256 characters). Past apitest, a createRoom refused
400 for its name's or topic's type leaves a half-made room behind
(test_a_refused_create_room_leaves_a_room): no run can see that from the 400.

What it showed, now fixed:
- a user that was there before the run was updated and deactivated by it: the same --seed
  makes the same user IDs, and a user an earlier run left active was PUT again, answered 200
  (modified), a success the create does not declare, and filed as made. A create that names
  its record by keys it sends (generated ones too, not only pinned ones) now reads them first
  and is not sent over a record the run did not make (engine/before_create.there_before, its
  message naming --seed);
- --eventually polled a chain's read-back but not the end-of-run read of a cleanup's delete:
  a room still purging failed the negative cases' cleanup, was deleted again (400: a purge
  is under way) and was reported NOT deleted. That read now polls too (engine/eventually).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    Started,
    assert_passed_clean,
    failures,
    ledger_of,
    must_refuse,
    plant,
    pypi_command,
    run_with_token,
    serving_app,
    the_case,
    without_attribute,
)

SYNAPSE = "matrix-synapse==1.163.2"
APP = DATA / "thirdparty" / "synapse"
TOKENS = APP / "registration_tokens.xml"
USERS = APP / "users.xml"
ROOMS = APP / "rooms.xml"
ADMIN = "/_synapse/admin"
OWN_FAULTS = (
    "Invalid Type displayname",
    "Length Violation displayname (over max)",
    "Null Value displayname",
)


@dataclass
class Homeserver:
    """The module's Synapse, and the access token of the admin the test registered."""

    api: Started
    token: str

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """An Admin API call past apitest, as the admin: its JSON answer (a 2xx, asserted)."""
        with loopback_client() as http:
            answer = http.request(
                method, self.api.url + ADMIN + path, json=body,
                headers={"Authorization": f"Bearer {self.token}"},
            )  # fmt: skip
        assert answer.is_success, answer.text
        return answer.json()

    def tokens(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.admin("GET", "/v1/registration_tokens")[
            "registration_tokens"
        ]
        return found

    def active_users(self) -> list[dict[str, Any]]:
        """The users that are not deactivated, other than the admin."""
        users = self.admin("GET", "/v2/users?limit=1000")["users"]
        return [u for u in users if u["name"] != "@admin:localhost"]

    def rooms(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.admin("GET", "/v1/rooms?limit=1000")["rooms"]
        return found

    def user(self, user_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.admin("GET", f"/v2/users/{quote(user_id)}")
        return found


def register_admin(api: Started, secret: str) -> str:
    """The access token of an admin registered through the shared-secret register API."""
    with loopback_client() as http:
        nonce = http.get(f"{api.url}{ADMIN}/v1/register").json()["nonce"]
        mac = hmac.new(
            secret.encode(), b"\x00".join([nonce.encode(), b"admin", b"admin-pass-1", b"admin"]),
            hashlib.sha1,
        ).hexdigest()  # fmt: skip
        body = {"nonce": nonce, "username": "admin", "password": "admin-pass-1", "admin": True}
        made = http.post(f"{api.url}{ADMIN}/v1/register", json={**body, "mac": mac})
    assert made.status_code == 200, made.text
    token: str = made.json()["access_token"]
    return token


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    """One homeserver for the module (a few seconds to start); each test plants its defects
    with `plant`."""
    python = pypi_command(SYNAPSE, "python")
    folder = tmp_path_factory.mktemp("synapse") / "server"
    with serving_app(python, APP, folder, [str(folder / "home")], "/health") as api:
        secret = (folder / "home" / "shared_secret").read_text()
        yield Homeserver(api, register_admin(api, secret))


@pytest.fixture
def synapse(server: Homeserver) -> Iterator[Homeserver]:
    """The module's homeserver with no defect planted; after the test, no token left and no
    user active but the admin (a user is never deleted: deactivated)."""
    plant(server.api)
    yield server
    plant(server.api)
    for token in server.tokens():
        server.admin("DELETE", f"/v1/registration_tokens/{token['token']}")
    for user in server.active_users():
        server.admin("POST", f"/v1/deactivate/{quote(user['name'])}", {"erase": True})
    for room in server.rooms():
        server.admin("DELETE", f"/v2/rooms/{quote(room['room_id'])}", {"purge": True})
    deadline = time.monotonic() + 10
    while server.rooms() and time.monotonic() < deadline:
        time.sleep(0.1)  # a room's delete is asynchronous: purged in the background


SEEDS = itertools.count(3)
"""A seed per run: the same seed makes the same user IDs, and a deactivated user's ID stays
taken on the homeserver the module shares (Synapse answers the next PUT to it 200)."""


def run(
    synapse: Homeserver,
    tmp_path: Path,
    spec: Path,
    cases: str,
    seed: int | None = None,
    *options: str,
) -> tuple[int, dict[str, Any]]:
    """`apitest run SPEC`: the rooms' spec from the server's root (it reaches the client API
    too), the others under the Admin API's."""
    seed = next(SEEDS) if seed is None else seed
    return run_with_token(
        spec, synapse.api, tmp_path, synapse.token, "--seed", str(seed), "--cases", cases,
        *options, under="" if spec.name == ROOMS.name else ADMIN,
    )  # fmt: skip


def unskipped_users_spec(folder: Path) -> Path:
    """users.xml without the create's auto-skip-cases: the displayname cases Synapse fails."""
    create = "//operation[@name='create user']"
    return without_attribute(USERS, folder, create, "auto-skip-cases")


def undelayed_rooms_spec(folder: Path) -> Path:
    """rooms.xml without the delete's validation-delay: a spec that relies on --eventually."""
    return without_attribute(ROOMS, folder, "//operation[@name='delete room']", "validation-delay")


def test_a_correct_token_run_passes_every_case_and_leaves_nothing(
    synapse: Homeserver, tmp_path: Path
) -> None:
    """The create's 200 is its success (the spec declares no 201), the list's tokens are
    found under `$.registration_tokens`, and every body case is refused 400."""
    status, result = run(synapse, tmp_path, TOKENS, "all")
    kinds = ("create", "update", "delete")
    assert_passed_clean(
        status, result, synapse.tokens(), [f"verify {k} registration token" for k in kinds]
    )
    assert not [c for c in result["cases"] if c["status"] != "passed"]
    create = the_case(result, "create registration token / positive")
    assert create["http_status"] == 200
    refused = {
        c["case"]: c["http_status"]
        for c in result["cases"]
        if c["operation"] == "create registration token"
        and (must_refuse(c) or c["case"] == "positive")
    }
    assert refused.pop("positive") == 200
    assert refused.pop("Missing Token") == refused.pop("Invalid Token") == 401
    assert set(refused.values()) == {400}
    assert "Invalid Value uses_allowed (below range)" in refused


def test_a_correct_user_run_passes_and_leaves_no_user_active(
    synapse: Homeserver, tmp_path: Path
) -> None:
    """A create by a PUT to the user's own ID (201), its update by the same PUT (200), its
    delete a POST to /v1/deactivate: the user still reads, deactivated, which the read's
    error condition declares gone. The displayname cases Synapse fails are skipped by the
    spec (test_synapses_own_fault)."""
    status, result = run(synapse, tmp_path, USERS, "all")
    kinds = ("create", "update", "deactivate")
    assert_passed_clean(status, result, synapse.active_users(), [f"verify {k} user" for k in kinds])
    assert not [c for c in result["cases"] if c["status"] not in ("passed", "skipped")]
    made = [line for line in ledger_of(tmp_path) if line["event"] == "created"]
    assert made and all(line["keys"]["user_id"].endswith(":localhost") for line in made)
    for line in made:
        assert synapse.user(line["keys"]["user_id"])["deactivated"] is True
    create = the_case(result, "create user / positive")
    assert create["http_status"] == 201 and "%40" in create["url"]


def test_a_correct_room_run_waits_out_the_asynchronous_delete(
    synapse: Homeserver, tmp_path: Path
) -> None:
    """A room made by the client API (its answer only `{"room_id"}`: the read-back compares
    the name and topic sent), renamed by a state event, read and deleted by the Admin API: the
    delete answers a delete_id at once, and its read-back (and the end-of-run one of the
    negative cases' room) waits the delete's validation-delay before it looks. What the run
    leaves is Synapse's doing (test_a_refused_create_room_leaves_a_room): a room per create
    refused for its name's or topic's type, none of them a record the run could know of."""
    status, result = run(synapse, tmp_path, ROOMS, "all")
    verifies = [f"verify {k} room" for k in ("create", "rename", "delete")]
    left = synapse.rooms()
    assert_passed_clean(status, result, [r for r in left if not half_made(r)], verifies)
    assert not [c for c in result["cases"] if c["status"] != "passed"]
    assert the_case(result, "read room / verify delete room")["waited_ms"] > 1400
    refused = {"Invalid Type name", "Null Value name", "Invalid Type topic", "Null Value topic"}
    creates = [c for c in result["cases"] if c["operation"] == "create room"]
    assert {c["case"] for c in creates if c["http_status"] == 400} >= refused
    assert len(left) == len(refused)


def half_made(room: dict[str, Any]) -> bool:
    """A room Synapse made before it refused the createRoom that asked for it: its creation
    and its creator's join only, no name, no join rules."""
    return room["state_events"] == 2 and room["name"] is None and room["join_rules"] is None


def test_a_refused_create_room_leaves_a_room(synapse: Homeserver) -> None:
    """Synapse's own fault, past apitest: createRoom checks its name's and topic's types after
    it made the room, so the 400 leaves a room (no name, no join rules) behind."""
    with loopback_client() as http:
        refused = http.post(
            f"{synapse.api.url}/_matrix/client/v3/createRoom", json={"name": 7},
            headers={"Authorization": f"Bearer {synapse.token}"},
        )  # fmt: skip
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "'name' not a string type"
    (left,) = synapse.rooms()
    assert half_made(left)


def test_a_slow_purge_is_waited_out_by_eventually(synapse: Homeserver, tmp_path: Path) -> None:
    """No validation-delay, a room that reads for 2 s after its delete: --eventually polls
    the delete's read-back until the room is gone, and says how long it took."""
    plant(synapse.api, "slow-purge")
    spec = undelayed_rooms_spec(tmp_path / "spec")
    status, result = run(synapse, tmp_path, spec, "positive", None, "--eventually", "10")
    assert status == 0, failures(result)
    verify = the_case(result, "read room / verify delete room")
    assert verify["eventually_ms"] is not None and verify["eventually_ms"] > 1000
    assert synapse.rooms() == []


@pytest.mark.parametrize(
    ("defect", "spec", "cases", "case", "said"),
    [
        ("lost-update", TOKENS, "positive", "verify update registration token",
         "the write did not stick: $.uses_allowed"),
        ("kept-delete", TOKENS, "positive", "verify delete registration token",
         "is still there after the delete"),
        ("dropped-uses", TOKENS, "positive", "verify create registration token",
         "the write did not stick: $.uses_allowed"),
        ("negative-uses-accepted", TOKENS, "negative",
         "Invalid Value uses_allowed (below range)", "the API accepted uses_allowed = -1"),
        ("lost-update", USERS, "positive", "verify update user",
         "the write did not stick: $.displayname"),
        ("kept-deactivate", USERS, "positive", "verify deactivate user",
         "is still there after the delete"),
        ("kept-delete", ROOMS, "positive", "verify delete room", "is still there after the delete"),
        ("lost-update", ROOMS, "positive", "verify rename room", "the write did not stick: $.name"),
    ],
)  # fmt: skip
def test_each_planted_defect_is_caught_and_named(
    synapse: Homeserver, tmp_path: Path, defect: str, spec: Path, cases: str, case: str, said: str
) -> None:
    plant(synapse.api, defect)
    status, result = run(synapse, tmp_path, spec, cases)
    assert status == 1
    assert_caught(result["cases"], case, said)


def test_a_users_create_answered_200_is_caught_and_the_user_still_deactivated(
    synapse: Homeserver, tmp_path: Path
) -> None:
    """The create's case alone fails (the user is new: the run made it, read it back, changed
    it and deactivated it), and the user is not left active."""
    plant(synapse.api, "created-as-ok")
    status, result = run(synapse, tmp_path, USERS, "positive")
    assert status == 1
    declared = "(declared: 201, 400, 401, 403, 500)"
    assert failures(result) == {
        "users.1.1": f"status 200 is not declared for create user {declared}"
    }
    assert synapse.active_users() == []


def test_synapses_own_fault(synapse: Homeserver, tmp_path: Path) -> None:
    """Synapse checks a displayname where a PUT changes a user, not where the same PUT makes
    one: the create takes a number (stored as its text), null and 257 characters, which the
    update refuses 400. apitest says so, and nothing else."""
    status, result = run(synapse, tmp_path, unskipped_users_spec(tmp_path / "spec"), "negative")
    assert status == 1
    wrong = {(c["operation"], c["case"]) for c in result["cases"] if c["status"] != "passed"}
    assert wrong == {("create user", name) for name in OWN_FAULTS}, failures(result)
    creates = [c for c in result["cases"] if c["operation"] == "create user"]
    for c in creates:
        if c["case"] in OWN_FAULTS:
            assert c["message"].startswith("the API accepted displayname = "), c["message"]
            assert c["http_status"] == 201
    updates = {
        c["case"]: c["http_status"] for c in result["cases"] if c["operation"] == "update user"
    }
    assert {updates[name] for name in OWN_FAULTS} == {400}


def test_a_user_that_existed_before_the_run_is_not_deactivated_by_it(
    synapse: Homeserver, tmp_path: Path
) -> None:
    """The same seed makes the same user IDs: a user the first run made and could not
    deactivate (a kept deactivation planted) is active when the second run's create PUTs to
    its ID. Synapse answers 200 (modified), which the create does not declare: the case fails,
    rightly, but the user must come out of the run as active as it went in."""
    for each in ("first", "second"):
        (tmp_path / each).mkdir()
    plant(synapse.api, "kept-deactivate")
    run(synapse, tmp_path / "first", USERS, "positive", seed=1000)
    plant(synapse.api)
    (user,) = synapse.active_users()
    status, result = run(synapse, tmp_path / "second", USERS, "positive", seed=1000)
    assert status == 1
    create = the_case(result, "create user / positive")
    assert create["status"] == "error", create["message"]
    assert "which names it by keys the run generated" in create["message"]
    assert "another --seed" in create["message"]
    assert [call["method"] for call in create["calls"]] == ["GET"]  # read first, not sent
    user_id = user["name"]
    assert synapse.user(user_id)["deactivated"] is False


def test_eventually_waits_out_the_purge_of_the_negative_cases_room(
    synapse: Homeserver, tmp_path: Path
) -> None:
    """The negative cases' chain ends with the delete of the room it prepared; with no
    validation-delay, the end of the run reads it back at once, while it still reads (2 s):
    --eventually 10 should poll that read-back as it polls the chain's."""
    plant(synapse.api, "slow-purge")
    spec = undelayed_rooms_spec(tmp_path / "spec")
    status, result = run(synapse, tmp_path, spec, "negative", None, "--eventually", "10")
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}, result["cleanup"]
    assert status == 0, failures(result)
