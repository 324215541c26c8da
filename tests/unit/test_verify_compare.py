"""Record comparison (verify/compare.py): what an operation validation reads back is judged
against what was sent, value by value, by each property's declared type."""

from __future__ import annotations

from apitest.verify.compare import (
    compare_record,
    dropped_members,
    held_values,
    marked_changes,
    nested_holder,
    reference_keys,
    same_value,
    uploads_shown,
)
from apitest.zspec.loader import load_catalog
from apitest.zspec.model import Resource

from ..support import DATA


def test_compare_record_reports_changed_and_missing_values(trips: Resource) -> None:
    structure = trips.components.structures["trips"]
    sent = {"trip_name": "a", "no_of_days": 4, "start_time": "2027-01-01T10:00:00+05:30"}
    read = {"no_of_days": 5, "start_time": "2027-01-01T04:30:00Z"}
    assert compare_record(sent, read, structure) == [
        '$.trip_name: sent "a", the read answer lacks it',
        "$.no_of_days: sent 4, read 5",
    ]


def test_same_value_compares_by_declared_type() -> None:
    assert same_value("123", 123, "long_string")
    assert same_value("2027-01-01T10:00:00+05:30", "2027-01-01T04:30:00+00:00", "datetime")
    assert not same_value("2027-01-01T10:00:00+05:30", "2027-01-01T10:00:00+00:00", "datetime")
    assert not same_value(True, 1, "any")
    assert same_value(4, 4.0, "double")


def test_a_datetime_with_a_java_format_is_compared_as_the_moment_it_writes() -> None:
    """Jackson's @JsonFormat(pattern=..., timezone="UTC") writes every moment in UTC: the
    moment sent at +05:30 comes back as the same moment at +0000, which is the write held."""
    fmt = "dd-MM-yyyy HH:mm:ss Z"
    assert same_value("05-12-2026 10:00:00 +0530", "05-12-2026 04:30:00 +0000", "datetime", fmt)
    assert not same_value("05-12-2026 10:00:00 +0530", "05-12-2026 10:00:00 +0000", "datetime", fmt)
    naive = "dd/MM/yyyy HH:mm"
    assert same_value("05/12/2026 10:00", "05/12/2026 10:00", "datetime", naive)
    assert not same_value("05/12/2026 10:00", "05/12/2026 10:01", "datetime", naive)
    # an answer in ISO-8601 though the format says otherwise: compared as ISO instants
    assert same_value("2026-12-05T10:00:00+05:30", "2026-12-05T04:30:00Z", "datetime", fmt)


def test_held_values_keep_inside_objects_only_what_was_sent() -> None:
    """A replay holds its read to the write: the read's value of each key sent, never a key
    the server added inside an object (JSON:API's attributes.created) or a list's items; where
    the read differs, the value sent."""
    sent = {"type": "articles", "attributes": {"title": "t", "n": 4}}
    read = {
        "type": "articles",
        "id": "1",
        "attributes": {"title": "t", "n": 4.0, "created": "now"},
        "tags": [{"name": "a", "n": 1}],
    }
    assert held_values({**sent, "tags": [{"name": "a"}]}, read, None) == {
        "type": "articles",
        "attributes": {"title": "t", "n": 4.0},
        "tags": [{"name": "a"}],
    }
    assert held_values(sent, {**read, "attributes": {"title": "u"}}, None)["attributes"] == {
        "title": "t",
        "n": 4,
    }


def test_the_marks_a_soft_delete_leaves_are_its_text_and_truth_values() -> None:
    """MLflow's `lifecycle_stage` turns to 'deleted', Stripe adds `deleted: true`; a moment a
    write moves whatever it does, a number and an unchanged field are no mark."""
    before = {"id": "7", "lifecycle_stage": "active", "updated": "2026-12-05T10:00:00+00:00"}
    after = {
        "id": "7", "lifecycle_stage": "deleted", "updated": "2026-12-05T10:01:00+00:00",
        "deleted": True, "version": 3,
    }  # fmt: skip
    assert marked_changes(before, after) == [("lifecycle_stage", "deleted"), ("deleted", True)]
    assert marked_changes(before, before) == []


