"""The Data Manager (engine/records.py): how it finds records in a body and knows them by their
keys, as ZEST's does, and which record it hands a chain.

ZEST's data-manager and path-config pages: the value at `data-extraction-path` is the resource's
data; an array there is one record per element, an object is one record. `<primary path>` is
relative to each record, `<primary name>` names the key, `primary-type="composite"` makes the
primaries one key, and a content-level path-config without `<primary>` keeps the resource's.
A chain is handed its own record first, then one no chain owns; a deleted record is gone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apitest.engine.body_records import (
    extract,
    extraction_config,
    records_at,
    same_key,
    sent_records,
)
from apitest.engine.bookkeeping import kept_by_a_patch
from apitest.engine.records import DataManager, Record, _identities, is_composite
from apitest.plan.graph import callback_read
from apitest.plan.record_keys import primary_key_names
from apitest.zspec.conditions import parse_data_path
from apitest.zspec.loader import load, load_catalog
from apitest.zspec.model import (
    Content,
    Operation,
    PathConfig,
    Primary,
    RequestBody,
    Resource,
    ResourceConfig,
)

from ..support import DATA, LOC, SPECS

DATASETTE = DATA / "thirdparty" / "datasette" / "items.xml"
BLOG_POSTS = DATA / "thirdparty" / "json-server" / "blog" / "posts.xml"
TRIPS = {
    "trips": [
        {"trip_id": "1", "trip_name": "Bali"},
        {"trip_id": 2, "trip_name": "London"},
    ]
}


def config(path: str | None, *primaries: str | tuple[str, str]) -> PathConfig:
    """A path-config: primaries as `$.path` or (`$.path`, name)."""
    built = []
    for primary in primaries:
        text, name = primary if isinstance(primary, tuple) else (primary, None)
        built.append(Primary(LOC, parse_data_path(text), name))
    return PathConfig(LOC, parse_data_path(path) if path else None, tuple(built))


def test_a_path_to_an_array_gives_one_record_per_element() -> None:
    assert extract(TRIPS, config("$.trips", "$.trip_id")) == [
        ({"trip_id": "1", "trip_name": "Bali"}, {"trip_id": "1"}),
        ({"trip_id": 2, "trip_name": "London"}, {"trip_id": 2}),
    ]


def test_the_older_star_form_finds_the_same_records() -> None:
    official = extract(TRIPS, config("$.trips", "$.trip_id"))
    assert extract(TRIPS, config("$.trips[*]", "$.trip_id")) == official


def test_a_path_to_an_object_gives_one_record() -> None:
    body = {"code": "SUCCESS", "details": {"trip_id": "77"}}
    assert extract(body, config("$.details", "$.trip_id")) == [
        ({"trip_id": "77"}, {"trip_id": "77"})
    ]


def test_nested_paths_and_nested_primary_paths() -> None:
    body = {"data": {"items": [{"info": {"id": 5}, "n": 1}, {"info": {"id": 6}}]}}
    found = extract(body, config("$.data.items", "$.info.id"))
    assert [keys for _, keys in found] == [{"id": 5}, {"id": 6}]
    # several matches, each an array, are all their elements
    pages = {"pages": [{"rows": [{"id": 1}]}, {"rows": [{"id": 2}, {"id": 3}]}]}
    found = extract(pages, config("$.pages[*].rows", "$.id"))
    assert [keys["id"] for _, keys in found] == [1, 2, 3]


def test_what_is_not_an_object_is_no_record() -> None:
    assert records_at([[{"a": 1}, 3, "x", None, [{"b": 2}]]]) == [{"a": 1}]
    assert records_at([5, "text", None]) == []
    assert extract({"trips": "none"}, config("$.trips", "$.trip_id")) == []
    assert extract({"other": []}, config("$.trips", "$.trip_id")) == []
    assert extract(None, config("$.trips", "$.trip_id")) == []


def test_without_an_extraction_path_the_body_is_the_data() -> None:
    assert extract({"id": 1}, None) == [({"id": 1}, {})]
    assert extract([{"id": 1}, {"id": 2}], config(None, "$.id")) == [
        ({"id": 1}, {"id": 1}),
        ({"id": 2}, {"id": 2}),
    ]


def test_a_record_without_its_key_is_kept_keyless() -> None:
    body = {"trips": [{"trip_name": "no id yet"}]}
    assert extract(body, config("$.trips", "$.trip_id")) == [({"trip_name": "no id yet"}, {})]


def test_primary_name_names_the_key_else_the_last_step_does() -> None:
    named = config("$.trips", ("$.trip_id", "id"), "$.trip_name")
    assert [keys for _, keys in extract(TRIPS, named)] == [
        {"id": "1", "trip_name": "Bali"},
        {"id": 2, "trip_name": "London"},
    ]
    assert Primary(LOC, parse_data_path("$.details.trip_id")).key == "trip_id"
    assert Primary(LOC, parse_data_path("$.details.trip_id"), "trip").key == "trip"


def test_simple_keys_match_on_any_one_composite_on_all() -> None:
    mine = {"trip_id": "1", "trip_name": "Bali"}
    renamed = {"trip_id": 1, "trip_name": "Bali, later"}
    assert same_key(mine, renamed)  # simple: trip_id alone names the record
    assert not same_key(mine, renamed, composite=True)
    assert same_key(mine, {"trip_id": 1, "trip_name": "Bali"}, composite=True)
    assert not same_key(mine, {"trip_id": "2", "trip_name": "London"})
    assert not same_key(mine, {"other": "1"})
    assert not same_key({}, renamed)  # no key names nothing


def test_the_data_manager_knows_a_simple_record_by_any_key() -> None:
    data = DataManager()
    first = data.add("t", {"v": 1}, {"trip_id": "1", "trip_name": "a"}, chain="c", created=False)
    again = data.add("t", {"v": 2}, {"trip_id": 1, "trip_name": "b"}, chain="c", created=False)
    assert again is first and first.data == {"v": 2} and len(data.live("t")) == 1
    data.remove(first)
    late = data.add("t", {"v": 3}, {"trip_name": "a"}, chain="c", created=False)
    assert not late.live and data.live("t") == []  # a lagging listing cannot revive it


def test_the_data_manager_knows_a_composite_record_by_all_keys() -> None:
    data = DataManager(composite=frozenset({"t"}))
    first = data.add("t", {"v": 1}, {"a": "1", "b": "x"}, chain="c", created=False)
    other = data.add("t", {"v": 2}, {"a": "1", "b": "y"}, chain="c", created=False)
    assert other is not first and len(data.live("t")) == 2
    again = data.add("t", {"v": 3}, {"b": "x", "a": 1}, chain="c", created=False)
    assert again is first and len(data.live("t")) == 2
    data.remove(first)
    assert data.add("t", {}, {"a": "1", "b": "x"}, chain="c", created=False).live is False
    assert data.add("t", {}, {"a": "2", "b": "y"}, chain="c", created=False).live


def test_sent_records_are_where_the_request_says_not_where_the_answer_keeps_them() -> None:
    """issue 18, item 5: the request's own path-config, else the property its structure shapes
    with the primary-structure; an envelope's keys (`return`) are never taken for the record."""
    catalog = load_catalog([DATASETTE, SPECS / "trips.xml"])
    items, trips = catalog.resource("items"), catalog.resource("trips")
    assert items is not None and trips is not None
    envelope = {"row": {"name": "a", "qty": 1}, "return": True}
    assert sent_records(envelope, items, items.operation("insert item")) == [envelope["row"]]
    wrapped = {"trips": [{"trip_name": "x"}, {"trip_name": "y"}]}
    assert sent_records(wrapped, trips, trips.operation("POST trips")) == wrapped["trips"]
    assert sent_records({"trip_name": "z"}, trips, trips.operation("POST trips")) == []
    bare = Operation(LOC, "POST trips", "post", "create", "/trips")  # no structure to go by
    assert sent_records({"trip_name": "z"}, _resource("$.trips"), bare) == [{"trip_name": "z"}]


