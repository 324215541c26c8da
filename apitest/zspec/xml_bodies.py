"""XML bodies as ZEST lays them out: read into the value a JSON body would be, and written.

ZEST's `<xml-format>` page: "a default XML format is always available for all the properties
configured in the ZSPEC". Its example: the JSON body `{"trips": [{"trip_name": ..., ...}, ...]}`
is by default

    <root><trips><trip_name>...</trip_name>...</trips><trips>...</trips></root>

(a `<root>` element, each property a child element of its name, a collection's items repeated
under the collection's name), and with `<xml-format>` on the properties it may become

    <ns:trips-array xmlns:ns="..."><ns:trip trip_name="..." .../>...</ns:trips-array>

(`name` renames, `attribute` makes a scalar an attribute of its parent, `wrapped` puts a
collection's items inside one element, `prefix` and `namespace` qualify the name). The same
attributes as OpenAPI's XML object, whose reading this follows where the page is silent.

Reading is guided by the content's structure, so that values get the types a JSON body would
carry (`<no_of_days>4</no_of_days>` is the integer 4, not the text "4") and the checks that judge
JSON bodies judge XML ones alike; it is lenient about what the page leaves open: names match
by local name (any prefix or namespace), the root's own name is free, a wrapper's items may be
named anything, and a root that is itself the element of the structure's one property (the
page's second example) is read as that property. Elements the structure does not declare are
kept (as text, or nested), so a strict run can name them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from lxml import etree

from apitest.zspec.model import Content, Property

__all__ = ["XmlBodyError", "is_xml", "read_xml", "write_xml"]

_XML_MEDIA = re.compile(r"(application|text)/([\w.+-]+\+)?xml")
_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_INTEGERS = frozenset({"integer", "int", "long"})
_NUMBERS = frozenset({"double", "float", "number"})
_BOOLEANS = frozenset({"boolean", "bool"})
_GENERIC = frozenset({"map", "any", "object"})


class XmlBodyError(ValueError):
    """A body sent as XML that does not parse (the message says where)."""


def is_xml(media: str | None) -> bool:
    """`application/xml`, `text/xml` and the `+xml` types (`application/atom+xml`)."""
    return media is not None and _XML_MEDIA.fullmatch(media.strip().lower()) is not None


def read_xml(text: str, content: Content) -> Any:
    """The body's value as a JSON body would give it, by the content's structure (without one,
    elements become objects and text, as they stand)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True
    )
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise XmlBodyError(f"not well-formed XML ({exc})") from None
    structure = content.structure
    if structure is None or structure.recursive_ref is not None:
        return _generic(root)
    properties = structure.properties
    value = _object(root, properties)
    if not any(prop.name in value for prop in properties if prop.name):
        own = next((prop for prop in properties if _xml_name(prop) == _local(root)), None)
        if own is not None and own.name:  # the root is the element of this property
            return {own.name: _collection(root, own) if _is_list(own) else _value(root, own)}
    return value


def write_xml(value: Any, content: Content) -> str:
    """`value` (a body as apitest builds it) in the XML the content's structure lays out."""
    structure = content.structure
    properties = structure.properties if structure is not None else ()
    only = properties[0] if len(properties) == 1 else None
    if (
        only is not None
        and _wrapped(only)
        and isinstance(value, dict)
        and set(value) <= {only.name}
    ):
        root = _element(None, only)  # the page's example: the wrapper is the document
        _items(root, only, value.get(only.name) or [])
    else:
        root = etree.Element("root")
        _fill(root, value, properties)
    text: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return text.decode("utf-8")


