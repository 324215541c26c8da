"""Token calls built from the operations an authentication schema declares.

ZEST declares each OAuth endpoint as a full operation (docs: authentication-schema/token-url,
refresh-url, authentication-url; token): its arguments say where `grant_type`, `client_id`,
`client_secret`, `code` and `refresh_token` go (`location="param"` in the official sample: the
query string), a request body says which of them travel in JSON or a form, and the 200
response's structure says where the answer puts `access_token`, `refresh_token` and
`expires_in`. This module turns such an operation plus the runner's values into one request,
and reads the tokens back out of the answer. It knows HTTP shapes only; sending is the
caller's (`TokenSource`).

Decisions where the reference is silent:
- A value the runner has (the flow's `grant_type`, credentials, the scopes asked for) wins over
  the argument's declared `values`: the official refresh-url sample declares `refresh_token`
  with values="authorization_code", which no server would accept. An argument the runner has no
  value for takes its single declared `values` (or `default-value`), else is left out.
- Body encoding follows `<encode type>`: JSON for a JSON type, a form otherwise; `text/plain`
  with a single property sends that value as the raw body.
- `expires_in` may be a number, a numeric string (the official sample types it `string`), or a
  date-time (the `<token>` sample types it `datetime`: the moment the token expires).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote, quote_plus

from apitest.results import RequestParts
from apitest.zspec.model import (
    Argument,
    Authentication,
    Content,
    Operation,
    Property,
    Structure,
)
from apitest.zspec.urls import expand_url

SchemaKind = Literal["oauth2", "token"]
Given = Callable[[str], str | None]
"""A profile's value for a token call's field, by the field's declared name."""
_MAX_DEPTH = 6
DEFAULT_PREFIX = "Bearer"


@dataclass(frozen=True)
class Endpoint:
    """A resolved (absolute) endpoint URL and the operation declared for it (None: apitest's
    deprecated attribute form, which gets the RFC 6749 form post)."""

    url: str
    operation: Operation | None = None
    path: str = ""
    """As declared (absolute, or relative to the base URL): a replay resolves it against its own."""


@dataclass(frozen=True)
class TokenEndpoints:
    """What one schema gives a `TokenSource`: where to get, refresh and check tokens."""

    kind: SchemaKind
    token: Endpoint | None
    refresh: Endpoint | None = None
    authentication: Endpoint | None = None
    placement: Authentication | None = None
    """Where the token goes when `authentication` is called and declares no place for it."""

    @property
    def label(self) -> str:
        """The endpoint that names this source in keys and messages."""
        chosen = self.token or self.refresh
        return chosen.url if chosen is not None else ""

    def for_refresh(self) -> Endpoint | None:
        """refresh-url for refreshing; token-url when only that is declared."""
        return self.refresh or self.token

    def for_grant(self) -> Endpoint | None:
        """token-url for grant codes and client credentials; refresh-url when only that is."""
        return self.token or self.refresh


