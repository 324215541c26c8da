"""ZSPEC's URL templates: `{name}` variables in an operation's path and a server's URL.

The lint check, the planner (which reads a record back by the variables its URL takes), the
request builder, the token call and the target's server URL all read the same templates. One
grammar here means a variable one of them sees is a variable to all: a name with spaces or
a colon is still a variable, and a brace without its partner is text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

URL_VARIABLE: Final = re.compile(r"\{([^{}]+)\}")
"""`{name}`: any text but braces between one pair of braces."""


def url_variables(template: str) -> list[str]:
    """The variable names of `template`, in order (a repeated one as often as written)."""
    return URL_VARIABLE.findall(template)


def expand_url(template: str, value: Callable[[str], str]) -> str:
    """`template` with each `{name}` replaced by `value(name)`, which also decides what an
    unknown name becomes (kept, encoded or an error): the callers differ there."""
    return URL_VARIABLE.sub(lambda match: value(match.group(1)), template)


def path_ending_in(template: str) -> re.Pattern[str]:
    """A pattern matching a URL path that ends with `template`, each variable one path
    segment (its group, in order), a trailing slash either way: `/notes/{id}/` matches
    `/api/v1/notes/1` and `/api/v1/notes/1/`, whatever the server's prefix."""
    parts = URL_VARIABLE.split(template.strip("/"))
    body = "".join("([^/]+)" if odd % 2 else re.escape(part) for odd, part in enumerate(parts))
    return re.compile(f"(?:^|/){body}/?$")
