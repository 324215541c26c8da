"""The HTTP client a run makes (engine/http/client.py): a proxy's credentials go to the proxy, never
into a URL, and the timeouts are the ones asked for."""

from __future__ import annotations

import httpx

from apitest.engine.http.client import new_client


def test_proxy_credentials_go_to_the_proxy_not_the_url() -> None:
    client = new_client(4, 5.0, connect_timeout_s=2.0, proxy="http://user:pw@127.0.0.1:3128")
    transport = client._transport
    proxy = transport.proxy  # type: ignore[attr-defined]
    assert isinstance(proxy, httpx.Proxy)
    assert proxy.auth == ("user", "pw") and proxy.url.host == "127.0.0.1"
    assert "pw" not in str(proxy.url)
    assert client.timeout.connect == 2.0 and client.timeout.read == 5.0
