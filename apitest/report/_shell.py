"""Shell words for replay scripts, and a recorded call's values put back as shell variables.

Kept apart from _replay_chain.py, which decides what a script replays: this module knows how a
value is written into a URL, a header, a form or a JSON body, and how a word is quoted so the
shell fills in `${APITEST_...}` placeholders and captured values and nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from apitest.results import ValueUse

PLACEHOLDER = re.compile(r"(\$\{APITEST_[A-Z0-9_]+\})")
SAFE_WORD = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
SENTINEL = re.compile('"\ue000(\\d+)\ue000"')
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Var:
    """A shell variable in a word: a captured value in one of its forms (t, u, q, s)."""

    name: str


Part = str | Var


def shell_word(parts: list[Part]) -> str:
    """One shell word: literal text single-quoted (bare when nothing in it is special),
    `${APITEST_...}` placeholders and captured values in double quotes, so the shell fills
    them in and nothing else."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    if not merged:
        return "''"
    if len(merged) == 1 and isinstance(merged[0], str) and SAFE_WORD.fullmatch(merged[0]):
        return merged[0]
    out: list[str] = []
    for part in merged:
        if isinstance(part, Var):
            out.append(f'"${{{part.name}}}"')
            continue
        for piece in PLACEHOLDER.split(part):
            if PLACEHOLDER.fullmatch(piece):
                out.append(f'"{piece}"')
            elif piece:
                out.append("'" + piece.replace("'", "'\\''") + "'")
    return "".join(out)


def literal_word(text: str) -> str:
    """`text` as one shell word the shell leaves exactly as it is (placeholders included)."""
    return "'" + text.replace("'", "'\\''") + "'"


def say(text: str) -> str:
    """`text` safe in a comment or message: one line (a spec's names reach here)."""
    return UNPRINTABLE.sub(" ", text)


def text_of(value: Any) -> str:
    """A value as the engine wrote it into a URL or header (engine/request.py `_text`)."""
    return str(value)


class Substitutions:
    """Where a call's recorded values came from earlier answers, put back as variables."""

    def __init__(self, found: list[tuple[ValueUse, str]]) -> None:
        self.found = found
        """Each value the call took from an earlier answer, and the variable that holds it."""

    def _match(self, text: str, form: str, encode: Callable[[str], str]) -> Var | None:
        for use, var in self.found:
            if encode(text_of(use.value)) == text:
                return Var(f"{var}_{form}")
        return None

    def url(self, url: str, target: str) -> list[Part]:
        parts: list[Part] = []
        rest = url
        if target and (
            url == target or url.startswith(target + "/") or url.startswith(target + "?")
        ):
            parts.append(Var("base"))
            rest = url[len(target) :]
        path, mark, query = rest.partition("?")
        for index, segment in enumerate(path.split("/")):
            if index:
                parts.append("/")
            parts.append(self._match(segment, "u", lambda t: quote(t, safe="")) or segment)
        if mark:
            parts.append("?")
            for index, pair in enumerate(query.split("&")):
                if index:
                    parts.append("&")
                key, eq, value = pair.partition("=")
                found = self._match(value, "q", lambda t: quote_plus(t, safe="${}"))
                parts += [key, eq, found or value] if eq else [pair]
        return parts

    def header(self, value: str) -> list[Part]:
        return [self._match(value, "t", lambda t: t) or value]

    def form(self, text: str) -> list[Part]:
        """A form body: the engine records it as the JSON of its fields (engine/http/capture.py)
        and sends it urlencoded; so is it replayed, values from answers as variables."""
        try:
            data = json.loads(text)
        except ValueError:
            return [text]
        if not isinstance(data, dict):
            return [text]
        parts: list[Part] = []
        for index, (key, value) in enumerate(data.items()):
            words = value if isinstance(value, str) else json.dumps(value)
            if isinstance(value, bool):
                words = "true" if value else "false"
            encoded = quote_plus(words, safe="${}")
            found = self._match(encoded, "q", lambda t: quote_plus(t, safe="${}"))
            parts += ["&" if index else "", quote_plus(key), "=", found or encoded]
        return parts

    def body(self, text: str) -> list[Part]:
        """A JSON body with each value from an earlier answer as a variable; any other body
        (or JSON that would not print back the same) as it was recorded."""
        if not self.found:
            return [text]
        try:
            data = json.loads(text)
        except ValueError:
            return [text]
        if json.dumps(data, ensure_ascii=False) != text:
            return [text]
        return self.json(data)

    def json(self, data: Any) -> list[Part]:
        slots: list[Var] = []
        marked = self._mark(data, slots)
        dumped = json.dumps(marked, ensure_ascii=False)
        parts: list[Part] = []
        for index, piece in enumerate(SENTINEL.split(dumped)):
            parts.append(slots[int(piece)] if index % 2 else piece)
        return parts

    def _mark(self, node: Any, slots: list[Var]) -> Any:
        if isinstance(node, dict):
            return {key: self._mark(value, slots) for key, value in node.items()}
        if isinstance(node, list):
            return [self._mark(value, slots) for value in node]
        if isinstance(node, bool) or node is None:
            return node
        for use, var in self.found:
            value = use.value
            same = type(node) is type(value) and node == value
            if same or (isinstance(node, str) and node == text_of(value)):
                slots.append(Var(f"{var}_{'s' if isinstance(node, str) else 't'}"))
                return f"\ue000{len(slots) - 1}\ue000"
        return node
