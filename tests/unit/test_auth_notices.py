"""Auth notices (issue 18, item 2): their wording, which stores lack a lock, and that every
output carries them intact and escaped. The runs that produce them against the reference
service are in tests/integration (test_auth_run.py, test_token_source.py)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from lxml import etree
from rich.console import Console

from apitest.auth.memory import MemoryStore
from apitest.auth.notices import (
    GIVEN_REFRESH_TOKEN,
    Refusal,
    fallback,
    scopes_rejoined,
    store_without_lock,
)
from apitest.auth.stores import FileStore, SQLiteStore, load_store, unlocked_class
from apitest.report.console import ConsoleReporter
from apitest.report.html import render_html
from apitest.report.json_report import read_json, write_json
from apitest.report.junit import junit_xml
from apitest.results import AuthNotice, CaseResult, RunResult

from ..support import DATA

XSD = DATA / "junit" / "junit-10.xsd"
HOSTILE = "</li><script>alert(1)</script> & \x07"
SPENT = Refusal("APITEST_REFRESH_TOKEN", "invalid_grant", "the refresh token was already used")


def test_a_spent_refresh_token_names_the_cause_the_principal_and_the_fix() -> None:
    notice = fallback("admin", "http://h/oauth/v2/token", [SPENT], "client credentials")
    assert notice.kind == "fallback" and notice.used == "client credentials"
    assert notice.refused == ["APITEST_REFRESH_TOKEN: invalid_grant"]
    assert notice.message.startswith(
        "profile 'admin': the token endpoint http://h/oauth/v2/token refused the refresh token "
        "given (APITEST_REFRESH_TOKEN) (invalid_grant: the refresh token was already used); "
        "the run went on with client credentials instead. Likely cause: the refresh token was "
        "spent by another process"
    )
    assert "the cases ran as the client (client credentials)" in notice.message
    assert "share one token store with a lock" in notice.message


def test_a_profiles_refresh_token_is_named_by_where_it_came_from() -> None:
    """Not as APITEST_REFRESH_TOKEN, a variable the user never set."""
    given = GIVEN_REFRESH_TOKEN + "suites/ci.toml: [auth.profiles.qa]"
    notice = fallback("qa", "http://h/t", [Refusal(given, "invalid_grant")], "client credentials")
    assert "refused the refresh token of suites/ci.toml: [auth.profiles.qa] (invalid_grant)" in (
        notice.message
    )
    assert "APITEST_REFRESH_TOKEN" not in notice.message
    assert "Likely cause: the refresh token was spent" in notice.message


def test_scopes_granted_joined_the_other_way_say_how_to_declare_it() -> None:
    notice = scopes_rejoined("p", "https://u:pw@h/o/token/?k=v", ",", " ")
    assert notice.kind == "scope-separator" and notice.used == "scope joined by spaces"
    assert notice.message.startswith(
        "profile 'p': the token endpoint https://h/o/token/ refused the scopes joined by commas "
        "(invalid_scope) and granted them joined by spaces"
    )
    assert 'style="delimiter" delimiter=" "' in notice.message and "pw" not in notice.message


def test_scopes_the_api_refused_as_insufficient_say_so_and_how_to_declare_it() -> None:
    notice = scopes_rejoined("p", "https://h/o/token", ",", " ", by_api=True)
    assert notice.message.startswith(
        "profile 'p': the API refused the token asked for the scopes joined by commas (403 "
        "insufficient_scope: the token endpoint had not granted them as asked), so the run "
        "asked again joined by spaces, which the run used from then on."
    )
    assert notice.refused == ["scope joined by commas: 403 insufficient_scope"]
    assert 'style="delimiter" delimiter=" "' in notice.message


def test_the_token_url_loses_userinfo_and_query() -> None:
    url = "https://user:pa55word@h/oauth/token?key=s3cret"
    notice = fallback("p", url, [SPENT], "client credentials")
    assert "the token endpoint https://h/oauth/token refused" in notice.message
    assert "pa55word" not in notice.message and "s3cret" not in notice.message


def test_a_stored_token_refused_then_the_given_one_used_names_both() -> None:
    stored = Refusal("stored refresh token", "invalid_grant")
    notice = fallback("p", "http://h/t", [stored], "APITEST_REFRESH_TOKEN")
    assert "refused the stored refresh token (invalid_grant);" in notice.message
    assert "the cases ran as the refresh token given (APITEST_REFRESH_TOKEN)" in notice.message


def test_refusals_that_no_race_explains_do_not_blame_one() -> None:
    grant = fallback(
        "p", "http://h/t", [Refusal("grant token", "invalid_grant")], "client credentials"
    )
    assert "works once" in grant.message and "another process" not in grant.message
    broken = Refusal("APITEST_REFRESH_TOKEN", "HTTP 500")
    other = fallback("p", "http://h/t", [broken], "client credentials")
    assert other.message.endswith("the run went on with client credentials instead.")


@pytest.fixture
def custom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    (tmp_path / "apitest_notice_stores.py").write_text(
        "from contextlib import nullcontext\n"
        "class Bare:\n"
        "    def find_token(self, key): return None\n"
        "    def find_token_by_id(self, token_id): return None\n"
        "    def save_token(self, token): return token\n"
        "    def get_tokens(self): return []\n"
        "    def delete_token(self, token_id): pass\n"
        "    def delete_tokens(self): pass\n"
        "class Locked(Bare):\n"
        "    def lock(self): return nullcontext()\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("apitest_notice_stores", None)


def test_only_a_custom_store_without_lock_is_called_unlocked(custom: None, tmp_path: Path) -> None:
    bare = load_store("apitest_notice_stores:Bare", None, default_folder=tmp_path)
    locked = load_store("apitest_notice_stores:Locked", None, default_folder=tmp_path)
    assert unlocked_class(bare) == "apitest_notice_stores:Bare"
    assert unlocked_class(locked) is None
    for store in (FileStore(tmp_path / "t.json"), SQLiteStore(tmp_path / "t.db"), MemoryStore()):
        assert unlocked_class(store) is None
    notice = store_without_lock("apitest_notice_stores:Bare")
    assert notice.kind == "store-without-lock"
    assert "has no lock()" in notice.message and "lock() context manager" in notice.message


def result(*notices: AuthNotice) -> RunResult:
    case = CaseResult("t.1.1", "t.1", "trips", "GET trips", "positive", "test", "passed")
    return RunResult(
        "http://h/api", 1, "2026-01-01T00:00:00+00:00", [case], auth_notices=list(notices)
    )


def test_the_json_report_keeps_the_notices(tmp_path: Path) -> None:
    original = result(fallback("p", "http://h/t", [SPENT], "client credentials"))
    original.auth_notices[0].count = 3
    write_json(original, tmp_path / "r.json")
    again = read_json(tmp_path / "r.json")
    assert again.auth_notices == original.auth_notices
    assert again.to_dict()["auth_notices"][0]["count"] == 3


def test_junit_carries_them_as_properties_and_system_out_and_stays_valid() -> None:
    notice = AuthNotice("fallback", f"profile 'p': {HOSTILE}")
    xml = junit_xml(result(notice))
    document = etree.fromstring(xml.encode("utf-8"))
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(document), schema.error_log
    [suite] = document.iter("testsuite")
    props = [p.get("value") for p in suite.iter("property") if p.get("name") == "auth_notice"]
    assert props == ["profile 'p': </li><script>alert(1)</script> & "]  # the bell stripped
    assert suite.findtext("system-out") == f"warning: {props[0]}"
    assert "auth_notice" not in junit_xml(result())


def test_the_html_report_shows_an_escaped_banner() -> None:
    page = lxml.html.fromstring(render_html(result(AuthNotice("fallback", HOSTILE, count=2))))
    [banner] = page.xpath('//*[@id="auth-notices"]')
    assert banner.getparent().tag == "main" and banner.get("role") == "alert"
    assert banner.xpath(".//li")[0].text_content() == f"{HOSTILE} (happened 2 times)"
    assert not banner.xpath(".//script")  # text, not markup
    assert not lxml.html.fromstring(render_html(result())).xpath('//*[@id="auth-notices"]')


def test_the_console_summary_says_each_one_on_a_warning_line() -> None:
    out = io.StringIO()
    console = Console(file=out, soft_wrap=True, highlight=False, color_system=None)
    notice = fallback("p", "http://h/t", [SPENT], "client credentials")
    ConsoleReporter(console, quiet=True).summary(result(notice, store_without_lock("m:S")))
    lines = out.getvalue().splitlines()
    assert f"warning: {notice.message}" in lines
    assert sum(line.startswith("warning: the token store m:S has no lock()") for line in lines) == 1
