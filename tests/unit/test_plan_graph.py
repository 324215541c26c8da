"""The planner: which chains a resource gets and the steps in them (its estimate:
test_plan_estimate.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apitest.plan.estimate import estimate
from apitest.plan.graph import (
    PlanOptions,
    build_plan,
    callback_read,
    dependency_op,
)
from apitest.plan.model import Plan
from apitest.plan.record_keys import needs_own_record
from apitest.zspec.loader import load_catalog
from apitest.zspec.model import Catalog

from ..support import DATA

POSITIVE = PlanOptions(cases="positive")


@pytest.fixture(scope="module")
def reference(catalog: Catalog) -> Plan:
    return build_plan(catalog, POSITIVE)


def _steps(plan: Plan, chain_id: str) -> list[tuple[str, str, str]]:
    chain = next(chain for chain in plan.chains if chain.id == chain_id)
    return [(step.kind, step.operation.name, step.case) for step in chain.steps]


def test_resources_come_in_dependency_order(reference: Plan) -> None:
    assert [res.name for res in reference.resources] == ["destinations", "trips"]


def test_trips_lifecycle_chain_runs_categories_in_order_with_verifications(
    reference: Plan,
) -> None:
    assert _steps(reference, "trips.1") == [
        ("data preparation", "GET destinations", "records for trips"),
        ("test", "POST trips", "positive"),
        ("operation validation", "GET trip", "verify POST trips"),
        ("test", "GET trips", "positive"),
        ("test", "GET trip", "positive"),
        ("test", "PUT trips", "positive"),
        ("operation validation", "GET trip", "verify PUT trips"),
        ("test", "DELETE trips", "positive"),
        ("operation validation", "GET trip", "verify DELETE trips"),
    ]


def test_validations_name_their_write_and_check_kind(reference: Plan) -> None:
    chain = next(chain for chain in reference.chains if chain.id == "trips.1")
    by_id = {step.id: step for step in chain.steps}
    checks = [
        (by_id[step.validates].operation.name, step.check)
        for step in chain.steps
        if step.validates is not None
    ]
    assert checks == [("POST trips", "record"), ("PUT trips", "record"), ("DELETE trips", "gone")]


def test_steps_after_a_write_wait_for_its_record(reference: Plan) -> None:
    chain = next(chain for chain in reference.chains if chain.id == "trips.1")
    waits = [step.waits_for_record for step in chain.steps]
    assert waits == [False, False, True, True, True, True, True, True, True]


def test_dependency_and_callback_choices_follow_the_spec(catalog: Catalog) -> None:
    trips = catalog.resource("trips")
    destinations = catalog.resource("destinations")
    assert trips is not None and destinations is not None
    create, delete = dependency_op(trips, "create"), dependency_op(trips, "delete")
    assert create is not None and create.name == "POST trips"
    assert delete is not None and delete.name == "DELETE trips"
    read = dependency_op(destinations, "read")
    assert read is not None and read.name == "GET destinations"
    callback = callback_read(trips)
    assert callback is not None and callback.name == "GET trip"


def test_repeat_plans_independent_copies(reference: Plan, catalog: Catalog) -> None:
    plan = build_plan(catalog, PlanOptions(repeat=3, cases="positive"))
    assert [chain.id for chain in plan.chains] == [
        "destinations.1", "destinations.2", "destinations.3", "trips.1", "trips.2", "trips.3",
    ]  # fmt: skip
    assert len(plan.steps) == 3 * len(reference.steps)
    assert estimate(plan, 16).ms == estimate(reference, 16).ms  # copies run side by side


def test_skip_deprecated_skips_the_delete_and_its_verification(catalog: Catalog) -> None:
    plan = build_plan(catalog, PlanOptions(skip_deprecated=True, cases="positive"))
    steps = _steps(plan, "trips.1")
    assert ("test", "DELETE trips", "positive") in steps
    assert ("operation validation", "GET trip", "verify DELETE trips") not in steps
    delete = next(s for s in plan.steps if s.operation.name == "DELETE trips" and s.kind == "test")
    assert delete.skip_reason == "deprecated (--skip-deprecated)"


SPEC = """<?xml version="1.0" encoding="UTF-8"?>
<resource specification="1.0.0" name="{name}" {extra}>
  <components>
    <structure ref-name="item">
      <property name="id" type="long_string" include-for="Request[update],Response[read]"/>
      <property name="label" type="string" required-for="Request[create]"/>
    </structure>
  </components>
  <resource-config primary-type="simple" primary-structure="item">
    <path-config data-extraction-path="$.items"><primary path="$.id"/></path-config>
  </resource-config>
  <server name="s" url="http://127.0.0.1:9/api"/>
  <url path="/items">{ops}</url>
  <url path="/items/{{id}}">
    <operation method="get" name="GET item" category="read">
      <argument name="id" location="variable" required="true">
        <content><structure><property type="long_string" path="{name}:$.id"/></structure></content>
      </argument>
      <response status="200"/>
    </operation>
  </url>
