"""Hostile spec files: the loader refuses them with one clear, located `SpecError`.

ZSPEC.md section 1: no DTD loading, no entity expansion, no network access, size limits; a
malformed file gives one clear message with file:line:column. Each case goes through
`apitest.zspec.loader.load_catalog` on a real file in tmp_path (the XXE case also through the
CLI), and asserts the error class and a fragment of the message. Nothing here is timed: the
subprocess cases carry a timeout only as a guard against a hang.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from apitest.errors import (
    SpecError,
    SpecStructureError,
    SpecSyntaxError,
    SpecTooLargeError,
    SpecValueError,
)
from apitest.zspec.loader import load, load_catalog

from ..support import run_cli

HANG_GUARD_S = 30
SECRET = "APITEST-SECRET-7f3a9c"
BODY = (
    '<url path="/x"><operation method="get" name="g" category="read">'
    '<response status="200"/></operation></url>'
)
MAX_MESSAGE = 2_000  # a clear message is one readable line, never the hostile value echoed


def spec(root_attrs: str = "", inner: str = "", head: str = "") -> str:
    """A small valid spec; `head` goes between the XML declaration and the root."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{head}'
        f'<resource specification="1.0.0" name="hostile"{root_attrs}>{inner}{BODY}</resource>\n'
    )


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def position_exists(text: str, line: int, col: int) -> bool:
    """Whether 1-based (line, col) is a place in `text` (the end of a line counts)."""
    lines = text.split("\n")
    return 1 <= line <= len(lines) and 1 <= col <= len(lines[line - 1]) + 1


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    return write(tmp_path, "secret.txt", f"{SECRET}\n")


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP port on 127.0.0.1 that records whether anything connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    try:
        yield server
    finally:
        server.close()


def assert_nobody_connected(server: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        connection, _ = server.accept()
        connection.close()


# --- XXE and DTDs ----------------------------------------------------------------------------
def test_xxe_reading_a_local_file_is_refused(tmp_path: Path, secret_file: Path) -> None:
    head = f'<!DOCTYPE resource [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
    path = write(
        tmp_path, "xxe.xml", spec(' product="&xxe;"', "<description>&xxe;</description>", head)
    )
    with pytest.raises(SpecStructureError) as caught:
        load_catalog([path])
    error = caught.value
    assert "<!DOCTYPE> is not allowed" in error.message
    assert (error.file, error.line, error.col) == (str(path), 2, 1)
    assert SECRET not in str(error)
    assert SECRET not in repr(error.args)


def test_xxe_reading_etc_passwd_is_refused(tmp_path: Path) -> None:
    head = '<!DOCTYPE resource [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    path = write(tmp_path, "passwd.xml", spec("", "<description>&xxe;</description>", head))
    with pytest.raises(SpecStructureError) as caught:
        load_catalog([path])
    assert "DOCTYPE" in caught.value.message
    assert "root:" not in str(caught.value)
    assert "/bin/" not in str(caught.value)


def test_xxe_through_the_cli_is_refused_without_leaking(tmp_path: Path, secret_file: Path) -> None:
    head = f'<!DOCTYPE resource [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
    write(tmp_path, "xxe.xml", spec("", "<description>&xxe;</description>", head))
    outputs = []
    for args in (["lint", "xxe.xml"], ["lint", "--format", "json", "xxe.xml"], ["run", "xxe.xml"]):
        done = run_cli(*args, cwd=tmp_path, timeout=HANG_GUARD_S)
        assert done.returncode == 2, done.stdout + done.stderr
        assert SECRET not in done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        outputs.append(done)
    assert outputs[0].stdout.startswith("xxe.xml:2:1: error: <!DOCTYPE> is not allowed")
    diagnostics = json.loads(outputs[1].stdout)["diagnostics"]
    assert [(d["kind"], d["line"]) for d in diagnostics] == [("SpecStructureError", 2)]
    assert outputs[2].stderr.startswith("xxe.xml:2:1: error: <!DOCTYPE> is not allowed")


BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<!DOCTYPE lolz [\n"
    ' <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
        for n in range(1, 10)
    )
    + "]>\n"
    '<resource specification="1.0.0" name="lolz" product="&lol9;">'
    f"<description>&lol9;</description>{BODY}</resource>\n"
)

