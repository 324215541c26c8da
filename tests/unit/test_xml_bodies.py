"""XML bodies read and written as ZEST's xml-format page lays them out (zspec/xml_bodies.py),
on the page's own two examples: the default format and the customised one."""

from __future__ import annotations

from pathlib import Path

import pytest

from apitest.zspec.loader import load_catalog
from apitest.zspec.model import Content
from apitest.zspec.xml_bodies import XmlBodyError, is_xml, read_xml, write_xml

SPEC = Path(__file__).resolve().parents[1] / "data" / "zspec" / "xml-bodies.xml"

DEFAULT = """<root>
  <trips><trip_id>1</trip_id><trip_name>Spring Break - John Doe</trip_name>
    <destination>Bali</destination><no_of_days>4</no_of_days></trips>
  <trips><trip_id>2</trip_id><trip_name>Christmas Break - Diana Williams</trip_name>
    <destination>London</destination><no_of_days>7</no_of_days><confirmed>true</confirmed>
  </trips>
</root>"""
CUSTOM = """<ns:trips-array xmlns:ns="http://example.com/namespace">
  <ns:trip trip_id="1" trip_name="Spring Break - John Doe" destination="Bali" no_of_days="4"/>
  <ns:trip trip_id="2" trip_name="Christmas Break" destination="London" no_of_days="7"
           confirmed="false"/>
</ns:trips-array>"""


def contents() -> tuple[Content, Content]:
    """The single read's content (default format) and the list's (customised)."""
    ops = {op.name: op for op in load_catalog([SPEC]).resources[0].operations}
    return ops["GET trip"].responses[0].contents[0], ops["GET trips"].responses[0].contents[0]


def test_the_default_format_reads_into_typed_values() -> None:
    plain, _ = contents()
    assert read_xml(DEFAULT, plain) == {
        "trips": [
            {"trip_id": "1", "trip_name": "Spring Break - John Doe", "destination": "Bali",
             "no_of_days": 4},
            {"trip_id": "2", "trip_name": "Christmas Break - Diana Williams",
             "destination": "London", "no_of_days": 7, "confirmed": True},
        ]
    }  # fmt: skip


def test_the_customised_format_reads_attributes_and_the_wrapper_as_root() -> None:
    _, listed = contents()
    assert read_xml(CUSTOM, listed) == {
        "trips": [
            {"trip_id": "1", "trip_name": "Spring Break - John Doe", "destination": "Bali",
             "no_of_days": 4},
            {"trip_id": "2", "trip_name": "Christmas Break", "destination": "London",
             "no_of_days": 7, "confirmed": False},
        ]
    }  # fmt: skip


def test_text_that_is_not_of_its_type_stays_text_and_nil_is_null() -> None:
    plain, _ = contents()
    body = (
        '<root xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><trips>'
        "<no_of_days>four</no_of_days><confirmed>maybe</confirmed>"
        '<destination xsi:nil="true"/><extra><a>1</a><a>2</a></extra></trips></root>'
    )
    assert read_xml(body, plain) == {
        "trips": [
            {"no_of_days": "four", "confirmed": "maybe", "destination": None,
             "extra": {"a": ["1", "2"]}}  # undeclared: kept as it stands
        ]
    }  # fmt: skip


def test_written_bodies_read_back_as_sent() -> None:
    plain, listed = contents()
    value = {
        "trips": [{"trip_name": "A & B <C>", "destination": "Bali", "no_of_days": 4,
                   "confirmed": False}]
    }  # fmt: skip
    default = write_xml(value, plain)
    assert default.startswith("<?xml") and "<root><trips><trip_name>A &amp; B &lt;C&gt;" in default
    assert read_xml(default, plain) == value
    custom = write_xml(value, listed)
    assert '<ns:trips-array xmlns:ns="http://example.com/namespace">' in custom
    assert '<ns:trip trip_name="A &amp; B &lt;C&gt;" destination="Bali"' in custom
    assert read_xml(custom, listed) == value
    nil = write_xml({"trips": [{"trip_name": None}]}, plain)
    assert read_xml(nil, plain) == {"trips": [{"trip_name": None}]}


def test_malformed_xml_is_an_error_and_media_types_are_told_apart() -> None:
    plain, _ = contents()
    with pytest.raises(XmlBodyError, match="not well-formed XML"):
        read_xml("<root><trips>", plain)
    assert is_xml("application/xml") and is_xml("text/xml") and is_xml("application/atom+xml")
    assert not is_xml("application/json") and not is_xml(None) and not is_xml("text/xmlish")
