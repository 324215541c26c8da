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

import os
import re
import shutil
from pathlib import Path

from lxml import etree

from apitest.errors import SpecError
from apitest.zspec._migrate_oauth2 import rewrite_oauth2
from apitest.zspec._text_edits import Fixer, FixResult, scan, walk
from apitest.zspec.conditions import ConditionSyntaxError, parse_data_path, tokens_of

__all__ = ["FixResult", "fix_file", "fix_text", "scan"]

ENVIRONMENT_TYPES = frozenset({"development", "sandbox", "production"})


def fix_text(text: str) -> FixResult:
    """Rewrite every old form in `text` (a ZSPEC document) into its official form."""
    fixer = Fixer(text)
    if fixer.root.name != "resource":
        return FixResult(text, [])
    _environments(fixer)
    _dependencies(fixer)
    _extraction_paths(fixer)
    _info_details(fixer)
    _tags(fixer)
    _variable_defaults(fixer)
    _own_condition_paths(fixer)
    rewrite_oauth2(fixer)
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
        _replace(Path(os.path.realpath(path)), result.text, str(path))
    return result


def _replace(target: Path, text: str, shown: str) -> None:
    """`target` rewritten whole (a temporary file beside it, renamed over it, its mode kept).
    The target is the link's, when the spec is a link: renaming over the link itself would
    put a copy where the link was and leave the real spec unfixed."""
    temporary = target.with_name(f"{target.name}.apitest-fix")
    try:
        temporary.write_bytes(text.encode("utf-8"))
        shutil.copymode(target, temporary)
        temporary.replace(target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise SpecError(
            f"not rewritten: cannot write {target.parent} ({exc.strerror or exc})",
            shown,
            1,
            1,
            "make the file and its folder writable, then --fix",
        ) from None


# --- the rewrites -----------------------------------------------------------------------------
def _environments(fixer: Fixer) -> None:
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


def _dependencies(fixer: Fixer) -> None:
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


def _extraction_paths(fixer: Fixer) -> None:
    for node in fixer.root.iter("path-config"):
        attr = node.attr("data-extraction-path")
        if attr is None or not attr.value.rstrip().endswith("[*]"):
            continue
        path = attr.value.rstrip()[:-3]
        fixer.edit(attr.value_start, attr.value_end, path)
        fixer.note(node, f"data-extraction-path {attr.value!r} -> {path!r}")


def _info_details(fixer: Fixer) -> None:
    for info in fixer.root.iter("info"):
        for child in info.children:
            if child.name in ("contact", "license"):
                fixer.rename_tag(child, f"{child.name}-details")
                fixer.note(child, f"<info><{child.name}> -> <{child.name}-details>")


def _tags(fixer: Fixer) -> None:
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


def _variable_defaults(fixer: Fixer) -> None:
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


def _own_condition_paths(fixer: Fixer) -> None:
    """apitest's `HEADER:name` / `PARAM:name` data paths, found by the condition lexer itself
    (so a `HEADER:` inside a quoted string is text, not a path), in their official form."""
    for node in walk(fixer.root):
        for attr in node.attrs:
            if attr.name not in CONDITION_ATTRS or ":" not in attr.value:
                continue
            value, offsets = _unescaped(attr.value)
            try:
                tokens = tokens_of(value)
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