_CHILD = """
import json, sys
from apitest.errors import SpecError
from apitest.zspec.loader import load_catalog
try:
    load_catalog([sys.argv[1]])
except SpecError as exc:
    print(json.dumps({"class": type(exc).__name__, "message": exc.message, "text": str(exc)}))
else:
    print(json.dumps({"class": None, "message": "loaded", "text": "loaded"}))
"""


def load_in_child(path: Path) -> dict[str, str | None]:
    """Load in a fresh interpreter, so a hang or a memory blow-up cannot take pytest down."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, str | None] = json.loads(done.stdout)
    return result


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    assert BILLION_LAUGHS.count("<!ENTITY") == 10
    path = write(tmp_path, "lolz.xml", BILLION_LAUGHS)
    result = load_in_child(path)
    assert result["class"] == "SpecStructureError", result
    assert "<!DOCTYPE> is not allowed" in str(result["message"])
    assert len(str(result["text"])) < MAX_MESSAGE
    assert "lollollol" not in str(result["text"])


def test_external_dtd_is_refused_without_network(tmp_path: Path, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    for url in ("http://127.0.0.1:9/x.dtd", f"http://127.0.0.1:{port}/x.dtd"):
        head = f'<!DOCTYPE resource SYSTEM "{url}">\n'
        path = write(tmp_path, "external.xml", spec("", "", head))
        with pytest.raises(SpecStructureError) as caught:
            load_catalog([path])
        assert "<!DOCTYPE> is not allowed" in caught.value.message
        assert caught.value.line == 2
    assert_nobody_connected(listener)


def test_parameter_entity_is_refused(
    tmp_path: Path, secret_file: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    head = (
        "<!DOCTYPE resource [\n"
        f'  <!ENTITY % file SYSTEM "file://{secret_file}">\n'
        f'  <!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/evil.dtd">\n'
        "  %remote; %file;\n"
        "]>\n"
    )
    path = write(tmp_path, "param.xml", spec("", "", head))
    with pytest.raises(SpecStructureError) as caught:
        load_catalog([path])
    assert "DOCTYPE" in caught.value.message
    assert SECRET not in str(caught.value)
    assert_nobody_connected(listener)


def test_entity_declaration_without_doctype_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "entity.xml", spec("", "<!ENTITY x 'y'>"))
    with pytest.raises(SpecError) as caught:
        load_catalog([path])
    assert type(caught.value) in (SpecStructureError, SpecSyntaxError)
    assert "ENTITY" in caught.value.message


def _utf7(text: str) -> bytes:
    """`text` with every `<!` written in UTF-7 (`+ADwAIQ-`), behind a UTF-7 declaration."""
    return b'<?xml version="1.0" encoding="UTF-7"?>\n' + text.replace("<!", "+ADwAIQ-").encode()


def test_doctype_smuggled_in_utf7_is_refused(tmp_path: Path, secret_file: Path) -> None:
    """The DTD ban must hold whatever the declared encoding: libxml2 decodes UTF-7 itself."""
    body = (
        f'<!DOCTYPE resource [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
        f'<resource specification="1.0.0" name="hostile"><description>&xxe;</description>'
        f"{BODY}</resource>\n"
    )
    path = write(tmp_path, "utf7.xml", _utf7(body))
    with pytest.raises(SpecError) as caught:
        load_catalog([path])
    # Refused as a DTD, or because the file is not UTF-8 (ZSPEC files are UTF-8 text).
    assert type(caught.value) in (SpecStructureError, SpecSyntaxError)
    assert re.search(r"DOCTYPE|UTF-?7|UTF-?8|encoding", caught.value.message, re.IGNORECASE)
    assert SECRET not in str(caught.value)


def test_external_dtd_smuggled_in_utf7_makes_no_connection(
    tmp_path: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    body = (
        f'<!DOCTYPE resource SYSTEM "http://127.0.0.1:{port}/x.dtd">\n'
        f'<resource specification="1.0.0" name="hostile">{BODY}</resource>\n'
    )
    path = write(tmp_path, "utf7-dtd.xml", _utf7(body))
    with contextlib.suppress(SpecError):  # refusing it is right too; the point is the network
        load_catalog([path])
    assert_nobody_connected(listener)


def test_billion_laughs_smuggled_in_utf7_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "lolz7.xml", _utf7(BILLION_LAUGHS.split("\n", 1)[1]))
    result = load_in_child(path)
    assert result["class"] is not None, "an entity bomb loaded"
    assert len(str(result["text"])) < MAX_MESSAGE
    assert "lollollol" not in str(result["text"])


# --- deep nesting ----------------------------------------------------------------------------
def nested(levels: int) -> str:
    opening = '<property name="p" type="map"><structure>' * levels
    closing = "</structure></property>" * levels
    inner = f'<components><structure ref-name="deep">{opening}{closing}</structure></components>'
    return spec("", inner)


@pytest.mark.parametrize("levels", [60, 126, 300, 5_000])
def test_deep_nesting_gives_a_spec_error_not_a_recursion_error(tmp_path: Path, levels: int) -> None:
    path = write(tmp_path, "deep.xml", nested(levels))
    with pytest.raises(SpecError) as caught:
        load_catalog([path])
    assert not isinstance(caught.value, RecursionError)
    assert re.search(r"deep|depth", caught.value.message)
    assert caught.value.line == 2
    assert len(str(caught.value)) < MAX_MESSAGE


@pytest.mark.parametrize("levels", [60, 126, 300, 5_000])
def test_deep_nesting_is_one_error_whatever_the_depth(tmp_path: Path, levels: int) -> None:
    """Too deep is too deep: the same error as at 60 levels, not "malformed XML" (the file is
    well-formed) with libxml2's advice to set XML_PARSE_HUGE, which a user cannot do."""
    path = write(tmp_path, "deep.xml", nested(levels))
    with pytest.raises(SpecStructureError) as caught:
        load_catalog([path])
    assert "nest more than" in caught.value.message
    assert "XML_PARSE_HUGE" not in str(caught.value)


