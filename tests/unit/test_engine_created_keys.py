"""engine/created_keys.py: the keys of a record a create made, where the answer's body does
not show them: the create's own URL, or the `Location` of its answer."""

from __future__ import annotations

import pytest

from apitest.engine.created_keys import keys_named_by_the_call
from apitest.engine.effects import record_structure
from apitest.engine.http.client import Exchange, Request
from apitest.engine.records import extraction_config
from apitest.spec.loader import load_catalog
from apitest.spec.model import Resource

from ..support import DATA

KEYS = DATA / "keys"


@pytest.fixture(scope="module")
def notes() -> Resource:
    found = load_catalog([KEYS / "notes.xml"]).resource("notes")
    assert found is not None
    return found


def answered(status: int, location: str | None) -> Exchange:
    request = Request("POST", "http://127.0.0.1:9/api/v1/notes/", body={"title": "a"})
    headers = {"location": location} if location is not None else {}
    return Exchange(request, status=status, headers=headers)


def keys(notes: Resource, exchange: Exchange) -> list[tuple[str, str, str]]:
    op = notes.operation("POST notes")
    assert op is not None
    config = extraction_config(notes, op, None)
    return keys_named_by_the_call(notes, op, config, exchange, record_structure(notes))


@pytest.mark.parametrize(
    "location",
    ["/api/v1/notes/7/", "http://127.0.0.1:9/api/v1/notes/7", "7/"],  # 7/: relative to the call
)
def test_a_location_names_the_key_its_urls_variable_takes(notes: Resource, location: str) -> None:
    """`{note_id}` takes `notes:$.id`: the Location's 7 is the record's id."""
    assert keys(notes, answered(201, location)) == [("id", "id", 7)]  # an integer id


@pytest.mark.parametrize(
    ("status", "location"),
    [
        (201, None),
        (201, "/api/v1/elsewhere/7/"),  # not a URL of this resource
        (201, "/api/v1/notes/"),  # the collection: no record named
        (303, "/api/v1/notes/7/"),  # a redirect is not a create's answer
    ],
)
def test_no_location_of_this_resource_names_nothing(
    notes: Resource, status: int, location: str | None
) -> None:
    assert keys(notes, answered(status, location)) == []


def test_a_create_urls_variable_that_takes_another_resources_key_names_no_record() -> None:
    """`POST /users/{id}/posts` answered with no post id: the `id` in its URL is the user's,
    and taking it for the post's would read back, and delete, another post."""
    posts = load_catalog([KEYS / "users.xml", KEYS / "posts.xml"]).resource("posts")
    assert posts is not None
    op = posts.operation("POST post")
    assert op is not None
    request = Request("POST", "http://127.0.0.1:9/users/3/posts", variables={"id": "3"})
    made = Exchange(request, status=201)
    config = extraction_config(posts, op, None)
    assert keys_named_by_the_call(posts, op, config, made, record_structure(posts)) == []
