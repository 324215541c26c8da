"""What ZSPEC allows where: elements, their attributes, children, enums and value kinds.

ZEST publishes no XSD, so this table is the project's: it follows ../shared/ZSPEC.md and the
public element reference. The loader checks every element against it, so an unknown element or
attribute is a warning with its line (an error with `--strict`) instead of silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

REF_SUFFIX = "-ref"

# Data types of `<property type>` (ZSPEC.md section 3).
DATA_TYPES: frozenset[str] = frozenset(
    {
        "string", "long_string", "integer", "long", "double", "boolean",
        "datetime", "date", "collections", "map", "file", "any",
    }
)  # fmt: skip

# ZEST's extend-property sample declares `type="object"` and narrows it to collections or boolean
# per call: the type above every other, read as `any` is.
DATA_TYPES = DATA_TYPES | {"object"}

SCOPE_ATTRIBUTES: tuple[str, ...] = (
    "include-for", "required-for", "nullable-for", "unique-for", "emptiable-for",
)  # fmt: skip


@dataclass(frozen=True)
class ElementRule:
    """The attributes and children an element may have; `any_attrs` accepts free attributes."""

    attrs: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    children: frozenset[str] = frozenset()
    any_attrs: bool = False
    any_children: bool = False


def _rule(
    attrs: str = "", required: str = "", children: str = "", *, free: bool = False
) -> ElementRule:
    req = frozenset(required.split())
    return ElementRule(
        attrs=frozenset(attrs.split()) | req,
        required=req,
        children=frozenset(children.split()),
        any_attrs=free,
        any_children=free,
    )


_VISIBLE = "visibility"
_PROPERTY_RULES = (
    "value-condition condition-for-request condition-for-response condition-for-all pick-value "
    "name-regex expression"
)
_PROPERTY_CHILDREN = (
    "structure structure-ref structure-group structure-group-ref composite-structure-groups "
    "deprecate description xml-format file-meta ordered-structures"
)

RULES: dict[str, ElementRule] = {
    "resource": _rule(
        "specification product pre-loaded file-version xmlns",
        "name",
        "components info resource-config server server-ref url authentication oauth2 token "
        "dependency description authentication-schema",
    ),
    "components": _rule(
        "",
        "",
        "structure structure-group response request-body argument content throttling tag "
        "server example description contact-details license-details terms-of-service "
        "oauth2 token",
    ),
    "info": _rule(
        "limit title version",
        "",
        "description contact-details contact-details-ref license-details license-details-ref "
        "terms-of-service terms-of-service-ref contact license",
    ),
    "contact-details": _rule(f"name email url {_VISIBLE}"),
    "license-details": _rule("name url"),
    "contact": _rule(free=True),
    "license": _rule(free=True),
    "terms-of-service": _rule("name"),
    "description": _rule(),
    "resource-config": _rule("primary-type primary-structure", "", "path-config description"),
    "path-config": _rule("data-extraction-path", "", "primary"),
    "primary": _rule("name", "path"),
    "server": _rule(f"dc description {_VISIBLE}", "name url", "variable environment description"),
    "variable": _rule("values default description", "name"),
    "environment": _rule("type name location value key", "", "description"),
    "url": _rule("name description", "path", "operation description"),
    "operation": _rule(
        "delay validation-delay visibility auto-sync auto-callback-get auto-test-dependency "
        "auto-skip auto-skip-cases",
        "method name category",
        "description error argument argument-ref request-body request-body-ref response "
        "response-ref authentication throttling throttling-ref tag tag-ref external-document "
        "deprecate",
    ),
    "argument": _rule(
        f"required auto-sync auto-dependency condition {_VISIBLE} "
        "style delimiter length concurrent non-concurrent",
        "name location",
        "content content-ref description",
    ),
    "request-body": _rule("name required", "", "content content-ref description"),
    "response": _rule(
        f"name unexpected-error {_VISIBLE}",
        "status",
        "content content-ref argument argument-ref description",
    ),
    "content": _rule(
        f"name {_VISIBLE}",
        "",
        "encode structure structure-ref structure-group structure-group-ref error path-config "
        "example example-ref description composite-structure-groups",
    ),
    "encode": _rule("", "type"),
    "error": _rule("", "condition", "description"),
    "structure": _rule(
        f"name ref-name extend cases discriminator-name lookup {_VISIBLE}",
        "",
        "property extra-property description stream",
    ),
    "stream": _rule("size"),
    "composite-structure-groups": _rule("", "", "structure-group structure-group-ref"),
    "structure-group": _rule(
        "name ref-name", "type", "structure structure-ref discriminator description"
    ),
    "discriminator": _rule("", "property-name", "mapping"),
    "mapping": _rule("", "value structure"),
    "property": _rule(
        "name values extra-value invalid-value default-value example-value regex length range "
        "decimal-place format include-for required-for nullable-for unique-for emptiable-for "
        f"path content-types {_VISIBLE} {_PROPERTY_RULES}",
        "type",
        f"{_PROPERTY_CHILDREN} extend-property",
    ),
    # all of a property's attributes and children but `name`; `type` may be left to the parent's
    "extend-property": _rule(
        "values extra-value invalid-value default-value example-value regex length range "
        "decimal-place format include-for required-for nullable-for unique-for emptiable-for "
        f"path content-types type {_VISIBLE} {_PROPERTY_RULES}",
        "",
        f"{_PROPERTY_CHILDREN} extend-property",  # (only to say it cannot nest)
    ),
    # a property whose name is any key matching `name-regex` (ZEST's structure/extra-property)
    "extra-property": _rule(
        "values extra-value invalid-value default-value example-value regex length range "
        "decimal-place format include-for required-for nullable-for unique-for emptiable-for "
        f"path content-types type {_VISIBLE} {_PROPERTY_RULES}",
        "",
        _PROPERTY_CHILDREN,
    ),
    "file-meta": _rule("overall-size", "", "extension file-name"),
    "extension": _rule("size", "name"),
    "file-name": _rule("regex"),
    "xml-format": _rule("name namespace prefix attribute wrapped"),
    # its attributes and children are not in the retrieved reference: accepted freely
    "ordered-structures": _rule(free=True),
    "deprecate": _rule("since alternate for-removal", "", "description"),
    "throttling": _rule("lock-period type name", "threshold duration"),
    "tag": _rule(f"description {_VISIBLE}", "name", "description"),
    "external-document": _rule("description", "url"),
    "authentication": _rule("name location schema scopes prefix", "type"),
    # ZEST's authentication schemas; the `oauth2` attributes token-url .. scopes are apitest's
    # deprecated alias of the url children (read, with a lint warning naming the official form).
    "authentication-schema": _rule("", "", "oauth2 token oauth2-ref token-ref description"),
    "oauth2": _rule(
        f"token-url refresh-url authorize-url revoke-url scopes {_VISIBLE}",
        "name",
        "description authorization-url token-url refresh-url authentication-url",
    ),
    "token": _rule(_VISIBLE, "name", "description token-url authentication-url"),
    "authorization-url": _rule("", "path", "operation description"),
    "token-url": _rule("", "path", "operation description"),
    "refresh-url": _rule("", "path", "operation description"),
    "authentication-url": _rule("", "path", "operation description"),
    "dependency": _rule("resources resource"),
    "example": _rule("name value", "", free=False),
}

# `X-ref name="key"` stands for the component X (ZSPEC.md section 2).
for _kind in (
    "structure", "structure-group", "response", "request-body", "argument", "content",
    "throttling", "tag", "server", "example", "contact-details", "license-details",
    "terms-of-service", "oauth2", "token",
):  # fmt: skip
    RULES[_kind + REF_SUFFIX] = _rule("", "name")

ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("operation", "method"): ("get", "post", "put", "patch", "delete"),
    ("operation", "category"): ("read", "create", "update", "delete", "action"),
    ("argument", "location"): ("param", "header", "variable"),
    ("argument", "style"): ("standard", "delimiter"),
    ("property", "extra-value"): ("deny", "allow", "map-default"),
    ("property", "invalid-value"): ("deny", "map-default"),
    ("extend-property", "extra-value"): ("deny", "allow", "map-default"),
    ("extend-property", "invalid-value"): ("deny", "map-default"),
    ("extra-property", "extra-value"): ("deny", "allow", "map-default"),
    ("extra-property", "invalid-value"): ("deny", "map-default"),
    ("authentication", "type"): ("oauth2", "token"),
    ("authentication", "location"): ("header", "param", "url"),
    ("structure-group", "type"): ("one-of", "any-of", "all-of", "array-of"),
    ("resource-config", "primary-type"): ("simple", "composite"),
    ("environment", "type"): ("development", "sandbox", "production"),
    ("environment", "location"): ("header", "param"),
}

VISIBILITIES: tuple[str, ...] = ("public", "internal", "private")
"""ZEST's role-of-visibility values, the same on every element that takes the attribute."""
for _kind, _rule_of in RULES.items():
    if _VISIBLE in _rule_of.attrs:
        ENUMS[(_kind, _VISIBLE)] = VISIBILITIES

