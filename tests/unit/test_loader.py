"""Loading well-formed specs: the reference specs and the features the model must carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from apitest.zspec.conditions import EvalContext
from apitest.zspec.loader import load, load_catalog
from apitest.zspec.model import Catalog, Operation, Resource, Structure

from ..support import SPECS, write_resource

TRIPS = SPECS / "trips.xml"
DESTINATIONS = SPECS / "destinations.xml"


def _op(resource: Resource, name: str) -> Operation:
    found = resource.operation(name)
    assert found is not None, name
    return found


# --- the reference specs ---------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True])
def test_reference_specs_load_without_any_diagnostic(strict: bool) -> None:
    result = load([SPECS], strict=strict)
    assert [str(d) for d in result.diagnostics] == []
    assert result.skipped == []
    assert result.files == [str(DESTINATIONS), str(TRIPS)]
    assert result.catalog is not None


def test_each_reference_spec_alone_loads_without_any_diagnostic() -> None:
    for path in (TRIPS, DESTINATIONS):
        assert [str(d) for d in load([path], strict=True).diagnostics] == []


def test_catalog_orders_destinations_before_trips(catalog: Catalog, trips: Resource) -> None:
    assert [res.name for res in catalog.resources] == ["destinations", "trips"]
    assert trips.depends_on == frozenset({"destinations"})
    destinations = catalog.resource("destinations")
    assert destinations is not None
    assert destinations.depends_on == frozenset()
    assert destinations.pre_loaded is True
    assert trips.pre_loaded is False
    assert catalog.operation_count == 9


def test_loading_trips_alone_brings_destinations_along() -> None:
    result = load([TRIPS])
    assert result.files == [str(TRIPS), str(DESTINATIONS)]
    assert list(result.diagnostics) == []
    assert result.catalog is not None
    assert [res.name for res in result.catalog.resources] == ["destinations", "trips"]


def test_naming_a_file_and_its_folder_loads_it_once() -> None:
    catalog = load_catalog([SPECS, TRIPS])
    assert [res.name for res in catalog.resources] == ["destinations", "trips"]


def test_trips_operations(trips: Resource) -> None:
    rows = [(op.name, op.method, op.category, op.url_path) for op in trips.operations]
    assert rows == [
        ("GET trips", "get", "read", "/trips"),
        ("POST trips", "post", "create", "/trips"),
        ("PUT trips", "put", "update", "/trips"),
        ("DELETE trips", "delete", "delete", "/trips"),
        ("GET trip", "get", "read", "/trips/{trip_id}"),
    ]
    assert [url.path for url in trips.urls] == ["/trips", "/trips/{trip_id}"]
    assert _op(trips, "GET trips").visibility == "internal"
    assert _op(trips, "PUT trips").visibility == "public"


def test_trips_response_statuses(trips: Resource) -> None:
    statuses = {op.name: [resp.status for resp in op.responses] for op in trips.operations}
    assert statuses == {
        "GET trips": [200, 401, 403],
        "POST trips": [201, 400, 401, 403],
        "PUT trips": [200, 400, 401, 403, 404, 429],
        "DELETE trips": [200, 400, 401, 403, 404],
        "GET trip": [200, 401, 403, 404],
    }
    assert [r.status for r in _op(trips, "POST trips").success_responses] == [201]


def test_trip_id_scopes(trips: Resource) -> None:
    structure = trips.components.structures["trips"]
    trip_id = structure.property("trip_id")
    assert trip_id is not None
    assert trip_id.type == "long_string"
    assert trip_id.regex == "[0-9]{1,19}"
    assert trip_id.include_for.request == frozenset({"update"})
    assert trip_id.include_for.response == frozenset({"read"})
    assert trip_id.include_for.applies("response", "read")
    assert not trip_id.include_for.applies("request", "create")
    assert trip_id.required_for.request == frozenset({"update"})
    assert trip_id.required_for.response == frozenset()
    assert trip_id.nullable_for.is_empty
    # absent include-for means all
    trip_name = structure.property("trip_name")
    assert trip_name is not None
    assert trip_name.include_for.text == "all"
    assert trip_name.length is not None
    assert (trip_name.length.min, trip_name.length.max) == (1, 100)


def test_trips_property_rules(trips: Resource) -> None:
    structure = trips.components.structures["trips"]
    trip_type = structure.property("trip_type")
    days = structure.property("no_of_days")
    destination = structure.property("destination")
    assert trip_type is not None and days is not None and destination is not None
    assert trip_type.values == ("business", "leisure")
    assert trip_type.extra_value == "deny"
    assert trip_type.default_value == "leisure"
    assert trip_type.nullable_for.response == frozenset({"read"})
    assert days.range is not None
    assert (days.range.min, days.range.max) == (1, 365)
    assert days.example_value == "4"
    assert destination.path is not None
    assert (destination.path.source, destination.path.name, destination.path.text) == (
        "resource",
        "destinations",
        "$.destination_name",
    )


def test_put_throttling_and_tag(trips: Resource) -> None:
    put = _op(trips, "PUT trips")
    assert put.throttling is not None
    assert (put.throttling.threshold, put.throttling.duration, put.throttling.lock_period) == (
        100,
        60000,
        120000,
    )
    assert [tag.name for tag in put.tags] == ["Travel Itinerary"]
    assert _op(trips, "POST trips").throttling is None
    assert _op(trips, "POST trips").tags == ()


def test_post_external_document(trips: Resource) -> None:
    post = _op(trips, "POST trips")
    assert [(d.url, d.description) for d in post.external_documents] == [
        ("https://docs.catalyst.zoho.com/en/zest/help/", "ZEST")
    ]


def test_validation_delay_on_writes_only(trips: Resource) -> None:
    delays = {op.name: op.validation_delay for op in trips.operations}
    assert delays == {
        "GET trips": 0,
        "POST trips": 500,
        "PUT trips": 500,
        "DELETE trips": 500,
        "GET trip": 0,
    }


def test_auto_flags(trips: Resource) -> None:
    assert [op.name for op in trips.operations if op.auto_test_dependency] == [
        "POST trips",
        "DELETE trips",
    ]
    assert [op.name for op in trips.operations if op.auto_callback_get] == ["GET trip"]
    assert not any(op.auto_sync or op.auto_skip for op in trips.operations)
    delete = _op(trips, "DELETE trips")
    assert delete.deprecate is not None
    assert (delete.deprecate.since, delete.deprecate.for_removal) == ("4.0", False)


def test_error_condition_evaluates(trips: Resource) -> None:
    for op in trips.operations:
        assert op.error is not None, op.name
        condition = op.error.condition
        assert condition.evaluate(EvalContext(response_body={"status": "error"})) is True
        assert condition.evaluate(EvalContext(response_body={"status": "success"})) is False
        assert condition.evaluate(EvalContext(response_body={})) is False


def test_cross_file_response_ref_comes_from_destinations(catalog: Catalog, trips: Resource) -> None:
    destinations = catalog.resource("destinations")
    assert destinations is not None
    unauthorised = _op(trips, "GET trips").response_for(401)
    assert unauthorised is not None
    assert unauthorised.name == "invalid_token"
    assert unauthorised.loc.file == str(DESTINATIONS)
    assert unauthorised == destinations.components.responses["invalid_token"]
    [content] = unauthorised.contents
    assert content.encode == "application/json"
    assert content.structure is not None
    assert [p.name for p in content.structure.properties] == ["code", "message", "status"]
    # a local ref to a response whose structure is itself a cross-file ref
    throttled = _op(trips, "PUT trips").response_for(429)
    assert throttled is not None and throttled.loc.file == str(TRIPS)
    assert throttled.contents[0].structure is not None
    assert throttled.contents[0].structure.ref_name == "error_body"


def test_structure_ref_inlines_the_component(trips: Resource) -> None:
    post = _op(trips, "POST trips")
    assert post.request_body is not None
    [content] = post.request_body.contents
    assert content.structure is not None
    wrapper = content.structure.property("trips")
    assert wrapper is not None and wrapper.type == "collections"
    assert wrapper.structure == trips.components.structures["trips"]
    created = post.response_for(201)
    assert created is not None
    path_config = created.contents[0].path_config
    assert path_config is not None
    assert str(path_config.data_extraction_path) == "$.details"
    assert [str(p.path) for p in path_config.primaries] == ["$.trip_id"]


def test_trips_resource_level_parts(trips: Resource) -> None:
    assert trips.info is not None and trips.info.limit == 50
    assert trips.resource_config is not None
    assert trips.resource_config.primary_structure == "trips"
    assert trips.resource_config.path_config is not None
    assert str(trips.resource_config.path_config.data_extraction_path) == "$.trips"
    [server] = trips.servers
    assert server.url == "http://{host}:{port}/api/v1"
    assert [(v.name, v.values) for v in server.variables] == [
        ("host", ("127.0.0.1",)),
        ("port", ("8765",)),
    ]
    assert trips.authentication is not None
    assert trips.authentication.schema == "travel_oauth"
    assert trips.authentication.prefix == "Zoho-oauthtoken"
    assert [s.name for s in trips.oauth2] == ["travel_oauth"]
    assert _op(trips, "GET trip").arguments[0].location == "variable"


def _line_of(text: str) -> int:
    """The 1-based line of trips.xml on which `text` starts."""
    lines = TRIPS.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_operation_location_is_the_line_of_its_start_tag(trips: Resource) -> None:
    """An element's location is the line of its `<`, also where its start tag (as that of
    POST trips) goes on over the next line."""
    put = _line_of('<operation method="put" name="PUT trips"')
    assert _op(trips, "PUT trips").loc.line == put
    post = _line_of('<operation method="post" name="POST trips"')
    assert _op(trips, "POST trips").loc.line == post


# --- features, on small specs ----------------------------------------------------------------


def _write_components(folder: Path, name: str, structures: str) -> Path:
    """Resource `name` whose `<components>` (line 2) hold `structures` from line 3, then a read."""
    return write_resource(folder, name, f"  <components>\n{structures}  </components>\n")


def test_extend_merges_inherited_properties_own_overriding(tmp_path: Path) -> None:
    path = _write_components(
        tmp_path,
        "r",
        """\
    <structure ref-name="base">
      <property name="id" type="long_string"/>
      <property name="label" type="integer"/>
    </structure>
    <structure ref-name="child" extend="base">
      <property name="label" type="string" length="1,10"/>
      <property name="extra" type="boolean"/>
    </structure>
    <structure ref-name="grandchild" extend="child">
      <property name="more" type="date"/>
    </structure>
