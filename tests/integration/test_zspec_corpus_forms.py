"""The structural forms of ZEST's reference (issue 17, item 3), each from its own corpus file in
tests/data/zspec/: environment, dependency resources, server dc, info details, tag description,
visibility, and `<info limit>`. Each test runs the CLI for real against the reference service
(with a recorder in front of it where the test must see what was sent) and asserts what the
runner does with the form, and that `apitest lint` finds nothing to say about the file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from apitest.demo import DemoConfig, DemoServer
from apitest.zspec.loader import load_catalog

from ..support import DATA, SPECS, run_cli
from ._calls import Call

ZSPEC = DATA / "zspec"
Json = dict[str, Any]


@dataclass
class Recorded:
    server: DemoServer
    calls: list[Call] = field(default_factory=list)
    live_trips: list[int] = field(default_factory=list)
    """Trips in the store after each call (for `<info limit>`)."""

    @property
    def api_calls(self) -> list[Call]:
        return [c for c in self.calls if c.path.startswith("/api/v1/")]  # not the reach probe


class _Recorder:
    """Plain ASGI middleware in front of the real reference service: notes each request."""

    def __init__(self, app: Any, recorded: Recorded) -> None:
        self.app = app
        self.recorded = recorded

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.recorded.calls.append(Call.arriving(scope))
        await self.app(scope, receive, send)
        self.recorded.live_trips.append(len(self.recorded.server.state.store.trips.snapshot()))


def _recorded_server(**knobs: Any) -> Iterator[Recorded]:
    knobs.setdefault("lag_ms", 0)
    server = DemoServer(DemoConfig(**knobs))
    recorded = Recorded(server)
    server.app.add_middleware(_Recorder, recorded=recorded)
    server.start()
    try:
        yield recorded
    finally:
        server.stop()


@pytest.fixture
def open_service() -> Iterator[Recorded]:
    """The reference service needing no token: the corpus files declare no authentication."""
    yield from _recorded_server(bugs={"no-auth"})


@pytest.fixture
def service() -> Iterator[Recorded]:
    yield from _recorded_server()


def run_json(tmp_path: Path, *args: str, name: str = "run") -> tuple[int, Json, str]:
    out = tmp_path / f"{name}.json"
    done = run_cli("run", *args, "--report-dir", str(tmp_path / name), "--json", str(out), "-q")
    result: Json = json.loads(out.read_text("utf-8")) if out.is_file() else {}
    return done.returncode, result, done.stdout + done.stderr


def ran(result: Json) -> list[tuple[str, str, str]]:
    return [(c["operation"], c["case"], c["status"]) for c in result["cases"]]


# --- lint: every corpus file is clean ---------------------------------------------------------
CORPUS = [
    ("environment.xml", ()),
    ("server-dc.xml", ()),
    ("dependency-resources.xml", (str(SPECS),)),
    ("info-contact-license.xml", ()),
    ("info-details-ref.xml", ()),
    ("tag-description.xml", ()),
    ("visibility.xml", ()),
]


@pytest.mark.parametrize(("name", "extra"), CORPUS, ids=[name for name, _ in CORPUS])
def test_corpus_file_lints_without_a_word(name: str, extra: tuple[str, ...]) -> None:
    done = run_cli("lint", "--strict", str(ZSPEC / name), *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no problems" in done.stdout
    assert "unknown" not in done.stdout + done.stderr


# --- <environment type name value location> --------------------------------------------------
def test_env_sends_the_environments_header_or_parameter(
    open_service: Recorded, tmp_path: Path
) -> None:
    spec = str(ZSPEC / "environment.xml")
    port = ("--var", f"port={open_service.server.port}", "--cases", "positive")

    code, result, output = run_json(tmp_path, spec, *port, "--env", "development", name="dev")
    assert code == 0, output
    assert ran(result) == [("GET destinations", "positive", "passed")]
    dev_calls = open_service.api_calls
    assert dev_calls and all(c.headers.get("x-environment") == "dev" for c in dev_calls)
    assert all("env" not in c.query for c in dev_calls)

    open_service.calls.clear()
    code, _, output = run_json(tmp_path, spec, *port, "--env", "SANDBOX", name="sandbox")
    assert code == 0, output
    sandbox_calls = open_service.api_calls
    assert sandbox_calls and all(c.query.get("env") == ["sand"] for c in sandbox_calls)
    assert all("x-environment" not in c.headers for c in sandbox_calls)

    open_service.calls.clear()  # production declares no name: it sends nothing
    code, _, output = run_json(tmp_path, spec, *port, "--env", "production", name="prod")
    assert code == 0, output
    assert open_service.api_calls
    assert all("x-environment" not in c.headers and not c.query for c in open_service.api_calls)

    code, _, output = run_json(tmp_path, spec, *port, "--env", "staging", name="staging")
    assert code == 2
    assert "--env staging" in output and "known: development, sandbox, production" in output


def _env_arguments(folder: Path) -> str:
    """environment.xml whose read declares the environment's header (its name in another case)
    and param as required arguments of its own."""
    text = (ZSPEC / "environment.xml").read_text("utf-8")
    arguments = "".join(
        f'<argument name="{name}" location="{where}" required="true"><content>'
        '<encode type="text/plain"/><structure><property type="string"/></structure>'
        "</content></argument>"
        for name, where in (("x-environment", "header"), ("env", "param"))
    )
    at = text.index('<response status="200">')
    folder.mkdir()
    spec = folder / "environment.xml"
    spec.write_text(text[:at] + arguments + text[at:], "utf-8")
    return str(spec)


def test_a_case_leaving_out_the_environments_header_or_param_sends_it_nowhere(
    open_service: Recorded, tmp_path: Path
) -> None:
    """--env adds its header or param to every call, but not to the one whose case leaves it
    out (Mandatory Header, Mandatory Param): that call went with it, a correct API took it and
    the run failed the API. Nor does a declared header of another case go beside it twice."""
    spec = _env_arguments(tmp_path / "spec")
    port = ("--var", f"port={open_service.server.port}", "--cases", "negative")

    _, result, output = run_json(tmp_path, spec, *port, "--env", "development", name="dev")
    kinds = {case for _, case, _ in ran(result)}
    assert {"Mandatory Header x-environment", "Empty Header x-environment"} <= kinds, output
    calls = open_service.api_calls
    assert [c.headers.get("x-environment") for c in calls].count(None) == 1, output
    assert [c.headers.get("x-environment") for c in calls].count("") == 1, output
    assert all(c.header_names.count("x-environment") <= 1 for c in calls)

    open_service.calls.clear()
    _, result, output = run_json(tmp_path, spec, *port, "--env", "sandbox", name="sandbox")
    assert "Mandatory Param env" in {case for _, case, _ in ran(result)}, output
    calls = open_service.api_calls
    assert [c.query.get("env") for c in calls].count(None) == 1, output
    assert all(len(c.query.get("env", [])) <= 1 for c in calls)


# --- <server dc="US,EU" visibility> ----------------------------------------------------------
def test_dc_picks_the_server_whose_csv_names_it(open_service: Recorded, tmp_path: Path) -> None:
    spec = str(ZSPEC / "server-dc.xml")
    port = ("--var", f"port={open_service.server.port}", "--cases", "positive")
    for dc in ("EU", "us"):
        open_service.calls.clear()
        code, result, output = run_json(tmp_path, spec, *port, "--dc", dc, name=f"dc-{dc}")
        assert code == 0, output
        assert ran(result) == [("GET destinations", "positive", "passed")]
        assert open_service.api_calls  # it went to the service: the us_eu_server
    open_service.calls.clear()
    code, _, output = run_json(tmp_path, spec, *port, name="no-dc")
    assert code == 3, output  # the first server, IN, on the discard port: unreachable
    assert not open_service.api_calls
    code, _, output = run_json(tmp_path, spec, *port, "--dc", "APAC", name="apac")
    assert code == 2 and "known: IN, US, EU" in output
    server = load_catalog([ZSPEC / "server-dc.xml"]).resources[0].servers[1]
    assert (server.dcs, server.visibility) == (("US", "EU"), "public")


# --- <dependency resources="a,b"> ------------------------------------------------------------
def _plan_order(*paths: str) -> list[str]:
    done = run_cli("plan", *paths)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()[1:]
    return [line.split()[0] for line in lines if line and not line.startswith(" ")]


def test_dependency_resources_run_first(tmp_path: Path) -> None:
    spec = ZSPEC / "dependency-resources.xml"
    assert _plan_order(str(spec), str(SPECS)) == ["destinations", "trips", "recycle_bin"]
    # The same file without <dependency> comes first: the order is the dependency's doing.
    bare = tmp_path / "recycle_bin.xml"
    text = spec.read_text("utf-8")
    bare.write_text(text.replace('  <dependency resources="destinations,trips"/>\n', ""), "utf-8")
    assert _plan_order(str(bare), str(SPECS))[0] == "recycle_bin"


# --- <info> contact-details, license-details, terms-of-service ---------------------------------
def test_info_details_are_kept_and_the_spec_runs(open_service: Recorded, tmp_path: Path) -> None:
    res = load_catalog([ZSPEC / "info-contact-license.xml"]).resources[0]
    info = res.info
    assert info is not None and info.limit == 500
    assert info.contact is not None and info.contact.email == "support@travelbureau.com"
    assert info.license is not None and info.license.name == "Apache License 2"
    assert info.terms_of_service is not None
    assert info.terms_of_service.text.startswith("This API follows")
    assert res.components.contact_details["Support"].visibility == "public"
    assert res.components.terms_of_service["Terms"].text.endswith("**API Access Agreement**.")

    ref = load_catalog([ZSPEC / "info-details-ref.xml"]).resources[0].info
    assert ref is not None and ref.contact is not None and ref.license is not None
    assert (ref.contact.name, ref.license.name) == ("Support", "Apache")
    assert ref.terms_of_service is not None and ref.terms_of_service.name == "Terms"

    port = ("--var", f"port={open_service.server.port}", "--cases", "positive")
    code, result, output = run_json(tmp_path, str(ZSPEC / "info-contact-license.xml"), *port)
    assert code == 0, output
    assert ran(result) == [("GET destinations", "positive", "passed")]


# --- <tag><description> and visibility select cases through a suite's filters ----------------
def _suite(tmp_path: Path, spec: str, filters: str) -> Path:
    suite = tmp_path / "suite.toml"
    suite.write_text(
        f'name = "forms"\nspecs = ["{ZSPEC / spec}"]\n\n[filters]\n{filters}\n', "utf-8"
    )
    return suite


def test_tags_with_a_description_child_select_cases(open_service: Recorded, tmp_path: Path) -> None:
    op = load_catalog([ZSPEC / "tag-description.xml"]).resources[0].operation("GET destinations")
    assert op is not None
    assert [(t.name, t.description, t.visibility) for t in op.tags] == [
        ("Itinerary", "Everything a traveller plans with.", "public")
    ]
    suite = _suite(tmp_path, "tag-description.xml", 'tags = ["Itinerary"]')
    port = ("--var", f"port={open_service.server.port}", "--cases", "positive")
    code, result, output = run_json(tmp_path, str(suite), *port)
    assert code == 0, output
    assert ran(result) == [("GET destinations", "positive", "passed")]


def test_visibility_filters_operations_and_is_kept_elsewhere(
    open_service: Recorded, tmp_path: Path
) -> None:
    res = load_catalog([ZSPEC / "visibility.xml"]).resources[0]
    assert res.servers[0].visibility == "public"
    assert res.info is not None and res.info.contact is not None
    assert res.info.contact.visibility == "private"
    listing = res.operation("GET destinations")
    single = res.operation("GET destination")
    assert listing is not None and single is not None
    assert listing.responses[0].contents[0].visibility == "public"
    assert [t.visibility for t in single.tags] == ["internal"]
    assert (single.visibility, single.arguments[0].visibility) == ("internal", "internal")

    port = ("--var", f"port={open_service.server.port}", "--cases", "positive")
    suite = _suite(tmp_path, "visibility.xml", 'visibility = ["public"]')
    code, result, output = run_json(tmp_path, str(suite), *port, name="public")
    assert code == 0, output
    assert ran(result) == [("GET destinations", "positive", "passed")]
    code, result, output = run_json(tmp_path, str(ZSPEC / "visibility.xml"), *port, name="all")
    assert code == 0, output
    assert {op for op, _, _ in ran(result)} == {"GET destinations", "GET destination"}


# --- <info limit> ----------------------------------------------------------------------------
def _trips_with_limit(tmp_path: Path, limit: int) -> Path:
    folder = tmp_path / f"limit-{limit}"
    folder.mkdir()
    trips = (SPECS / "trips.xml").read_text("utf-8")
    old = '<info limit="50"'
    assert trips.count(old) == 1
    (folder / "trips.xml").write_text(trips.replace(old, f'<info limit="{limit}"'), "utf-8")
    (folder / "destinations.xml").write_text((SPECS / "destinations.xml").read_text("utf-8"))
    return folder


def test_info_limit_caps_live_records_at_once(service: Recorded, tmp_path: Path) -> None:
    """Three copies of the trips lifecycle at once: with limit 1 the service never holds more
    than one trip the run created; with the limit the specs ship (50) it holds three."""
    base = len(service.server.state.store.trips.snapshot())
    args = ("--base-url", service.server.base_url, "--cases", "positive", "--repeat", "3")

    code, result, output = run_json(tmp_path, str(_trips_with_limit(tmp_path, 50)), *args)
    assert code == 0, output
    assert max(service.live_trips) - base == 3  # control: the copies overlap freely

    service.live_trips.clear()
    code, result, output = run_json(tmp_path, str(_trips_with_limit(tmp_path, 1)), *args)
    assert code == 0, output
    creates = [c for c in result["cases"] if c["name"] == "POST trips / positive"]
    assert [c["status"] for c in creates] == ["passed"] * 3
    assert max(service.live_trips) - base == 1
