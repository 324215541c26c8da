"""Fuzzing the loader with mutated reference specs: it returns a Catalog or an ApitestError.

Any other exception (a crash inside the loader) fails the test: a hostile or merely broken spec
must end as one clear message and exit status 2, never as a traceback.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from apitest.errors import ApitestError
from apitest.zspec.loader import load, load_catalog
from apitest.zspec.model import Catalog

from ..support import SPECS

TEXTS: dict[str, str] = {
    name: (SPECS / name).read_text(encoding="utf-8") for name in ("trips.xml", "destinations.xml")
}
NAMES = sorted(TEXTS)

# Names and values a mutation may put in: ZSPEC's own words, so that renames and garbling reach
# deep into the loader (a real attribute with a wrong value) rather than stopping at a warning.
WORDS = [
    "resource", "components", "structure", "structure-ref", "structure-group", "property",
    "response", "response-ref", "argument", "argument-ref", "content", "content-ref", "encode",
    "error", "url", "operation", "throttling", "tag", "dependency", "server", "authentication",
    "oauth2", "token", "path-config", "primary", "discriminator", "mapping", "request-body",
    "name", "ref-name", "extend", "type", "path", "status", "method", "category", "values",
    "regex", "length", "range", "include-for", "required-for", "nullable-for", "condition",
    "schema", "threshold", "duration", "delay", "validation-delay", "location", "auto-sync",
    "primary-structure", "data-extraction-path", "structure-group-ref", "example", "example-ref",
]  # fmt: skip
VALUES = [
    "", " ", "0", "-1", "99", "1e9", "true", "maybe", "all", "none", "Request[]", "Response[",
    "Request[create],", "$", "$.", "$..*", "trips:$.trip_id", "ghost:$.x", "$.a == ", "((",
    "destinations.error_body", "trips.data", "data", "trips", "destinations", "{x}", "/t/{id}",
    "[", "(?P<", "\\", "1,", ",", "5,2", "a,b", "map", "collections", "one-of", "&amp;",
    "\u00e9\u4e2d\U0001f600", "x" * 300,
]  # fmt: skip
text_noise = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFF), max_size=12
)
value_strategy = st.one_of(st.sampled_from(VALUES), text_noise)
name_strategy = st.one_of(
    st.sampled_from(WORDS), st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_.-]{0,10}\Z")
)
TREE_OPS = ["drop", "duplicate", "drop_attr", "garble_attr", "rename_element", "rename_attr"]


def _elements(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if isinstance(el.tag, str)]


def _mutate_tree(text: str, data: st.DataObject) -> str:
    """Apply 1-4 structural mutations to the parsed spec and serialise it back."""
    root = etree.fromstring(text.encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 4), label="tree mutations")):
        elements = _elements(root)
        element = elements[data.draw(st.integers(0, len(elements) - 1), label="element")]
        op = data.draw(st.sampled_from(TREE_OPS), label="op")
        parent = element.getparent()
        attrs = list(element.attrib)
        if op == "drop" and parent is not None:
            parent.remove(element)
        elif op == "duplicate" and parent is not None:
            parent.insert(parent.index(element), etree.fromstring(etree.tostring(element)))
        elif op in ("drop_attr", "garble_attr", "rename_attr") and attrs:
            attr = data.draw(st.sampled_from(attrs), label="attribute")
            if op == "drop_attr":
                del element.attrib[attr]
            elif op == "garble_attr":
                # a control character XML cannot hold makes the mutation a no-op
                with contextlib.suppress(ValueError):
                    element.set(attr, data.draw(value_strategy, label="value"))
            else:
                value = element.attrib.pop(attr)
                with contextlib.suppress(ValueError):  # not an XML name: a no-op
                    element.set(data.draw(name_strategy, label="new attribute"), value)
        elif op == "rename_element":
            with contextlib.suppress(ValueError):
                element.tag = data.draw(name_strategy, label="new tag")
    return etree.tostring(root, encoding="unicode")


def _mutate_text(text: str, data: st.DataObject) -> str:
    """Truncate the text, or insert random characters, at a random point."""
    if data.draw(st.booleans(), label="truncate"):
        return text[: data.draw(st.integers(0, len(text)), label="cut")]
    for _ in range(data.draw(st.integers(1, 3), label="insertions")):
        at = data.draw(st.integers(0, len(text)), label="at")
        noise = data.draw(st.one_of(text_noise, st.sampled_from(["<", ">", '"', "&", "</x>"])))
        text = text[:at] + noise + text[at:]
    return text


def _run(files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for name, content in files.items():
            path = Path(folder) / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", errors="surrogatepass")
            paths.append(path)
        try:
            catalog = load_catalog(paths)
        except ApitestError as exc:
            assert str(exc)  # a message to show the user
            return
        assert isinstance(catalog, Catalog)
        # lint on the same files must not crash either, and agrees that there is no error
        assert not load(paths).diagnostics.errors


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_reference_specs_load_or_fail_cleanly(data: st.DataObject) -> None:
    files: dict[str, str | bytes] = dict(TEXTS)
    targets = data.draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True))
    for name in targets:
        if data.draw(st.booleans(), label=f"tree mutation of {name}"):
            files[name] = _mutate_tree(TEXTS[name], data)
        else:
            files[name] = _mutate_text(TEXTS[name], data)
    _run(files)


@settings(max_examples=60, deadline=None)
@given(
    cut=st.integers(0, len(TEXTS["trips.xml"].encode())),
    junk=st.binary(min_size=1, max_size=8),
)
def test_random_bytes_in_a_spec_fail_cleanly(cut: int, junk: bytes) -> None:
    raw = TEXTS["trips.xml"].encode()
    _run({"trips.xml": raw[:cut] + junk + raw[cut:], "destinations.xml": TEXTS["destinations.xml"]})


def test_the_unmutated_specs_load() -> None:
    """The fuzz baseline: without mutations both specs make a catalog of two resources."""
    with tempfile.TemporaryDirectory() as folder:
        for name, text in TEXTS.items():
            (Path(folder) / name).write_text(text, encoding="utf-8")
        catalog = load_catalog([Path(folder) / name for name in NAMES])
    assert [res.name for res in catalog.resources] == ["destinations", "trips"]