""",
    )
    res = load_catalog([path]).resources[0]
    structures = res.components.structures
    child = structures["child"]
    assert child.extend == "base"
    assert [(p.name, p.type) for p in child.properties] == [
        ("id", "long_string"),
        ("label", "string"),
        ("extra", "boolean"),
    ]
    inherited = child.property("id")
    assert inherited is not None and inherited.loc.line == 4  # declared in base
    assert [(p.name, p.type) for p in structures["grandchild"].properties] == [
        ("id", "long_string"),
        ("label", "string"),
        ("extra", "boolean"),
        ("more", "date"),
    ]
    assert [p.name for p in structures["base"].properties] == ["id", "label"]


def test_recursive_structure_yields_recursive_ref(tmp_path: Path) -> None:
    path = _write_components(
        tmp_path,
        "tree",
        """\
    <structure ref-name="node">
      <property name="label" type="string"/>
      <property name="children" type="collections">
        <structure-ref name="node"/>
      </property>
    </structure>
""",
    )
    result = load([path])
    assert list(result.diagnostics) == []
    assert result.catalog is not None
    node = result.catalog.resources[0].components.structures["node"]
    assert node.recursive_ref is None
    assert [p.name for p in node.properties] == ["label", "children"]
    children = node.property("children")
    assert children is not None
    assert isinstance(children.structure, Structure)
    assert children.structure.recursive_ref == "tree.node"
    assert children.structure.properties == ()


def test_cross_file_structure_ref(tmp_path: Path) -> None:
    _write_components(
        tmp_path,
        "shop",
        """\
    <structure ref-name="item">
      <property name="sku" type="string"/>
      <property name="price" type="double" decimal-place="2"/>
    </structure>
