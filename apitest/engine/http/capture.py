"""What a call looked like, for the reports: the request as sent, the answer as received.

Secrets are handled here, once, before anything leaves the engine: the token the run placed
becomes `${APITEST_ACCESS_TOKEN}` (so a curl command built from the record still reads as the
real call), other credential headers are masked, and every known secret value is masked in
whatever text remains. Bodies are clipped to what a report can carry.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from apitest.redact import Redactor
from apitest.results import MAX_BODY_CHARS, HttpRecord
from apitest.zspec.xml_bodies import write_xml

if TYPE_CHECKING:
    from apitest.engine.http.client import Exchange

TOKEN_PLACEHOLDER = "${APITEST_ACCESS_TOKEN}"


def capture(exchange: Exchange, redactor: Redactor) -> HttpRecord:
    request = exchange.request
    token = exchange.token
    placeholders = {
        name: value.replace(token, TOKEN_PLACEHOLDER)
        for name, value in exchange.sent_headers.items()
        if token and token in value
    }
    params = {
        name: value.replace(token, TOKEN_PLACEHOLDER) if token else value
        for name, value in exchange.sent_params.items()
    }
    headers = dict(exchange.sent_headers)
    if request.body is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = request.encode or "application/json"  # what httpx sent
    query = urlencode(params, safe="${}")
    url = f"{request.url}?{query}" if query else request.url
    sent = request.body
    if request.xml is not None and sent is not None:  # what went on the wire
        sent = write_xml(sent, request.xml)
    request_body, clipped_in = _masked_and_clipped(_text(sent), redactor)
    response_body, clipped_out = _masked_and_clipped(exchange.raw_text, redactor)
    return HttpRecord(
        method=request.method.upper(),
        url=redactor.text(url),
        request_headers=redactor.headers(headers, placeholders),
        request_body=request_body,
        status=exchange.status,
        response_headers=redactor.headers(exchange.headers),
        response_body=response_body,
        elapsed_ms=round(exchange.elapsed_ms, 3),
        error=exchange.error,
        clipped=clipped_in or clipped_out,
    )


def _text(body: Any) -> str | None:
    if body is None:
        return None
    if isinstance(body, str):
        return body
    try:
        return json.dumps(body, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(body)  # a multipart file tuple, say


def _masked_and_clipped(text: str | None, redactor: Redactor) -> tuple[str | None, bool]:
    """Secrets masked first, then clipped to what a report carries: clipped first, a secret
    the cut falls inside would keep all but its last characters, unmasked."""
    if text is None:
        return None, False
    masked = redactor.text(text)
    if len(masked) <= MAX_BODY_CHARS:
        return masked, False
    return masked[:MAX_BODY_CHARS], True
