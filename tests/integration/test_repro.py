"""Replay scripts against real services: `apitest repro` from a real run's report, the script
run with `sh` as a subprocess against a FRESH reference service (a second instance).

The fresh service reads with lag (300 ms, the bundled default), so a replay that does not wait
the validation-delay finds no record; and before the replay it is given trips up to and
including one whose id is the one the run recorded for the chain's trip: a replay that resent
recorded ids would read, update and delete that bystander instead of its own trip, and the
service would not be as the replay found it. Each test compares the whole store before and
after (trips and destinations).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from apitest.demo import DemoConfig, DemoServer
from apitest.demo.credentials import DEMO_CLIENT_SECRET

from ..support import cli_env, loopback_client, run_cli
from ._api import Api, client_token
from ._thirdparty import edited_spec

TIMEOUT = 60
LIFECYCLE_END = "GET trip / verify DELETE trips"
Json = dict[str, Any]


@dataclass
class Recorded:
    """A run of specs/trips.xml (positive and negative cases) and what it left."""

    folder: Path
    report: Json
    tokens: set[str]

    def case(self, name: str, chain: str | None = None) -> Json:
        return next(
            c
            for c in self.report["cases"]
            if f"{c['operation']} / {c['case']}" == name and chain in (None, c["chain"])
        )

    def trip_id(self, chain: str) -> str:
        """The id the run's create of `chain` answered."""
        create = next(
            c
            for c in self.report["cases"]
            if (c["chain"], c["operation"], c["case"]) == (chain, "POST trips", "positive")
        )
        trip_id: str = json.loads(create["calls"][0]["response_body"])["details"]["trip_id"]
        return trip_id


def record_run(
    folder: Path, bugs: tuple[str, ...] = (), spec: Path = Path("specs/trips.xml"), *more: str
) -> Recorded:
    with DemoServer(DemoConfig(lag_ms=0, bugs=frozenset(bugs))) as server:
        done = run_cli(
            "run", str(spec), "--base-url", server.base_url, "--seed", "11",
            "--report-dir", str(folder), "-q", *more,
        )  # fmt: skip
        tokens = set(server.state.authority._access)
    assert done.returncode == (1 if bugs else 0), done.stdout[-2000:] + done.stderr
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return Recorded(folder, report, tokens)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return record_run(tmp_path_factory.mktemp("run") / "report")


