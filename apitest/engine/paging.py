"""The pages of a list answer, for a read-back that looks for one record in a list.

Where a resource has no read by key, its writes are verified by the list read, and a list is
often paged: Tastypie answers 20 notes at a time in id order, so once 20 notes were there,
the note a create made stood on page 2. The read-back then failed a correct create ("the read
answer holds no notes record"), and after a delete that deleted nothing it found the note
absent from page 1 and passed. ZSPEC declares no paging, so the answer's own words are used:
the page after this one, where the answer names it as a URL (RFC 8288's `Link: <…>;
rel="next"`, Kinto's `Next-Page` header, or a `next` link in the body as DRF, Tastypie,
Datasette, JSON:API, HAL and OData write it). A token alone (Stripe's `has_more` with a
cursor, Zoho's `info.more_records`, a `nextPageToken`, Feathers' `total` past `skip` + `limit`,
Strapi's `meta.pagination` page before its `pageCount`, Spring Data's `last: false`, Django
Ninja's `count` above the records of its first page) names no page a runner could read
without a declaration: it is not followed, but it says the list goes on, so a record absent
from what was read is neither there nor gone.

A next page is followed only on the origin (scheme, host, port) of the page it came from, so
the run's credential never goes to another host (a link to the same host over plain http is
read over https), and for at most MAX_PAGES pages. A list that goes on where it is not
followed leaves the read-back unable to tell: an error, neither there nor gone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

from apitest.engine.effects import Outcome
from apitest.engine.http.client import Exchange, Request
from apitest.engine.records import Record
from apitest.errors import clip

MAX_PAGES = 50
"""The most pages one read-back reads (the first included): a list of 20 a page holds 1,000
records by then, and a read-back that reads on has to stop somewhere."""

_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)")
_REL = re.compile(r"""\brel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.IGNORECASE)

_BODY_NEXT_KEYS = (
    "next", "next_url", "nextUrl", "next_page_url", "nextPageUrl", "next_link", "nextLink",
    "@odata.nextLink",
)  # fmt: skip
"""The names a body gives the next page's URL, at its top or under one of _BODY_NEXT_HOLDERS."""

_BODY_NEXT_HOLDERS = (
    "meta", "links", "_links", "paging", "pagination", "_pagination", "info", "page_info",
    "pageInfo", "response_metadata",
)  # fmt: skip
"""The members a body keeps its paging in, where it does not keep it at its top."""

_MORE_FLAGS = (
    "has_more", "hasMore", "has_next", "hasNext", "has_next_page", "hasNextPage",
    "more_records", "moreRecords", "is_truncated", "isTruncated", "IsTruncated",
)  # fmt: skip
"""Members whose value true says the list goes on past this page (Stripe, Zoho, GraphQL, S3)."""

_COUNTS = ("count", "total_count", "totalCount", "totalItems", "totalElements", "total_results")
"""Members that count the whole list (not `total`, which may be a sum of money)."""

_FILTERED_COUNTS = ("filter_count", "filtered_count", "filteredCount")
"""Members that count what the list's filters let through (Directus's `meta.filter_count`)."""

_LAST_FLAGS = ("last", "isLastPage", "is_last_page")
"""Members whose value false says the list goes on (Spring Data's Page, NocoDB's pageInfo)."""

_NEXT_TOKENS = (
    *_BODY_NEXT_KEYS, "next_page", "nextPage", "next_cursor", "nextCursor", "next_page_token",
    "nextPageToken", "next_token", "nextToken", "NextToken", "NextMarker",
    "NextContinuationToken",
)  # fmt: skip
"""Members whose value, a page number or a cursor, is there only while the list goes on."""

Fetch = Callable[[Request], Awaitable[Exchange]]
Judge = Callable[[Exchange], Outcome]


def next_page(exchange: Exchange) -> str | None:
    """The full URL of the page after `exchange`'s answer, to read it at: where the answer
    names one on the page's own origin, or on its host over plain http where the page came
    over https (an app behind a proxy that ends TLS writes its own scheme into its links: it
    is read over https, never downgraded); None otherwise (see the module's docstring)."""
    url = named_next(exchange)
    if url is None:
        return None
    there, here = urlsplit(url), urlsplit(exchange.request.url)
    if _origin(there) == _origin(here):
        return url
    upgraded = there.scheme.lower() == "http" and here.scheme.lower() == "https"
    if upgraded and there.hostname == here.hostname and there.port in (None, here.port):
        return urlunsplit(there._replace(scheme=here.scheme, netloc=here.netloc))
    return None


def named_next(exchange: Exchange) -> str | None:
    """The full URL `exchange`'s answer names as its next page, wherever it points."""
    named = _header_next(exchange.headers) or _body_next(exchange.body)
    return urljoin(exchange.request.url, named) if named is not None else None


