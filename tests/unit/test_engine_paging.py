"""engine/paging.next_page: where a list answer names its next page, in the forms real APIs
write (the read-back that follows them runs against json-server and Tastypie, in
tests/integration/test_list_paging.py and test_tastypie.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from apitest.engine.effects import Outcome
from apitest.engine.http.client import Exchange, Request
from apitest.engine.paging import next_page, read_through_pages

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