@pytest.fixture(scope="module")
def lost(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """A run against a service that loses updates: its read-back after the PUT fails."""
    return record_run(tmp_path_factory.mktemp("lost") / "report", ("lost-update",))


@pytest.fixture(scope="module")
def lax(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """A run against a service that validates nothing: it takes the negative cases' creates,
    and the run deletes each record at once (engine/undo.py)."""
    return record_run(tmp_path_factory.mktemp("lax") / "report", ("accepts-invalid",))


@pytest.fixture
def fresh() -> Iterator[Callable[..., DemoServer]]:
    started: list[DemoServer] = []

    def make(*bugs: str) -> DemoServer:
        running = DemoServer(DemoConfig(lag_ms=300, bugs=frozenset(bugs))).start()
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


def occupy(server: DemoServer, trip_id: str) -> None:
    """Create trips on `server` until one has `trip_id` (ids are handed out in order)."""
    with loopback_client() as http:
        api = Api(http, server, client_token(http, server))
        for _ in range(50):
            if api.create_trip() >= trip_id:
                break
    assert trip_id in server.state.store.trips.snapshot()


def state(server: DemoServer) -> tuple[Json, Json]:
    store = server.state.store
    return store.trips.snapshot(), store.destinations.snapshot()


def repro(recorded: Recorded, case_id: str, *more: str) -> subprocess.CompletedProcess[str]:
    return run_cli("repro", str(recorded.folder / "report.json"), case_id, *more, timeout=TIMEOUT)


def replay(script: str, server: DemoServer, tmp_path: Path, **env: str) -> Any:
    """The script run with sh against `server`, credentials from the environment."""
    path = tmp_path / "replay.sh"
    path.write_text(script, encoding="utf-8")
    return subprocess.run(
        ["sh", str(path)], env=cli_env(APITEST_BASE_URL=server.base_url, **env),
        capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip


def test_a_replayed_chain_exits_0_and_leaves_a_fresh_service_as_it_found_it(
    recorded: Recorded, fresh: Callable[..., DemoServer], tmp_path: Path
) -> None:
    end = recorded.case(LIFECYCLE_END)  # the create + read + update + delete chain, whole
    printed = repro(recorded, end["id"])
    assert printed.returncode == 0, printed.stderr
    script = printed.stdout
    assert script.startswith("#!/bin/sh\n") and "set -eu" in script
    server = fresh()
    occupy(server, recorded.trip_id(end["chain"]))
    before = state(server)

    done = replay(script, server, tmp_path)

    assert done.returncode == 0, done.stderr
    assert state(server) == before
    for step in ("POST trips / positive: 201", "verify PUT trips: 200", "DELETE trips / positive"):
        assert step in done.stderr
    assert "verify DELETE trips: 404" in done.stderr
    assert "every answer as expected" in done.stderr


def test_a_replay_that_stops_before_the_delete_still_deletes_what_it_made(
    recorded: Recorded, fresh: Callable[..., DemoServer], tmp_path: Path
) -> None:
    put = recorded.case("PUT trips / positive")
    server = fresh()
    occupy(server, recorded.trip_id(put["chain"]))
    before = state(server)

    done = replay(repro(recorded, put["id"]).stdout, server, tmp_path)

    assert done.returncode == 0, done.stderr
    assert "DELETE trips / positive" not in done.stderr  # the chain's own delete is after it
    assert f"created (as {recorded.case('DELETE trips / positive')['id']} did): 200" in (
        done.stderr
    )
    assert state(server) == before


def test_a_negative_case_replays_with_its_own_record_made_and_deleted(
    recorded: Recorded, fresh: Callable[..., DemoServer], tmp_path: Path
) -> None:
    negative = recorded.case("DELETE trips / Invalid Param ids")
    server = fresh()
    before = state(server)

    done = replay(repro(recorded, negative["id"]).stdout, server, tmp_path)

    assert done.returncode == 0, done.stderr
    assert "Invalid Param ids: 400" in done.stderr
    assert "record for negative cases: 201" in done.stderr
    assert "Mandatory Property" not in done.stderr  # earlier negative cases are not replayed
    assert state(server) == before


def test_the_replay_of_a_negative_create_the_api_took_deletes_what_it_made(
    lax: Recorded, fresh: Callable[..., DemoServer], tmp_path: Path
) -> None:
    taken = lax.case("POST trips / Mandatory Property trips[0].trip_name")
    assert taken["status"] == "failed" and taken["repro"]
    server = fresh("accepts-invalid")
    before = state(server)

    still = replay(taken["repro"], server, tmp_path)

    assert still.returncode == 1, still.stderr  # the defect is still there: reproduced
    assert "Mandatory Property trips[0].trip_name answered 201" in still.stderr, still.stderr
    assert f"delete what {taken['id']} created (at once, as the run did): 200" in still.stderr
    assert state(server) == before  # what the API took is gone, as the run left it
    mended = fresh()
    before = state(mended)
    fixed = replay(taken["repro"], mended, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert "Mandatory Property trips[0].trip_name: 400" in fixed.stderr
    assert "delete what" not in fixed.stderr  # it made nothing, so nothing is deleted
    assert state(mended) == before


def test_a_negative_create_the_run_saw_refused_names_what_its_replay_made(
    recorded: Recorded, fresh: Callable[..., DemoServer], tmp_path: Path
) -> None:
    refused = recorded.case("POST trips / Mandatory Property trips[0].trip_name")
    assert refused["status"] == "passed"  # no delete was recorded: none can be replayed
    server = fresh("accepts-invalid")

    done = replay(repro(recorded, refused["id"]).stdout, server, tmp_path)

    assert done.returncode == 1, done.stderr
    made = server.state.store.trips.snapshot()
    assert len(made) == 1  # the API took it now, and the script says so
    said = f"the run recorded no delete of what {refused['id']} created: delete it by hand"
    assert said in done.stderr


@pytest.mark.parametrize(
    ("bug", "says"),
    [
        ("lost-update", "does not hold what was written: trip_name"),
        ("delete-noop", "verify DELETE trips answered 200, expected 404"),
    ],
)
def test_a_replay_against_a_service_with_a_defect_fails(
    recorded: Recorded, fresh: Callable[..., DemoServer], tmp_path: Path, bug: str, says: str
) -> None:
    server = fresh(bug)

    done = replay(repro(recorded, recorded.case(LIFECYCLE_END)["id"]).stdout, server, tmp_path)

    assert done.returncode == 1, done.stderr
    assert says in done.stderr
    if bug == "lost-update":  # the trap deleted the trip the replay made
        assert state(server)[0] == {}


def test_the_report_carries_the_script_of_each_failure_and_it_reproduces_it(
    lost: Recorded, fresh: Callable[..., DemoServer], tmp_path: Path
) -> None:
    failed = lost.case("GET trip / verify PUT trips")
    assert failed["status"] == "failed"
    assert failed["repro"] == repro(lost, failed["id"]).stdout
    assert all(
        (case["repro"] is not None) == (case["status"] in ("failed", "error"))
        for case in lost.report["cases"]
    )

    still = replay(failed["repro"], fresh("lost-update"), tmp_path)
    assert still.returncode == 1, still.stderr  # the defect is still there: reproduced
    mended = fresh()
    before = state(mended)
    fixed = replay(failed["repro"], mended, tmp_path)
    assert fixed.returncode == 0, fixed.stderr  # against a mended service it passes
    assert state(mended) == before


def test_a_token_from_the_environment_is_used_and_no_secret_is_written(
    recorded: Recorded, fresh: Callable[..., DemoServer], tmp_path: Path
) -> None:
    script = repro(recorded, recorded.case(LIFECYCLE_END)["id"]).stdout
    secrets = {DEMO_CLIENT_SECRET, *recorded.tokens}
    assert recorded.tokens and not [secret for secret in secrets if secret in script]
    assert "${APITEST_ACCESS_TOKEN}" in script and "${APITEST_CLIENT_SECRET}" in script

    server = fresh()
    with loopback_client() as http:
        token = client_token(http, server)
    given = replay(
        script, server, tmp_path, APITEST_ACCESS_TOKEN=token, APITEST_CLIENT_SECRET="wrong"
    )
    assert given.returncode == 0, given.stderr  # the client secret was not needed
    refused = replay(script, server, tmp_path, APITEST_ACCESS_TOKEN="expired-token-000000")
    assert refused.returncode == 1 and "answered 401" in refused.stderr
    unset = replay(script, server, tmp_path, APITEST_CLIENT_ID="", APITEST_CLIENT_SECRET="")
    assert unset.returncode == 2 and "set APITEST_ACCESS_TOKEN" in unset.stderr


def test_repro_run_runs_the_script_against_the_base_url_and_exits_with_its_status(
    recorded: Recorded, fresh: Callable[..., DemoServer]
) -> None:
    server = fresh()
    before = state(server)
    end = recorded.case(LIFECYCLE_END)["id"]
    done = run_cli(
        "repro", str(recorded.folder), end, "--run", "--base-url", server.base_url,
        timeout=TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "every answer as expected" in done.stderr
    assert state(server) == before

    nowhere = ("repro", str(recorded.folder), end, "--run", "--base-url", "http://127.0.0.1:9")
    gone = run_cli(*nowhere)  # the token endpoint is the first to be missed
    assert gone.returncode == 3, gone.stderr
    assert "no answer from the token endpoint http://127.0.0.1:9/oauth/v2/token:" in gone.stderr
    assert DEMO_CLIENT_SECRET not in gone.stderr
    given = run_cli(*nowhere, env=cli_env(APITEST_ACCESS_TOKEN="a-token-from-elsewhere"))
    assert given.returncode == 3, given.stderr
    assert "no answer from http://127.0.0.1:9 (curl failed)" in given.stderr


def test_repro_names_what_is_wrong_with_its_arguments(recorded: Recorded, tmp_path: Path) -> None:
    report = str(recorded.folder / "report.json")
    (tmp_path / "junk.json").write_text("not json", encoding="utf-8")
    (tmp_path / "other.json").write_text('{"name": "not a report"}', encoding="utf-8")
    silent = dict(recorded.report)
    silent["cases"] = [{**recorded.report["cases"][0], "calls": [], "status": "skipped"}]
    (tmp_path / "silent.json").write_text(json.dumps(silent), encoding="utf-8")
    skipped = silent["cases"][0]
    checks = {
        ("repro", report, "trips.1.99"): "no case 'trips.1.99'",
        ("repro", str(tmp_path), "trips.1.1"): f"REPORT {tmp_path} holds no report.json",
        ("repro", str(tmp_path / "nope.json"), "x.1"): "does not exist",
        ("repro", str(tmp_path / "junk.json"), "x.1"): "is not JSON",
        ("repro", str(tmp_path / "other.json"), "x.1"): "is JSON but not an apitest report",
        ("repro", str(tmp_path / "silent.json"), skipped["id"]): "made no call",
    }
    for args, says in checks.items():
        done = run_cli(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert says in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1, done.stderr  # one line
    near = run_cli("repro", report, "trips.1.99").stderr
    assert "did you mean trips.1.9" in near


def test_repro_help_teaches_the_command() -> None:
    done = run_cli("repro", "--help", env=cli_env())
    assert done.returncode == 0
    for words in ("REPORT", "CASE-ID", "--run", "--base-url", "APITEST_ACCESS_TOKEN", "exit"):
        assert words in done.stdout
    assert "repro" in run_cli("--help").stdout


def basic_auth_specs(folder: Path) -> Path:
    """specs/ with the token calls (trips.xml's and destinations.xml's) taking the client's id
    and secret as HTTP Basic in a declared Authorization header (RFC 6749 section 2.3.1)
    rather than as parameters."""

    def edit(tree: Any) -> None:
        for operation in tree.xpath("//token-url/operation"):
            for argument in operation.xpath("argument[@name='client_id' or @name='client_secret']"):
                operation.remove(argument)
            operation.insert(1, etree.fromstring(
                '<argument name="Authorization" location="header" required="true"><content>'
                '<encode type="text/plain"/><structure><property type="string"/></structure>'
                "</content></argument>"
            ))  # fmt: skip

    shutil.copytree("specs", folder)
    for spec in Path("specs").glob("*.xml"):
        edited_spec(spec, folder, edit)
    return folder / "trips.xml"


def test_a_token_call_declaring_basic_is_replayed_with_basic_from_the_environment(
    tmp_path_factory: pytest.TempPathFactory, fresh: Callable[..., DemoServer], tmp_path: Path
) -> None:
    spec = basic_auth_specs(tmp_path_factory.mktemp("basic") / "specs")
    recorded = record_run(tmp_path / "report", (), spec, "--cases", "positive")
    script = repro(recorded, recorded.case(LIFECYCLE_END)["id"]).stdout
    assert "Basic ${APITEST_CLIENT_BASIC}" in script
    assert DEMO_CLIENT_SECRET not in script
    done = replay(script, fresh(), tmp_path)
    assert done.returncode == 0, done.stderr  # the demo took the pair only as Basic
    wrong = replay(script, fresh(), tmp_path, APITEST_CLIENT_SECRET="wrong")
    assert wrong.returncode == 2 and "the token endpoint" in wrong.stderr, wrong.stderr
