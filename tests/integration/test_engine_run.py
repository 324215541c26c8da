"""`apitest run` end to end: the CLI as a subprocess against a real reference service.

A test that runs against a service starts its own DemoServer on a free loopback port (its
knobs are the test's intent; only the delete-noop run is shared, read-only, by the tests that
inspect it), runs the real command line with `--json` and `--report-dir` in tmp_path, and
judges the run by its exit status, the JSON RunResult, the cleanup ledger and what the service
really holds (`server.state.store`). Nothing here asserts on timing; timeouts only bound how
long a broken run may hang.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from apitest.demo import DemoConfig, DemoServer

from ..support import (
    CLI_TIMEOUT_S,
    SPECS,
    cli_env,
    free_port,
    run_cli,
    started_cli,
)
from ._api import create_trips, ledger_line
from .conftest import MakeServer

Json = dict[str, Any]

TRIPS_SPEC = "specs/trips.xml"  # relative, as a user types it (the CLI runs with cwd=REPO)
THROTTLING = '<throttling threshold="100" duration="60000" lock-period="120000"/>'
POSITIVE_ONLY = ("--cases", "positive")
"""For runs that judge positive cases and write validations: negative cases would multiply the
(throttled) calls and the run time without adding to what those tests check."""


# --- helpers ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """One finished `apitest run`: the process, its JSON result and its report folder."""

    done: subprocess.CompletedProcess[str]
    result: Json
    report_dir: Path

    @property
    def output(self) -> str:
        return self.done.stdout + self.done.stderr

    @property
    def cases(self) -> list[Json]:
        cases: list[Json] = self.result["cases"]
        return cases

    def case(self, operation: str, case: str, kind: str) -> Json:
        """The one case of `operation / case` of `kind` (of the first chain that has it)."""
        found = [
            c
            for c in self.cases
            if (c["operation"], c["case"], c["kind"]) == (operation, case, kind)
        ]
        assert found, f"no case {operation} / {case} ({kind}) in {self.case_names()}"
        return min(found, key=lambda c: step_key(c["id"]))

    def case_names(self) -> list[str]:
        return [f"{c['id']} {c['name']} ({c['kind']}): {c['status']}" for c in self.cases]

    def ledger(self) -> list[Json]:
        return ledger_events(self.report_dir / "ledger.jsonl")


def run_args(
    server: DemoServer, tmp_path: Path, name: str, *args: str, spec: str = TRIPS_SPEC
) -> tuple[list[str], Path, Path]:
    report_dir = tmp_path / name
    json_file = tmp_path / f"{name}.json"
    argv = [
        "run", spec, "--base-url", server.base_url,
        "--report-dir", str(report_dir), "--json", str(json_file), *args,
    ]  # fmt: skip
    return argv, report_dir, json_file


def run_trips(
    server: DemoServer, tmp_path: Path, *args: str, name: str = "run", spec: str = TRIPS_SPEC
) -> Run:
    """`apitest run SPEC --base-url <server> --json ... --report-dir ...` and its result."""
    argv, report_dir, json_file = run_args(server, tmp_path, name, *args, spec=spec)
    done = run_cli(*argv)
    assert json_file.is_file(), done.stdout + done.stderr
    return Run(done, json.loads(json_file.read_text(encoding="utf-8")), report_dir)


def step_key(step_id: str) -> tuple[str, int]:
    chain, _, number = step_id.rpartition(".")
    return chain, int(number)


def ledger_events(path: Path) -> list[Json]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def live_entries(events: list[Json]) -> dict[int, Json]:
    """Ledger entries created and never confirmed deleted, by id."""
    live: dict[int, Json] = {}
    for event in events:
        if event["event"] == "created":
            live[event["id"]] = event
        elif event["event"] == "deleted":
            live.pop(event["id"], None)
    return live


def created_ids(events: list[Json], resource: str, key: str) -> list[str]:
    return [
        str(e["keys"][key]) for e in events if e["event"] == "created" and e["resource"] == resource
    ]


def without(record: Json, key: str) -> Json:
    return {name: value for name, value in record.items() if name != key}


def by_text(records: list[Json]) -> list[Json]:
    return sorted(records, key=lambda record: json.dumps(record, sort_keys=True))


def copy_specs(tmp_path: Path, throttling: str) -> Path:
    """The reference specs in a folder of their own, PUT trips' `<throttling>` replaced."""
    folder = tmp_path / "specs"
    folder.mkdir()
    trips_xml = (SPECS / "trips.xml").read_text(encoding="utf-8")
    assert trips_xml.count(THROTTLING) == 1
    (folder / "trips.xml").write_text(trips_xml.replace(THROTTLING, throttling), "utf-8")
    (folder / "destinations.xml").write_text(
        (SPECS / "destinations.xml").read_text(encoding="utf-8"), "utf-8"
    )
    return folder


