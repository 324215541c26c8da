"""What a test service received, one `Call` a request, taken from the request's ASGI scope: the
gadgets API (_gadgets_app) and the recorder in front of the reference service
(test_zspec_corpus_forms) keep the same record, so their tests read a call alike."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Call:
    """One request: the monotonic time it arrived, its method and path, its headers (names in
    lower case) and its query (every value of each parameter, blank ones too: a test can see a
    parameter sent twice or sent empty)."""

    at: float
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, list[str]]
    header_names: tuple[str, ...] = ()
    """Every header name as it came, in lower case: a name twice was sent twice."""

    @classmethod
    def arriving(cls, scope: Mapping[str, Any]) -> Call:
        """The call an HTTP `scope` describes, arriving now."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = parse_qs(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        names = tuple(k.decode("latin-1").lower() for k, _ in scope["headers"])
        return cls(time.monotonic(), scope["method"], scope["path"], headers, query, names)