def test_an_upload_must_be_shown_but_is_not_compared() -> None:
    """What an API shows of an upload is its own (DRF: the URL it serves it at), so the read
    must show the file, and no more is asked of it; nothing of it is held for a replay."""
    catalog = load_catalog([DATA / "thirdparty" / "drf" / "documents.xml"])
    structure = catalog.resources[0].components.structures["document"]
    sent = {"title": "Minutes", "file": ("apitest.txt", b"apitest upload\n", "text/plain")}
    shown = {"title": "Minutes", "file": "http://127.0.0.1:8000/media/documents/apitest_x1.txt"}
    assert compare_record(sent, shown, structure) == []
    assert uploads_shown(sent, structure) == ["file"]
    assert held_values(sent, shown, structure) == {"title": "Minutes"}
    assert compare_record(sent, {"title": "Minutes"}, structure) == [
        '$.file: sent the file "apitest.txt", the read answer lacks it'
    ]


def test_the_object_one_level_down_that_holds_what_was_sent_is_named() -> None:
    """Flask-AppBuilder's read: the record under `result`, and `label_columns` naming every
    field too; the one whose values match is the holder, a tie names none."""
    sent = {"name": "a", "age": 4}
    read = {
        "id": 1,
        "label_columns": {"name": "Name", "age": "Age"},
        "result": {"name": "a", "age": 5},
        "show_columns": ["name", "age"],
    }
    assert nested_holder(sent, read, None) == "result"  # one difference against two
    assert (
        nested_holder(sent, {"a": {"name": "a", "age": 4}, "b": {"name": "a", "age": 4}}, None)
        is None
    )
    assert nested_holder(sent, {"result": {"name": "a"}}, None) is None  # not all of it there
    assert nested_holder({}, read, None) is None


def test_a_key_sent_for_another_record_is_held_by_the_record_read_in_its_place() -> None:
    """Sails populates `owner: 2` as the owner record: its `id` is what the write held."""
    references = {"owner": "id", "tags": "id"}
    sent = {"owner": 2, "tags": [7, 8], "name": "Rex"}
    read = {"owner": {"id": 2, "name": "Ann"}, "tags": [{"id": 7}, {"id": 8}], "name": "Rex"}
    assert compare_record(sent, read, None, "$", references) == []
    moved = {**read, "owner": {"id": 3, "name": "Bob"}}
    assert compare_record(sent, moved, None, "$", references) == ["$.owner.id: sent 2, read 3"]
    assert compare_record(sent, read, None) != []  # without them, the id is not the record
    assert held_values(sent, read, None, references)["owner"] == 2


def test_reference_keys_are_the_request_properties_sent_as_a_records_key() -> None:
    folder = DATA / "thirdparty" / "sails" / "populated"
    pets = load_catalog([folder]).resource("pet")
    assert pets is not None
    assert reference_keys(pets.components.structures["pet_input"]) == {"owner": "id"}
    assert reference_keys(pets.components.structures["pet"]) == {}
    assert reference_keys(None) == {}


def test_a_patch_must_keep_what_it_did_not_send_but_may_change_it() -> None:
    """A member lost, nulled or reset to its type's empty value is a PATCH's fault; changed
    otherwise, it is not: a server may derive one member from another."""
    kept = {"views": 5, "slug": "old-title", "tags": ["a"]}
    read = {"slug": "new-title", "tags": None}
    assert dropped_members(kept, read) == [
        "$.views: held 5 before the PATCH, which did not send it; the read answer lacks it",
        '$.tags: held ["a"] before the PATCH, which did not send it; the read record holds null',
    ]
    assert dropped_members(kept, {"views": 6, "slug": "x", "tags": ["a", "b"]}) == []
    assert dropped_members(kept, {"views": 0, "slug": "", "tags": []}) == [
        "$.views: held 5 before the PATCH, which did not send it; the read record holds 0, as "
        "if reset to its default",
        '$.slug: held "old-title" before the PATCH, which did not send it; the read record '
        'holds "", as if reset to its default',
        '$.tags: held ["a"] before the PATCH, which did not send it; the read record holds [], '
        "as if reset to its default",
    ]
    flags = {"deferred": True, "paused": False}
    assert dropped_members(flags, {"deferred": False, "paused": False}) == [
        "$.deferred: held true before the PATCH, which did not send it; the read record holds "
        "false, as if reset to its default"
    ]
    assert dropped_members({"count": 0, "on": False}, {"count": 3, "on": True}) == []
