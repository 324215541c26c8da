"""A call's body both ways: the request's written as its content's `encode` type says, the
answer's read into the value every check judges (JSON, XML laid out as declared, else raw text).

It stands apart from the client because it is about formats, not the network: the Caller
(client.py) sends, retries and times the call, and hands the bytes here only at either end.
"""

from __future__ import annotations

import codecs
import functools
import json
from typing import TYPE_CHECKING, Any

import httpx

from apitest.verify.shape import RawBody
from apitest.zspec.model import Content, Operation
from apitest.zspec.xml_bodies import XmlBodyError, is_xml, read_xml, write_xml

if TYPE_CHECKING:
    from apitest.engine.http.client import Exchange, Request


def body_kwargs(request: Request) -> dict[str, Any]:
    """httpx's arguments for the body, sent as the content's `encode type` says. A JSON body
    under a JSON type of its own (`application/vnd.api+json`, `application/merge-patch+json`)
    goes with that type: httpx's `json=` alone would label it application/json, which such an
    API refuses (415) and the report would not show."""
    if request.body is None:
        return {}
    encode = (request.encode or "application/json").lower()
    if request.xml is not None:
        text = write_xml(request.body, request.xml)
        return {"content": text.encode(), "headers": {"Content-Type": encode}}
    if "json" in encode:
        return {"json": request.body, "headers": {"Content-Type": encode}}
    if encode == "application/x-www-form-urlencoded" and isinstance(request.body, dict):
        return {"data": {key: _text(value) for key, value in request.body.items()}}
    if encode.startswith("multipart/") and isinstance(request.body, dict):
        files = {k: v for k, v in request.body.items() if isinstance(v, tuple)}
        data = {k: _text(v) for k, v in request.body.items() if not isinstance(v, tuple)}
        return {"files": files, "data": data}
    text = request.body if isinstance(request.body, str) else json.dumps(request.body)
    return {"content": text.encode(), "headers": {"Content-Type": encode}}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


@functools.lru_cache(maxsize=256)
def _charset(content_type: str) -> str:
    """The body's text encoding: the content type's known `charset`, else UTF-8 (what httpx's
    `Response.encoding` decides, without parsing the header as a MIME message every call)."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("'\"")
            try:
                return codecs.lookup(charset).name
            except LookupError:
                break
    return "utf-8"


BYTE_ORDER_MARK = "\ufeff"
BOM_NOTE = (
    "the answer began with a byte order mark (U+FEFF), which a JSON text sent over a network "
    "must not carry (RFC 8259, section 8.1): read past it, as most clients do"
)


def decode_answer(response: httpx.Response, exchange: Exchange, op: Operation) -> None:
    """Status, media type and body of the final answer (its headers are already read). An XML
    answer is read as its declared content lays it out, into the value a JSON body would be,
    so every check that judges a body judges it alike."""
    exchange.status = response.status_code
    content_type = exchange.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower() or None
    exchange.content_type = media
    raw = exchange.raw
    if not raw.strip():
        exchange.body = None
        return
    text = raw.decode(_charset(content_type), errors="replace")
    exchange.raw_text = text
    marked = text.startswith(BYTE_ORDER_MARK)
    unmarked = text[1:] if marked else text
    if media is None or "json" in media or unmarked.lstrip()[:1] in ("{", "["):
        try:
            exchange.body = json.loads(unmarked)
        except ValueError:
            pass
        else:
            if marked:
                exchange.notes.append(BOM_NOTE)
            return
    if is_xml(media):
        content = _declared_xml(op, exchange.status)
        if content is not None:
            try:
                exchange.body = read_xml(unmarked, content)  # XML may begin with one
                return
            except XmlBodyError:
                pass  # judged as the body it is: not what the content declares
    exchange.body = RawBody(text, len(raw))


def _declared_xml(op: Operation, status: int | None) -> Content | None:
    """The XML content the operation declares for `status`, if it declares one."""
    for response in op.responses:
        if response.status == status:
            return next((c for c in response.contents if is_xml(c.encode)), None)
    return None
