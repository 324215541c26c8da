"""`apitest lint --fix`: rewrite apitest's earlier spec forms into ZEST's official ones, in place.

The rewrite works on the text, not on a parsed tree written back out: only the start tags, end
tags and attributes of the old forms change, so comments, blank lines, attribute order and
indentation everywhere else stay byte for byte what the author wrote. lxml gives only line
numbers, so a small scanner finds each tag's exact span (comments, CDATA and processing
instructions are stepped over, never edited); lxml is used first only to refuse a malformed file.

The old forms and what they become (ZSPEC-CONFORMANCE.md, section 5):
- `<environment name="development" key="X" ...>` -> `<environment type="development" name="X" ...>`
- `<dependency resource="a"/>` (one or several) -> one `<dependency resources="a,b"/>`
- `data-extraction-path="$.trips[*]"` -> `"$.trips"` (the official path names the array)
- `<info><contact>`, `<license>` -> `<contact-details>`, `<license-details>`
- `<tag name="x" description="d"/>` -> `<tag name="x"><description>d</description></tag>`
- `<oauth2 name token-url refresh-url authorize-url revoke-url scopes/>` under `<resource>` ->
  `<authentication-schema><oauth2 name>` with `<authorization-url>`, `<token-url>` and
  `<refresh-url>` children, each holding the operation the official samples describe; the old
  `scopes` become the example-value of a `scope` argument on each, so a profile's `scopes`
  narrowing still travels (the token call sends only the arguments its operation declares).
- `<variable values="a,b" default="b">` -> `<variable values="b,a">` (ZEST's default is the first)
- `HEADER:X-Id` / `PARAM:page` in a condition -> `RESPONSE:$.headers.X-Id` /
  `REQUEST:$.params.page` (`$.headers['X!y']` for a name a JSONPath member cannot spell)
- an official `<oauth2>`/`<token>` directly under `<resource>` -> moved, as written, into the
  `<authentication-schema>` (one is made where the first stood when the file has none).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from apitest.errors import SpecError
from apitest.spec._condition_lexer import ConditionSyntaxError, Lexer
from apitest.spec.conditions import parse_data_path

_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>"
    r"|</\s*(?P<close>[^\s>]+)\s*>"
    r"|<(?P<open>[^\s/>!?]+)(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?P<slash>/?)>",
    re.S,
)
_ATTR = re.compile(r"(\s+)([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
ENVIRONMENT_TYPES = frozenset({"development", "sandbox", "production"})
OLD_OAUTH2_ATTRS = ("token-url", "refresh-url", "authorize-url", "revoke-url", "scopes")


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


class _Fixer:
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


def fix_text(text: str) -> FixResult:
    """Rewrite every old form in `text` (a ZSPEC document) into its official form."""
    fixer = _Fixer(text)
    if fixer.root.name != "resource":
        return FixResult(text, [])
    _environments(fixer)
    _dependencies(fixer)
    _extraction_paths(fixer)
    _info_details(fixer)
    _tags(fixer)
    _variable_defaults(fixer)
    _own_condition_paths(fixer)
    _oauth2(fixer)
    return fixer.result()


def fix_file(path: str | Path, write: bool = True, max_bytes: int | None = None) -> FixResult:
    """Fix one file in place (when `write`); a malformed, non-UTF-8 or too large file (over
    `max_bytes`, lint's --max-spec-bytes) is a `SpecError` and stays as it is."""
    size = Path(path).stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise SpecError(
            f"not rewritten: {size} bytes, over the {max_bytes} allowed", str(path), 1, 1
        )
    raw = Path(path).read_bytes()
    try:
        etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
        text = raw.decode("utf-8")
    except (etree.XMLSyntaxError, UnicodeDecodeError) as exc:
        raise SpecError(
            f"not rewritten: {exc}", str(path), 1, 1, "mend the file so it parses, then --fix"
        ) from None
    result = fix_text(text)
    if write and result.changed:
        temporary = Path(f"{path}.apitest-fix")
        temporary.write_bytes(result.text.encode("utf-8"))
        shutil.copymode(path, temporary)
        temporary.replace(path)
    return result


# --- the rewrites -----------------------------------------------------------------------------
def _environments(fixer: _Fixer) -> None:
    for node in fixer.root.iter("environment"):
        name, key = node.attr("name"), node.attr("key")
        if node.attr("type") is not None:
            if key is not None and name is None:  # official type, old key: only the key moves
                fixer.rename_attr(key, "name")
                fixer.note(node, '<environment type="..." key="..."> -> name="..."')
            continue
        if name is None:
            continue
        if name.value.strip().lower() not in ENVIRONMENT_TYPES:
            continue
        fixer.rename_attr(name, "type")
        if name.value != name.value.strip().lower():  # the official enum is lower case
            fixer.edit(name.value_start, name.value_end, name.value.strip().lower())
        if key is not None:
            fixer.rename_attr(key, "name")
        fixer.note(
            node, '<environment name="..." key="..."> -> <environment type="..." name="...">'
        )


def _dependencies(fixer: _Fixer) -> None:
    parents = {id(n.parent): n.parent for n in fixer.root.iter("dependency") if n.parent}
    for parent in parents.values():
        deps = [child for child in parent.children if child.name == "dependency"]
        old = [d for d in deps if d.attr("resource") is not None and d.attr("resources") is None]
        if not old:
            continue
        official = next((d for d in deps if d.attr("resources") is not None), None)
        names: list[str] = []
        for dep in ([official] if official else []) + old:
            attr = dep.attr("resources") or dep.attr("resource")
            assert attr is not None
            names += [part.strip() for part in attr.value.split(",") if part.strip()]
        merged = ",".join(dict.fromkeys(names))
        target = official or old[0]
        attr = target.attr("resources") or target.attr("resource")
        assert attr is not None
        fixer.edit(attr.start, attr.end, f'resources="{merged}"')
        for dep in old:
            if dep is not target:
                fixer.remove(dep)
        fixer.note(
            target, f'<dependency resource> x{len(old)} -> <dependency resources="{merged}">'
        )


def _extraction_paths(fixer: _Fixer) -> None:
    for node in fixer.root.iter("path-config"):
        attr = node.attr("data-extraction-path")
        if attr is None or not attr.value.rstrip().endswith("[*]"):
            continue
        path = attr.value.rstrip()[:-3]
        fixer.edit(attr.value_start, attr.value_end, path)
        fixer.note(node, f"data-extraction-path {attr.value!r} -> {path!r}")


def _info_details(fixer: _Fixer) -> None:
    for info in fixer.root.iter("info"):
        for child in info.children:
            if child.name in ("contact", "license"):
                fixer.rename_tag(child, f"{child.name}-details")
                fixer.note(child, f"<info><{child.name}> -> <{child.name}-details>")


def _tags(fixer: _Fixer) -> None:
    for node in fixer.root.iter("tag"):
        attr = node.attr("description")
        if attr is None:
            continue
        if any(child.name == "description" for child in node.children):
            fixer.note(node, "<tag description> left: the tag has a <description> already")
            continue
        fixer.edit(attr.lead, attr.end, "")
        element = f"<description>{attr.value}</description>"
        if node.self_closing:
            slash = node.open_end - 2
            start = len(fixer.text[:slash].rstrip())
            fixer.edit(max(start, attr.end), node.open_end, f">{element}</tag>")
        else:
            fixer.edit(node.open_end, node.open_end, element)
        fixer.note(node, '<tag description="..."> -> <tag><description>...</description></tag>')


def _variable_defaults(fixer: _Fixer) -> None:
    for node in fixer.root.iter("variable"):
        default = node.attr("default")
        if default is None:
            continue
        values = node.attr("values")
        first = default.value.strip()
        rest = [v.strip() for v in (values.value if values else "").split(",") if v.strip()]
        ordered = ",".join(dict.fromkeys([first, *rest]))
        fixer.edit(default.lead, default.end, "")
        if values is not None:
            fixer.edit(values.value_start, values.value_end, ordered)
        else:
            fixer.edit(default.end, default.end, f' values="{ordered}"')
        fixer.note(node, f'<variable default="{first}"> -> <variable values="{ordered}">')


CONDITION_ATTRS = (
    "condition", "condition-for-request", "condition-for-response", "condition-for-all",
    "value-condition",
)  # fmt: skip
_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z]+);")


