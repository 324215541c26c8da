"""What the loader does with the official data-path forms: resources read inside a `{condition}`
filter are dependencies like any other, a filter in a data-extraction-path keeps only the
records it matches, and a malformed filter is a load error at file:line."""

from __future__ import annotations

from pathlib import Path

from apitest.engine.body_records import extract
from apitest.zspec.loader import load, load_catalog

from ..support import read_url, write_resource

URL = """\
  <url path="/items">
    <operation method="get" name="list" category="read">
      <error condition="RESPONSE:$.body.items{$.owner == users:$.user_id}.id"/>
      <response status="200"/>
    </operation>
  </url>
"""


PLAIN_URL = read_url("/things")


def test_resources_inside_filters_are_dependencies(tmp_path: Path) -> None:
    for name in ("users", "kinds"):
        write_resource(tmp_path, name, "", PLAIN_URL)
    items = write_resource(
        tmp_path,
        "items",
        """\
  <components>
    <structure ref-name="item">
      <property name="kind" type="string" path="kinds:${$.active == true}.name"/>
    </structure>
  </components>
""",
        URL,
    )
    result = load([items])
    assert list(result.diagnostics) == []
    assert result.catalog is not None
    res = result.catalog.resource("items")
    assert res is not None
    assert res.depends_on == frozenset({"users", "kinds"})


def test_a_filter_in_the_extraction_path_keeps_the_matching_records(tmp_path: Path) -> None:
    spec = write_resource(
        tmp_path,
        "trips",
        """\
  <resource-config>
    <path-config data-extraction-path="$.trips{$.trip_type == 'business'}">
      <primary path="$.trip_id"/>
    </path-config>
  </resource-config>
""",
        PLAIN_URL,
    )
    res = load_catalog([spec]).resource("trips")
    assert res is not None and res.resource_config is not None
    body = {
        "trips": [
            {"trip_id": "1", "trip_type": "business"},
            {"trip_id": "2", "trip_type": "leisure"},
            {"trip_id": "3", "trip_type": "business"},
        ]
    }
    found = extract(body, res.resource_config.path_config)
    assert [keys for _, keys in found] == [{"trip_id": "1"}, {"trip_id": "3"}]


def test_a_malformed_filter_is_one_located_load_error(tmp_path: Path) -> None:
    spec = write_resource(tmp_path, "items", "", URL.replace("$.owner ==", "$.owner ="))
    result = load([spec])
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert len(errors) == 1
    assert (errors[0].file, errors[0].line) == (str(spec), 4)
    assert "compare with '=='" in errors[0].message