def test_deep_nesting_of_other_elements_is_a_spec_error(tmp_path: Path) -> None:
    inner = "<description>" * 3_000 + "</description>" * 3_000
    path = write(tmp_path, "deep-description.xml", spec("", inner))
    with pytest.raises(SpecError) as caught:
        load_catalog([path])
    assert re.search(r"deep|depth", caught.value.message)


# --- many and huge attributes ----------------------------------------------------------------
def test_ten_thousand_attributes_warn_once_each_up_to_a_cap(tmp_path: Path) -> None:
    """The first 20 stray attributes are named one by one; the rest are one summary warning."""
    attrs = "".join(f' a{n}="v"' for n in range(10_000))
    path = write(tmp_path, "attrs.xml", spec(attrs))
    result = load([path])
    assert result.catalog is not None
    warnings = result.diagnostics.warnings
    assert len(warnings) == 21
    assert all(w.line == 2 for w in warnings)
    assert [w.message for w in warnings[:20]] == [
        f"unknown attribute 'a{n}' on <resource>" for n in range(20)
    ]
    assert warnings[20].message == "<resource> has 9980 more unknown attributes"
    with pytest.raises(SpecStructureError) as caught:
        load_catalog([path], strict=True)
    assert "unknown attribute 'a" in caught.value.message


def test_duplicate_attributes_are_malformed(tmp_path: Path) -> None:
    path = write(tmp_path, "dup.xml", spec(' product="a" product="b"'))
    with pytest.raises(SpecSyntaxError) as caught:
        load_catalog([path])
    assert "redefined" in caught.value.message or "duplicate" in caught.value.message.lower()
    assert caught.value.line == 2


FIVE_MB = 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("where", "outcome"),
    [
        ("product", "loads"),
        ("example-value", "loads"),
        ("condition", SpecValueError),
        ("bad-regex", SpecValueError),
        ("bad-path", SpecValueError),
    ],
)
def test_five_megabyte_attribute_loads_or_errors_cleanly(
    tmp_path: Path, where: str, outcome: str | type[SpecError]
) -> None:
    big = "x" * FIVE_MB
    if where == "product":
        text = spec(f' product="{big}"')
    elif where == "condition":
        text = spec("").replace(
            '<response status="200"/>', f'<error condition="$.{big} == 1"/><response status="200"/>'
        )
    else:
        attr = {
            "example-value": f'example-value="{big}"',
            "bad-regex": f'regex="({big}"',
            "bad-path": f'path="({big}"',
        }[where]
        prop = f'<property name="p" type="string" {attr}/>'
        text = spec("", f'<components><structure ref-name="s">{prop}</structure></components>')
    path = write(tmp_path, "big.xml", text)
    if outcome == "loads":
        catalog = load_catalog([path])
        assert catalog.resources[0].name == "hostile"
        if where == "product":
            assert catalog.resources[0].product == big
        return
    assert not isinstance(outcome, str)
    with pytest.raises(outcome) as caught:
        load_catalog([path])
    assert caught.value.line == 2
    size = len(str(caught.value))  # measured apart, so a failure does not print 5 MB
    assert size < MAX_MESSAGE, f"the message echoes the value: {size:,} characters"


