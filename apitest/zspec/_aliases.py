"""Deprecated aliases: apitest's earlier invented forms that still load, with a lint warning.

ZEST's official forms come first (ZSPEC.md, "Official forms first"); a spec written in an
older apitest form keeps working, and `apitest lint` names the official form to write instead.
Kept apart from the element builders so every alias reads the same and is easy to find.
"""

from __future__ import annotations

from lxml import etree

from apitest.errors import SpecStructureError
from apitest.zspec.attributes import ElementReader


def warn_deprecated(
    reader: ElementReader,
    element: etree._Element,
    old: str,
    official: str,
    attr: str | None = None,
) -> None:
    """One warning at the alias: what was written, and the official form that replaces it."""
    reader.report(
        element,
        f"deprecated form {old}: apitest's earlier spelling, read for now",
        f"write ZEST's official form {official}",
        SpecStructureError,
        attr,
        severity="warning",
    )
