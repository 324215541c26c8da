"""engine/created_keys.py: the keys of a record a create made, where the answer's body does
not show them: the create's own URL, or the `Location` of its answer."""

from __future__ import annotations

import pytest

from apitest.engine.body_records import extraction_config
from apitest.engine.created_keys import each_named_by_the_body, keys_named_by_the_call
from apitest.engine.effects import created_items, observed_of, record_structure
from apitest.engine.http.client import Exchange, Request
from apitest.verify.verdict import judge
from apitest.zspec.loader import load_catalog
from apitest.zspec.model import Resource

from ..support import DATA, REPO

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


USERS_SENT = {"usernames": ["ada", "bob"], "admin": False, "count": 7}


@pytest.mark.parametrize(
    ("answered_keys", "made"),
    [
        ([{"name": "ada"}, {"name": "bob"}], True),  # JupyterHub's POST /users: both named
        ([{"name": "ada"}], True),
        ([{"id": 7}], True),  # a number the body sent, as text or not
        ([{"name": "ada"}, {"name": "carl"}], False),  # carl: a record the call did not name
        ([{"name": "ada"}, {}], False),  # a record without keys names nothing
        ([{"name": "False"}], False),  # flags name nothing
        ([], False),
    ],
)
def test_records_an_answer_holds_are_made_only_where_the_body_named_each(
    answered_keys: list[dict[str, object]], made: bool
) -> None:
    items = [({"name": "x"}, keys) for keys in answered_keys]
    assert each_named_by_the_body(items, USERS_SENT) is made


@pytest.mark.parametrize(
    ("sent_ids", "made"),
    [
        ([], 0),  # a collection answered for a lost create: the API's own records
        (["101"], 0),  # one named, the other not: still the API's list
        (["101", "102"], 2),  # each named by the body: the records it made
    ],
)
def test_an_answer_of_more_records_than_the_create_sent_is_made_only_where_it_named_each(
    sent_ids: list[str], made: int
) -> None:
    trips = load_catalog([REPO / "specs" / "trips.xml"]).resource("trips")
    assert trips is not None
    op = trips.operation("POST trips")
    assert op is not None
    body = {"trips": [{"trip_name": "Dune"}], "ids": sent_ids}
    listed = [{"trip_id": "101", "trip_name": "Old"}, {"trip_id": "102", "trip_name": "Older"}]
    exchange = Exchange(
        Request("POST", "http://127.0.0.1:9/api/trips", body=body),
        status=201,
        headers={"content-type": "application/json"},
        body={"code": "SUCCESS", "details": listed},  # a list where one record was declared
        content_type="application/json",
    )
    verdict = judge(op, observed_of(exchange), "success")
    found, _sent = created_items(trips, op, exchange, verdict)
    assert [keys for _data, keys, _item in found] == [{"trip_id": i} for i in sent_ids][:made]