def test_sent_records_read_the_content_the_request_sends() -> None:
    """An operation that offers a form and JSON sends JSON (plan.cases.request_content): the
    record sent is where the JSON content's path-config says, not the form's."""
    form = Content(LOC, encode="application/x-www-form-urlencoded")
    json_content = Content(LOC, encode="application/json", path_config=config("$.row"))
    body = RequestBody(LOC, (form, json_content))
    op = Operation(LOC, "insert", "post", "create", "/items", request_body=body)
    sent = {"row": {"name": "a"}, "return": True}
    assert sent_records(sent, _resource("$"), op) == [{"name": "a"}]


def test_a_json_patch_sent_the_fields_its_operations_set_not_an_envelope() -> None:
    """RFC 6902 as the body, or API Gateway's `{"patchOperations": [...]}`: the operations'
    values are the record sent, with or without a structure to go by; nothing comparable, none."""
    bare = Operation(LOC, "PATCH trip", "patch", "update", "/trips/{id}")
    replace = {"op": "replace", "path": "/trip_name", "value": "Rome"}
    for body in ([replace], {"patchOperations": [replace]}):
        assert sent_records(body, _resource("$.trips"), bare) == [{"trip_name": "Rome"}]
    assert sent_records([{"op": "remove", "path": "/trip_name"}], _resource("$"), bare) == []


