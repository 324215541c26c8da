"""A body that is one value of plain text, not a document.

A content whose media type is neither JSON nor XML (`text/plain`, `text/csv`) and whose
structure is one nameless scalar property is that value, as text: S3's PutObject sends the
object's bytes and GetObject answers them. The checker judges such an answer as text, the
read-back compares it as the record's content, and the planner breaks it as a whole (a text
body too long for its `length`), so the rule lives here, where all three can read it.
"""

from __future__ import annotations

from apitest.zspec.model import Content, Property
from apitest.zspec.xml_bodies import is_xml


def text_value_property(content: Content | None) -> Property | None:
    """The property a body of plain text is, where `content` declares one: a media type that
    is neither JSON nor XML (`text/plain`, `text/csv`) and a structure of one nameless scalar
    property (S3's GetObject answers the object's bytes). Such a body is that value, as
    text, not a JSON document: demanding JSON of it failed every correct answer."""
    if content is None or content.encode is None or content.structure is None:
        return None
    encode, structure = content.encode.lower(), content.structure
    if "json" in encode or is_xml(encode) or structure.is_map or len(structure.properties) != 1:
        return None
    prop = structure.properties[0]
    return prop if prop.type not in _NOT_TEXT else None


_NOT_TEXT = frozenset({"collections", "map", "object", "file"})
