"""Suite files, how the command line overrides them, and what their filters keep of a plan."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest

from apitest.cli import build_parser
from apitest.defaults import DEFAULTS, LIMITS
from apitest.errors import UsageError
from apitest.plan.filters import Filters
from apitest.plan.graph import PlanOptions, build_plan
from apitest.session.config import merged, resolve
from apitest.session.suite import load_suite
from apitest.zspec.model import Catalog


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suites" / "s.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


FULL = """
name = "smoke"
specs = ["../specs/trips.xml"]
[target]
base_url = "http://127.0.0.1:9/api/v1"
vars = { port = "9" }
[filters]
operations = ["POST trips", "GET trip"]
cases = "positive"
[run]
seed = 42
concurrency = 4
eventually = 2
strict = true
[reports]
dir = "../reports/smoke"
[hooks]
modules = ["hooks/smoke.py", "package.module"]
timeout = 3
"""


def test_a_full_suite_loads_with_paths_relative_to_it(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, FULL))
    assert suite.name == "smoke"
    assert suite.specs == [str(tmp_path / "specs" / "trips.xml")]
    assert suite.reports == {"dir": str(tmp_path / "reports" / "smoke")}
    assert suite.hooks == ["hooks/smoke.py", "package.module"]  # load_hooks joins the folder
    assert suite.hook_timeout == 3.0
    assert suite.filters == Filters(operations=("POST trips", "GET trip"), cases="positive")
    assert suite.run == {"seed": 42, "concurrency": 4, "eventually": 2, "strict": True}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('specs = ["a.xml"]\ncolour = 1', r"unknown key\(s\) colour"),
        ("name = 'x'", "specs must list spec files or folders"),
        (
            'specs = ["a.xml"]\n[run]\nconcurrency = "many"',
            r"\[run\] concurrency must be a whole number",
        ),
        ('specs = ["a.xml"]\n[run]\nconcurrency = 0', r"\[run\] concurrency = 0 is out of range"),
        (  # the range the CLI's --timeout takes, from the one table (defaults.LIMITS)
            'specs = ["a.xml"]\n[run]\ntimeout = 0.05',
            r"\[run\] timeout = 0.05 is out of range \(0.1 to 3600\)",
        ),
        (
            'specs = ["a.xml"]\n[run]\nmax_body_bytes = "lots"',
            r"max_body_bytes: 'lots' is not a size",
        ),
        (
            'specs = ["a.xml"]\n[run]\nmax_body_bytes = true',
            r"\[run\] max_body_bytes: .* is not a size",
        ),
        ('specs = ["a.xml"]\n[run]\nstrict = 1', r"\[run\] strict must be true or false"),
        ('specs = ["a.xml"]\n[filters]\ncategories = ["creat"]', r"categories: unknown creat"),
        (  # it selected nothing, and the run ended "nothing was tested" without saying why
            'specs = ["a.xml"]\n[filters]\nkinds = ["positive", "Mandatory Prop"]',
            r"kinds: unknown Mandatory Prop \(known: positive, negative, test, data preparation, ",
        ),
        ('specs = ["a.xml"]\n[filters]\ncases = "some"', "cases must be positive, negative or all"),
        ('specs = ["a.xml"]\n[target]\nhost = "x"', r"\[target\]: unknown key\(s\) host"),
        (  # it was said as "--base-url: 'nope' ...", an option the user never gave
            'specs = ["a.xml"]\n[target]\nbase_url = "nope"',
            r"\[target\] base_url needs the scheme http or https",
        ),
        ('specs = ["a.xml"]\n[hooks]\nmodules = "x.py"', r"\[hooks\] modules must be a list"),
        ("specs = [", "not valid TOML"),
    ],
)
def test_mistakes_name_the_file_table_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError, match=message) as caught:
        load_suite(path)
    assert str(caught.value).startswith(str(path))


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["run", *argv])


def test_the_command_line_wins_over_the_suite_and_the_suite_over_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    config = resolve(parse(str(path), "--seed", "7", "--concurrency", "9", "--var", "port=10"))
    assert config.seed == 7 and config.policy.concurrency == 9  # the command line
    assert config.policy.eventually_s == 2.0 and config.policy.strict is True  # the suite
    assert config.policy.timeout_s == 30.0 and config.repeat == 1  # the defaults
    assert config.target.base_url == "http://127.0.0.1:9/api/v1"
    assert config.target.variables == ("port=9", "port=10")  # later --var wins when parsed
    assert config.cases == "positive" and config.filters.cases == "positive"
    plain = resolve(parse("specs/trips.xml"))
    assert plain.suite is None and plain.policy.concurrency == 16 and plain.cases == "all"


def test_a_suite_and_specs_do_not_mix(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    with pytest.raises(UsageError, match="give one suite or spec files, not both"):
        resolve(parse(str(path), "specs/trips.xml"))


def test_filters_keep_what_selected_steps_need(catalog: Catalog) -> None:
    filters = Filters(operations=("GET trip",), kinds=("positive",))
    plan = build_plan(catalog, PlanOptions(cases="positive", filters=filters))
    assert [chain.id for chain in plan.chains] == ["trips.1"]
    steps = [(s.kind, s.operation.name, s.case) for s in plan.chains[0].steps]
    assert ("test", "GET trip", "positive") in steps
    # the create GET trip needs still runs, as data preparation; nothing after it but cleanup
    assert ("data preparation", "POST trips", "positive") in steps
    assert not any(op == "DELETE trips" for _kind, op, _case in steps)
    assert [kind for kind, _op, _case in steps].count("test") == 1


def test_a_negative_kind_filter_selects_those_cases_only(catalog: Catalog) -> None:
    filters = Filters(kinds=("Missing Token",), resources=("trips",))
    plan = build_plan(catalog, PlanOptions(filters=filters))
    tests = [s for s in plan.steps if s.kind == "test"]
    assert len(tests) == 5 and all(s.case == "Missing Token" for s in tests)


@pytest.mark.parametrize(
    ("filters", "said"),
    [
        (Filters(resources=("trip",)), "resources: trip names nothing in the specs loaded "
         "(their resources: destinations, trips)"),
        (Filters(operations=("get trip", "GET tripz")), "operations: GET tripz names nothing"),
        (Filters(tags=("travel itinerary", "nope", "none")), "tags: nope, none names nothing "
         "in the specs loaded (their tags: Travel Itinerary)"),
    ],
)  # fmt: skip
def test_a_filter_naming_nothing_in_the_specs_is_a_usage_error_naming_the_suite(
    catalog: Catalog, filters: Filters, said: str
) -> None:
    """A typo selected no case, and the run ended "nothing was tested" (exit 5) without
    saying which name was wrong. Names are matched without regard to case, as filters are."""
    with pytest.raises(UsageError) as caught:
        build_plan(catalog, PlanOptions(filters=replace(filters, origin="suites/x.toml")))
    assert str(caught.value).startswith("suites/x.toml: [filters] ")
    assert said in str(caught.value)
    build_plan(
        catalog, PlanOptions(filters=Filters(resources=("TRIPS",), tags=("travel itinerary",)))
    )


def test_the_cli_and_the_pytest_plugin_merge_settings_the_same_way(tmp_path: Path) -> None:
    """One merge serves both shells (issue 19): the same option over the same suite gives the
    same value, and where neither says anything both take DEFAULTS."""
    suite = load_suite(str(write(tmp_path, FULL)))
    for name in ("seed", "cases", "concurrency", "eventually", "strict", "timeout", "repeat"):
        assert merged(name, None, None) == getattr(DEFAULTS, name)
        from_suite = merged(name, None, suite)
        expected = suite.filters.cases if name == "cases" else suite.run.get(name, None)
        assert from_suite == (expected if expected is not None else getattr(DEFAULTS, name))
    assert merged("concurrency", 5, suite) == 5  # an option wins over the suite
    assert resolve(parse(str(write(tmp_path, FULL)))).policy.eventually_s == merged(
        "eventually", None, suite
    )


def test_proxy_and_answer_size_come_from_the_option_else_the_suite_else_defaults(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        'specs = ["../specs/trips.xml"]\n[run]\nproxy = "http://u:p@127.0.0.1:3128"\n'
        'max_body_bytes = "2M"\n',
    )
    from_suite = resolve(parse(str(path))).policy
    assert (from_suite.proxy, from_suite.max_body_bytes) == ("http://u:p@127.0.0.1:3128", 2 << 20)
    assert "u:p" not in repr(from_suite)  # the proxy's credentials stay out of its repr
    given = resolve(parse(str(path), "--proxy", "http://127.0.0.1:1", "--max-body-bytes", "3k"))
    assert (given.policy.proxy, given.policy.max_body_bytes) == ("http://127.0.0.1:1", 3072)
    plain = resolve(parse("specs/trips.xml")).policy
    assert (plain.proxy, plain.max_body_bytes) == (DEFAULTS.proxy, DEFAULTS.max_body_bytes)
    bytes_given = load_suite(write(tmp_path, 'specs = ["a.xml"]\n[run]\nmax_body_bytes = 4096'))
    assert bytes_given.run["max_body_bytes"] == 4096


def test_the_throttle_store_comes_from_the_option_else_the_suite_else_file(
    tmp_path: Path,
) -> None:
    url = "mysql://ci@db.example:3306/apitest?table=windows"
    path = write(tmp_path, FULL.replace("[run]\n", f'[run]\nthrottle_store = "{url}"\n'))
    assert resolve(parse(str(path))).throttle_store == url
    given = resolve(parse(str(path), "--throttle-store", "file"))
    assert given.throttle_store == "file"
    assert resolve(parse("specs/trips.xml")).throttle_store == DEFAULTS.throttle_store == "file"


def test_a_range_is_said_as_a_user_types_it() -> None:
    """The seed's bound used to read 9.22337e+18: a user copying it was refused."""
    assert str(LIMITS["seed"]) == "0 to 9223372036854775807"
    assert str(LIMITS["timeout"]) == "0.1 to 3600"