def _unescaped(raw: str) -> tuple[str, list[int]]:
    """The attribute value as the parser sees it, and the raw offset of each of its characters
    (plus one past the end), so spans found in the value map back onto the file's text."""
    text: list[str] = []
    offsets: list[int] = []
    i = 0
    while i < len(raw):
        entity = _ENTITY.match(raw, i)
        end = entity.end() if entity else i + 1
        piece = (etree.fromstring(f"<x>{raw[i:end]}</x>").text or "") if entity else raw[i]
        text.append(piece)
        offsets.extend([i] * len(piece))
        i = end
    offsets.append(len(raw))
    return "".join(text), offsets


def _own_condition_paths(fixer: _Fixer) -> None:
    """apitest's `HEADER:name` / `PARAM:name` data paths, found by the condition lexer itself
    (so a `HEADER:` inside a quoted string is text, not a path), in their official form."""
    for node in _walk(fixer.root):
        for attr in node.attrs:
            if attr.name not in CONDITION_ATTRS or ":" not in attr.value:
                continue
            value, offsets = _unescaped(attr.value)
            try:
                lexer, tokens = Lexer(value), []
                while (token := lexer.next_token()).kind != "end":
                    tokens.append(token)
            except ConditionSyntaxError:
                continue  # lint reports it; a broken condition is not rewritten
            quote = fixer.text[attr.value_start - 1]
            for token in tokens:
                if token.source not in ("header", "param") or token.name is None:
                    continue
                official = str(parse_data_path(token.text))  # brackets for an odd name
                start = attr.value_start + offsets[token.pos]
                end = attr.value_start + offsets[token.pos + len(token.text)]
                fixer.edit(start, end, _escaped(official, quote))
                fixer.note(node, f"{token.text} -> {official} in {attr.name}")