@dataclass(kw_only=True)
class TokenRequest(RequestParts):
    """A call to a token endpoint as apitest sends it: the declared parts, filled."""

    method: str
    url: str
    placed: set[str] = field(default_factory=set)
    """Names of the values the request carries (to tell whether a token was placed)."""

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `httpx.AsyncClient.request`."""
        kwargs: dict[str, Any] = {"params": self.params or None, "headers": self.headers or None}
        if self.json is not None:
            kwargs["json"] = self.json
        elif self.form is not None:
            kwargs["data"] = self.form
        elif self.content is not None:
            kwargs["content"] = self.content.encode("utf-8")
        return kwargs


def build_request(
    endpoint: Endpoint, values: Mapping[str, str], given: Given | None = None
) -> TokenRequest:
    """The call `endpoint` declares, carrying `values` where its arguments and body say, and
    what `given` has for a field it names beyond those (a login's `email`, `password`)."""
    op = endpoint.operation
    if op is None:
        return TokenRequest(method="POST", url=endpoint.url, form=dict(values), placed=set(values))
    request = TokenRequest(method=op.method.upper(), url=endpoint.url)
    variables: dict[str, str] = {}
    for arg in op.arguments:
        value = _value(arg.name, values, given)
        if value is None:
            value = fixed_value(arg.value_property)
        if value is None and arg.location == "header" and arg.name.lower() == "authorization":
            value = client_basic(values)
        if value is None:
            continue
        request.placed.add(arg.name)
        if arg.location == "header":
            request.headers[arg.name] = value
        elif arg.location == "variable":
            variables.setdefault(arg.name, quote(value, safe=""))
        else:
            request.params[arg.name] = value
    if variables:
        request.url = expand_url(request.url, lambda name: variables.get(name, "{" + name + "}"))
    if op.request_body is not None and op.request_body.contents:
        _fill_body(request, _body_content(op.request_body.contents), values, given)
    return request


def client_basic(values: Mapping[str, str]) -> str | None:
    """HTTP Basic of the client credentials (RFC 6749 section 2.3.1, client_secret_basic: each
    part form-encoded first), for a token call that declares an `Authorization` header the
    profile gives no value of: most providers' default way for a client to authenticate
    (oidc-provider's, Keycloak's), which left unfilled sent the call with none."""
    client_id, secret = values.get("client_id"), values.get("client_secret")
    if not client_id or not secret:
        return None
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _value(name: str, values: Mapping[str, str], given: Given | None) -> str | None:
    """The flow's own value for `name` first (grant type, client credentials), then what the
    profile gives for it."""
    value = values.get(name)
    if value is None and given is not None:
        value = given(name)
    return value


def unfilled_fields(
    endpoint: Endpoint, values: Mapping[str, str], given: Given | None
) -> list[str]:
    """The fields the declared call names that nothing fills: no value of the flow's, none
    given by the profile, none the spec pins. Said when the call is refused."""
    op = endpoint.operation
    if op is None:
        return []
    placed = build_request(endpoint, values, given).placed
    named = [arg.name for arg in op.arguments]
    if op.request_body is not None and op.request_body.contents:
        structure = _body_content(op.request_body.contents).structure
        named += [p.name for p in structure.properties if p.name] if structure else []
    return [name for name in named if name not in placed]


def is_password_login(endpoints: TokenEndpoints) -> bool:
    """Whether the declared token call pins `grant_type` to `password` (one `values`, or a
    `default-value`, on its `grant_type` argument or body property): a resource owner
    password login (RFC 6749 section 4.3), which no other flow would pass."""
    found = _declared_field(endpoints.for_grant(), "grant_type")
    prop = found.value_property if isinstance(found, Argument) else found
    return fixed_value(prop) == "password"


def scope_separator(endpoint: Endpoint | None) -> str | None:
    """How the declared call joins several scopes into its one `scope` value, where the spec
    says: a `style="delimiter"` argument's `delimiter`, else the form an example or default
    value shows (`read write`, `ZohoCRM.modules.READ,ZohoCRM.users.READ`). None where it does
    not, or where `scope` goes in no declared argument or body property."""
    found = _declared_field(endpoint, "scope")
    if isinstance(found, Argument):
        return found.delimiter if found.is_delimited else _shown_separator(found.value_property)
    return _shown_separator(found)


def _declared_field(endpoint: Endpoint | None, name: str) -> Argument | Property | None:
    """The argument, else the body property, that carries the field `name` in the declared
    token call."""
    op = endpoint.operation if endpoint is not None else None
    if op is None:
        return None
    for arg in op.arguments:
        if arg.name == name:
            return arg
    if op.request_body is not None and op.request_body.contents:
        structure = _body_content(op.request_body.contents).structure
        for prop in structure.properties if structure is not None else ():
            if prop.name == name:
                return prop
    return None


def _shown_separator(prop: Property | None) -> str | None:
    for text in (prop.example_value, prop.default_value) if prop is not None else ():
        if text and "," in text:
            return ","
        if text and any(char.isspace() for char in text.strip()):
            return " "
    return None


def fixed_value(prop: Property | None) -> str | None:
    """The value a property pins: its single `values`, else its `default-value`."""
    if prop is None:
        return None
    if len(prop.values) == 1:
        return prop.values[0]
    return prop.default_value


def _body_content(contents: tuple[Content, ...]) -> Content:
    for content in contents:
        if content.encode and ("json" in content.encode or "form" in content.encode):
            return content
    return contents[0]


def _fill_body(
    request: TokenRequest, content: Content, values: Mapping[str, str], given: Given | None
) -> None:
    structure = content.structure
    if structure is None:
        return
    body: dict[str, str] = {}
    for prop in structure.properties:
        if not prop.name:
            continue
        value = _value(prop.name, values, given)
        if value is None:
            value = fixed_value(prop)
        if value is not None:
            body[prop.name] = value
            request.placed.add(prop.name)
    encode = (content.encode or "").lower()
    if "json" in encode:
        request.json = body
    elif "text/plain" in encode and len(structure.properties) == 1:
        request.content = next(iter(body.values()), "")
        request.headers.setdefault("Content-Type", "text/plain")
    else:
        request.form = body


# --- reading the answer ----------------------------------------------------------------------


def read_field(operation: Operation | None, answer: Any, name: str) -> Any:
    """`name` from a token answer: where the declared success structure puts it (nested under
    e.g. `data` when it nests it), else at the top level."""
    if operation is not None:
        for path in _declared_paths(operation, name):
            found = _at(answer, path)
            if found is not None:
                return found
    return answer.get(name) if isinstance(answer, dict) else None


def declared_path(endpoint: Endpoint, name: str) -> list[str | int] | None:
    """Where the declared success structure of `endpoint` puts `name` (the first place);
    [name] when the endpoint declares no operation (the RFC form: top level); None when the
    operation's structure does not declare it."""
    if endpoint.operation is None:
        return [name]
    found = next(_declared_paths(endpoint.operation, name), None)
    return list(found) if found is not None else None


def only_string_property(operation: Operation | None) -> str | None:
    """The name of the only string property of the declared success structure, if one."""
    if operation is None:
        return None
    for structure in _success_structures(operation):
        names = [p.name for p in structure.properties if p.name and p.type == "string"]
        if len(names) == 1:
            return names[0]
    return None


def _success_structures(operation: Operation) -> Iterator[Structure]:
    responses = sorted(operation.success_responses, key=lambda resp: resp.status != 200)
    for response in responses:
        for content in response.contents:
            if content.structure is not None:
                yield content.structure
            if content.structure_group is not None:
                yield from content.structure_group.structures


def _declared_paths(operation: Operation, name: str) -> Iterator[tuple[str | int, ...]]:
    for structure in _success_structures(operation):
        yield from _paths_in(structure, name, (), 0)


def _paths_in(
    structure: Structure, name: str, prefix: tuple[str | int, ...], depth: int
) -> Iterator[tuple[str | int, ...]]:
    if depth > _MAX_DEPTH:
        return
    for prop in structure.properties:
        if prop.name == name:
            yield (*prefix, name)
    for prop in structure.properties:
        nested = prop.structure
        if prop.name and nested is not None:
            step: tuple[str | int, ...] = (
                (prop.name, 0) if prop.type == "collections" else (prop.name,)
            )
            yield from _paths_in(nested, name, prefix + step, depth + 1)


def _at(answer: Any, path: tuple[str | int, ...]) -> Any:
    here = answer
    for step in path:
        if isinstance(step, int):
            if not isinstance(here, list) or len(here) <= step:
                return None
            here = here[step]
        else:
            if not isinstance(here, dict):
                return None
            here = here.get(step)
    return here


def expires_in_seconds(value: Any, now: float) -> float | None:
    """Seconds until expiry from a number, a numeric string or an ISO-8601 moment."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None  # a local time of an unknown zone: better no expiry than a wrong one
    return moment.timestamp() - now


# --- where a token goes ----------------------------------------------------------------------


def place_token(
    auth: Authentication,
    token: str,
    headers: MutableMapping[str, str],
    params: MutableMapping[str, str],
) -> None:
    """Put `token` where `auth` says: a header (oauth2: `Bearer ` or the `prefix` before it)
    or a query parameter (`param` and `URL` both travel in the query string)."""
    if auth.in_header:
        prefix = (
            auth.prefix
            if auth.prefix is not None
            else (DEFAULT_PREFIX if auth.type == "oauth2" else "")
        )
        headers[auth.name] = f"{prefix} {token}".strip() if prefix else token
    else:
        params[auth.name] = token