def test_a_body_of_the_records_own_fields_is_the_record_sent_not_an_envelope() -> None:
    """A PATCH whose structure holds some of the primary-structure's fields sent a partial
    record: its read-back compares them (before, nothing was compared and a PATCH that changed
    nothing passed). A structure with a key the record lacks stays an envelope."""
    posts = load_catalog([BLOG_POSTS]).resource("posts")
    assert posts is not None
    patch = posts.operation("PATCH post")
    assert sent_records({"title": "New"}, posts, patch) == [{"title": "New"}]
    trips = load_catalog([SPECS / "trips.xml"]).resource("trips")
    assert trips is not None  # its POST's wrapper has a key (`trips`) that no trip has
    assert sent_records({"trip_name": "z"}, trips, trips.operation("POST trips")) == []


SPEC = """<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="trips" product="p" file-version="1">
  <components>
    <structure ref-name="trip">
      <property name="trip_id" type="long_string" include-for="Request[update],Response[read]"/>
      <property name="trip_name" type="string" required-for="Request[create]"/>
    </structure>
  </components>
  <info title="Trips" version="1.0"/>
  <resource-config {resource_config}>
    <path-config data-extraction-path="{path}">{primaries}</path-config>
  </resource-config>
  <server name="s" url="http://127.0.0.1:9/api"/>
  <url path="/trips">
    <operation method="get" name="GET trips" category="read">
      <response status="200"/>
    </operation>
    <operation method="post" name="POST trips" category="create">
      <response status="201">
        <content>
          <encode type="application/json"/>
          <path-config data-extraction-path="$.details">{content_primaries}</path-config>
        </content>
      </response>
    </operation>
  </url>
  <url path="/trips/{{trip}}">
    <operation method="get" name="GET trip" category="read">
      <argument name="trip" location="variable" required="true">
        <content><structure><property type="long_string" path="trips:$.trip_id"/></structure>
        </content>
      </argument>
      <response status="200"/>
    </operation>
  </url>
</resource>
"""


def _load(
    tmp_path: Path,
    *,
    path: str = "$.trips",
    primaries: str = '<primary path="$.trip_id"/>',
    content_primaries: str = "",
    resource_config: str = 'primary-structure="trip"',
) -> tuple[Resource, list[str]]:
    spec = tmp_path / "trips.xml"
    text = SPEC.format(
        path=path,
        primaries=primaries,
        content_primaries=content_primaries,
        resource_config=resource_config,
    )
    spec.write_text(text, encoding="utf-8")
    result = load([spec])
    assert result.catalog is not None, [str(d) for d in result.diagnostics]
    resource = result.catalog.resource("trips")
    assert resource is not None
    return resource, [str(d) for d in result.diagnostics]


def _resource(path: str) -> Resource:
    """A bare resource whose resource-config reads `path`."""
    return Resource(
        loc=LOC,
        name="trips",
        resource_config=ResourceConfig(LOC, path_config=config(path, "$.trip_id")),
    )


def _create_content(resource: Resource) -> tuple[Content, Operation]:
    op = next(op for op in resource.operations if op.name == "POST trips")
    content = op.responses[0].contents[0]
    return content, op


def test_primary_name_loads_without_a_warning_and_names_the_key(tmp_path: Path) -> None:
    resource, diagnostics = _load(tmp_path, primaries='<primary path="$.trip_id" name="trip"/>')
    assert diagnostics == []
    assert primary_key_names(resource) == ["trip"]
    read = callback_read(resource)  # the read whose URL variables are the primary keys
    assert read is not None and read.name == "GET trip"
    unnamed, _ = _load(tmp_path)
    assert primary_key_names(unnamed) == ["trip_id"]
    fallback = callback_read(unnamed)
    assert fallback is not None and fallback.name == "GET trips"


def test_a_content_path_config_without_primary_keeps_the_resource_primaries(
    tmp_path: Path,
) -> None:
    resource, _ = _load(tmp_path, primaries='<primary path="$.trip_id" name="id"/>')
    content, op = _create_content(resource)
    found = extract({"details": {"trip_id": "9"}}, extraction_config(resource, op, content))
    assert found == [({"trip_id": "9"}, {"id": "9"})]


