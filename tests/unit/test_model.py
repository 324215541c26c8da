"""The model's derived helpers, which the planner and engine rely on, over real loaded specs."""

from __future__ import annotations

from pathlib import Path

from apitest.zspec.loader import load_catalog
from apitest.zspec.model import CATEGORY_ORDER, Resource


def test_category_order_is_the_run_order_of_zspec() -> None:
    assert CATEGORY_ORDER == ("create", "read", "update", "action", "delete")


def test_argument_value_property_is_the_nested_property(trips: Resource) -> None:
    op = trips.operation("GET trip")
    assert op is not None
    prop = op.arguments[0].value_property
    assert prop is not None
    assert prop.type == "long_string"
    assert str(prop.path) == "trips:$.trip_id"


def test_structures_of_named_properties_are_maps(trips: Resource) -> None:
    assert trips.components.structures["data"].is_map
    ids_arg = trips.operation("DELETE trips")
    assert ids_arg is not None
    structure = ids_arg.arguments[0].content.structure if ids_arg.arguments[0].content else None
    assert structure is not None
    assert not structure.is_map  # one unnamed property: a scalar value, not an object


def test_response_lookup_and_success_responses(trips: Resource) -> None:
    put = trips.operation("PUT trips")
    assert put is not None
    assert [r.status for r in put.success_responses] == [200]
    found = put.response_for(429)
    assert found is not None and found.name == "throttled"
    assert put.response_for(418) is None


def test_auto_sync_on_an_argument_makes_the_operation_sync(tmp_path: Path) -> None:
    spec = tmp_path / "r.xml"
    spec.write_text(
        '<resource name="r">\n'
        '  <url path="/r">\n'
        '    <operation method="get" name="plain" category="read">\n'
        '      <response status="200"/>\n'
        "    </operation>\n"
        '    <operation method="get" name="by-arg" category="read">\n'
        '      <argument name="q" location="param" auto-sync="true"/>\n'
        '      <response status="200"/>\n'
        "    </operation>\n"
        "  </url>\n"
        "</resource>\n",
        encoding="utf-8",
    )
    resource = load_catalog([spec]).resources[0]
    plain, by_arg = resource.operation("plain"), resource.operation("by-arg")
    assert plain is not None and not plain.is_sync
    assert by_arg is not None and by_arg.is_sync