""",
    )
    orders = tmp_path / "orders.xml"
    orders.write_text(
        """\
<resource name="orders">
  <url path="/orders">
    <operation method="get" name="list" category="read">
      <response status="200">
        <content>
          <encode type="application/json"/>
          <structure-ref name="shop.item"/>
        </content>
      </response>
    </operation>
  </url>
</resource>
""",
        encoding="utf-8",
    )
    result = load([orders])  # shop.xml is found beside orders.xml
    assert list(result.diagnostics) == []
    assert result.catalog is not None
    assert [res.name for res in result.catalog.resources] == ["shop", "orders"]
    res = result.catalog.resource("orders")
    assert res is not None and res.depends_on == frozenset({"shop"})
    op = _op(res, "list")
    structure = op.responses[0].contents[0].structure
    assert structure is not None
    assert structure.loc.file == str(tmp_path / "shop.xml")
    assert [(p.name, p.type, p.decimal_place) for p in structure.properties] == [
        ("sku", "string", None),
        ("price", "double", 2),
    ]


def test_a_reference_for_shape_yields_to_a_data_need_it_would_make_a_cycle_with(
    tmp_path: Path,
) -> None:
    """posts shows comments' shape (its list embeds them), comments need posts' records (a
    `path`): the data need orders them, posts first, where both counted alike was a cycle."""
    _write_components(
        tmp_path,
        "comments",
        """    <structure ref-name="comment">
      <property name="id" type="integer"/>
      <property name="postId" type="integer" path="posts:$.id"/>
    </structure>
