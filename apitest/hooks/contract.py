"""What a hook is handed: the `Call` (before and after it is sent) and a check's `req`/`resp`.

A check follows the code-service contract: `resp.success()` or `resp.error()` ends it at once;
a check that calls neither passes. Ending is done by raising `CheckEnded`, a BaseException so
a check's own `except Exception:` cannot swallow it; the outcome is also recorded on `resp`
before raising, so even a bare `except:` in user code cannot turn an error into a pass.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from apitest.verify.shape import RawBody

if TYPE_CHECKING:
    from apitest.engine.http.client import Exchange, Request
    from apitest.hooks.context import HookContext, HookLog
    from apitest.plan.model import Step


def response_value(body: Any) -> Any:
    """The answer as a hook sees it: parsed JSON, or the text of a body that is not JSON."""
    return body.text if isinstance(body, RawBody) else body


class Call:
    """One call of a step. `params`, `headers` and `body` are the request's own: what a
    before_call hook changes is what gets sent. The answer's fields are None until after it."""

    def __init__(self, step: Step, request: Request, exchange: Exchange | None = None) -> None:
        self.resource = step.resource
        self.operation = step.operation.name
        self.case = step.case
        self.kind: str = step.kind
        self.violation = step.violation.name if step.violation is not None else None
        """The negative case's name ("Mandatory Property trips[0].trip_name"), None if positive."""
        self.request = request
        self.status = exchange.status if exchange else None
        self.response_headers = dict(exchange.headers) if exchange else {}
        self.response = response_value(exchange.body) if exchange else None
        self.elapsed_ms = exchange.elapsed_ms if exchange else 0.0
        self.error = exchange.error if exchange else None

    @property
    def method(self) -> str:
        return self.request.method

    @method.setter
    def method(self, value: str) -> None:
        self.request.method = value

    @property
    def url(self) -> str:
        return self.request.url

    @url.setter
    def url(self, value: str) -> None:
        self.request.url = value

    @property
    def params(self) -> dict[str, str]:
        return self.request.params

    @params.setter
    def params(self, value: dict[str, str]) -> None:
        self.request.params = value

    @property
    def headers(self) -> dict[str, str]:
        return self.request.headers

    @headers.setter
    def headers(self, value: dict[str, str]) -> None:
        self.request.headers = value

    @property
    def body(self) -> Any:
        return self.request.body

    @body.setter
    def body(self, value: Any) -> None:
        self.request.body = value

    def __repr__(self) -> str:
        return f"<Call {self.operation} / {self.case}: {self.method.upper()} {self.url}>"


class CheckRequest:
    """A check's `req`: the call as sent and answered, and who made it (`user`: the profile).
    Copies of the request's dicts: a check judges, it does not change the call."""

    def __init__(self, step: Step, exchange: Exchange, user: str, context: HookContext) -> None:
        request = exchange.request
        self.resource = step.resource
        self.operation = step.operation.name
        self.case = step.case
        self.kind: str = step.kind
        self.violation = step.violation.name if step.violation is not None else None
        self.method = request.method
        self.url = request.url
        self.params = dict(request.params)
        self.headers = dict(request.headers)
        self.body = request.body
        self.status = exchange.status
        self.response = response_value(exchange.body)
        self.response_headers = dict(exchange.headers)
        self.error = exchange.error
        self.user = request.profile or user
        self.context = context
        """The full hook context (cache, queue, connections), for checks that need more."""

    @property
    def log(self) -> HookLog:
        return self.context.log


class CheckEnded(BaseException):
    """Raised by `resp.success` / `resp.error` to end the check at once."""


Outcome = Literal["success", "error"]


class CheckResponse:
    """A check's `resp`: `success(value)` or `error(value)`, each ending the check."""

    def __init__(self) -> None:
        self.outcome: Outcome | None = None
        self.value: Any = None

    def success(self, value: Any = None) -> None:
        self._end("success", value)

    def error(self, value: Any = None) -> None:
        self._end("error", value)

    def _end(self, outcome: Outcome, value: Any) -> None:
        if self.outcome is None:  # the first call decides, as the platform ends the service there
            self.outcome, self.value = outcome, value
        raise CheckEnded(outcome)


def describe(value: Any) -> str:
    """A value given to `resp.error` as one line of a failure message."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str, sort_keys=True)
    except (TypeError, ValueError):
        return str(value)
