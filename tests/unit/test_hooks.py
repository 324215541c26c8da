"""Suites' Python hooks: marks and filters, loading, the context, the runner, checks.

Hook modules are real files in tmp_path, imported by `load_hooks`; hooks run in real threads
under a real event loop; getConnection talks to the bundled service over loopback.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apitest.auth.credentials import Credentials
from apitest.auth.profiles import AuthConfig, Profile
from apitest.demo import DemoConfig, DemoServer
from apitest.demo.credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from apitest.engine.hooks import CallHooks
from apitest.engine.http.client import Exchange, Request
from apitest.engine.records import DataManager
from apitest.errors import UsageError
from apitest.hooks import (
    Cache,
    HookRunner,
    HookSpec,
    Queue,
    RunState,
    before_call,
    check,
    load_hooks,
)
from apitest.hooks.registry import check_names
from apitest.plan.model import Step, Violation
from apitest.results import CaseResult, RunResult
from apitest.verify.shape import RawBody
from apitest.zspec.model import Catalog, Operation

from ..support import LOC

POST_TRIPS = Operation(LOC, "POST trips", "post", "create", "/trips")
GET_TRIP = Operation(LOC, "GET trip", "get", "read", "/trips/{id}")
POSITIVE = Step("s1", "trips", POST_TRIPS, "test", "positive")
NEGATIVE = Step(
    "s2",
    "trips",
    POST_TRIPS,
    "test",
    "Mandatory Property trips[0].trip_name",
    violation=Violation("Mandatory Property", "trips[0].trip_name", "body", "omit"),
)
READ_BACK = Step("s3", "trips", GET_TRIP, "operation validation", "verify POST trips")
OTHER = Step("s4", "destinations", GET_TRIP, "test", "positive")


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def case_of(step: Step) -> CaseResult:
    return CaseResult(step.id, "c1", step.resource, step.operation.name, step.case, step.kind)


def runner_for(tmp_path: Path, source: str, *, timeout_s: float = 5.0, **kw: object) -> HookRunner:
    write(tmp_path, "hooks.py", source)
    module = load_hooks("hooks.py", tmp_path)
    return HookRunner.create(
        [module],
        base_url=str(kw.get("base_url", "http://127.0.0.1:9/api/v1")),
        writable_dir=tmp_path / "report" / "hooks",
        auth=kw.get("auth"),  # type: ignore[arg-type]
        token_for=kw.get("token_for"),  # type: ignore[arg-type]
        timeout_s=timeout_s,
        profile_name="admin",
    )


def answered(request: Request, status: int = 200, body: object = None) -> Exchange:
    return Exchange(
        request,
        status=status,
        headers={"content-type": "application/json"},
        body=body,
        elapsed_ms=12.5,
    )


# --- marks and filters ---------------------------------------------------------------------------
def test_decorators_in_both_forms_are_collected_in_definition_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        "hooks.py",
        """
        from apitest.hooks import after_call, after_run, before_call, before_run, check

        @before_run
        def bare(context): ...

        @before_run()
        def called(context): ...

        @before_call(resource="trips", operation=["POST trips", "PUT trip"], kind="positive")
        def add_header(context, call): ...

        @after_call
        def audit(context, call): ...

        @check(kind=["Mandatory Property", "negative"])
        def days_match(req, resp): ...

        @after_run()
        def report(context, result): ...
    """,
    )
    module = load_hooks("hooks.py", tmp_path)
    assert [(h.name, h.spec.hook) for h in module.hooks] == [
        ("bare", "before_run"),
        ("called", "before_run"),
        ("add_header", "before_call"),
        ("audit", "after_call"),
        ("days_match", "check"),
        ("report", "after_run"),
    ]
    header = module.hooks[2].spec
    assert header == HookSpec(
        "before_call",
        frozenset({"trips"}),
        frozenset({"post trips", "put trip"}),
        frozenset({"positive"}),
    )
    assert module.home == tmp_path.resolve()
    assert module.hooks[0].where.endswith("hooks.py:4")


def test_marks_are_attributes_only_so_loading_twice_gives_two_independent_modules(
    tmp_path: Path,
) -> None:
    write(tmp_path, "hooks.py", "from apitest.hooks import check\n@check\ndef c(req, resp): ...\n")
    first, second = load_hooks("hooks.py", tmp_path), load_hooks("./hooks.py", tmp_path)
    assert len(first.hooks) == len(second.hooks) == 1
    assert first.hooks[0].fn is not second.hooks[0].fn
    assert first.hooks[0].fn.__module__ != second.hooks[0].fn.__module__


def test_filters_choose_steps_by_resource_operation_and_kind_ignoring_case() -> None:
    def spec(**kw: object) -> HookSpec:
        fn = before_call(**kw)(lambda context, call: None)  # type: ignore[call-overload]
        found: HookSpec = fn.__apitest_hooks__[0]
        return found

    assert spec().matches(POSITIVE) and spec().matches(READ_BACK)
    assert spec(resource="TRIPS").matches(POSITIVE) and not spec(resource="trips").matches(OTHER)
    assert spec(operation="post TRIPS").matches(NEGATIVE)
    assert not spec(operation="post trips").matches(READ_BACK)
    positive = spec(kind="positive")
    assert positive.matches(POSITIVE) and not positive.matches(NEGATIVE)
    assert not positive.matches(READ_BACK)  # a validation read is not a positive test case
    assert spec(kind="negative").matches(NEGATIVE) and not spec(kind="negative").matches(POSITIVE)
    assert spec(kind="mandatory property").matches(NEGATIVE)
    assert not spec(kind="Missing Token").matches(NEGATIVE)
    assert spec(kind="Operation Validation").matches(READ_BACK)
    assert spec(kind=["cleanup", "positive"]).matches(POSITIVE)
    both = spec(resource=["destinations", "trips"], kind="negative")
    assert both.matches(NEGATIVE) and not both.matches(OTHER)


def test_bare_check_marks_and_a_misspelt_kind_is_refused_at_once() -> None:
    def days(req: object, resp: object) -> None: ...

    assert check(days) is days and days.__apitest_hooks__[0].hook == "check"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"unknown kind 'postive'.*known: positive"):
        check(kind="postive")


# --- loading errors ------------------------------------------------------------------------------
def test_missing_file_names_the_module_and_the_path(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"hooks 'nope\.py': no such file .*nope\.py"):
        load_hooks("nope.py", tmp_path)


def test_syntax_error_gives_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.py", "from apitest.hooks import check\n\ndef broken(:\n    pass\n")
    with pytest.raises(UsageError) as caught:
        load_hooks("bad.py", tmp_path)
    assert f"{path.resolve()}:3: syntax error" in str(caught.value)


def test_import_raising_names_the_exception_and_the_line(tmp_path: Path) -> None:
    write(tmp_path, "raising.py", "import os\n\nVALUE = int('x')\n")
    with pytest.raises(UsageError) as caught:
        load_hooks("raising.py", tmp_path)
    message = str(caught.value)
    assert "importing it raised ValueError: invalid literal" in message
    assert message.endswith("raising.py:3")


def test_a_misspelt_kind_fails_the_load_with_its_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "kinds.py",
        "from apitest.hooks import check\n\n@check(kind='postive')\ndef c(req, resp): ...\n",
    )
    with pytest.raises(UsageError, match=r"raised ValueError: unknown kind 'postive'.*kinds\.py:3"):
        load_hooks("kinds.py", tmp_path)


def test_a_hook_limited_to_a_name_the_specs_lack_is_refused_naming_it(
    tmp_path: Path, catalog: Catalog
) -> None:
    """`@check(resource="trip")` never ran: every case it was meant to judge passed, and the
    run said nothing. Names are matched without regard to case, as when the hooks run."""
    write(
        tmp_path,
        "names.py",
        """\
        from apitest.hooks import after_call, check

        @after_call(resource="TRIPS", operation="get trip")
        def fine(context, call): ...

        @check(resource=["trips", "trip"])
        def days_positive(req, resp): ...
        """,
    )
    module = load_hooks("names.py", tmp_path)
    with pytest.raises(UsageError) as caught:
        check_names([module], catalog)
    assert str(caught.value) == (
        f"hooks 'names.py': days_positive ({tmp_path / 'names.py'}:6): resource=trip names "
        "nothing in the specs loaded (their resources: destinations, trips)"
    )
    write(
        tmp_path,
        "ops.py",
        "from apitest.hooks import check\n\n@check(operation='GET tripz')\ndef c(req, resp): ...\n",
    )
    with pytest.raises(UsageError, match=r"c \(.*ops\.py:3\): operation=get tripz names nothing"):
        check_names([load_hooks("ops.py", tmp_path)], catalog)


def test_module_without_hooks_and_hook_with_wrong_parameters_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "empty.py", "def helper(): ...\n")
    with pytest.raises(UsageError, match=r"'empty\.py': defines no hooks"):
        load_hooks("empty.py", tmp_path)
    write(tmp_path, "arity.py", "from apitest.hooks import check\n@check\ndef c(req): ...\n")
    with pytest.raises(UsageError, match=r"arity\.py:2: @check c must take \(req, resp\)"):
        load_hooks("arity.py", tmp_path)


def test_dotted_names_load_from_the_path_or_say_they_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "suitehooks_pkg/__init__.py", "")
    write(
        tmp_path,
        "suitehooks_pkg/mine.py",
        "from apitest.hooks import after_call\n@after_call\ndef a(context, call): ...\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = load_hooks("suitehooks_pkg.mine", tmp_path / "elsewhere")
    assert [h.name for h in module.hooks] == ["a"]
    assert module.home == (tmp_path / "suitehooks_pkg").resolve()
    with pytest.raises(UsageError, match=r"no module named 'suitehooks_pkg\.absent'"):
        load_hooks("suitehooks_pkg.absent", tmp_path)


# --- the context's stores ------------------------------------------------------------------------
def test_log_levels_and_get_log_array_belong_to_one_invocation(tmp_path: Path) -> None:
    runner = runner_for(
        tmp_path,
        """
        from apitest.hooks import before_call

        @before_call
        def talk(context, call):
            for level in ("ALL", "CONFIG", "FINE", "FINER", "FINEST", "INFO", "WARNING", "SEVERE"):
                getattr(context.log, level)(level.lower())
            context.log.info({"n": 1})
            context.log("java style")
            context.getCache().set(call.case, len(context.log.getLogArray()))
            context.log.FINE(context.log.getLogArray()[0])
    """,
    )
    first, second = case_of(POSITIVE), case_of(NEGATIVE)
    request = Request("post", "http://h/trips")
    assert asyncio.run(runner.before_call(POSITIVE, first, request)) == []
    asyncio.run(runner.before_call(NEGATIVE, second, request))
    assert first.logs[:9] == [
        "ALL: all",
        "CONFIG: config",
        "FINE: fine",
        "FINER: finer",
        "FINEST: finest",
        "INFO: info",
        "WARNING: warning",
        "SEVERE: severe",
        "INFO: {'n': 1}",
    ]
    assert first.logs[9:] == ["INFO: java style", "FINE: {'level': 'ALL', 'message': 'all'}"]
    cache = runner.state.cache
    assert cache.get("positive") == cache.get(NEGATIVE.case) == 10  # each saw only its own
    assert second.logs == first.logs


def test_cache_expires_deletes_and_answers_to_del(tmp_path: Path) -> None:
    cache = Cache()
    assert cache.set("token", "abc") is True and cache.get("token") == "abc"
    assert cache.set("short", "v", 0.2) is True and cache.get("short") == "v"
    time.sleep(0.3)
    assert cache.get("short") is None and cache.get("token") == "abc"
    assert cache.delete("short") is False  # expired: nothing live was deleted
    assert cache.delete("token") is True and cache.get("token") is None
    cache.set("k", 1)
    assert getattr(cache, "del")("k") is True and getattr(cache, "del")("k") is False
    with pytest.raises(ValueError, match="positive number of seconds"):
        cache.set("k", 1, 0)


def test_queue_keeps_messages_and_reads_by_offset_and_range() -> None:
    queue = Queue()
    assert [queue.push("ids", n) for n in range(5)] == [0, 1, 2, 3, 4]
    queue.produce("ids", {"id": 5})
    assert queue.pull("ids") == [0, 1, 2, 3, 4, {"id": 5}]
    assert queue.pull("ids", 2, 2) == [2, 3]
    assert queue.consume("ids", offset=4) == [4, {"id": 5}]
    assert queue.consume("ids", 1, range=0) == [] and queue.pull("ids", 9) == []
    assert queue.pull("other") == [] and queue.pull("ids") == [0, 1, 2, 3, 4, {"id": 5}]
    with pytest.raises(ValueError, match="offset"):
        queue.pull("ids", -1)


def test_queue_and_cache_survive_concurrent_threads() -> None:
    queue, cache = Queue(), Cache()

    def produce(worker: int) -> None:
        for n in range(200):
            queue.push("t", (worker, n))
            cache.set(f"{worker}-{n}", n)

    threads = [threading.Thread(target=produce, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    messages = queue.pull("t")
    assert len(messages) == len(set(messages)) == 1600 == queue.size("t")
    assert cache.get("7-199") == 199


def test_writable_directory_is_created_on_first_use_and_home_is_the_module_folder(
    tmp_path: Path,
) -> None:
    state = RunState(tmp_path / "report" / "hooks")
    context = state.view(tmp_path / "suite")
    assert not (tmp_path / "report").exists()
    folder = context.getWritableDirectory()
    assert folder == context.writable_directory == str(tmp_path / "report" / "hooks")
    assert Path(folder).is_dir()
    assert context.get_function_home() == context.function_home == str(tmp_path / "suite")
    assert context.get_cache() is state.view(tmp_path).getCache()
    assert context.get_queue() is state.queue


# --- the runner ----------------------------------------------------------------------------------
def test_runner_is_the_engines_call_hooks(tmp_path: Path) -> None:
    runner = runner_for(
        tmp_path, "from apitest.hooks import check\n@check\ndef c(req, resp): ...\n"
    )
    hooks: CallHooks = runner  # mypy checks the protocol; the run checks the behaviour
    data = DataManager()
    hooks.bind(data)
    assert runner.state.data is data
    assert runner.has("check") and not runner.has("before_call")


def test_before_call_changes_reach_the_request_and_a_failure_stops_the_rest(
    tmp_path: Path,
) -> None:
    runner = runner_for(
        tmp_path,
        """
        from apitest.hooks import before_call

        @before_call(resource="trips", kind="positive")
        def add_header(context, call):
            call.headers["X-Trace"] = "abc"
            call.params["lang"] = "en"
            call.body = {**call.body, "trip_name": call.operation + " / " + call.case}
            context.log.INFO(f"{call.method} {call.url} {call.kind} {call.violation}")

        @before_call(kind="negative")
        def refuse(context, call):
            raise ValueError("no negative cases today")

        @before_call(kind="negative")
        def never(context, call):
            call.headers["X-Never"] = "1"
    """,
    )
    request = Request("post", "http://h/api/v1/trips", body={"days": 3})
    case = case_of(POSITIVE)
    assert asyncio.run(runner.before_call(POSITIVE, case, request)) == []
    assert request.headers == {"X-Trace": "abc"} and request.params == {"lang": "en"}
    assert request.body == {"days": 3, "trip_name": "POST trips / positive"}
    assert case.logs == ["INFO: post http://h/api/v1/trips test None"]
    negative = Request("post", "http://h/api/v1/trips", body={})
    failures = asyncio.run(runner.before_call(NEGATIVE, case_of(NEGATIVE), negative))
    assert failures == ["hook refuse raised ValueError: no negative cases today"]
    assert negative.headers == {}  # `never` did not run after the failure


def test_after_call_sees_the_answer_and_every_hook_runs(tmp_path: Path) -> None:
    runner = runner_for(
        tmp_path,
        """
        from apitest.hooks import after_call

        @after_call
        def audit(context, call):
            context.log.INFO(f"{call.operation} -> {call.status} {call.response} {call.elapsed_ms}")
            context.getQueue().produce("seen", call.response_headers["content-type"])
            raise KeyError("boom")

        @after_call(operation="POST trips")
        def second(context, call):
            context.log.WARNING(call.error)
    """,
    )
    case = case_of(POSITIVE)
    exchange = answered(Request("post", "http://h/trips"), 201, RawBody("plain text"))
    failures = asyncio.run(runner.after_call(POSITIVE, case, exchange))
    assert failures == ["hook audit raised KeyError: 'boom'"]
    assert case.logs == ["INFO: POST trips -> 201 plain text 12.5", "WARNING: None"]
    assert runner.state.queue.pull("seen") == ["application/json"]


CHECKS = """
    import threading
    from apitest.hooks import check

    RELEASE = threading.Event()

    @check
    def passes(req, resp):
        req.log.INFO(f"{req.user} {req.status} {req.response['days']} {req.case}")

    @check(kind="positive")
    def explicit_success(req, resp):
        resp.success("fine")
        raise AssertionError("never reached")

    @check
    def days_positive(req, resp):
        try:
            if req.response["days"] < 1:
                resp.error({"days": req.response["days"]})
        except Exception:
            pass  # a broad except must not swallow the verdict
        req.log.SEVERE("not reached after resp.error")

    @check
    def raising(req, resp):
        return req.response["missing"]

    @check
    def bare_error(req, resp):
        resp.error()

    @check
    def returns_a_verdict(req, resp):
        return req.response["days"] > 0

    @check
    def returns_something_else(req, resp):
        return "a value is no verdict"
