"""Builders of the elements that document an API rather than define its calls: `<info>` and its
contact, license and terms, `<tag>`, `<example>`, `<deprecate>`, `<external-document>`.

They describe the API and are kept in the model (tags also select operations to run); the
calls themselves are declared by what `operations` builds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from apitest.zspec._aliases import warn_deprecated
from apitest.zspec.builder import FileBuilder
from apitest.zspec.model import (
    ContactDetails,
    Deprecate,
    Example,
    ExternalDocument,
    Info,
    LicenseDetails,
    Tag,
    TermsOfService,
)


def build_deprecate(b: FileBuilder, element: etree._Element) -> Deprecate:
    b.reader.check(element)
    return Deprecate(
        b.loc(element),
        since=b.reader.text(element, "since"),
        alternate=b.reader.text(element, "alternate"),
        for_removal=b.reader.boolean(element, "for-removal"),
    )


def build_tag(b: FileBuilder, element: etree._Element) -> Tag:
    """`<tag name visibility>` with a `<description>` child; apitest's earlier
    `description` attribute is a deprecated alias."""
    b.reader.check(element)
    description = b.description(element)
    if element.get("description") is not None:
        warn_deprecated(
            b.reader,
            element,
            '<tag description="...">',
            "<tag name=...><description>...</description></tag>",
            "description",
        )
    return Tag(
        b.loc(element),
        b.reader.required_text(element, "name"),
        description,
        b.reader.enum(element, "visibility", "public"),
    )


def build_example(b: FileBuilder, element: etree._Element) -> Example:
    b.reader.check(element)
    value = element.get("value")
    if value is None:
        value = (element.text or "").strip()
    return Example(b.loc(element), element.get("name") or "", value)


def build_external_document(b: FileBuilder, element: etree._Element) -> ExternalDocument:
    b.reader.check(element)
    return ExternalDocument(
        b.loc(element), b.reader.required_text(element, "url"), element.get("description", "")
    )


def build_info(b: FileBuilder, element: etree._Element) -> Info:
    """`<info title version limit>` and its documentation children (contact-details,
    license-details, terms-of-service, each also as `-ref`); apitest's earlier `<contact>` and
    `<license>` are deprecated aliases of the first two."""
    b.reader.check(element)
    parts = b.collect(element, dict(_INFO_PARTS))
    for name, child in b.reader.children(element):
        if name in _INFO_ALIASES:
            official, build = _INFO_ALIASES[name]
            warn_deprecated(b.reader, child, f"<{name}>", f"<{official}>")
            parts[official].append(build(b, child))
    return Info(
        b.loc(element),
        limit=b.reader.integer(element, "limit"),
        title=element.get("title"),
        version=element.get("version"),
        description=b.description(element),
        contact=parts["contact-details"][0] if parts["contact-details"] else None,
        license=parts["license-details"][0] if parts["license-details"] else None,
        terms_of_service=parts["terms-of-service"][0] if parts["terms-of-service"] else None,
    )


def build_contact_details(b: FileBuilder, element: etree._Element) -> ContactDetails:
    b.reader.check(element)
    return ContactDetails(
        b.loc(element),
        b.reader.text(element, "name"),
        b.reader.text(element, "email"),
        b.reader.text(element, "url"),
        b.reader.enum(element, "visibility", "public") if element.tag != "contact" else "public",
    )


def build_license_details(b: FileBuilder, element: etree._Element) -> LicenseDetails:
    b.reader.check(element)
    return LicenseDetails(
        b.loc(element), b.reader.text(element, "name"), b.reader.text(element, "url")
    )


def build_terms_of_service(b: FileBuilder, element: etree._Element) -> TermsOfService:
    b.reader.check(element)
    return TermsOfService(
        b.loc(element), (element.text or "").strip(), b.reader.text(element, "name")
    )


_INFO_PARTS: dict[str, Callable[[FileBuilder, etree._Element], Any]] = {
    "contact-details": build_contact_details,
    "license-details": build_license_details,
    "terms-of-service": build_terms_of_service,
}
_INFO_ALIASES: dict[str, tuple[str, Callable[[FileBuilder, etree._Element], Any]]] = {
    "contact": ("contact-details", build_contact_details),
    "license": ("license-details", build_license_details),
}
