"""engine/paging: where a list answer names its next page, and where it says it goes on without
naming one, in the forms real APIs write (the read-back that follows them runs against
json-server, Tastypie and localstripe, in tests/integration/test_list_paging.py,
test_tastypie.py and test_localstripe.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from apitest.engine.effects import Outcome
from apitest.engine.http.client import Exchange, Request
from apitest.engine.paging import next_page, read_through_pages, said_to_go_on

PAGE_1 = "http://127.0.0.1:8000/api/items/"


def answer(body: Any = None, **headers: str) -> Exchange:
    return Exchange(Request("GET", PAGE_1), status=200, headers=headers, body=body)


@pytest.mark.parametrize(
    ("exchange", "expected"),
    [
        pytest.param(
            answer(
                link='<http://127.0.0.1:8000/api/items/?page=1>; rel="first", '
                '<http://127.0.0.1:8000/api/items/?page=2>; rel="next"'
            ),
            "http://127.0.0.1:8000/api/items/?page=2",
            id="link-header",
        ),
        pytest.param(
            answer(link="</api/items/?page=2>; title=x; rel=next"),
            "http://127.0.0.1:8000/api/items/?page=2",
            id="link-header-bare-rel-relative",
        ),
        pytest.param(
            answer(link='<http://127.0.0.1:8000/api/items/?page=1>; rel="prev last"'),
            None,
            id="link-header-without-next",
        ),
        pytest.param(
            answer(**{"next-page": "http://127.0.0.1:8000/api/items/?_token=abc"}),
            "http://127.0.0.1:8000/api/items/?_token=abc",
            id="kinto-next-page",
        ),
        pytest.param(
            answer({"count": 30, "next": "http://127.0.0.1:8000/api/items/?page=2", "results": []}),
            "http://127.0.0.1:8000/api/items/?page=2",
            id="drf-next",
        ),
        pytest.param(
            answer({"meta": {"next": "/api/items/?limit=20&offset=20"}, "objects": []}),
            "http://127.0.0.1:8000/api/items/?limit=20&offset=20",
            id="tastypie-meta-next",
        ),
        pytest.param(
            answer({"next": "100", "next_url": "http://127.0.0.1:8000/api/items/?_next=100"}),
            "http://127.0.0.1:8000/api/items/?_next=100",
            id="datasette-next-url",
        ),
        pytest.param(
            answer({"links": {"next": "?page[number]=2"}, "data": []}),
            "http://127.0.0.1:8000/api/items/?page[number]=2",
            id="jsonapi-links-next",
        ),
        pytest.param(
            answer({"_links": {"next": {"href": "/api/items/?page=2"}}}),
            "http://127.0.0.1:8000/api/items/?page=2",
            id="hal-href",
        ),
        pytest.param(
            answer({"links": [{"rel": "self", "href": "/a"}, {"rel": "next", "href": "/b"}]}),
            "http://127.0.0.1:8000/b",
            id="links-array",
        ),
        pytest.param(
            answer({"@odata.nextLink": "http://127.0.0.1:8000/api/items/?$skip=20"}),
            "http://127.0.0.1:8000/api/items/?$skip=20",
            id="odata",
        ),
        pytest.param(answer({"next": 2, "data": []}), None, id="page-number-is-no-link"),
        pytest.param(answer({"has_more": True, "data": []}), None, id="cursor-flag-is-no-link"),
        pytest.param(answer({"next": None, "results": []}), None, id="last-page"),
        pytest.param(answer([{"next": "/x"}]), None, id="a-bare-list"),
    ],
)
def test_the_next_page_is_found_where_the_answer_names_it(
    exchange: Exchange, expected: str | None
) -> None:
    assert next_page(exchange) == expected


@pytest.mark.parametrize(
    "link", ["http://example.org/api/items/?page=2", "https://127.0.0.1:8000/api/items/?page=2",
             "http://127.0.0.1:9999/api/items/?page=2", "//example.org/items?page=2"],
)  # fmt: skip
def test_a_next_page_on_another_origin_is_not_followed(link: str) -> None:
    """The run's credential goes with each page: never to another host, scheme or port."""
    assert next_page(answer({"next": link})) is None
    assert next_page(answer(link=f'<{link}>; rel="next"')) is None


def test_a_plain_http_link_to_the_same_host_is_read_over_https() -> None:
    """An app behind a proxy that ends TLS writes http:// into its links; the page is read
    over https, as the run's calls go, and the credential never travels in the clear."""
    page = Exchange(
        Request("GET", "https://api.example.org/items/"), status=200,
        body={"next": "http://api.example.org/items/?page=2"},
    )  # fmt: skip
    assert next_page(page) == "https://api.example.org/items/?page=2"
    elsewhere = Exchange(page.request, status=200, body={"next": "http://api.example.org:8080/x"})
    assert next_page(elsewhere) is None


def test_a_list_that_goes_on_where_it_is_not_read_is_no_verdict() -> None:
    """Absent from the pages read, with a next page on another origin: neither there nor
    gone, so an error that says why, and no call to that origin."""
    first = answer({"next": "http://example.org/items/?page=2", "data": []})

    async def never(request: Request) -> Exchange:
        raise AssertionError(f"called {request.url}")

    gone = Outcome("passed", absent=True)  # a delete's read-back that found no record
    outcome = asyncio.run(read_through_pages(first, lambda _: gone, never))
    assert outcome.status == "error"
    assert outcome.message.startswith(
        "could not tell: the record was on none of the 1 page(s) read, and the list goes on at "
        "http://example.org/items/?page=2, another origin than the run's"
    ), outcome.message