ENVIRONMENT_KINDS: tuple[str, ...] = ENUMS[("environment", "type")]

BOOL_ATTRS: frozenset[str] = frozenset(
    {
        "pre-loaded", "auto-sync", "auto-callback-get", "auto-test-dependency", "auto-skip",
        "auto-dependency", "required", "unexpected-error", "for-removal",
    }
)  # fmt: skip

# attribute -> (least allowed, greatest allowed)
INT_ATTRS: dict[str, tuple[int, int]] = {
    "delay": (0, 86_400_000),
    "validation-delay": (0, 86_400_000),
    "status": (100, 599),
    "threshold": (1, 1_000_000_000),
    "duration": (1, 86_400_000 * 366),
    "lock-period": (0, 86_400_000 * 366),
    "limit": (1, 1_000_000_000),
    "decimal-place": (0, 100),
}

# Which component map a `<X>` under `<components>` is keyed in, and by which attribute.
COMPONENT_KEYS: dict[str, str] = {
    "structure": "ref-name",
    "structure-group": "ref-name",
    "response": "name",
    "request-body": "name",
    "argument": "name",
    "content": "name",
    "throttling": "name",
    "tag": "name",
    "server": "name",
    "example": "name",
    "contact-details": "name",
    "license-details": "name",
    "terms-of-service": "name",
    "oauth2": "name",
    "token": "name",
}
