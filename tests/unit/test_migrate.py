"""`apitest lint --fix`: apitest's earlier forms rewritten into ZEST's official ones, text-wise.

Each old form has tests/data/migrate/<form>.before.xml and the official form it must become,
<form>.after.xml (written by hand from the ZEST reference pages and the brief of issue 17, then
compared with the fixer's output). Everything the rewrite does not need to touch (comments,
blank lines, attribute order, quotes, line ends) must come out byte for byte.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from apitest.errors import SpecError
from apitest.zspec.conditions import parse_condition
from apitest.zspec.lint import lint_paths
from apitest.zspec.loader import load
from apitest.zspec.migrate import fix_file, fix_text, scan

from ..support import DATA, SPECS, read_url

MIGRATE = DATA / "migrate"
FORMS = sorted(path.name.removesuffix(".before.xml") for path in MIGRATE.glob("*.before.xml"))
# Lines holding an old form; every other line of a .before file must reach the output unchanged.
OLD_FORM = re.compile(
    r'name="(development|Sandbox|production)"|resource=| key=|\[\*\]|<contact|<license|</license'
    r"|description=|<oauth2|-url=|scopes=|default=|HEADER:|PARAM:"
)
COMMENT = re.compile(r"<!--.*?-->", re.S)


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def test_every_old_form_has_a_pair() -> None:
    assert FORMS == [
        "condition-prefix", "dependency", "environment", "info-details", "oauth2", "path-config",
        "tag-description", "variable-default",
    ]  # fmt: skip
    for form in FORMS:
        assert (MIGRATE / f"{form}.after.xml").is_file()


@pytest.mark.parametrize("form", FORMS)
def test_the_old_form_becomes_the_official_one(form: str) -> None:
    result = fix_text(_read(MIGRATE / f"{form}.before.xml"))
    assert result.changed
    assert result.text == _read(MIGRATE / f"{form}.after.xml")
    etree.fromstring(result.text.encode("utf-8"))  # still well formed


@pytest.mark.parametrize("form", FORMS)
def test_comments_and_untouched_lines_stay_byte_identical(form: str) -> None:
    before, after = _read(MIGRATE / f"{form}.before.xml"), _read(MIGRATE / f"{form}.after.xml")
    comments = Counter(COMMENT.findall(before))
    assert comments and comments - Counter(COMMENT.findall(after)) == Counter()
    kept = [line for line in before.splitlines(keepends=True) if not OLD_FORM.search(line)]
    remaining = iter(after.splitlines(keepends=True))
    missing = [line for line in kept if not any(line == out for out in remaining)]
    assert missing == [], "lines lost or changed, in order"


@pytest.mark.parametrize("form", FORMS)
def test_the_official_form_is_left_alone(form: str) -> None:
    after = _read(MIGRATE / f"{form}.after.xml")
    assert fix_text(after).changes == []
    assert fix_text(after).text == after


def test_windows_line_ends_are_kept_and_used_for_new_lines() -> None:
    before = _read(MIGRATE / "oauth2.before.xml").replace("\n", "\r\n")
    result = fix_text(before)
    assert result.text == _read(MIGRATE / "oauth2.after.xml").replace("\n", "\r\n")
    assert "\n" not in result.text.replace("\r\n", "")


def test_each_rewrite_is_reported_at_its_line() -> None:
    result = fix_text(_read(MIGRATE / "path-config.before.xml"))
    assert result.changes == [
        (5, "data-extraction-path '$.things[*]' -> '$.things'"),
        (15, "data-extraction-path '$.details[*]' -> '$.details'"),
    ]


def test_old_forms_inside_comments_cdata_and_text_are_not_touched() -> None:
    text = (
        '<resource name="r"><!-- <environment name="development" key="k"/> -->'
        '<description><![CDATA[<dependency resource="a"/>]]> tag description=</description>'
        "</resource>"
    )
    assert fix_text(text).text == text


def test_a_new_dependency_list_merges_into_an_official_one() -> None:
    text = (
        '<resource name="r">\n  <dependency resources="a, b"/>\n  <dependency resource="c"/>\n'
        '  <dependency resource="a"/>\n</resource>\n'
    )
    assert (
        fix_text(text).text
        == '<resource name="r">\n  <dependency resources="a,b,c"/>\n</resource>\n'
    )


def test_oauth2_goes_into_an_existing_authentication_schema() -> None:
    text = (
        '<resource name="r">\n  <authentication-schema>\n    <token name="t"/>\n'
        '  </authentication-schema>\n  <oauth2 name="o" token-url="/t"/>\n</resource>\n'
    )
    result = fix_text(text).text
    tree = etree.fromstring(result.encode())
    schema = tree.find("authentication-schema")
    assert schema is not None and [child.tag for child in schema] == ["token", "oauth2"]
    assert schema.find("oauth2/token-url").get("path") == "/t"  # type: ignore[union-attr]
    assert tree.find("oauth2") is None
    assert '    <oauth2 name="o">\n      <token-url path="/t">\n' in result


def test_oauth2_scopes_become_the_scope_argument_of_the_token_and_refresh_calls() -> None:
    """The token call sends only declared arguments: without a `scope` argument a profile's
    `scopes = [...]` would stop narrowing the token after --fix."""
    text = (
        '<resource name="r">\n  <oauth2 name="o" token-url="/t" refresh-url="/r" scopes="a,b"/>\n'
        "</resource>\n"
    )
    tree = etree.fromstring(fix_text(text).text.encode())
    for url in ("token-url", "refresh-url"):
        path = f"authentication-schema/oauth2/{url}/operation/argument[@name='scope']"
        found = tree.findall(path)
        assert len(found) == 1, url
        assert found[0].get("location") == "param"
        assert found[0].find("content/structure/property").get("example-value") == "a,b"  # type: ignore[union-attr]
    assert "kept here" not in fix_text(text).text


def test_oauth2_scopes_with_no_url_to_carry_them_are_kept_in_a_comment() -> None:
    text = '<resource name="r">\n  <oauth2 name="o" scopes="a,b"/>\n</resource>\n'
    result = fix_text(text).text
    assert '<!-- apitest lint fix: scopes="a,b" kept here: ZEST has no oauth2 scopes -->' in result
    etree.fromstring(result.encode())


def test_the_scanner_finds_every_element_lxml_finds() -> None:
    for spec in SPECS.glob("*.xml"):
        text = _read(spec)
        root = scan(text)
        ours: list[str] = []
        stack = [root]
        while stack:
            node = stack.pop()
            ours.append(node.name)
            stack.extend(reversed(node.children))
        tree = etree.fromstring(text.encode())
        theirs = [str(el.tag) for el in tree.iter() if isinstance(el.tag, str)]
        assert ours == theirs


def test_fix_file_writes_in_place_and_refuses_a_malformed_file(tmp_path: Path) -> None:
    target = tmp_path / "things.xml"
    shutil.copy(MIGRATE / "tag-description.before.xml", target)
    assert fix_file(target).changed
    assert target.read_bytes() == (MIGRATE / "tag-description.after.xml").read_bytes()
    assert not fix_file(target).changed  # a second --fix finds nothing
    broken = tmp_path / "broken.xml"
    broken.write_text('<resource name="r"><dependency resource="a"></resource>')
    with pytest.raises(SpecError, match="not rewritten"):
        fix_file(broken)
    assert broken.read_text() == '<resource name="r"><dependency resource="a"></resource>'


def test_fix_file_through_a_link_fixes_the_linked_spec_and_keeps_the_link(
    tmp_path: Path,
) -> None:
    """It used to rename the fixed copy over the link: the link was gone and the real spec,
    shared from elsewhere, still in the old form."""
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "things.xml"
    shutil.copy(MIGRATE / "tag-description.before.xml", real)
    link = tmp_path / "things.xml"
    link.symlink_to(real)
    assert fix_file(link).changed
    assert link.is_symlink() and link.resolve() == real
    assert real.read_bytes() == (MIGRATE / "tag-description.after.xml").read_bytes()
    assert sorted(p.name for p in shared.iterdir()) == ["things.xml"]  # no temporary left


def test_the_old_bundled_specs_load_with_warnings_and_migrate_to_files_that_lint_clean(
    tmp_path: Path,
) -> None:
    """The bundled specs as they were before issue 17, in apitest's earlier forms: they still
    load (every old form a warning naming the official one), and --fix makes them lint clean."""
    old = MIGRATE / "bundled"
    before = lint_paths([old])
    assert [d.severity for d in before.diagnostics if d.severity == "error"] == []
    assert sum(d.severity == "warning" for d in before.diagnostics) >= 3
    folder = tmp_path / "specs"
    shutil.copytree(old, folder)
    for spec in sorted(folder.glob("*.xml")):
        assert fix_file(spec).changed, spec
        # Nothing but the old forms changed: the comments are all still there.
        assert COMMENT.findall(_read(spec)) == COMMENT.findall(_read(old / spec.name))
    report = lint_paths([folder])
    assert [str(d) for d in report.diagnostics] == []
    assert report.resources == 2 and report.operations == 9


MISPLACED = (
    """<resource specification="1.0.0" name="r" product="P" file-version="1">
  <server name="s" url="http://127.0.0.1:9/api"/>
  <token name="tk">
    <token-url path="/t">
      <operation method="post" name="T" category="action">
        <response status="200"/>
      </operation>
    </token-url>
  </token>
  <oauth2 name="o" token-url="/o">
    <description>Old attributes, official child.</description>
  </oauth2>
  <authentication type="token" name="Authorization" location="header" schema="tk"/>
