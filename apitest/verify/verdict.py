"""The verdict of one call (ZSPEC.md section 7): status, error condition and shape together.

Pure: the engine hands in what it observed. A positive case wants a declared 2xx whose error
condition does not hold and whose body matches the structure; a negative case wants an error
(a 4xx, or any response whose error condition holds). A status no `<response>` declares fails.
A `<response unexpected-error="true">` is ZEST's answer to an unhandled error (usually a 500):
it says what such an answer looks like, and receiving it fails the case, positive or negative,
for a refusal that comes from a crash proves nothing about validation (ZSPEC.md section 7).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from apitest.case_kinds import NegativeKind
from apitest.verify.response_headers import header_problems
from apitest.verify.shape import RawBody, ShapeReport, check_shape
from apitest.zspec.conditions import EvalContext
from apitest.zspec.model import Content, ErrorCondition, Operation, Response

__all__ = [
    "Expectation", "Observed", "Verdict", "governing_error", "is_error_response", "judge",
    "pick_content",
]  # fmt: skip

Expectation = Literal["success", "error"]
Records = Callable[[str], Sequence[Any]]


def _no_records(name: str) -> Sequence[Any]:
    return ()


@dataclass
class Observed:
    """What came back from one call (and what was sent, for `REQUEST:` conditions on the body
    and params).
    Not frozen, like `Verdict`: one is made for every call, a frozen dataclass costs five times
    as much to build, and nothing changes one once made."""

    status: int
    headers: Mapping[str, str]
    body: Any  # parsed JSON, RawBody, or None for an empty body
    content_type: str | None  # media type without parameters, lower-case
    request_body: Any = None
    params: Mapping[str, str] = field(default_factory=dict)
    request_headers: Mapping[str, str] | None = None  # for `REQUEST:$.headers.<name>`
    url: str | None = None  # for `REQUEST:$.url`


@dataclass
class Verdict:
    passed: bool
    message: str
    details: tuple[str, ...]
    notes: tuple[str, ...]
    response: Response | None
    is_error: bool


@functools.lru_cache(maxsize=256)
def _media(text: str | None) -> str:
    return (text or "").split(";", 1)[0].strip().lower()


def _encode_matches(encode: str, media: str) -> bool:
    declared = _media(encode)
    if declared in ("*/*", media):
        return True
    return declared.endswith("/*") and media.startswith(declared[:-1])


def pick_content(
    response: Response, content_type: str | None, case: str | None = None
) -> Content | None:
    """The content whose `<encode type>` matches the media type; one with no encode matches
    anything; else the first content; None when the response declares none. With `case` (a
    negative case kind), a content whose structure names it in `cases` wins, and contents
    bound to other cases step aside (`structure@cases`, ZSPEC.md section 8)."""
    contents = _for_case(response.contents, case)
    if not contents:
        return None
    media = _media(content_type)
    if media:
        for content in contents:
            if content.encode and _encode_matches(content.encode, media):
                return content
    for content in contents:
        if not content.encode:
            return content
    return contents[0]


def _for_case(contents: tuple[Content, ...], case: str | None) -> tuple[Content, ...]:
    if not any(content.structure is not None and content.structure.cases for content in contents):
        return contents  # no structure is bound to cases: the common spec, and every answer

    def cases(content: Content) -> set[str]:
        structure = content.structure
        return {name.strip().lower() for name in structure.cases} if structure else set()

    wanted = (case or "").strip().lower()
    bound = tuple(content for content in contents if wanted and wanted in cases(content))
    if bound:
        return bound
    free = tuple(content for content in contents if not cases(content))
    return free or contents


def governing_error(op: Operation, content: Content | None) -> ErrorCondition | None:
    """The error condition that decides: the content's own wins over the operation's."""
    if content is not None and content.error is not None:
        return content.error
    return op.error


def _condition_holds(
    condition: ErrorCondition | None, observed: Observed, records: Records
) -> bool:
    if condition is None:
        return False
    return condition.condition.evaluate(_context(observed, records))


def _context(observed: Observed, records: Records) -> EvalContext:
    return EvalContext(
        response_body=None if isinstance(observed.body, RawBody) else observed.body,
        request_body=observed.request_body,
        headers=observed.headers,
        params=observed.params,
        status=observed.status,
        records=records,
        request_headers=observed.request_headers,
        url=observed.url,
    )


def _is_success(status: int) -> bool:
    return 200 <= status < 300


def is_error_response(op: Operation, observed: Observed, records: Records = _no_records) -> bool:
    """Whether the answer is an error: a non-2xx (or `unexpected-error`) response, or one whose
    governing error condition holds."""
    response = op.response_for(observed.status)
    if response is None:
        return not _is_success(observed.status) or _condition_holds(op.error, observed, records)
    if not response.is_success or response.unexpected_error:
        return True
    content = pick_content(response, observed.content_type)
    return _condition_holds(governing_error(op, content), observed, records)


def _summary(report: ShapeReport) -> str:
    first = str(report.mismatches[0])
    more = len(report.mismatches) - 1
    return f"{first} (and {more} more)" if more else first


def _declared_as(response: Response) -> str:
    if response.name:
        return f"declared as {response.name}"
    return "declared as an error" if not response.is_success else "declared"


def _media_problem(response: Response, content: Content | None, observed: Observed) -> str:
    """A body in a media type none of the response's contents declares (an API that answers
    application/json where the spec says application/vnd.api+json): the answer breaks its
    contract even when the body would fit the declared structure. "" when it matches, or
    when there is no body, no Content-Type or no declared type to hold it to."""
    media = observed.content_type
    if content is None or not media or not content.encode or observed.body is None:
        return ""
    if _encode_matches(content.encode, _media(media)):
        return ""
    declared = ", ".join(c.encode for c in response.contents if c.encode)
    return f"content type {media} is not declared for {response.status} (declared: {declared})"


def judge(
    op: Operation,
    observed: Observed,
    expect: Expectation,
    *,
    strict: bool = False,
    records: Records | None = None,
    case: str | None = None,
) -> Verdict:
    """Judge one call against its operation, for a positive (`success`) or negative case;
    `case` is the negative case kind, which picks a structure bound by `structure@cases`."""
    records = _no_records if records is None else records
    response = op.response_for(observed.status)
    if response is None:
        return _undeclared(op, observed, expect, records, case)
    if response.unexpected_error:
        return _unexpected(response, observed.status)
    content = pick_content(response, observed.content_type, case)
    condition = governing_error(op, content)
    holds = _condition_holds(condition, observed, records)
    call = _Judged(
        op, observed, response, content, strict, records,
        is_error=not response.is_success or holds,
        media_problem=_media_problem(response, content, observed),
    )  # fmt: skip
    if expect == "success":
        return _judge_success(call, condition if holds else None)
    return _judge_error(call, holds)


@dataclass(frozen=True)
class _Judged:
    """One call under judgement, with a declared answer: what every verdict on it is worded from."""

    op: Operation
    observed: Observed
    response: Response
    content: Content | None
    strict: bool
    records: Records
    is_error: bool
    media_problem: str
    """An answer in a media type the response does not declare; "" for one that matches."""

    def verdict(self, message: str, report: ShapeReport | None = None) -> Verdict:
        details = tuple(str(m) for m in report.mismatches) if report else ()
        all_notes = report.notes if report else ()
        if self.media_problem and self.media_problem not in message and self.content:
            # said beside a message that names another fault (the body's, the status)
            all_notes += (f"{self.media_problem}; checked against {self.content.encode}",)
        return Verdict(not message, message, details, all_notes, self.response, self.is_error)

    def shape(self) -> ShapeReport:
        if self.content is None:
            return ShapeReport((), ())
        return check_shape(
            self.observed.body,
            self.content,
            direction="response",
            category=self.op.category,
            strict=self.strict,
            context=lambda: _context(self.observed, self.records),
        )


def _judge_success(call: _Judged, holding: ErrorCondition | None) -> Verdict:
    """A positive case: a 2xx on which no error condition holds, body and headers as declared."""
    status, response = call.observed.status, call.response
    if not response.is_success:
        return call.verdict(f"expected a 2xx success, got {status} ({_declared_as(response)})")
    if holding is not None:
        text = holding.condition.text
        return call.verdict(f"the error condition `{text}` holds on a {status} response")
    report = call.shape()
    if not report.ok:
        return call.verdict(_summary(report), report)
    if call.media_problem:
        return call.verdict(call.media_problem)
    headers = header_problems(response, call.observed.headers)
    return call.verdict("; ".join(headers[:2]) + _more(len(headers) - 2), report)


def _judge_error(call: _Judged, holds: bool) -> Verdict:
    """A negative case: an error (a 4xx, or an answer whose error condition holds), its body
    still what the spec declares for the status."""
    status = call.observed.status
    if _is_success(status):
        if not holds:
            return call.verdict(
                f"expected an error response, got {status}: the API accepted the request"
            )
        # An error by its condition on a 2xx: its body is still checked below (an API that
        # bends its errors into a success shape is caught there).
    elif not (400 <= status < 500 or holds):
        return call.verdict(
            f"expected an error response (a 4xx, or one whose error condition holds), "
            f"got {status} ({_declared_as(call.response)})"
        )
    report = call.shape()
    if not report.ok:
        message = f"error response {status} does not match its structure: {_summary(report)}"
        return call.verdict(message, report)
    if call.media_problem:
        return call.verdict(f"error response {status}: {call.media_problem}")
    return call.verdict("", report)


def _more(count: int) -> str:
    return f" (and {count} more)" if count > 0 else ""


def _unexpected(response: Response, status: int) -> Verdict:
    """The declared answer to an unhandled error: a failure whatever the case expected."""
    named = f" {response.name}" if response.name else ""
    message = (
        f"the API answered its declared unexpected-error response ({status}{named}): "
        "an unhandled error fails the case, positive or negative"
    )
    return Verdict(False, message, (), (), response, True)


def _undeclared(
    op: Operation, observed: Observed, expect: Expectation, records: Records, case: str | None
) -> Verdict:
    """A status no `<response>` declares: a failure (an `unexpected-error` response covers
    only its own status)."""
    status = observed.status
    declared = ", ".join(str(s) for s in sorted({resp.status for resp in op.responses}))
    message = f"status {status} is not declared for {op.name} (declared: {declared or 'none'})"
    if 300 <= status < 400:
        message += _redirect_hint(observed)
    elif status == 404 and case in KEY_CASES:
        message += (
            f"; no record has the key the {case} case sent, which is what a 404 says: declare "
            'it (<response status="404"/>), or leave the case out (auto-skip-cases)'
        )
    is_error = not _is_success(status) or _condition_holds(op.error, observed, records)
    return Verdict(False, message, (), (), None, is_error)


KEY_CASES: Final[frozenset[NegativeKind]] = frozenset({"InvalidValueInURLPath", "Unknown Key"})
"""The cases that send a key no record has in the URL: a 404 is the answer that says so."""


def _redirect_hint(observed: Observed) -> str:
    """Why a redirect is not followed, and the usual cause: a framework (Starlette, FastAPI,
    Django) that redirects a path to its twin with or without a trailing slash."""
    location = next(
        (value for name, value in observed.headers.items() if name.lower() == "location"), ""
    )
    if not location:
        return ""
    hint = (
        f"; it redirects to {location}: apitest follows no redirect, since the call the spec "
        "describes is the one tested"
    )
    sent = urlsplit(observed.url or "").path
    target = urlsplit(location).path
    if sent and target and sent != target and sent.rstrip("/") == target.rstrip("/"):
        hint += (
            "; the API serves this path with a trailing slash: write the <url path> with one"
            if target.endswith("/")
            else "; the API serves this path without its trailing slash: write the <url path> "
            "without it"
        )
    return hint
