"""build_request's URL variables that address the record itself: filled by the record's key,
never by the generator (docs/zspec.md#primary), since a made-up key reads, changes or deletes
another record; and its Accept header, which names the media types the answers are declared in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apitest.engine.request import NoKeyError, build_request
from apitest.plan.data import DataGenerator
from apitest.zspec.conditions import DataPath
from apitest.zspec.loader import load_catalog
from apitest.zspec.model import Resource

from ..support import DATA, SPECS

BLOG = DATA / "thirdparty" / "json-server" / "blog"
PEOPLE = DATA / "thirdparty" / "jsonapi" / "people.xml"


def no_records(_path: DataPath) -> list[Any]:
    return []


def _blog(name: str) -> Resource:
    resource = load_catalog([BLOG / "posts.xml", BLOG / "comments.xml"]).resource(name)
    assert resource is not None
    return resource


def _url(resource: Resource, op: str, keys: dict[str, Any]) -> str:
    operation = resource.operation(op)
    assert operation is not None
    built = build_request(resource, operation, DataGenerator(5), no_records, keys=keys)
    return built.request.url


def test_a_variable_named_as_the_primary_key_takes_the_records_key() -> None:
    """posts' `{id}` has no path: the record's id fills it, for every call that addresses it."""
    posts = _blog("posts")
    for op in ("GET post", "PUT post", "PATCH post", "DELETE post"):
        assert _url(posts, op, {"id": 7}) == "/posts/7"


def test_a_variable_whose_path_names_the_resource_falls_back_to_the_records_key() -> None:
    assert _url(_blog("comments"), "DELETE comment", {"id": 4}) == "/comments/4"


def test_a_record_without_its_key_is_not_addressed_with_a_made_up_one() -> None:
    with pytest.raises(NoKeyError, match="has no id to put in the URL"):
        _url(_blog("posts"), "DELETE post", {})
    with pytest.raises(NoKeyError):
        _url(_blog("comments"), "DELETE comment", {})


@pytest.mark.parametrize("key", [None, ""])
def test_a_record_whose_key_is_null_or_empty_is_not_addressed(key: Any) -> None:
    """A key sent as "" addresses the collection (Mailman: `DELETE /3.1/domains/` answered 404,
    taken for gone, and the record it made was left); through the path or by name alike."""
    with pytest.raises(NoKeyError, match="has no id to put in the URL"):
        _url(_blog("posts"), "DELETE post", {"id": key})
    comments = _blog("comments")
    operation = comments.operation("DELETE comment")
    assert operation is not None

    def null_id(_path: DataPath) -> list[Any]:
        return [key]

    with pytest.raises(NoKeyError):
        build_request(comments, operation, DataGenerator(5), null_id, keys={"id": key})
    built = build_request(comments, operation, DataGenerator(5), null_id, keys={"id": 4})
    assert built.request.url == "/comments/4"  # the record's key, past the null the path found


def test_a_parameter_or_body_value_from_the_addressed_record_is_never_made_up() -> None:
    """`DELETE /trips?ids=` takes `trips:$.trip_id`, and SQS's GetQueueUrl its body's
    QueueName from `queues:$.QueueName`: a record without that value is not addressed with a
    made-up one (the delete would remove another record, the read ask after another)."""
    trips = load_catalog([SPECS / "trips.xml", SPECS / "destinations.xml"]).resource("trips")
    assert trips is not None
    with pytest.raises(NoKeyError, match="has no trip_id to put in param ids"):
        _url(trips, "DELETE trips", {})
    queues = load_catalog([DATA / "keys" / "queues.xml"]).resource("queues")
    assert queues is not None
    with pytest.raises(NoKeyError, match="has no QueueName to put in the body"):
        _url(queues, "GetQueueUrl", {"QueueUrl": "http://127.0.0.1:9/1/q"})


def test_a_value_from_the_addressed_record_deep_in_the_body_is_never_made_up() -> None:
    """DynamoDB's GetItem sends `{"Key": {"id": {"S": ...}}}` from `notes:$.id.S`: with no
    such value it asked after an item nobody made, was answered `{}`, and passed."""
    notes = load_catalog([DATA / "thirdparty" / "dynamodb" / "notes.xml"]).resource("notes")
    assert notes is not None
    for op in ("GetItem", "PutItem (replace)", "DeleteItem"):
        with pytest.raises(NoKeyError, match=r"has no id\.S to put in the body"):
            _url(notes, op, {"id": "a1"})


def test_a_variable_of_another_resource_is_not_taken_from_the_records_keys() -> None:
    """`/posts/{postId}/comments` names a post, not the comment: the comment's id is no value
    for it (with no post record, the generator's value, as for any path without a record)."""
    url = _url(_blog("comments"), "GET post comments", {"id": 4})
    assert url.startswith("/posts/") and url != "/posts/4/comments"


def _headers(spec: Path, op: str) -> dict[str, str]:
    resource = load_catalog([spec]).resource("people")
    assert resource is not None
    operation = resource.operation(op)
    assert operation is not None

    def the_record(_path: DataPath) -> list[Any]:
        return ["1"]

    built = build_request(resource, operation, DataGenerator(5), the_record, keys={"id": "1"})
    return built.request.headers


def test_the_accept_header_names_the_media_types_the_answers_are_declared_in() -> None:
    """A JSON:API server refuses httpx's `*/*` with 406: the call asks for the declared type
    first (a DELETE, whose 204 has no content, by its error answers' type)."""
    for op in ("list people", "create person", "update person", "delete person"):
        assert _headers(PEOPLE, op)["Accept"] == "application/vnd.api+json, */*;q=0.1"


def test_an_accept_argument_the_spec_declares_is_sent_as_declared(tmp_path: Path) -> None:
    declared = (
        '<argument name="accept" location="header" required="true"><content>'
        '<encode type="text/plain"/><structure><property type="string" values="text/csv"/>'
        "</structure></content></argument>"
    )
    text = PEOPLE.read_text(encoding="utf-8").replace(
        '<operation method="get" name="list people" category="read">',
        '<operation method="get" name="list people" category="read">' + declared,
    )
    spec = tmp_path / "people.xml"
    spec.write_text(text, encoding="utf-8")
    headers = _headers(spec, "list people")
    assert headers == {"accept": "text/csv"}
