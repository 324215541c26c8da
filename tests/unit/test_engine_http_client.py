"""The HTTP client a run makes (engine/http/client.py): a proxy's credentials go to the proxy, never
into a URL, and the timeouts are the ones asked for; a 429 or 503 goes again as long as its
Retry-After says, or a few short times without one (the demo's busy 503s meet the whole run in
tests/integration/test_faults.py)."""

from __future__ import annotations

import httpx

from apitest.engine.http.client import (
    BUSY_WAITS_S,
    Exchange,
    Request,
    _retry_after,
    busy_note,
    new_client,
)


def test_proxy_credentials_go_to_the_proxy_not_the_url() -> None:
    client = new_client(4, 5.0, connect_timeout_s=2.0, proxy="http://user:pw@127.0.0.1:3128")
    transport = client._transport
    proxy = transport.proxy  # type: ignore[attr-defined]
    assert isinstance(proxy, httpx.Proxy)
    assert proxy.auth == ("user", "pw") and proxy.url.host == "127.0.0.1"
    assert "pw" not in str(proxy.url)
    assert client.timeout.connect == 2.0 and client.timeout.read == 5.0


def test_a_busy_answer_goes_again_a_few_times_then_stands() -> None:
    exchange = Exchange(Request("POST", "http://127.0.0.1:1/things"))
    waits = [_retry_after(httpx.Response(status), exchange) for status in (503, 429, 503, 503)]
    assert waits == [*BUSY_WAITS_S, None] == [0.25, 0.5, 1.0, None]
    assert busy_note(exchange) == (
        "the API answered 503, 429, 503 with no Retry-After: the call went again after "
        "1.75 s in all (a request the server says it did not handle)"
    )


def test_a_retry_after_is_obeyed_and_other_statuses_stand() -> None:
    exchange = Exchange(Request("GET", "http://127.0.0.1:1/things"))
    assert _retry_after(httpx.Response(503, headers={"Retry-After": "2"}), exchange) == 2.0
    assert _retry_after(httpx.Response(500), exchange) is None
    assert _retry_after(httpx.Response(200), exchange) is None
    assert exchange.busy == []
