"""A byte-faithful editor of XML text: where each tag and attribute stands, and edits to it.

`apitest lint --fix` (migrate.py) rewrites old spec forms without re-serialising the document:
lxml gives only line numbers, so this small scanner finds each element's exact span (comments,
CDATA and processing instructions are stepped over, never edited), and `Fixer` collects edits
as (start, end, text) over the original text and applies them back to front.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>"
    r"|</\s*(?P<close>[^\s>]+)\s*>"
    r"|<(?P<open>[^\s/>!?]+)(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?P<slash>/?)>",
    re.S,
)
_ATTR = re.compile(r"(\s+)([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


@dataclass(frozen=True)
class Attr:
    """One attribute: `lead` starts the whitespace before its name, `end` follows its quote."""

    name: str
    value: str
    lead: int
    start: int
    value_start: int
    end: int

    @property
    def value_end(self) -> int:
        return self.end - 1


@dataclass
class Node:
    """An element's spans in the text; `close_*` are None for a self-closing element."""

    name: str
    start: int
    open_end: int
    attrs: list[Attr]
    self_closing: bool
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    close_start: int | None = None
    close_end: int | None = None
    close_name_start: int | None = None

    @property
    def end(self) -> int:
        return self.close_end if self.close_end is not None else self.open_end

    def attr(self, name: str) -> Attr | None:
        return next((a for a in self.attrs if a.name == name), None)

    def iter(self, name: str) -> Iterator[Node]:
        for child in self.children:
            if child.name == name:
                yield child
            yield from child.iter(name)


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str


@dataclass
class FixResult:
    """The rewritten text and one (line, what became what) note per rewrite."""

    text: str
    changes: list[tuple[int, str]]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def scan(text: str) -> Node:
    """The element tree of a well-formed document, with the text span of every tag."""
    root: Node | None = None
    stack: list[Node] = []
    for match in _TOKEN.finditer(text):
        if match.group("close") is not None:
            node = stack.pop()
            node.close_start, node.close_end = match.start(), match.end()
            node.close_name_start = match.start("close")
            continue
        if match.group("open") is None:
            continue
        attrs = [_attr(m, match.start("attrs")) for m in _ATTR.finditer(match.group("attrs"))]
        node = Node(
            _local(match.group("open")), match.start(), match.end(), attrs, bool(match["slash"])
        )
        if stack:
            node.parent = stack[-1]
            stack[-1].children.append(node)
        else:
            root = root or node
        if not node.self_closing:
            stack.append(node)
    if root is None:
        raise ValueError("no element found")
    return root


def _attr(match: re.Match[str], offset: int) -> Attr:
    quoted = 3 if match.group(3) is not None else 4
    return Attr(
        name=match.group(2),
        value=match.group(quoted),
        lead=offset + match.start(1),
        start=offset + match.start(2),
        value_start=offset + match.start(quoted),
        end=offset + match.end(),
    )


class Fixer:
    """Collects the edits of every rewrite over one file's text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.root = scan(text)
        self.edits: list[Edit] = []
        self.changes: list[tuple[int, str]] = []
        self.newline = "\r\n" if "\r\n" in text else "\n"

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def note(self, node: Node, message: str) -> None:
        self.changes.append((self.line_of(node.start), message))

    def edit(self, start: int, end: int, text: str) -> None:
        self.edits.append(Edit(start, end, text))

    def rename_attr(self, attr: Attr, name: str) -> None:
        self.edit(attr.start, attr.start + len(attr.name), name)

    def rename_tag(self, node: Node, name: str) -> None:
        start = node.start + 1
        self.edit(start, start + len(self.text[start:].split(None, 1)[0].rstrip("/>")), name)
        if node.close_name_start is not None:
            old = self.text[node.close_name_start :].split(">", 1)[0].rstrip()
            self.edit(node.close_name_start, node.close_name_start + len(old), name)

    def indent_of(self, node: Node) -> str:
        line_start = self.text.rfind("\n", 0, node.start) + 1
        before = self.text[line_start : node.start]
        return before if not before.strip() else ""

    def remove(self, node: Node) -> None:
        """Remove an element; its whole line too when nothing else stands on it."""
        start, end = node.start, node.end
        line_start = self.text.rfind("\n", 0, start) + 1
        line_end = self.text.find("\n", end)
        line_end = len(self.text) if line_end < 0 else line_end + 1
        if not self.text[line_start:start].strip() and not self.text[end:line_end].strip():
            start, end = line_start, line_end
        self.edit(start, end, "")

    def result(self) -> FixResult:
        text = self.text
        last = len(text) + 1
        for edit in sorted(self.edits, key=lambda e: (e.start, e.end), reverse=True):
            if edit.end > last:
                raise AssertionError(f"overlapping rewrites at offset {edit.start}")
            text = text[: edit.start] + edit.text + text[edit.end :]
            last = edit.start
        return FixResult(text, self.changes)


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from walk(child)
