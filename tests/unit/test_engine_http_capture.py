"""Call capture (engine/http/capture.py): what a report keeps of an exchange, with a placeholder
where the token went, credential headers masked and bodies clipped."""

from __future__ import annotations

import json

from apitest.engine.http.capture import TOKEN_PLACEHOLDER, capture
from apitest.engine.http.client import Exchange, Request
from apitest.redact import MASK, Redactor
from apitest.results import MAX_BODY_CHARS

TOKEN = "1000.abcdef0123456789.fedcba9876543210"


def test_capture_puts_a_placeholder_where_the_token_went_and_clips_bodies() -> None:
    request = Request("post", "http://127.0.0.1:9/api/items", body={"note": "x" * 20_000})
    exchange = Exchange(request, status=201, elapsed_ms=1.5)
    exchange.sent_headers = {"Authorization": f"Zoho-oauthtoken {TOKEN}"}
    exchange.sent_params = {"access_token": TOKEN, "page": "1"}
    exchange.token = TOKEN
    exchange.headers = {"Set-Cookie": "s=1", "Content-Type": "application/json"}
    exchange.raw_text = json.dumps({"echo": TOKEN})
    redactor = Redactor([TOKEN])
    record = capture(exchange, redactor)
    assert record.request_headers["Authorization"] == f"Zoho-oauthtoken {TOKEN_PLACEHOLDER}"
    assert record.request_headers["Content-Type"] == "application/json"
    assert record.url == f"http://127.0.0.1:9/api/items?access_token={TOKEN_PLACEHOLDER}&page=1"
    assert record.response_headers["Set-Cookie"] == MASK
    assert TOKEN not in json.dumps(record.__dict__)
    assert record.clipped and len(record.request_body or "") == MAX_BODY_CHARS