""",
    )
    posts = _write_components(
        tmp_path,
        "posts",
        """    <structure ref-name="post">
      <property name="id" type="integer"/>
      <property name="comments" type="collections">
        <structure-ref name="comments.comment"/>
      </property>
    </structure>
""",
    )
    result = load([posts, tmp_path / "comments.xml"])
    assert list(result.diagnostics) == []
    assert result.catalog is not None
    assert [res.name for res in result.catalog.resources] == ["posts", "comments"]
    comments, loaded_posts = result.catalog.resource("comments"), result.catalog.resource("posts")
    assert comments is not None and comments.depends_on == frozenset({"posts"})
    assert loaded_posts is not None and loaded_posts.depends_on == frozenset()
    embedded = loaded_posts.components.structures["post"].property("comments")
    assert embedded is not None and embedded.structure is not None  # the shape is still read
    assert [p.name for p in embedded.structure.properties] == ["id", "postId"]


def test_dependency_and_data_path_make_depends_on(tmp_path: Path) -> None:
    write_resource(tmp_path, "a", "")
    write_resource(tmp_path, "b", "")
    c = write_resource(
        tmp_path,
        "c",
        """\
  <dependency resources="a"/>
  <components>
    <structure ref-name="x">
      <property name="b_id" type="string" path="b:$.id"/>
      <property name="own" type="string" path="c:$.id"/>
    </structure>
  </components>
""",
    )
    catalog = load_catalog([c])
    assert [res.name for res in catalog.resources][-1] == "c"
    res = catalog.resource("c")
    assert res is not None
    assert res.depends_on == frozenset({"a", "b"})  # its own records are no dependency
    assert [d.resources for d in res.dependencies] == [("a",)]


def test_dependency_resources_is_a_csv(tmp_path: Path) -> None:
    """ZEST's `<dependency resources="a,b">`: every named resource runs first."""
    write_resource(tmp_path, "a", "")
    write_resource(tmp_path, "b", "")
    c = write_resource(tmp_path, "c", '  <dependency resources="a, b"/>\n')
    result = load([c])
    assert not list(result.diagnostics)
    res = result.catalog.resource("c")
    assert res is not None
    assert res.depends_on == frozenset({"a", "b"})
    assert [r.name for r in result.catalog.resources][-1] == "c"


def test_dependency_resource_alias_warns(tmp_path: Path) -> None:
    """apitest's earlier `resource="a"` still loads, with a warning naming the official form."""
    write_resource(tmp_path, "a", "")
    c = write_resource(tmp_path, "c", '  <dependency resource="a"/>\n')
    result = load([c])
    assert not result.diagnostics.errors
    (warning,) = result.diagnostics.warnings
    assert "deprecated form" in warning.message
    assert '<dependency resources="a">' in warning.hint
    res = result.catalog.resource("c")
    assert res is not None and res.depends_on == frozenset({"a"})