def test_a_content_primary_wins_over_the_resource_primary(tmp_path: Path) -> None:
    resource, _ = _load(tmp_path, content_primaries='<primary path="$.new_id" name="trip_id"/>')
    content, op = _create_content(resource)
    chosen = extraction_config(resource, op, content)
    assert extract({"details": {"new_id": "9", "trip_id": "0"}}, chosen) == [
        ({"new_id": "9", "trip_id": "0"}, {"trip_id": "9"})
    ]


def test_composite_primary_type_is_read(tmp_path: Path) -> None:
    both = '<primary path="$.trip_id"/><primary path="$.trip_name"/>'
    resource, diagnostics = _load(
        tmp_path, primaries=both, resource_config='primary-type="composite"'
    )
    assert diagnostics == [] and is_composite(resource)
    simple, _ = _load(tmp_path, primaries=both)
    assert not is_composite(simple)


@pytest.mark.parametrize("path", ["$.trips[*]", "$.data.trips[*]"])
def test_lint_warns_on_the_older_star_form_naming_zests_form(tmp_path: Path, path: str) -> None:
    _, diagnostics = _load(tmp_path, path=path)
    array = path.removesuffix("[*]")
    assert len(diagnostics) == 1, diagnostics
    assert "warning" in diagnostics[0] and "deprecated" in diagnostics[0]
    assert f'write "{array}", the array itself (ZEST\'s form)' in diagnostics[0]
    assert diagnostics[0].startswith(f"{tmp_path / 'trips.xml'}:11:")


def test_the_official_form_draws_no_warning(tmp_path: Path) -> None:
    _, diagnostics = _load(tmp_path, path="$.trips")
    assert diagnostics == []


def test_a_simple_key_alone_addresses_the_read_a_composite_key_does_not(tmp_path: Path) -> None:
    both = '<primary path="$.trip_id" name="trip"/><primary path="$.trip_name"/>'
    simple, _ = _load(tmp_path, primaries=both)
    read = callback_read(simple)  # /trips/{trip}: one of the two keys is enough
    assert read is not None and read.name == "GET trip"
    composite, _ = _load(tmp_path, primaries=both, resource_config='primary-type="composite"')
    fallback = callback_read(composite)  # /trips/{trip} lacks trip_name: the list is searched
    assert fallback is not None and fallback.name == "GET trips"


def test_lint_warns_on_a_content_level_star_path_too(tmp_path: Path) -> None:
    spec = tmp_path / "trips.xml"
    _load(tmp_path)
    spec.write_text(
        spec.read_text(encoding="utf-8").replace('"$.details"', '"$.details[*]"'),
        encoding="utf-8",
    )
    diagnostics = [str(d) for d in load([spec]).diagnostics]
    assert len(diagnostics) == 1 and ":22:" in diagnostics[0], diagnostics
    assert 'write "$.details", the array itself' in diagnostics[0]


# --- the Data Manager: which record a chain is handed ----------------------------------------
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.0, -0.0, 1.0, 1e16, float("nan"), float("inf")]),
    st.sampled_from(["", "1", "a"]),
)
"""JSON scalars, with the values Python holds equal and JSON does not."""


def test_data_manager_prefers_the_chain_then_unowned_and_forgets_deleted() -> None:
    data = DataManager()
    pre = data.add("d", {"name": "Bali"}, {"id": "1"}, chain="c2", created=False)
    other = data.add("d", {"name": "Other"}, {"id": "2"}, chain="c2", created=True)
    mine = data.add("d", {"name": "Mine"}, {"id": "3"}, chain="c1", created=True)
    assert data.pick("d", "c1") is mine
    data.remove(mine)
    assert data.pick("d", "c1") is pre  # unowned before another chain's own record
    assert data.pick("d", "c2") is other
    path = parse_data_path("d:$.name")
    assert data.lookup("c1")(path) == ["Bali"]
    assert data.pick("nothing", "c1") is None
    ghost = data.add("d", {"name": "Mine"}, {"id": "3"}, chain="c1", created=False)
    assert not ghost.live and data.pick("d", "c1") is pre  # a lagging list cannot revive it