@pytest.mark.parametrize(
    ("body", "said"),
    [
        pytest.param(
            {"object": "list", "has_more": True, "data": []}, "has_more: true", id="stripe"
        ),
        pytest.param(
            {"data": [], "info": {"per_page": 200, "count": 200, "more_records": True}},
            "info.more_records: true",
            id="zoho-crm",
        ),
        pytest.param({"items": [], "nextPageToken": "CAo"}, 'nextPageToken: "CAo"', id="google"),
        pytest.param(
            {"data": [], "pageInfo": {"hasNextPage": True}},
            "pageInfo.hasNextPage: true",
            id="graphql-page-info",
        ),
        pytest.param(
            {"first": 1, "prev": None, "next": 2, "last": 3, "pages": 3, "data": []},
            "next: 2",
            id="json-server-1-page-number",
        ),
        pytest.param(
            {"total": 45, "limit": 10, "skip": 0, "data": []},
            "total 45 past skip 0 + limit 10",
            id="feathers-total",
        ),
        pytest.param(
            {"meta": {"total_count": 25, "offset": 0, "limit": 20, "next": None}, "objects": []},
            "meta.total_count 25 past offset 0 + limit 20",
            id="tastypie-meta-total",
        ),
        pytest.param(
            {"data": [], "meta": {"pagination": {"page": 1, "pageSize": 25, "pageCount": 3}}},
            "meta.pagination.page 1 of pageCount 3",
            id="strapi",
        ),
        pytest.param(
            {"content": [], "last": False, "totalPages": 3, "number": 0},
            "last: false",
            id="spring-data-page",
        ),
        pytest.param(
            {"list": [], "pageInfo": {"page": 1, "isLastPage": False}},
            "pageInfo.isLastPage: false",
            id="nocodb",
        ),
        pytest.param(
            {"items": [{"id": 1}, {"id": 2}], "count": 150},
            "count 150, of which the page holds 2",
            id="django-ninja-first-page",
        ),
        pytest.param(
            {"products": [], "count": 40, "offset": 10, "limit": 10},
            "count 40 past offset 10 + limit 10",
            id="medusa-count-offset-limit",
        ),
    ],
)
def test_a_list_that_says_it_goes_on_without_a_url_is_heard(body: Any, said: str) -> None:
    assert said_to_go_on(body) == said


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"object": "list", "has_more": False, "data": []}, id="stripe-last"),
        pytest.param({"info": {"more_records": False}}, id="zoho-last"),
        pytest.param({"next": None, "next_url": None, "rows": []}, id="datasette-last"),
        pytest.param({"next": "", "nextPageToken": ""}, id="empty-tokens"),
        pytest.param({"next": 0, "has_more": "true"}, id="zero-and-text-true"),
        pytest.param({"total": 45, "limit": 10, "skip": 40, "data": []}, id="feathers-last"),
        pytest.param({"total": 45, "data": []}, id="total-without-skip"),
        pytest.param({"meta": {"pagination": {"page": 3, "pageCount": 3}}}, id="strapi-last"),
        pytest.param({"content": [], "last": True, "first": False}, id="spring-data-last"),
        pytest.param({"last_page": 3, "current_page": 3}, id="laravel-last-page-a-number"),
        pytest.param({"page": {"number": 0, "totalPages": 2}}, id="spring-counts-from-0"),
        pytest.param({"count": 2, "results": [1, 2]}, id="drf-count-only"),
        pytest.param({"orders": [{"id": 1}], "total": 5000}, id="a-total-that-is-money"),
        pytest.param({"data": [{"id": 1}], "info": {"count": 1}}, id="zoho-count-of-the-page"),
        pytest.param({"a": [1], "b": [2, 3], "count": 9}, id="two-lists"),
        pytest.param([{"id": 1}], id="array-body"),
        pytest.param("text", id="text-body"),
    ],
)
def test_a_list_that_says_nothing_of_more_pages_ends_there(body: Any) -> None:
    assert said_to_go_on(body) is None


def test_a_list_that_goes_on_without_a_url_is_no_verdict() -> None:
    """Absent from page 1 of a list that says `has_more: true`: a delete's read-back that
    would pass (absent) and a write's that would fail are both errors, and nothing is called."""
    first = answer({"object": "list", "has_more": True, "data": []})

    async def never(request: Request) -> Exchange:
        raise AssertionError(f"called {request.url}")

    for verdict in (Outcome("passed", absent=True), Outcome("failed", "no record", absent=True)):
        outcome = asyncio.run(read_through_pages(first, lambda _, v=verdict: v, never))
        assert (outcome.status, outcome.message) == (
            "error",
            "could not tell: the record was on none of the 1 page(s) read, and the answer says "
            "the list goes on (has_more: true) without the URL of its next page; a read of the "
            "record by its key, marked auto-callback-get, would tell",
        )


def test_a_record_found_on_a_page_that_says_more_follows_is_found() -> None:
    """The signal matters only while the record is absent: found on page 1, the verdict is
    the judge's own."""
    first = answer({"object": "list", "has_more": True, "data": [{"id": 1}]})

    async def never(request: Request) -> Exchange:
        raise AssertionError(f"called {request.url}")

    found = Outcome("passed")
    assert asyncio.run(read_through_pages(first, lambda _: found, never)) is found


def test_a_count_above_the_records_speaks_on_the_first_page_only() -> None:
    """On the last page of DRF's list, reached by its links, the count of the whole list is
    above the records of that page: the pages before held them."""
    last = {"count": 30, "next": None, "results": [{"id": 21}]}
    assert said_to_go_on(last) == "count 30, of which the page holds 1"
    assert said_to_go_on(last, first_page=False) is None