</resource>
"""

OP = '<operation method="{method}" name="{name}" category="{category}" {extra}>{body}' \
     '<response status="200"/></operation>'  # fmt: skip
ID_ARG = (
    '<argument name="ids" location="param" required="true"><content><structure>'
    '<property type="long_string" path="{res}:$.id"/></structure></content></argument>'
)


def _write(tmp_path: Path, name: str, ops: list[str], extra: str = "") -> Path:
    path = tmp_path / f"{name}.xml"
    path.write_text(SPEC.format(name=name, extra=extra, ops="".join(ops)), encoding="utf-8")
    return path


def test_second_create_and_second_delete_get_chains_of_their_own(tmp_path: Path) -> None:
    arg = ID_ARG.format(res="items")
    ops = [
        OP.format(method="post", name="POST one", category="create", extra="", body=""),
        OP.format(method="post", name="POST bulk", category="create", extra="", body=""),
        OP.format(method="delete", name="DELETE one", category="delete", extra="", body=arg),
        OP.format(method="delete", name="DELETE all", category="delete", extra="", body=arg),
    ]
    plan = build_plan(load_catalog([_write(tmp_path, "items", ops)]), POSITIVE)
    assert [(chain.id, chain.purpose) for chain in plan.chains] == [
        ("items.1", "record lifecycle"),
        ("items.2", "create by POST bulk"),
        ("items.3", "delete by DELETE all"),
    ]
    assert _steps(plan, "items.2") == [
        ("test", "POST bulk", "positive"),
        ("operation validation", "GET item", "verify POST bulk"),
        ("cleanup", "DELETE one", "delete the record"),
    ]
    assert _steps(plan, "items.3") == [
        ("data preparation", "POST one", "record to delete"),
        ("test", "DELETE all", "positive"),
        ("operation validation", "GET item", "verify DELETE all"),
    ]


def test_delete_without_create_is_skipped_never_run(tmp_path: Path) -> None:
    arg = ID_ARG.format(res="items")
    ops = [OP.format(method="delete", name="DELETE one", category="delete", extra="", body=arg)]
    plan = build_plan(load_catalog([_write(tmp_path, "items", ops, 'pre-loaded="true"')]))
    delete = next(step for step in plan.steps if step.operation.name == "DELETE one")
    assert delete.skip_reason is not None and "did not create" in delete.skip_reason


def test_auto_skip_is_reported_as_a_skip(tmp_path: Path) -> None:
    ops = [
        OP.format(method="post", name="POST one", category="create", extra="", body=""),
        OP.format(
            method="put", name="PUT one", category="update", extra='auto-skip="true"', body=""
        ),
    ]
    plan = build_plan(load_catalog([_write(tmp_path, "items", ops)]))
    put = next(step for step in plan.steps if step.operation.name == "PUT one")
    assert put.skip_reason == 'auto-skip="true" in the spec'
    assert not any(step.case == "verify PUT one" for step in plan.steps)


def _items_needing_owners(tmp_path: Path, owner_reads: list[str], extra: str = "") -> Plan:
    """items with a <dependency> on owners, which have a create, `owner_reads` and a delete."""
    arg = ID_ARG.format(res="owners")
    owner_ops = [
        OP.format(method="post", name="POST owner", category="create", extra="", body=""),
        *owner_reads,
        OP.format(method="delete", name="DELETE owner", category="delete", extra="", body=arg),
    ]
    owners = _write(tmp_path, "owners", owner_ops, extra)
    text = owners.read_text().replace("/items", "/owners").replace("GET item", "GET owner")
    owners.write_text(text)
    item_ops = [OP.format(method="post", name="POST one", category="create", extra="", body="")]
    items = _write(tmp_path, "items", item_ops, "")
    items.write_text(
        items.read_text().replace("</resource>", '<dependency resources="owners"/></resource>')
    )
    return build_plan(load_catalog([items, owners]), POSITIVE)


def test_a_created_dependency_is_prepared_and_cleaned_up_around_the_chain(tmp_path: Path) -> None:
    steps = _steps(_items_needing_owners(tmp_path, []), "items.1")
    assert steps[0] == ("data preparation", "POST owner", "record for items")
    assert steps[-1] == ("cleanup", "DELETE owner", "record prepared for items")


@pytest.mark.parametrize(
    ("owner_reads", "prepared"),
    [
        ([], ("data preparation", "POST owner", "record for items")),
        (
            [OP.format(method="get", name="GET owners", category="read", extra="", body="")],
            ("data preparation", "GET owners", "records for items"),
        ),
    ],
)
def test_a_pre_loaded_dependency_is_read_only_where_a_read_needs_no_record(
    tmp_path: Path, owner_reads: list[str], prepared: tuple[str, str, str]
) -> None:
    """Pre-loaded owners are read by their list; when their only read addresses one owner by
    id, there is no id to address yet, so their create prepares one (and is cleaned up)."""
    plan = _items_needing_owners(tmp_path, owner_reads, 'pre-loaded="true"')
    steps = _steps(plan, "items.1")
    assert steps[0] == prepared
    cleaned = steps[-1] == ("cleanup", "DELETE owner", "record prepared for items")
    assert cleaned == (prepared[1] == "POST owner")


def test_a_call_that_must_send_its_records_key_deep_in_the_body_addresses_a_record() -> None:
    """DynamoDB's GetItem and DeleteItem send `{"Key": {"id": {"S": ...}}}` from
    `notes:$.id.S`; PutItem, the create, sends the key it chose (`Item.id.S`, generated)."""
    notes = load_catalog([DATA / "thirdparty" / "dynamodb" / "notes.xml"]).resource("notes")
    assert notes is not None
    addressing = {op.name: needs_own_record(notes, op) for op in notes.operations}
    assert addressing == {
        "PutItem": False, "GetItem": True, "PutItem (replace)": True, "DeleteItem": True,
    }  # fmt: skip


def test_a_resource_without_a_create_runs_its_negative_cases_after_its_positive_ones() -> None:
    """Its records are the API's own, shared by every chain (fastapi-users' /users/me): a
    negative case's undo ran between the positive update and its read-back."""
    folder = DATA / "thirdparty" / "fastapi-users" / "users"
    catalog = load_catalog([folder / "me.xml", folder / "users.xml"])
    plan = build_plan(catalog, PlanOptions(cases="all"))
    (me,) = [r for r in plan.resources if r.name == "me"]
    (chain,) = me.chains
    assert chain.purpose == "record lifecycle, then negative cases"
    negative = [step.violation is not None for step in chain.steps]
    positive = [step.case == "positive" for step in chain.steps]
    assert any(negative) and any(positive)
    assert max(i for i, p in enumerate(positive) if p) < negative.index(True)
    users = next(r for r in plan.resources if r.name == "users")  # it creates: chains apart
    assert [c.purpose for c in users.chains][-1] == "negative cases"