"""


def test_checks_pass_fail_by_resp_error_and_fail_by_raising(tmp_path: Path) -> None:
    runner = runner_for(tmp_path, CHECKS)
    case = case_of(POSITIVE)
    exchange = answered(Request("get", "http://h/trips/1", profile=None), 200, {"days": 0})
    failures = asyncio.run(runner.check(POSITIVE, case, exchange))
    assert failures == [
        'check days_positive: {"days": 0}',
        "check raising raised KeyError: 'missing'",
        "check bare_error: resp.error() was called",
        "check returns_a_verdict returned False",  # it passed: a false green
    ]
    assert case.logs == ["INFO: admin 200 0 positive"]
    good = answered(Request("get", "http://h/trips/1", profile="reader"), 200, {"days": 3})
    good_case = case_of(NEGATIVE)
    failures = asyncio.run(runner.check(NEGATIVE, good_case, good))
    assert failures[:1] == ["check raising raised KeyError: 'missing'"]
    assert good_case.logs[0] == "INFO: reader 200 3 Mandatory Property trips[0].trip_name"


def test_a_hanging_check_fails_after_its_timeout_and_does_not_hold_the_test(
    tmp_path: Path,
) -> None:
    runner = runner_for(
        tmp_path,
        """
        import threading
        from apitest.hooks import check

        RELEASE = threading.Event()

        @check
        def hangs(req, resp):
            req.log.INFO("started")
            RELEASE.wait(30)
            req.log.INFO("too late")
    """,
        timeout_s=0.5,
    )
    hook = runner.modules[0].hooks[0]
    case = case_of(POSITIVE)
    started = time.monotonic()
    try:
        failures = asyncio.run(runner.check(POSITIVE, case, answered(Request("get", "u"))))
        elapsed = time.monotonic() - started
    finally:
        hook.fn.__globals__["RELEASE"].set()
    assert failures == ["hook hangs did not finish within 0.5 s"]
    assert 0.45 <= elapsed < 2.0
    assert case.logs == ["INFO: started"]


def test_a_hook_that_never_returns_does_not_keep_the_process_alive(tmp_path: Path) -> None:
    write(
        tmp_path,
        "hooks.py",
        """
        import time
        from apitest.hooks import before_run

        @before_run
        def forever(context):
            time.sleep(3600)
    """,
    )
    script = write(
        tmp_path,
        "main.py",
        f"""
        import asyncio
        from pathlib import Path
        from apitest.hooks import HookRunner, RunState, load_hooks

        module = load_hooks("hooks.py", Path({str(tmp_path)!r}))
        runner = HookRunner([module], RunState(Path({str(tmp_path)!r})), timeout_s=0.2)
        logs = []
        print(asyncio.run(runner.before_run(logs)), logs)
    """,
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "['hook forever did not finish within 0.2 s']" in done.stdout
    assert "'SEVERE: hook forever did not finish within 0.2 s'" in done.stdout
    assert time.monotonic() - started < 15


def test_run_hooks_log_to_the_run_and_async_hooks_are_awaited(tmp_path: Path) -> None:
    runner = runner_for(
        tmp_path,
        """
        from apitest.hooks import after_run, before_run

        @before_run
        async def prepare(context):
            context.getCache().set("trace", "t-1")
            context.log.CONFIG("prepared")

        @before_run()
        def broken(context):
            raise RuntimeError("no config")

        @after_run
        def report(context, result):
            context.log.INFO(f"{result.target} {context.getCache().get('trace')}")
    """,
    )
    run_logs: list[str] = []
    failures = asyncio.run(runner.before_run(run_logs))
    assert failures == ["hook broken raised RuntimeError: no config"]
    assert run_logs == ["CONFIG: prepared", "SEVERE: hook broken raised RuntimeError: no config"]
    result = RunResult("http://h", 1, "now")
    assert asyncio.run(runner.after_run(result)) == []
    assert result.logs == ["INFO: http://h t-1"]


def test_add_record_lands_in_the_data_manager_from_a_hook_thread(tmp_path: Path) -> None:
    runner = runner_for(
        tmp_path,
        """
        from apitest.hooks import after_call

        @after_call
        def remember(context, call):
            record = context.add_record("destinations", {"id": "7", "city": "Oslo"}, {"id": "7"})
            context.log.INFO(record.describe())
    """,
    )
    data = DataManager()
    runner.bind(data)
    case = case_of(POSITIVE)
    asyncio.run(runner.after_call(POSITIVE, case, answered(Request("get", "u"))))
    [record] = data.live("destinations")
    assert record.data == {"id": "7", "city": "Oslo"} and record.keys == {"id": "7"}
    assert record.chain == "hooks" and record.created is False
    assert data.pick("destinations", "any-chain") is record
    assert case.logs == ["INFO: destinations record (id=7)"]


# --- connections ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    with DemoServer(DemoConfig(lag_ms=0)) as server:
        yield server


def test_get_connection_makes_an_authenticated_call_as_a_profile(
    tmp_path: Path, demo: DemoServer
) -> None:
    asked: list[tuple[str, int]] = []

    async def token_for(profile: str) -> tuple[str, str] | None:
        asked.append((profile, threading.get_ident()))
        form = {
            "grant_type": "client_credentials",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        }
        async with httpx.AsyncClient() as client:
            answer = await client.post(demo.root_url + "/oauth/v2/token", data=form)
        return "Authorization", f"Zoho-oauthtoken {answer.json()['access_token']}"

    auth = AuthConfig({"admin": Profile("admin", Credentials())}, default="admin")
    runner = runner_for(
        tmp_path,
        """
        from apitest.hooks import before_run

        @before_run
        def look(context):
            con = context.getConnection("admin")
            answer = con.get("/destinations")
            context.log.INFO(f"{answer.status_code} {type(answer.json()).__name__}")
            context.log.INFO(con.make_request(answer.url.__str__()).status_code)
            try:
                context.get_connection("nobody")
            except Exception as exc:
                context.log.WARNING(exc)
    """,
        base_url=demo.base_url,
        auth=auth,
        token_for=token_for,
    )
    run_logs: list[str] = []
    try:
        assert asyncio.run(runner.before_run(run_logs)) == []
    finally:
        runner.close()
    assert run_logs == [
        "INFO: 200 dict",
        "INFO: 200",
        "WARNING: getConnection('nobody'): no such auth profile (profiles: admin)",
    ]
    assert [name for name, _ in asked] == ["admin", "admin"]
    assert {ident for _, ident in asked} == {threading.get_ident()}  # on the engine's loop
    assert httpx.get(demo.base_url + "/destinations").status_code == 401  # the token mattered


def test_connections_are_closed_with_the_run(tmp_path: Path) -> None:
    runner = runner_for(
        tmp_path, "from apitest.hooks import check\n@check\ndef c(req, resp): ...\n"
    )
    runner.close()
    with pytest.raises(RuntimeError, match="connections are closed"):
        runner.state.connections.client()