# --- a correct service -----------------------------------------------------------------------
def test_run_against_a_correct_service_passes_in_plan_order_and_leaves_nothing(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server(lag_ms=300)  # the service's default read lag, under validation-delay
    store = server.state.store
    trips_before, destinations_before = store.trips.snapshot(), store.destinations.snapshot()

    run = run_trips(server, tmp_path, "--seed", "7")

    assert run.done.returncode == 0, run.output
    assert run.done.stderr == ""
    assert run.result["passed"] is True and run.result["seed"] == 7
    assert [c for c in run.cases if c["status"] != "passed"] == []
    assert run.result["counts"]["passed"] == len(run.cases) > 0
    kinds = {c["kind"] for c in run.cases}
    assert {"data preparation", "test", "operation validation"} <= kinds

    # Every chain that ran is listed once in chain_order, and each chain's cases come in
    # its step order: trips.1.1, trips.1.2, ...
    chains = {c["chain"] for c in run.cases}
    assert {"destinations.1", "trips.1"} <= chains
    assert sorted(run.result["chain_order"]) == sorted(chains)
    for chain in chains:
        numbers = [step_key(c["id"])[1] for c in run.cases if c["chain"] == chain]
        assert numbers == list(range(1, len(numbers) + 1)), (chain, numbers)

    # `apitest plan` with the same seed shows exactly the steps the run fired.
    plan_done = run_cli("plan", TRIPS_SPEC, "--seed", "7", "--format", "json")
    assert plan_done.returncode == 0, plan_done.stderr
    planned = [
        (step["id"], step["operation"], step["case"], step["kind"])
        for res in json.loads(plan_done.stdout)["resources"]
        for chain in res["chains"]
        for step in chain["steps"]
    ]
    ran = [(c["id"], c["operation"], c["case"], c["kind"]) for c in run.cases]
    assert sorted(ran, key=lambda s: step_key(s[0])) == sorted(
        planned, key=lambda s: step_key(s[0])
    )
    first = run.case("GET destinations", "records for trips", "data preparation")
    assert first["id"] == "trips.1.1" and first["http_status"] == 200
    assert run.case("POST trips", "positive", "test")["http_status"] == 201
    assert run.case("GET trip", "verify DELETE trips", "operation validation")["http_status"] == 404

    # Cleanup worked: the service holds what it held before, and the ledger agrees.
    assert store.trips.snapshot() == trips_before == {}
    assert store.destinations.snapshot() == destinations_before
    events = run.ledger()
    assert created_ids(events, "trips", "trip_id")
    assert created_ids(events, "destinations", "destination_id")
    assert live_entries(events) == {}
    assert run.result["cleanup"] == []


# --- defect modes the positive cases catch ----------------------------------------------------
@dataclass(frozen=True)
class Defect:
    bug: str
    failing: tuple[str, str, str]
    """(operation, case, kind) of the case that must fail."""
    http_status: int
    causes: tuple[str, ...]
    """Fragments of the failing case's message."""
    still_passes: tuple[str, str, str]
    """A case the defect must not fail: the verdict lands on the right call."""


DEFECTS = [
    Defect(
        "wrong-type",
        ("GET trip", "positive", "test"),
        200,
        ("$.trips[0].no_of_days: expected integer", "(string)"),
        ("PUT trips", "positive", "test"),
    ),
    Defect(
        "lost-update",
        ("GET trip", "verify PUT trips", "operation validation"),
        200,
        ("the write did not stick", "$.trip_name"),  # its example, marked by the update
        ("PUT trips", "positive", "test"),
    ),
    Defect(
        "delete-noop",
        ("GET trip", "verify DELETE trips", "operation validation"),
        200,
        ("is still there after the delete", "trip_id="),
        ("DELETE trips", "positive", "test"),
    ),
    Defect(
        "missing-field",
        ("GET trip", "verify POST trips", "operation validation"),
        200,
        ("the write did not stick", "$.trip_name", "lacks it"),
        ("GET trips", "positive", "test"),
    ),
    Defect(
        "undeclared-status",
        ("POST trips", "positive", "test"),
        202,
        ("status 202 is not declared for POST trips", "declared: 201"),
        ("GET trip", "verify POST trips", "operation validation"),
    ),
]


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.bug for d in DEFECTS])
def test_each_defect_mode_fails_the_case_that_sees_it(
    defect: Defect, make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server(bugs={defect.bug})
    run = run_trips(server, tmp_path, "--seed", "7", *POSITIVE_ONLY)

    assert run.done.returncode == 1, run.output
    assert run.result["passed"] is False
    failing = run.case(*defect.failing)
    assert failing["status"] == "failed", run.case_names()
    assert failing["http_status"] == defect.http_status
    for cause in defect.causes:
        assert cause in failing["message"], failing["message"]
    assert failing["file"].endswith("trips.xml") and failing["line"] > 0
    assert run.case(*defect.still_passes)["status"] == "passed", run.case_names()
    assert failing["name"] in run.done.stdout  # the console names it too


# --- throttling ------------------------------------------------------------------------------
THROTTLED_SERVER = {"throttle_threshold": 5, "throttle_window_ms": 1000, "throttle_lock_ms": 5000}


def put_cases(run: Run) -> list[Json]:
    return [c for c in run.cases if c["operation"] == "PUT trips"]


def test_the_client_side_limiter_keeps_a_burst_under_the_service_throttle(
    make_server: MakeServer, tmp_path: Path
) -> None:
    specs = copy_specs(tmp_path, '<throttling threshold="5" duration="1000" lock-period="5000"/>')
    server = make_server(**THROTTLED_SERVER)
    run = run_trips(
        server, tmp_path, "--seed", "7", "--repeat", "15", "--concurrency", "50", "-q",
        *POSITIVE_ONLY, spec=str(specs),
    )  # fmt: skip

    assert run.done.returncode == 0, run.output
    assert [c for c in run.cases if c["http_status"] == 429] == []
    puts = put_cases(run)
    positives = [c for c in puts if c["case"] == "positive"]
    assert len(positives) == 15
    assert all(c["status"] == "passed" for c in positives)
    # One attempt each: the service never answered 429 (that would have been retried).
    assert all(c["attempts"] == 1 for c in puts), [(c["id"], c["attempts"]) for c in puts]
    assert max(c["throttle_ms"] for c in puts) > 0  # the limiter made some wait


def test_without_the_specs_throttling_the_service_refuses_the_burst(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """The control of the test above: same burst, same service, no `<throttling>`."""
    specs = copy_specs(tmp_path, "")
    server = make_server(**THROTTLED_SERVER)
    run = run_trips(
        server, tmp_path, "--seed", "7", "--repeat", "15", "--concurrency", "50", "-q",
        *POSITIVE_ONLY, spec=str(specs),
    )  # fmt: skip

    puts = put_cases(run)
    assert len([c for c in puts if c["case"] == "positive"]) == 15
    # The engine waits out a 429's Retry-After (whole seconds) and sends again, so the
    # refusals show as PUTs that needed more than one attempt and waited a second or more.
    refused = [c for c in puts if c["attempts"] > 1 and c["throttle_ms"] >= 1000]
    failed = [c for c in run.cases if c["status"] != "passed"]
    assert refused or failed, [(c["id"], c["attempts"], c["throttle_ms"]) for c in puts]


# --- eventual consistency --------------------------------------------------------------------
def test_reads_lagging_behind_writes_fail_an_operation_validation(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server(lag_ms=1500)  # three times the specs' validation-delay
    run = run_trips(server, tmp_path, "--seed", "7", *POSITIVE_ONLY)

    assert run.done.returncode == 1, run.output
    verify = run.case("GET trip", "verify POST trips", "operation validation")
    assert verify["status"] == "failed"
    assert verify["http_status"] == 404 and "got 404" in verify["message"]
    assert verify["eventually_ms"] is None
    assert not any("eventually consistent" in note for c in run.cases for note in c["notes"])


def test_eventually_polls_a_lagging_read_until_it_holds(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server(lag_ms=1500)
    run = run_trips(server, tmp_path, "--seed", "7", "--eventually", "10", *POSITIVE_ONLY)

    assert run.done.returncode == 0, run.output
    assert all(c["status"] == "passed" for c in run.cases), run.case_names()
    late = [c for c in run.cases if c["eventually_ms"] is not None]
    assert late, run.case_names()
    assert all(c["kind"] == "operation validation" and c["eventually_ms"] > 0 for c in late)
    assert all(any("eventually consistent" in note for note in c["notes"]) for c in late)
    verify = run.case("GET trip", "verify POST trips", "operation validation")
    assert verify in late and verify["attempts"] > 1
    assert server.state.store.trips.snapshot() == {}


# --- no run at all ---------------------------------------------------------------------------
def test_an_unreachable_target_exits_3_with_one_line_naming_it(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    done = run_cli("run", TRIPS_SPEC, "--base-url", url, "--report-dir", str(tmp_path / "r"))

    assert done.returncode == 3, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and url in lines[0], done.stderr
    assert not (tmp_path / "r" / "ledger.jsonl").exists()
    # A report that says why, for CI publishers (issue 18, item 13): every planned case an
    # error naming the target, so the counts add up to the plan's.
    cases = json.loads((tmp_path / "r" / "report.json").read_text())["cases"]
    steps = re.search(r"apitest run: (\d+) steps", done.stdout)
    assert steps is not None and len(cases) == int(steps.group(1)) > 0
    assert all(c["status"] == "error" and url in c["message"] for c in cases)
    junit = (tmp_path / "r" / "junit.xml").read_text()
    assert junit.count("<error") == len(cases)


def test_a_target_that_does_not_speak_http_exits_3_saying_so(tmp_path: Path) -> None:
    """Something listens but answers no HTTP (another protocol on the port): this ended the
    run in a traceback out of aiohttp."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1"

        def babble() -> None:
            listener.settimeout(30)
            with contextlib.suppress(OSError):
                while True:
                    peer, _ = listener.accept()
                    with peer:
                        peer.recv(65536)
                        peer.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

        threading.Thread(target=babble, daemon=True).start()
        done = run_cli("run", TRIPS_SPEC, "--base-url", url, "--report-dir", str(tmp_path / "r"))
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"cannot reach the target {url} (the answer is not HTTP" in done.stderr, done.stderr


def test_missing_credentials_exit_2_naming_the_variable_and_the_spec_line(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    done = run_cli(
        "run", TRIPS_SPEC, "--base-url", server.base_url, "--report-dir", str(tmp_path / "r"),
        env=cli_env(credentials=False),
    )  # fmt: skip

    assert done.returncode == 2, done.stdout + done.stderr
    assert "APITEST_CLIENT_ID" in done.stderr
    assert re.search(r"specs/(trips|destinations)\.xml:\d+", done.stderr), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert server.state.store.trips.snapshot() == {}
    assert not (tmp_path / "r" / "ledger.jsonl").exists()


def test_plan_json_lists_destinations_then_trips_with_a_preparation_step() -> None:
    done = run_cli("plan", TRIPS_SPEC, "--format", "json")

    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert [res["name"] for res in plan["resources"]] == ["destinations", "trips"]
    trips = plan["resources"][1]
    lifecycle = next(c for c in trips["chains"] if c["purpose"] == "record lifecycle")
    first = lifecycle["steps"][0]
    assert (first["kind"], first["operation"], first["method"]) == (
        "data preparation", "GET destinations", "GET",
    )  # fmt: skip
    kinds = [step["kind"] for step in lifecycle["steps"]]
    assert kinds.count("data preparation") == 1 and "operation validation" in kinds
    assert plan["estimate_ms"] > 0


# --- the ledger and `apitest cleanup` --------------------------------------------------------
@dataclass(frozen=True)
class DeleteNoopRun:
    """A finished run against a service whose deletes answer 200 and change nothing."""

    run: Run
    trips_after: dict[str, Json]


@pytest.fixture(scope="module")
def delete_noop_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeleteNoopRun]:
    """Read-only for the tests that use it; the service is stopped before they look."""
    with DemoServer(DemoConfig(lag_ms=0, bugs=frozenset({"delete-noop"}))) as server:
        run = run_trips(server, tmp_path_factory.mktemp("noop"), "--seed", "7", *POSITIVE_ONLY)
        trips_after = server.state.store.trips.snapshot()
    yield DeleteNoopRun(run, trips_after)


def test_a_run_whose_deletes_are_ignored_leaves_its_trips_and_a_ledger(
    delete_noop_run: DeleteNoopRun,
) -> None:
    run = delete_noop_run.run
    assert run.done.returncode == 1, run.output
    assert (run.report_dir / "ledger.jsonl").is_file()
    made = created_ids(run.ledger(), "trips", "trip_id")
    assert made
    assert set(made) <= set(delete_noop_run.trips_after)


def test_a_delete_the_service_ignored_is_not_confirmed_in_the_ledger(
    delete_noop_run: DeleteNoopRun,
) -> None:
    run = delete_noop_run.run
    live = live_entries(run.ledger())
    live_trips = {str(e["keys"]["trip_id"]) for e in live.values() if e["resource"] == "trips"}
    assert set(delete_noop_run.trips_after) <= live_trips
    claimed = [line for line in run.result["cleanup"] if line.endswith(" deleted")]
    assert not any(trip_id in line for trip_id in delete_noop_run.trips_after for line in claimed)


def test_cleanup_deletes_what_the_ledger_lists_and_then_has_nothing_to_do(
    make_server: MakeServer, tmp_path: Path
) -> None:
    server = make_server()
    listed, bystander = create_trips(server, 2)
    ledger = tmp_path / "ledger.jsonl"
    # The ledger's own base URL is stale on purpose: --base-url must win.
    stale = f"http://127.0.0.1:{free_port()}/api/v1"
    ledger.write_text(ledger_line(1, listed, str(SPECS / "trips.xml"), stale), "utf-8")

    done = run_cli("cleanup", str(ledger), "--base-url", server.base_url)

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"trip_id={listed}" in done.stdout and "deleted" in done.stdout
    assert set(server.state.store.trips.snapshot()) == {bystander}
    assert live_entries(ledger_events(ledger)) == {}

    again = run_cli("cleanup", str(ledger), "--base-url", server.base_url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing to clean up" in again.stdout
    assert set(server.state.store.trips.snapshot()) == {bystander}


def test_cleanup_of_a_run_ledger_works_from_another_directory(
    delete_noop_run: DeleteNoopRun, make_server: MakeServer, tmp_path: Path
) -> None:
    """A ledger as a run left it when killed after a create, cleaned up from elsewhere."""
    written = next(
        e
        for e in delete_noop_run.run.ledger()
        if e["event"] == "created" and e["resource"] == "trips"
    )
    server = make_server()
    (trip_id,) = create_trips(server, 1)
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text(ledger_line(1, trip_id, written["spec"], server.base_url), "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    done = run_cli("cleanup", str(ledger), cwd=elsewhere)

    assert done.returncode == 0, done.stdout + done.stderr
    assert server.state.store.trips.snapshot() == {}


# --- --seed ----------------------------------------------------------------------------------
def test_the_same_seed_sends_the_same_data_and_another_seed_does_not(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """Three runs at once against three fresh services whose deletes are no-ops, so each
    service keeps its trip as the run's create and update left it."""
    seeds = ("11", "11", "12")
    servers = [make_server(bugs={"delete-noop"}) for _ in seeds]
    sent: list[list[Json]] = []
    held: list[list[Json]] = []
    with ExitStack() as running:
        started = []
        for index, (seed, server) in enumerate(zip(seeds, servers, strict=True)):
            argv, report_dir, json_file = run_args(
                server, tmp_path, f"seed{index}", "--seed", seed, "-q", *POSITIVE_ONLY
            )
            process = running.enter_context(started_cli(*argv, stderr=subprocess.STDOUT))
            started.append((process, report_dir, json_file))
        for seed, server, (process, report_dir, json_file) in zip(
            seeds, servers, started, strict=True
        ):
            output, _ = process.communicate(timeout=CLI_TIMEOUT_S)
            assert "Traceback" not in output, output
            assert json.loads(json_file.read_text(encoding="utf-8"))["seed"] == int(seed), output
            events = ledger_events(report_dir / "ledger.jsonl")
            posted = [
                e["data"] for e in events if e["event"] == "created" and e["resource"] == "trips"
            ]
            sent.append(by_text([without(data, "trip_id") for data in posted]))
            trips = server.state.store.trips.snapshot().values()
            held.append(by_text([without(record, "trip_id") for record in trips]))

    assert sent[0] and held[0]
    assert all("trip_name" in data and "no_of_days" in data for data in sent[0])
    assert sent[0] == sent[1]  # POST trips sent the same record
    assert held[0] == held[1]  # ... and PUT trips the same update
    assert sent[0] != sent[2]
    # The update is what a seed varies most: its times are generated (the rest is pinned).
    assert {(t["start_time"], t["end_time"]) for t in held[0]} != {
        (t["start_time"], t["end_time"]) for t in held[2]
    }
    assert held[0] != sent[0]  # the update changed what the create sent