def _escaped(text: str, quote: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return text.replace(quote, "&quot;" if quote == '"' else "&apos;")


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


# --- oauth2: attributes on <resource> -> the official <authentication-schema> ------------------
_Lines = list[tuple[int, str]]  # (depth, text): indented by the file's own unit when written


def _oauth2(fixer: _Fixer) -> None:
    old = [child for child in fixer.root.children if child.name in ("oauth2", "token")]
    if not old:
        return
    schema = next((c for c in fixer.root.children if c.name == "authentication-schema"), None)
    indent = fixer.indent_of(old[0])
    unit = "\t" if "\t" in indent else "  "
    blocks: _Lines = []
    for node in old:
        if node.name == "oauth2" and any(a.name in OLD_OAUTH2_ATTRS for a in node.attrs):
            blocks += _oauth2_lines(fixer, node)
            fixer.note(node, "<oauth2 token-url=...> -> <authentication-schema><oauth2>")
        else:
            blocks += _moved_lines(fixer, node)
            fixer.note(
                node, f"<{node.name}> under <resource> -> <authentication-schema><{node.name}>"
            )
    if schema is not None and schema.close_start is not None:
        inner = fixer.indent_of(schema) + unit
        text = _render([(depth, line) for depth, line in blocks], inner, unit, fixer.newline)
        close_line = fixer.text.rfind("\n", 0, schema.close_start) + 1
        fixer.edit(close_line, close_line, text + fixer.newline)
        for node in old:
            fixer.remove(node)
        return
    wrapped = [(0, "<authentication-schema>")] + [(d + 1, t) for d, t in blocks]
    wrapped.append((0, "</authentication-schema>"))
    fixer.edit(old[0].start, old[0].end, _render(wrapped, indent, unit, fixer.newline).lstrip())
    for node in old[1:]:
        fixer.remove(node)


def _rebased(fixer: _Fixer, node: Node, text: str, depth: int) -> _Lines:
    """The lines of `text` (part of `node`'s span) with `node`'s own indentation taken off, so
    nested children keep their indentation relative to it; a line that starts at or left of
    `node`'s column (children written on the open tag's line) goes at `depth`."""
    base = fixer.indent_of(node)
    lines: _Lines = []
    for line in text.splitlines():
        if not line.strip():
            continue
        relative = line[len(base) :] if base and line.startswith(base) else line.lstrip()
        if relative[:1].isspace():
            lines.append((0, relative.rstrip()))
        else:
            lines.append((depth, relative.rstrip()))
    return lines


def _moved_lines(fixer: _Fixer, node: Node) -> _Lines:
    """An official schema that only stands in the wrong place: its text, moved unchanged."""
    return _rebased(fixer, node, fixer.text[node.start : node.end], 0)


def _render(lines: _Lines, indent: str, unit: str, newline: str) -> str:
    return newline.join(indent + unit * depth + text for depth, text in lines)


def _oauth2_lines(fixer: _Fixer, node: Node) -> _Lines:
    """One official `<oauth2>` with an url child per old attribute, and the old children."""
    values = {attr.name: attr.value for attr in node.attrs}
    kept = " ".join(
        fixer.text[a.start : a.end] for a in node.attrs if a.name not in OLD_OAUTH2_ATTRS
    )
    lines: _Lines = [(0, f"<oauth2 {kept}>" if kept else "<oauth2>")]
    if node.close_start is not None:
        lines += _rebased(fixer, node, fixer.text[node.open_end : node.close_start], 1)
    scopes = values.get("scopes")
    if "authorize-url" in values:
        lines += _url("authorization-url", values["authorize-url"], _authorization(scopes))
    elif scopes is not None and not {"token-url", "refresh-url"} & values.keys():
        lines.append((1, _comment(f'scopes="{scopes}" kept here: ZEST has no oauth2 scopes')))
    if "token-url" in values:
        lines += _url("token-url", values["token-url"], _token_operation(scopes))
    if "refresh-url" in values:
        lines += _url("refresh-url", values["refresh-url"], _refresh_operation(scopes))
    if "revoke-url" in values:
        note = f'revoke-url="{values["revoke-url"]}" dropped: ZEST has no revoke URL element'
        lines.append((1, _comment(note)))
    lines.append((0, "</oauth2>"))
    return lines


def _comment(text: str) -> str:
    # "--" may not stand inside an XML comment, so the option is named without its dashes.
    return "<!-- apitest lint fix: " + text.replace("--", "- -") + " -->"


def _url(element: str, path: str, operation: _Lines) -> _Lines:
    body = [(d + 2, t) for d, t in operation]
    return [(1, f'<{element} path="{path}">'), *body, (1, f"</{element}>")]


def _argument(name: str, values: str | None = None, example: str | None = None) -> _Lines:
    extra = f' values="{values}"' if values is not None else ""
    extra += f' example-value="{example}"' if example is not None else ""
    return [
        (0, f'<argument name="{name}" location="param">'),
        (1, "<content>"),
        (2, '<encode type="text/plain"/>'),
        (2, "<structure>"),
        (3, f'<property type="string"{extra}/>'),
        (2, "</structure>"),
        (1, "</content>"),
        (0, "</argument>"),
    ]


def _operation(method: str, name: str, arguments: _Lines, response: _Lines) -> _Lines:
    head = f'<operation method="{method}" name="{name}" category="action">'
    return [(0, head), *((d + 1, t) for d, t in arguments + response), (0, "</operation>")]


def _token_response(fields: tuple[str, ...]) -> _Lines:
    properties = [
        (3, f'<property name="{name}" type="{"integer" if name == "expires_in" else "string"}"/>')
        for name in fields
    ]
    return [
        (0, '<response status="200">'),
        (1, "<content>"),
        (2, '<encode type="application/json"/>'),
        (2, "<structure>"),
        *properties,
        (2, "</structure>"),
        (1, "</content>"),
        (0, "</response>"),
    ]


def _authorization(scopes: str | None) -> _Lines:
    arguments = (
        _argument("scope", example=scopes)
        + _argument("client_id")
        + _argument("response_type", values="code")
        + _argument("access_type", values="offline,online")
        + _argument("redirect_uri")
    )
    return _operation("get", "Authorization Request", arguments, [(0, '<response status="302"/>')])


def _token_operation(scopes: str | None) -> _Lines:
    """The token call; it declares `scope` because a token call sends only declared arguments,
    and a profile's `scopes = [...]` (or the scopes the run needs) must still narrow the token."""
    arguments = (
        _argument("grant_type", values="authorization_code")
        + _argument("client_id")
        + _argument("client_secret")
        + _argument("code")
        + _argument("redirect_uri")
        + _argument("scope", example=scopes)
    )
    fields = ("access_token", "refresh_token", "expires_in", "token_type", "scope")
    return _operation("post", "Generate Access Token", arguments, _token_response(fields))


def _refresh_operation(scopes: str | None) -> _Lines:
    """The refresh call, with `scope` declared for the same reason as the token call's."""
    arguments = (
        _argument("grant_type", values="refresh_token")
        + _argument("refresh_token")
        + _argument("client_id")
        + _argument("client_secret")
        + _argument("scope", example=scopes)
    )
    fields = ("access_token", "expires_in", "token_type", "scope")
    return _operation("post", "Refresh Access Token", arguments, _token_response(fields))