"""
    + read_url("/things", "GET things")
    + "</resource>\n"
)


def test_a_schema_directly_under_resource_moves_into_the_authentication_schema(
    tmp_path: Path,
) -> None:
    """An official `<token>` in apitest's earlier place moves as written, nested children keeping
    their indentation; an `<oauth2>` with old attributes keeps its children too."""
    before = tmp_path / "before.xml"
    before.write_text(MISPLACED, encoding="utf-8")
    warned = [str(d) for d in load([before]).diagnostics.warnings]
    assert any("<token> directly under <resource>" in w for w in warned), warned
    result = fix_text(MISPLACED)
    assert [line for line, _ in result.changes] == [3, 10]
    assert (
        '  <authentication-schema>\n    <token name="tk">\n      <token-url path="/t">\n'
        '        <operation method="post" name="T" category="action">\n'
        '          <response status="200"/>\n        </operation>\n      </token-url>\n'
        '    </token>\n    <oauth2 name="o">\n'
        "      <description>Old attributes, official child.</description>\n"
    ) in result.text
    after = tmp_path / "after.xml"
    after.write_text(result.text, encoding="utf-8")
    loaded = load([after])
    assert [str(d) for d in loaded.diagnostics] == []
    resource = loaded.catalog.resource("r")
    assert resource is not None
    assert [t.name for t in resource.tokens] == ["tk"]
    assert [o.name for o in resource.oauth2] == ["o"]


def test_own_condition_paths_become_official_paths_of_the_same_meaning() -> None:
    """`HEADER:`/`PARAM:` are rewritten where the condition lexer finds them as paths (not in a
    quoted string); an odd header name gets the bracket form, escaped for its attribute."""
    text = (
        '<resource name="r">\n'
        "  <error condition=\"HEADER:X!y == 'a' || PARAM:p == &quot;PARAM:q&quot;\"/>\n"
        "  <error condition='HEADER:X!y'/>\n"
        '  <error condition="HEADER: broken"/>\n'
        "</resource>\n"
    )
    result = fix_text(text)
    before = [e.get("condition") for e in etree.fromstring(text.encode()).iter("error")]
    after = [e.get("condition") for e in etree.fromstring(result.text.encode()).iter("error")]
    assert after[:2] == [
        "RESPONSE:$.headers['X!y'] == 'a' || REQUEST:$.params.p == \"PARAM:q\"",
        "RESPONSE:$.headers['X!y']",
    ]
    assert after[2] == before[2]  # not a condition: lint reports it, --fix leaves it
    for old, new in zip(before[:2], after[:2], strict=True):
        assert parse_condition(str(old)).root == parse_condition(str(new)).root
        assert not any(path.legacy for path in parse_condition(str(new)).data_paths())