def _header_next(headers: dict[str, str]) -> str | None:
    for found in _LINK.finditer(headers.get("link", "")):
        for rel in _REL.finditer(found.group(2)):
            if "next" in (rel.group(1) or rel.group(2)).lower().split():
                return found.group(1).strip()
    return headers.get("next-page") or None


def _body_next(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    places = [body, *(body.get(holder) for holder in _BODY_NEXT_HOLDERS)]
    for place in places:
        found = _next_in(place)
        if found is not None:
            return found
    return None


def _next_in(place: Any) -> str | None:
    """A next-page URL in `place`: a member named as the next link, whose value is a URL or an
    object with one in `href` (HAL) or `url` (JupyterHub's `_pagination.next`); or an array of
    links with `rel` "next" (`links: [{"rel": "next", "href": …}]`)."""
    if isinstance(place, list):
        for link in place:
            if isinstance(link, dict) and str(link.get("rel", "")).lower() == "next":
                return _as_url(link.get("href"))
        return None
    if not isinstance(place, dict):
        return None
    for key in _BODY_NEXT_KEYS:
        value = place.get(key)
        if isinstance(value, dict):
            value = value.get("href") or value.get("url")
        url = _as_url(value)
        if url is not None:
            return url
    return None


def said_to_go_on(body: Any, first_page: bool = True) -> str | None:
    """What `body` says of a page past it without naming the page's URL, as the answer wrote
    it (`has_more: true`, `next: 2`, `total 45 past skip 0 + limit 10`); None where it says
    nothing of the kind (see the module's docstring). A count of the whole list beside a
    shorter list speaks only on the `first_page`: on a later one the pages before hold the
    rest."""
    for under, place in _paging_places("", body, depth=2):
        said = _flag_or_token(place) or _total_past_page(place) or _page_before_last(place)
        if said is not None:
            return under + said
    return _count_past_list(body) if first_page else None


def _header_said(headers: dict[str, str], first_page: Any = None) -> str | None:
    """What a paging header says of a page past this one: a JSON `X-Pagination`, by the
    body's rules (flask-smorest's `{"page": 1, "next_page": 2, ...}`, ASP.NET's), or, beside
    `first_page` (the body of a list's first page, a bare array), a count of the whole list
    above the records it holds: `X-Filtered-Count`, else `X-Total-Count` (json-server 0.17,
    Mockoon, react-admin's convention; Mockoon's total counts before its filters). A list
    that said it only there was taken for whole, and a correct create on its second page
    failed "the read answer holds no … record"."""
    if isinstance(first_page, list):
        for name in ("x-filtered-count", "x-total-count"):
            count = headers.get(name, "").strip()
            if count.isdigit():
                if int(count) > len(first_page):
                    return f"{name} {count}, of which the page holds {len(first_page)}"
                break
    text = headers.get("x-pagination")
    if not text:
        return None
    try:
        found = json.loads(text)
    except ValueError:
        return None
    said = said_to_go_on(found, first_page=False) if isinstance(found, dict) else None
    return f"X-Pagination {said}" if said is not None else None


def _paging_places(under: str, place: Any, depth: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """`place` and the objects it keeps paging in, `depth` deep (Strapi: `meta.pagination`),
    each with the path it stands at."""
    if not isinstance(place, dict):
        return
    yield under, place
    if depth:
        for holder in _BODY_NEXT_HOLDERS:
            yield from _paging_places(f"{under}{holder}.", place.get(holder), depth - 1)


def _flag_or_token(place: dict[str, Any]) -> str | None:
    for key in _MORE_FLAGS:
        if place.get(key) is True:
            return f"{key}: true"
    for key in _LAST_FLAGS:
        if place.get(key) is False:
            return f"{key}: false"
    for key in _NEXT_TOKENS:
        value = place.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and value not in ("", 0):
            return f"{key}: {clip(json.dumps(value), 40)}"
    return None


def _total_past_page(place: dict[str, Any]) -> str | None:
    """Feathers' `{total, skip, limit}`, Tastypie's and Medusa's with `offset`: more records
    than this page reaches."""
    total, skip, limit = (
        _first_whole(place, keys)
        for keys in (("total", "total_count", "totalCount", "count"), ("skip", "$skip", "offset"),
                     ("limit", "$limit"))
    )  # fmt: skip
    if total is None or skip is None or limit is None or skip[1] + limit[1] >= total[1]:
        return None
    return f"{total[0]} {total[1]} past {skip[0]} {skip[1]} + {limit[0]} {limit[1]}"


def _count_past_list(body: Any) -> str | None:
    """Django Ninja's `{items, count}`, Directus's `{data, meta: {filter_count}}`: the count of
    the whole list, at the body's top or in a paging member under it, above the number of
    records in the body's one list. A count of what the list's filters let through goes
    before a count of all (Directus's `filter_count` before its `total_count`)."""
    if not isinstance(body, dict):
        return None
    lists = [value for value in body.values() if isinstance(value, list)]
    if len(lists) != 1:
        return None
    for under, place in _paging_places("", body, depth=2):
        count = _first_whole(place, _FILTERED_COUNTS) or _first_whole(place, _COUNTS)
        if count is not None:
            if count[1] <= len(lists[0]):
                return None
            return f"{under}{count[0]} {count[1]}, of which the page holds {len(lists[0])}"
    return None


def _page_before_last(place: dict[str, Any]) -> str | None:
    """Strapi's `{page, pageCount}` (both counted from 1): a page before the last."""
    page, count = _first_whole(place, ("page",)), _first_whole(place, ("pageCount",))
    if page is None or count is None or page[1] >= count[1]:
        return None
    return f"page {page[1]} of pageCount {count[1]}"


def _first_whole(place: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, int] | None:
    for key in keys:
        value = place.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return key, value
    return None


def _as_url(value: Any) -> str | None:
    """`value` where it reads as a URL, full or relative (a page number or a cursor does not)."""
    if isinstance(value, str) and value.startswith(("http://", "https://", "/", "?")):
        return value
    return None


def _origin(parts: SplitResult) -> tuple[str, str]:
    return parts.scheme.lower(), parts.netloc.lower()


async def read_through_pages(first: Exchange, judge: Judge, fetch: Fetch) -> Outcome:
    """`judge`'s verdict on the page of the list that holds the record, reading on from
    `first` by the answers' next links while the record is absent (`Outcome.absent`); where
    no page holds it, the verdict on the last. Pages the list still has past what could be
    read make the verdict an error: absent from what was read is neither there nor gone."""
    exchange, outcome, pages = first, judge(first), 1
    read = {first.request.url}
    while outcome.absent:
        url = next_page(exchange)
        if url is not None and url in read:
            break
        unread = _unread_rest(exchange, url, pages)
        if unread is not None:
            return Outcome(
                "error",
                f"could not tell: the record was on none of {unread}; a read of the record by "
                "its key, marked auto-callback-get, would tell",
                notes=list(outcome.notes),
            )
        if url is None:
            break
        read.add(url)
        exchange = await fetch(_following(exchange.request, url))
        if exchange.status is None:
            return Outcome("error", f"page {pages + 1} of the list: {exchange.error}")
        outcome, pages = judge(exchange), pages + 1
    if pages > 1:
        outcome.notes.append(f"read {pages} pages of the list, by the next link of each")
        if outcome.absent and outcome.status == "failed":
            outcome.message += f" (on any of the {pages} pages)"
    return outcome


def _unread_rest(exchange: Exchange, url: str | None, pages: int) -> str | None:
    """The pages read and how the list goes on past where a read-back may read, in words;
    None where the list ends here or its next page, `url`, may be read."""
    if url is not None:
        if pages < MAX_PAGES:
            return None
        return f"the first {MAX_PAGES} pages of the list, and the list goes on ({url})"
    read = f"the {pages} page(s) read"
    elsewhere = named_next(exchange)
    if elsewhere is not None:
        return (
            f"{read}, and the list goes on at {elsewhere}, another origin than the run's, "
            "where its credential is not sent"
        )
    first = pages == 1
    said = said_to_go_on(exchange.body, first_page=first) or _header_said(
        exchange.headers, exchange.body if first else None
    )
    if said is not None:
        return (
            f"{read}, and the answer says the list goes on ({said}) without the URL of its "
            "next page"
        )
    return None


def _following(request: Request, url: str) -> Request:
    """The call for the page at `url`: the first call's headers and credential; the URL
    carries the query (the next link holds the list's parameters as the API wants them)."""
    return Request(
        request.method, url, headers=dict(request.headers), auth=request.auth,
        profile=request.profile,
    )  # fmt: skip


def held_to_what_the_list_shows(outcome: Outcome, record: Record, *, gone: bool) -> Outcome:
    """A list read-back's verdict, held to what that list can show. Where it missed the record
    while it existed (a page of 30 in a bare array, as Sails lists: no next link, no count),
    it is marked; absent from that list after a delete then proves nothing, and passing it
    passed a delete that kept the record, which the sweep then never looked for. Both the
    read-back after a delete and the end-of-run sweep hold their verdicts to it."""
    if not gone and outcome.absent and outcome.status == "failed":
        record.unseen_by_list = True
    if gone and outcome.absent and outcome.status == "passed" and record.unseen_by_list:
        return Outcome(
            "error",
            "could not tell: the list read never showed the record, not even while it "
            "existed (its write's read-back missed it too), so its absence says nothing of the "
            "delete; a read of the record by its key, marked auto-callback-get, would tell",
            notes=outcome.notes,
        )
    return outcome
