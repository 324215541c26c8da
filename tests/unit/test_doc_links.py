"""lint points each problem to the section of docs/zspec.md on its element: the sections must
exist (a renamed heading would leave users at the top of the page) and cover what is read."""

from __future__ import annotations

import json
import re
from pathlib import Path

from apitest.zspec.diagnostics import DOC_PAGE, DOC_SECTIONS, doc_link
from apitest.zspec.schema import REF_SUFFIX, RULES

from ..support import REPO, run_cli


def _anchors() -> set[str]:
    """GitHub's anchors of the page's headings: lower case, spaces to dashes, no punctuation."""
    found = set()
    for heading in re.findall(r"^#{2,4} (.+)$", (REPO / DOC_PAGE).read_text(), re.M):
        found.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return found


def test_every_linked_section_is_a_heading_of_the_page() -> None:
    assert DOC_SECTIONS - _anchors() == set()


def test_every_element_the_loader_reads_has_a_section() -> None:
    read = {name for name in RULES if not name.endswith(REF_SUFFIX)}
    # apitest's own earlier forms are documented together under "deprecated forms".
    deprecated = {"contact", "license"}
    assert {name for name in read - deprecated if not doc_link(name)} == set()


def test_a_ref_form_points_to_its_element() -> None:
    assert doc_link("structure-ref") == "docs/zspec.md#structure"
    assert doc_link("extension") == "docs/zspec.md#file-meta"
    assert doc_link("no-such-element") == ""


def test_lint_names_the_section_in_text_and_json(tmp_path: Path) -> None:
    spec = tmp_path / "r.xml"
    spec.write_text(
        '<resource name="r" specification="1.0.0" product="p" pre-loaded="false" '
        'file-version="1"><url path="/r"><operation method="get" name="G" category="read">'
        '<argument name="a" location="cookie"/><response status="200"/></operation></url>'
        "</resource>"
    )
    text = run_cli("lint", str(spec))
    (line,) = [row for row in text.stdout.splitlines() if "'cookie'" in row]
    assert line.endswith("[see docs/zspec.md#argument]")
    as_json = run_cli("lint", "--format", "json", str(spec))
    docs = {d["doc"] for d in json.loads(as_json.stdout)["diagnostics"] if "cookie" in d["message"]}
    assert docs == {"docs/zspec.md#argument"}