# --- reading ----------------------------------------------------------------------------------
def _object(element: etree._Element, properties: Sequence[Property]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    children: dict[str, list[etree._Element]] = {}
    for child in _elements(element):
        children.setdefault(_local(child), []).append(child)
    attributes = _attributes(element)
    used: set[str] = set()
    for prop in properties:
        if not prop.name:
            continue
        name = _xml_name(prop)
        used.add(name)
        if prop.xml_format is not None and prop.xml_format.attribute:
            if name in attributes:
                found[prop.name] = _scalar(attributes[name], prop.type)
        elif _is_list(prop):
            if _wrapped(prop):
                if name in children:
                    found[prop.name] = _collection(children[name][0], prop)
            elif name in children:
                found[prop.name] = [_item(child, prop) for child in children[name]]
        elif name in children:
            found[prop.name] = _value(children[name][0], prop)
    for name, elements in children.items():  # undeclared: kept, so a strict run names them
        if name not in used:
            found[name] = (
                [_generic(e) for e in elements] if len(elements) > 1 else _generic(elements[0])
            )
    return found


def _collection(wrapper: etree._Element, prop: Property) -> list[Any]:
    return [_item(child, prop) for child in _elements(wrapper)]


def _item(element: etree._Element, prop: Property) -> Any:
    if _nil(element):
        return None
    if prop.structure is not None and prop.structure.recursive_ref is None:
        return _object(element, prop.structure.properties)
    first = prop.content_types[0].strip().lower() if prop.content_types else "string"
    return _scalar(element.text or "", first) if first not in _GENERIC else _generic(element)


def _value(element: etree._Element, prop: Property) -> Any:
    if _nil(element):
        return None
    if prop.structure is not None and prop.structure.recursive_ref is None:
        return _object(element, prop.structure.properties)
    if prop.type in _GENERIC or prop.type == "collections":
        return _generic(element)
    return _scalar(element.text or "", prop.type)


def _scalar(text: str, kind: str) -> Any:
    """Text as the JSON value of its type; text that is not of the type stays text, so the
    type check fails it as it would a JSON string in a number's place."""
    stripped = text.strip()
    if kind in _INTEGERS or kind in _NUMBERS:
        try:
            return int(stripped)
        except ValueError:
            pass
        if kind in _NUMBERS:
            try:
                return float(stripped)
            except ValueError:
                pass
        return text
    if kind in _BOOLEANS and stripped.lower() in ("true", "false", "1", "0"):
        return stripped.lower() in ("true", "1")
    return text


def _generic(element: etree._Element) -> Any:
    """An element with no declared shape: its children and attributes as an object, else its
    text."""
    if _nil(element):
        return None
    children = list(_elements(element))
    attributes = _attributes(element)
    if not children and not attributes:
        return element.text or ""
    found: dict[str, Any] = dict(attributes)
    for child in children:
        name, value = _local(child), _generic(child)
        if name in found:
            earlier = found[name]
            found[name] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
        else:
            found[name] = value
    return found


# --- writing ----------------------------------------------------------------------------------
def _fill(parent: etree._Element, value: Any, properties: Sequence[Property]) -> None:
    if not isinstance(value, dict):
        _text(parent, value)
        return
    declared = {prop.name: prop for prop in properties if prop.name}
    for key, item in value.items():
        prop = declared.get(key)
        if prop is None:  # undeclared (a negative case adds one): a plain child element
            child = etree.SubElement(parent, key) if _is_name(key) else None
            if child is not None:
                _fill(child, item, ())
        elif (
            prop.xml_format is not None
            and prop.xml_format.attribute
            and not isinstance(item, dict | list)
        ):
            parent.set(_qualified(prop), _scalar_text(item))
        elif _is_list(prop) and isinstance(item, list):
            if _wrapped(prop):
                _items(_element(parent, prop), prop, item)
            else:
                for each in item:
                    _fill_one(_element(parent, prop), each, prop)
        else:
            _fill_one(_element(parent, prop), item, prop)


def _items(wrapper: etree._Element, prop: Property, items: Iterable[Any]) -> None:
    structure = prop.structure
    name = (structure.name if structure is not None else None) or _xml_name(prop)
    for each in items:
        _fill_one(etree.SubElement(wrapper, _qualify(name, prop)), each, prop)


def _fill_one(element: etree._Element, value: Any, prop: Property) -> None:
    if isinstance(value, dict):
        _fill(element, value, prop.structure.properties if prop.structure is not None else ())
    else:
        _text(element, value)


def _text(element: etree._Element, value: Any) -> None:
    if value is None:
        element.set(_NIL, "true")
    else:
        element.text = _scalar_text(value)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _element(parent: etree._Element | None, prop: Property) -> etree._Element:
    tag = _qualified(prop)
    fmt = prop.xml_format
    nsmap: Any = {fmt.prefix: fmt.namespace} if fmt is not None and fmt.namespace else None
    if parent is None:
        return etree.Element(tag, nsmap=nsmap)
    return etree.SubElement(parent, tag, nsmap=nsmap)


def _qualified(prop: Property) -> str:
    return _qualify(_xml_name(prop), prop)


def _qualify(name: str, prop: Property) -> str:
    fmt = prop.xml_format
    return f"{{{fmt.namespace}}}{name}" if fmt is not None and fmt.namespace else name


# --- names ------------------------------------------------------------------------------------
def _xml_name(prop: Property) -> str:
    fmt = prop.xml_format
    return (fmt.name if fmt is not None and fmt.name else None) or prop.name or ""


def _is_list(prop: Property) -> bool:
    return prop.type == "collections"


def _wrapped(prop: Property) -> bool:
    return _is_list(prop) and prop.xml_format is not None and prop.xml_format.wrapped


def _elements(element: etree._Element) -> Iterable[etree._Element]:
    return (child for child in element if isinstance(child.tag, str))


def _local(element: etree._Element) -> str:
    return _local_name(str(element.tag))


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].split(":")[-1]


def _attributes(element: etree._Element) -> dict[str, str]:
    """An element's attributes by local name (`xsi:nil` is no value of its own)."""
    return {
        _local_name(str(key)): str(value) for key, value in element.attrib.items() if key != _NIL
    }


def _nil(element: etree._Element) -> bool:
    return element.get(_NIL) in ("true", "1")


def _is_name(key: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][\w.-]*", key) is not None
