"""Reading a spec file safely: size limit, encoding, DTD refusal, well-formedness.

Specs come from other teams and from the web; a spec must never read local files (XXE), expand
entity bombs, reach the network or exhaust memory. So the bytes are checked before lxml sees
them, DTDs are refused outright, and the parser runs with entities, DTDs and network off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from apitest.errors import SpecStructureError, SpecSyntaxError, SpecTooLargeError, clip

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_DTD_MARKERS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_BOM = b"\xef\xbb\xbf"
_TAG_SPAN = 40  # lines a start tag's attributes may run over


@dataclass(frozen=True)
class SourceFile:
    """A parsed spec file and its text, kept so that diagnostics can compute columns."""

    path: str
    root: etree._Element
    lines: tuple[str, ...]

    def column_of(self, element: etree._Element, attr: str | None = None) -> tuple[int, int]:
        """The 1-based (line, column) of an element's start tag, or of one of its attributes."""
        tag = element.tag if isinstance(element.tag, str) else ""
        return self.locate(self.start_line(element), tag, attr)

    def start_line(self, element: etree._Element) -> int:
        """The line where the element's start tag begins.

        libxml2 records the line where the start tag *ends*; a tag whose attributes run over
        several lines starts above that, at the nearest `<tag` looking upwards.
        """
        line = line_of(element)
        tag = element.tag
        if not isinstance(tag, str):
            return line
        needle = "<" + tag
        if 0 < line <= len(self.lines) and needle in self.lines[line - 1]:
            return line
        for candidate in range(line, max(0, line - _TAG_SPAN), -1):
            if 0 < candidate <= len(self.lines) and needle in self.lines[candidate - 1]:
                return candidate
        return line

    def locate(self, line: int, tag: str, attr: str | None = None) -> tuple[int, int]:
        """Find `<tag` on `line` (else its first non-blank column), then `attr=` after it."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        col = (text.find(f"<{tag}") + 1 if tag else 0) or len(text) - len(text.lstrip()) + 1
        if attr is None:
            return line, col
        pattern = re.compile(rf"(?<![\w-]){re.escape(attr)}\s*=")
        for offset, candidate in enumerate(self.lines[line - 1 : line + _TAG_SPAN]):
            found = pattern.search(candidate, col - 1 if offset == 0 else 0)
            if found:
                return line + offset, found.start() + 1
            if ">" in candidate[col if offset == 0 else 0 :]:
                break
        return line, col


def line_of(element: etree._Element) -> int:
    line = element.sourceline
    return line if isinstance(line, int) and line > 0 else 1


def read_source(path: Path, display: str, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceFile:
    """Read and parse one spec file, or raise the `SpecError` that says what is wrong with it."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SpecTooLargeError(
                f"file is {size:,} bytes, over the limit of {max_bytes:,}",
                display,
                1,
                1,
                hint="split the spec into several resources, or raise --max-spec-bytes",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise SpecSyntaxError(
            f"cannot read the file: {exc.strerror or exc}", display, 1, 1, hint="check the path"
        ) from None
    text = _decode(data, display)
    _refuse_other_encodings(data, display)
    _refuse_dtd(data, display)
    root = _parse(data, display)
    return SourceFile(display, root, tuple(text.splitlines()))


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")


def _looks_utf16(data: bytes) -> bool:
    """A BOM, or NUL bytes in every other position of the first characters."""
    head = data[:64]
    if head.startswith(_UTF16_BOMS):
        return True
    return len(head) >= 8 and (
        head[0::2].count(0) >= len(head) // 4 or head[1::2].count(0) >= len(head) // 4
    )


def _decode(data: bytes, display: str) -> str:
    if _looks_utf16(data):
        raise SpecSyntaxError(
            "the file is UTF-16 encoded; ZSPEC files are read as UTF-8",
            display,
            1,
            1,
            hint="save the spec as UTF-8",
        )
    if not data.strip():
        raise SpecSyntaxError(
            "the file is empty", display, 1, 1, hint="a ZSPEC file holds one <resource> element"
        )
    if b"\x00" in data[:8192]:
        raise SpecSyntaxError(
            "this is a binary file, not XML",
            display,
            1,
            1,
            hint="pass the .xml ZSPEC file, saved as UTF-8 text",
        )
    try:
        return data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecSyntaxError(
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            display,
            line,
            col,
            hint="save the spec as UTF-8",
        ) from None


def _refuse_other_encodings(data: bytes, display: str) -> None:
    """Only UTF-8 is read: another declared encoding (UTF-7...) could smuggle in a DTD."""
    declared = _DECLARED_ENCODING.match(data.removeprefix(_BOM))
    if declared is None:
        return
    name = declared.group(1).decode("ascii", "replace").strip().lower()
    if name not in ("utf-8", "utf8"):
        col = declared.start(1) + 1
        raise SpecSyntaxError(
            f"the file declares encoding {clip(name)!r}; ZSPEC files must be UTF-8",
            display,
            1,
            col,
            hint='save the spec as UTF-8 and declare encoding="UTF-8"',
        )


def _refuse_dtd(data: bytes, display: str) -> None:
    found = _DTD_MARKERS.search(data)
    if found is None:
        return
    line = data.count(b"\n", 0, found.start()) + 1
    col = found.start() - (data.rfind(b"\n", 0, found.start()) + 1) + 1
    raise SpecStructureError(
        f"<!{found.group(1).decode().upper()}> is not allowed in a ZSPEC file",
        display,
        line,
        col,
        hint="remove the DTD: apitest never loads DTDs or expands entities",
    )


_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    "recover": False,
}


def _parse(data: bytes, display: str) -> etree._Element:
    parser = etree.XMLParser(**_PARSER_OPTIONS)  # type: ignore[arg-type]
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (0, 0)
        message = _clean_libxml_message(str(exc.msg or exc))
        if "excessive depth" in message.lower():
            raise SpecStructureError(
                "elements nest more than 256 levels deep",
                display,
                line or 1,
                max(col, 1),
                hint="no ZSPEC needs such depth: flatten it, or use structure-ref",
            ) from None
        raise SpecSyntaxError(
            f"malformed XML: {message}",
            display,
            line or 1,
            max(col, 1),
            hint="fix the XML at that position (an unclosed or mismatched tag is the usual cause)",
        ) from None
    if root is None:
        raise SpecSyntaxError("the file holds no XML element", display, 1, 1)
    _strip_namespaces(root)
    return root


def _strip_namespaces(root: etree._Element) -> None:
    """ZSPEC has no namespaces of its own: `{ns}operation` means `operation`, once, up front."""
    for element in root.iter():
        tag = element.tag
        if isinstance(tag, str) and tag.startswith("{"):
            element.tag = tag.rpartition("}")[2]


def _clean_libxml_message(message: str) -> str:
    """libxml2 appends `, line N, column M`; the diagnostic already says where."""
    return re.sub(r",?\s*line \d+, column \d+\s*(\(.*\))?$", "", message).strip()
