"""engine/paging.next_page: where a list answer names its next page, in the forms real APIs
write (the read-back that follows them runs against json-server and Tastypie, in
tests/integration/test_list_paging.py and test_tastypie.py)."""

from __future__ import annotations

from typing import Any

import pytest

from apitest.engine.http.client import Exchange, Request
from apitest.engine.paging import next_page

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