# --- size ------------------------------------------------------------------------------------
def test_file_over_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    # A DTD and broken XML: parsing would fail differently, so the size check came first.
    content = BILLION_LAUGHS + "<unclosed>" * 200
    path = write(tmp_path, "big.xml", content)
    size = path.stat().st_size
    with pytest.raises(SpecTooLargeError) as caught:
        load_catalog([path], max_bytes=1024)
    assert f"{size:,} bytes" in caught.value.message
    assert "1,024" in caught.value.message
    assert caught.value.file == str(path)


def test_file_over_the_default_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    with path.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)  # sparse: nothing is read before the size check
    with pytest.raises(SpecTooLargeError) as caught:
        load_catalog([path])
    assert f"{21 * 1024 * 1024:,} bytes" in caught.value.message
    assert f"{20 * 1024 * 1024:,}" in caught.value.message


def test_file_at_the_limit_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "exact.xml", spec())
    catalog = load_catalog([path], max_bytes=path.stat().st_size)
    assert [res.name for res in catalog.resources] == ["hostile"]


# --- truncated, empty, wrong encoding --------------------------------------------------------
TRUNCATED = '<?xml version="1.0"?>\n<resource name="a">\n  <url path="/x">\n    <operation'
DECLARATION_ONLY = '<?xml version="1.0" encoding="UTF-8"?>\n'


@pytest.mark.parametrize(
    ("content", "line"),
    [(TRUNCATED, 4), (DECLARATION_ONLY, 2), (DECLARATION_ONLY.rstrip("\n"), 1)],
    ids=["truncated", "declaration-only", "declaration-only-no-newline"],
)
def test_truncated_or_declaration_only_is_a_located_syntax_error(
    tmp_path: Path, content: str, line: int
) -> None:
    path = write(tmp_path, "cut.xml", content)
    with pytest.raises(SpecSyntaxError) as caught:
        load_catalog([path])
    error = caught.value
    assert error.message.startswith("malformed XML")
    assert error.line == line
    assert error.col >= 1
    assert position_exists(content, error.line, error.col), (error.line, error.col)
    assert str(error).startswith(f"{path}:{error.line}:{error.col}: error: ")


@pytest.mark.parametrize("content", [b"", b"   \n\n  "], ids=["empty", "blank"])
def test_empty_file_is_a_syntax_error(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, "empty.xml", content)
    with pytest.raises(SpecSyntaxError) as caught:
        load_catalog([path])
    assert "empty" in caught.value.message
    assert (caught.value.line, caught.value.col) == (1, 1)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_file_is_a_clear_encoding_error(tmp_path: Path, codec: str) -> None:
    text = spec().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = write(tmp_path, "utf16.xml", text.encode(codec))
    with pytest.raises(SpecSyntaxError) as caught:
        load_catalog([path])
    message = caught.value.message
    assert re.search(r"UTF-?16|UTF-?8|encoding", message, re.IGNORECASE), message
    assert "binary" not in message


def test_latin1_byte_is_located(tmp_path: Path) -> None:
    content = spec(' product="caf\xe9"').encode("latin-1")
    path = write(tmp_path, "latin1.xml", content)
    with pytest.raises(SpecSyntaxError) as caught:
        load_catalog([path])
    error = caught.value
    assert "not valid UTF-8" in error.message
    assert "0xe9" in error.message
    second = content.split(b"\n")[1]
    assert (error.line, error.col) == (2, second.index(b"\xe9") + 1)


def test_a_needed_resource_named_past_a_file_names_length_is_only_missing(tmp_path: Path) -> None:
    """The loader looks for `<name>.xml` beside the spec; a name of 3,000 characters made the
    OS refuse the look ("File name too long"), and the traceback reached the user."""
    path = write(tmp_path, "r.xml", spec(inner=f'<dependency resources="{"x" * 3000}"/>'))
    result = load([path])
    [error] = [d for d in result.diagnostics if d.severity == "error"]
    assert error.message.startswith("resource 'xxxx") and "is needed here" in error.message
    assert len(str(error)) < MAX_MESSAGE