def test_a_filtered_path_takes_the_newest_record_that_passes_its_condition() -> None:
    data = DataManager()
    data.add("t", {"id": "1", "kind": "business"}, {"id": "1"}, chain="c2", created=False)
    data.add("t", {"id": "2", "kind": "business"}, {"id": "2"}, chain="c2", created=False)
    data.add("t", {"id": "3", "kind": "leisure"}, {"id": "3"}, chain="c1", created=True)
    lookup = data.lookup("c1")
    assert lookup(parse_data_path("t:$.id")) == ["3"]  # the record the chain is handed
    assert lookup(parse_data_path("t:${kind == 'business'}.id")) == ["2"]
    assert lookup(parse_data_path("t:${kind == 'leisure'}.id")) == ["3"]
    assert lookup(parse_data_path("t:${kind == 'cruise'}.id")) == []


def test_unkeyed_records_are_the_same_when_their_json_is() -> None:
    """With no primary key a record is known by all of its data: reading it again refreshes
    it (whatever its key order), and values Python holds equal but JSON does not (true and
    1, 1 and 1.0, 0.0 and -0.0) are other records; nested data is compared as well."""
    data = DataManager()
    first = data.add("d", {"name": "Bali", "rank": 1}, {}, chain="c1", created=False)
    again = data.add("d", {"rank": 1, "name": "Bali"}, {}, chain="c2", created=False)
    assert again is first and len(data.live("d")) == 1
    for twin in ({"name": "Bali", "rank": True}, {"name": "Bali", "rank": 1.0}):
        assert data.add("d", twin, {}, chain="c1", created=False) is not first
    zero = data.add("d", {"x": 0.0}, {}, chain="c1", created=False)
    assert data.add("d", {"x": -0.0}, {}, chain="c1", created=False) is not zero
    nested = data.add("d", {"tags": ["a"], "n": 1}, {}, chain="c1", created=False)
    assert data.add("d", {"n": 1, "tags": ["a"]}, {}, chain="c1", created=False) is nested
    assert data.add("d", {"n": 1, "tags": ["b"]}, {}, chain="c1", created=False) is not nested
    assert len(data.live("d")) == 7


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from("abc"), _SCALARS, max_size=3), st.data())
def test_flat_identity_agrees_with_canonical_json(a: dict[str, Any], data: st.DataObject) -> None:
    """`b` is `a` with some values swapped (and its keys reordered), so near misses abound."""
    swapped = {key: data.draw(st.one_of(st.just(value), _SCALARS)) for key, value in a.items()}
    b = dict(reversed(swapped.items()))
    canonical = json.JSONEncoder(sort_keys=True).encode
    same = _identities({}, a, False) == _identities({}, b, False)
    assert same == (canonical(a) == canonical(b))


def test_extract_and_sent_records_follow_the_path_configs(trips: Resource) -> None:
    assert trips.resource_config is not None
    config = trips.resource_config.path_config
    body = {"trips": [{"trip_id": "9", "trip_name": "x"}, {"trip_id": 10}]}
    assert extract(body, config) == [
        ({"trip_id": "9", "trip_name": "x"}, {"trip_id": "9"}),
        ({"trip_id": 10}, {"trip_id": 10}),
    ]
    post = trips.operation("POST trips")
    assert sent_records({"trips": [{"trip_name": "x"}]}, trips, post) == [{"trip_name": "x"}]


def test_a_patch_is_held_to_keep_only_what_the_run_wrote_and_saw_read_back() -> None:
    """A password the create sent and no read shows, a member sent now, a null: none is asked
    of the PATCH's read-back; views, written and read back, is."""
    record = Record("posts", {"id": 1, "title": "a", "views": 5, "password": "x", "note": None},
                    {"id": 1}, "posts.1", created=True, seq=1)  # fmt: skip
    record.written = {"title": "a", "views": 5, "password": "x", "note": None}
    record.shown = frozenset({"id", "title", "views", "note"})
    assert kept_by_a_patch(record, {"title": "b"}) == {"views": 5}
    assert kept_by_a_patch(record, {"title": "b", "views": 6}) == {}


def test_a_record_the_run_made_is_known_again_by_its_keys_while_it_lives() -> None:
    """A create answered with it again (an idempotent create by name) made no other."""
    data = DataManager()
    made = data.add("flows", {"id": 1, "name": "a"}, {"id": 1}, chain="c1", created=True)
    read = data.add("flows", {"id": 2, "name": "b"}, {"id": 2}, chain="c1", created=False)
    assert data.made_before("flows", {"id": 1}, {"id": 1, "name": "a"}) is made
    assert data.made_before("flows", {"id": 2}, {"id": 2}) is None and read.live  # not the run's
    assert data.made_before("flows", {}, {"name": "a"}) is None  # no key: alike is not the same
    data.remove(made)
    assert data.made_before("flows", {"id": 1}, {"id": 1}) is None
