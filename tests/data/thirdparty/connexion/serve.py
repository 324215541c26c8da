"""Serve the books API on 127.0.0.1: `python serve.py PORT [--empty-tag]`.

A Connexion 3.3 AsyncApp, OpenAPI-first as its docs set one up: the routes, and every rule a
request must keep, are those of openapi.yaml beside this file; Connexion validates each request
(body, query, path, headers) against it with jsonschema before a handler runs, refusing a bad
one with 400 application/problem+json, validates each answer too (`validate_responses`), and
refuses a query parameter the document does not declare (`strict_validation`). The handlers
keep the books in memory (a dict), served by uvicorn until it is stopped:

- POST /books (its header X-Request-Id required) answers 201 with the book, its `id` the
  server's, and its path in `Location`;
- GET /books answers `{"books": [...], "total": N}`, oldest first, `limit` of them (20 unless
  asked, 1..100) from `offset`, of those every filter asked keeps (`genre`, `q` in the title,
  `in_print`, `max_price`, `published_after`, any of `tags`);
- GET /books/{book_id} the book; PUT replaces it (what it does not send is gone), PATCH changes
  what it sends; each answers the book as stored; DELETE answers 204; an unknown id 404.

`--empty-tag` lets the list's `tags` ask for an empty tag (its items lose their minLength): a
variant of the document, not a defect, under which `?tags=` is a list of one empty tag.

CONNEXION_DEFECTS (comma-separated) plants defects:
- "lax-pages": the document Connexion is given has no `maximum` of `pages` (any page count
  above 0 is taken);
- "lax-isbn": it has no `pattern` of `isbn` (any string is taken);
- "lax-author-length": it has no `maxLength` of `author` (its pattern still checked);
- "lax-limit": it has no `maximum` of the list's `limit` (a page of any size is asked for);
- "lax-tag-length": a book's tags have no `maxLength` (a tag of any length is taken);
- "lost-update": a PUT or PATCH is answered 200 with the book as it would be, and nothing is
  stored;
- "kept-delete": a DELETE is answered 204 and the book stays;
- "dropped-field": a create stores no `publisher` (answered 201 with it all the same);
- "wrong-status": a create is answered 200, not the 201 the document declares.
Whatever is planted, a request the document (as given to Connexion) refuses is refused.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from connexion import AsyncApp
from connexion.options import SwaggerUIOptions
from connexion.problem import problem
from connexion.resolver import Resolver
from starlette.responses import Response

port = int(sys.argv[1])
empty_tag = "--empty-tag" in sys.argv[2:]
defects = set(filter(None, os.environ.get("CONNEXION_DEFECTS", "").split(",")))
KNOWN = {"lax-pages", "lax-isbn", "lax-author-length", "lax-limit", "lax-tag-length"}
KNOWN |= {"lost-update", "kept-delete", "dropped-field", "wrong-status"}
if defects - KNOWN:  # a misspelt defect would plant nothing, and the hunt pass unseen
    sys.exit(f"unknown defects: {', '.join(sorted(defects - KNOWN))}")
document: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "openapi.yaml").read_text())
schemas = document["components"]["schemas"]
if "lax-pages" in defects:
    del schemas["Pages"]["maximum"]
if "lax-isbn" in defects:
    del schemas["Isbn"]["pattern"]
if "lax-author-length" in defects:
    del schemas["Author"]["maxLength"]
if "lax-tag-length" in defects:
    del schemas["Tags"]["items"]["maxLength"]
listing = {p["name"]: p for p in document["paths"]["/books"]["get"]["parameters"]}
if "lax-limit" in defects:
    del listing["limit"]["schema"]["maximum"]
if empty_tag:
    del listing["tags"]["schema"]["items"]["minLength"]

books: dict[int, dict[str, Any]] = {}
made = 0
JSON = {"Content-Type": "application/json"}
"""Said with each answer: an operation that declares two media types (the book's, and its
refusals' application/problem+json) needs the handler to name the one it answers."""


def missing(book_id: int) -> Any:
    return problem(404, "Not Found", f"no book has the id {book_id}")


def kept(book: dict[str, Any], asked: dict[str, Any]) -> bool:
    """Whether `book` passes every filter of a list that `asked` gives (None: not asked)."""
    tests = {
        "genre": lambda wanted: book.get("genre") == wanted,
        "q": lambda words: words.lower() in book["title"].lower(),
        "in_print": lambda wanted: book.get("in_print") == wanted,
        "max_price": lambda most: book.get("price") is not None and book["price"] <= most,
        "published_after": lambda moment: (
            "published_at" in book
            and datetime.fromisoformat(book["published_at"]) > datetime.fromisoformat(moment)
        ),
        "tags": lambda wanted: bool(set(wanted) & set(book.get("tags", []))),
    }
    return all(test(asked[name]) for name, test in tests.items() if asked[name] is not None)


async def list_books(
    limit: int = 20,
    offset: int = 0,
    genre: str | None = None,
    q: str | None = None,
    in_print: bool | None = None,
    max_price: float | None = None,
    published_after: str | None = None,
    tags: list[str] | None = None,
) -> Any:
    asked = {"genre": genre, "q": q, "in_print": in_print, "max_price": max_price}
    asked.update(published_after=published_after, tags=tags)
    chosen = [book for book in books.values() if kept(book, asked)]
    return {"books": chosen[offset : offset + limit], "total": len(chosen)}, 200, JSON


async def create_book(body: dict[str, Any]) -> Any:
    global made
    made += 1
    book = {"id": made, **body}
    books[made] = dict(book)
    if "dropped-field" in defects:
        books[made].pop("publisher", None)
    status = 200 if "wrong-status" in defects else 201
    return book, status, {**JSON, "Location": f"/books/{made}"}


async def get_book(book_id: int) -> Any:
    return (books[book_id], 200, JSON) if book_id in books else missing(book_id)


async def replace_book(book_id: int, body: dict[str, Any]) -> Any:
    if book_id not in books:
        return missing(book_id)
    book = {"id": book_id, **body}
    if "lost-update" not in defects:
        books[book_id] = book
    return book, 200, JSON


async def patch_book(book_id: int, body: dict[str, Any]) -> Any:
    if book_id not in books:
        return missing(book_id)
    book = {**books[book_id], **body}
    if "lost-update" not in defects:
        books[book_id] = book
    return book, 200, JSON


async def delete_book(book_id: int) -> Any:
    if book_id not in books:
        return missing(book_id)
    if "kept-delete" not in defects:
        del books[book_id]
    return Response(status_code=204)


HANDLERS = {
    handler.__name__: handler
    for handler in (list_books, create_book, get_book, replace_book, patch_book, delete_book)
}
app = AsyncApp(__name__, swagger_ui_options=SwaggerUIOptions(swagger_ui=False))
app.add_api(
    document,
    resolver=Resolver(function_resolver=HANDLERS.__getitem__),
    strict_validation=True,
    validate_responses=True,
)

uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
