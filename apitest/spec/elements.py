"""Builders of the operation-level and resource-level elements, on top of `FileBuilder`.

Each function takes the builder of the file the element sits in, so it can be passed to
`FileBuilder.resolve` as the way to build a referenced component.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from lxml import etree

from apitest.errors import SpecReferenceError, SpecStructureError
from apitest.spec import _property_rules
from apitest.spec._aliases import warn_deprecated
from apitest.spec.builder import FileBuilder
from apitest.spec.model import (
    Argument,
    Authentication,
    Components,
    ContactDetails,
    Content,
    Environment,
    ExternalDocument,
    Info,
    LicenseDetails,
    Operation,
    PathConfig,
    Primary,
    RequestBody,
    Resource,
    ResourceConfig,
    Response,
    Server,
    TermsOfService,
    Url,
    Variable,
)
from apitest.spec.schema import ENVIRONMENT_KINDS, REF_SUFFIX

_T = TypeVar("_T")


def build_path_config(b: FileBuilder, element: etree._Element) -> PathConfig:
    b.reader.check(element)
    primaries = []
    for _, child in b.reader.children(element):
        b.reader.check(child)
        path = b.json_path(child, "path")
        if path is not None:
            primaries.append(Primary(b.loc(child), path, b.reader.text(child, "name") or None))
    return PathConfig(
        b.loc(element), b.json_path(element, "data-extraction-path"), tuple(primaries)
    )


def build_content(b: FileBuilder, element: etree._Element) -> Content:
    b.reader.check(element)
    fields: dict[str, Any] = {}
    examples = []
    for name, child in b.reader.children(element):
        if name == "encode":
            b.reader.check(child)
            fields["encode"] = b.reader.required_text(child, "type").lower()
        elif name == "structure":
            fields["structure"] = b.structure(child)
        elif name == "structure-ref":
            fields["structure"] = b.structure_ref(child)
        elif name == "structure-group":
            fields["structure_group"] = b.structure_group(child)
        elif name == "structure-group-ref":
            fields["structure_group"] = b.resolve(
                "structure-group", child, FileBuilder.structure_group
            )
        elif name == "composite-structure-groups":
            fields["structure_group"] = _property_rules.composite_groups(b, child, 0)
        elif name == "error":
            fields["error"] = b.error_condition(child)
        elif name == "path-config":
            fields["path_config"] = build_path_config(b, child)
        elif name == "example":
            examples.append(b.example(child))
        elif name == "example-ref":
            found = b.resolve("example", child, FileBuilder.example)
            if found is not None:
                examples.append(found)
    return Content(
        b.loc(element),
        examples=tuple(examples),
        name=b.reader.text(element, "name"),
        visibility=b.reader.enum(element, "visibility", "public"),
        **fields,
    )


def build_argument(b: FileBuilder, element: etree._Element) -> Argument:
    b.reader.check(element)
    contents = _repeated(b, element, "content", build_content)
    return Argument(
        b.loc(element),
        name=b.reader.required_text(element, "name"),
        location=b.reader.enum(element, "location", "param"),
        required=b.reader.boolean(element, "required"),
        auto_sync=b.reader.boolean(element, "auto-sync"),
        auto_dependency=b.reader.boolean(element, "auto-dependency"),
        visibility=b.reader.enum(element, "visibility", "public"),
        condition=b.condition(element, "condition"),
        content=contents[0] if contents else None,
        description=b.description(element),
        **_argument_values(b, element),
    )


def _argument_values(b: FileBuilder, element: etree._Element) -> dict[str, Any]:
    """ZEST's `style`, `delimiter`, `length` (a count of delimited values), `concurrent` and
    `non-concurrent`, each checked where it is written."""
    style = b.reader.enum(element, "style", "standard")
    delimiter = element.get("delimiter")  # not stripped: " " is a delimiter
    if delimiter == "":
        hint = 'write delimiter=","'
        b.reader.error(element, "'delimiter' must not be empty", hint, attr="delimiter")
    elif delimiter is not None and style != "delimiter":
        message = "'delimiter' has no effect on an argument of style standard"
        hint = 'add style="delimiter" to send several values joined by it'
        b.reader.report("warning", element, message, hint, attr="delimiter")
    length = b.reader.bounds(element, "length")
    if length is not None and not all(
        end is None or (end >= 0 and end == int(end)) for end in (length.min, length.max)
    ):
        message = "'length' of an argument counts values: whole numbers from 0 up"
        hint = 'write length="max" or length="min,max", e.g. length="1,10"'
        b.reader.error(element, message, hint, attr="length")
        length = None
    return {
        "style": style,
        "delimiter": delimiter or ",",
        "length": length,
        "concurrent": b.reader.csv(element, "concurrent"),
        "non_concurrent": b.reader.csv(element, "non-concurrent"),
    }


def build_request_body(b: FileBuilder, element: etree._Element) -> RequestBody:
    b.reader.check(element)
    return RequestBody(
        b.loc(element),
        contents=_repeated(b, element, "content", build_content),
        required=b.reader.boolean(element, "required", True),
        name=b.reader.text(element, "name"),
    )


def build_response(b: FileBuilder, element: etree._Element) -> Response:
    b.reader.check(element)
    return Response(
        b.loc(element),
        status=b.reader.integer(element, "status", 0) or 0,
        name=b.reader.text(element, "name"),
        unexpected_error=b.reader.boolean(element, "unexpected-error"),
        visibility=b.reader.enum(element, "visibility", "public"),
        contents=_repeated(b, element, "content", build_content),
        arguments=_repeated(b, element, "argument", build_argument),
        description=b.description(element),
    )


def build_server(b: FileBuilder, element: etree._Element) -> Server:
    b.reader.check(element)
    variables: list[Variable] = []
    environments: list[Environment] = []
    for name, child in b.reader.children(element):
        b.reader.check(child)
        if name == "variable":
            if child.get("default") is not None:
                warn_deprecated(
                    b.reader,
                    child,
                    f'<variable default="{child.get("default")}">',
                    "<variable values=...> with the default first (ZEST's default)",
                    "default",
                )
            variables.append(
                Variable(
                    b.loc(child),
                    b.reader.required_text(child, "name"),
                    b.reader.csv(child, "values"),
                    b.reader.text(child, "default"),
                )
            )
        elif name == "environment":
            found = build_environment(b, child)
            if found is not None:
                environments.append(found)
    return Server(
        b.loc(element),
        name=b.reader.required_text(element, "name"),
        url=b.reader.required_text(element, "url"),
        dc=b.reader.text(element, "dc"),
        variables=tuple(variables),
        environments=tuple(environments),
        description=b.description(element),
        visibility=b.reader.enum(element, "visibility", "public"),
    )


def build_environment(b: FileBuilder, element: etree._Element) -> Environment | None:
    """`<environment type name value location>` (ZEST's form: `type` is the kind, `name` the
    header or parameter sent). apitest's earlier `<environment name="sandbox" key="X-Env">`,
    where `name` was the kind and `key` the header, is read as a deprecated alias: it is the
    form when `type` is absent and `name` is one of the kinds."""
    kind_text = b.reader.text(element, "type")
    name = b.reader.text(element, "name")
    key = b.reader.text(element, "key")
    if kind_text is None and name is not None and name.lower() in ENVIRONMENT_KINDS:
        old = f'<environment name="{name}"' + (f' key="{key}"' if key else "") + ">"
        new = f'<environment type="{name.lower()}"' + (f' name="{key}"' if key else "") + ">"
        warn_deprecated(b.reader, element, old, new, "name")
        kind_text, name = name.lower(), key
    elif kind_text is None:
        b.reader.error(
            element,
            "<environment> is missing the required attribute 'type'",
            'add type="development", "sandbox" or "production"',
            SpecStructureError,
        )
        return None
    elif key is not None:
        warn_deprecated(b.reader, element, f'key="{key}"', f'name="{key}"', "key")
        name = name or key
    kind = b.reader.enum(element, "type", "development") if "type" in element.attrib else kind_text
    if name and (element.get("value") is None or element.get("location") is None):
        b.reader.error(
            element,
            f"<environment name=\"{name}\"> needs 'value' and 'location' too",
            'add value="..." location="header" (or "param"), or drop name',
            SpecStructureError,
        )
    return Environment(
        b.loc(element),
        kind,
        b.reader.enum(element, "location", "header"),
        name or None,
        b.reader.text(element, "value"),
        b.description(element),
    )


def build_authentication(b: FileBuilder, element: etree._Element) -> Authentication:
    b.reader.check(element)
    owner, _, key = (element.get("schema") or "").strip().rpartition(".")
    if owner and key and owner not in b.registry.files:
        b.registry.missing.add(owner)  # schema="other.name": load other.xml from beside this
    return Authentication(
        b.loc(element),
        type=b.reader.enum(element, "type", "oauth2"),
        name=b.reader.text(element, "name") or "Authorization",
        location=b.reader.enum(element, "location", "header"),
        schema=b.reader.text(element, "schema"),
        scopes=_scope_names(element.get("scopes")),
        prefix=element.get("prefix"),
    )


def _scope_names(text: str | None) -> tuple[str, ...]:
    """OAuth scopes may be separated by commas or spaces."""
    return tuple((text or "").replace(",", " ").split())


def _repeated(
    b: FileBuilder,
    element: etree._Element,
    tag: str,
    build: Callable[[FileBuilder, etree._Element], _T],
) -> tuple[_T, ...]:
    """Every child `<tag>` built, and every `<tag-ref>` resolved, in document order."""
    return tuple(_collect(b, element, {tag: build})[tag])


# How each child of <operation> is built; `<x-ref>` children resolve through the same entry.
_OPERATION_PARTS: dict[str, Callable[[FileBuilder, etree._Element], Any]] = {
    "error": FileBuilder.error_condition,
    "argument": build_argument,
    "request-body": build_request_body,
    "response": build_response,
    "authentication": build_authentication,
    "throttling": FileBuilder.throttling,
    "tag": FileBuilder.tag,
    "deprecate": FileBuilder.deprecate,
}


def _collect(
    b: FileBuilder,
    element: etree._Element,
    builders: dict[str, Callable[[FileBuilder, etree._Element], Any]],
) -> dict[str, list[Any]]:
    """One pass over the children: each `<tag>` built and each `<tag-ref>` resolved, in order."""
    found: dict[str, list[Any]] = {tag: [] for tag in builders}
    for name, child in b.reader.children(element):
        tag = name.removesuffix(REF_SUFFIX)
        build = builders.get(tag)
        if build is None:
            continue
        value = build(b, child) if tag == name else b.resolve(tag, child, build)
        if value is not None:
            found[tag].append(value)
    return found


def build_operation(b: FileBuilder, element: etree._Element, url_path: str) -> Operation:
    b.reader.check(element)
    parts = _collect(b, element, {**_OPERATION_PARTS, "external-document": _external_document})

    def last(tag: str) -> Any:
        return parts[tag][-1] if parts[tag] else None

    def first(tag: str) -> Any:
        return parts[tag][0] if parts[tag] else None

    for tag in ("request-body", "authentication"):
        _note_alternatives(b, element, tag, parts[tag])

    return Operation(
        b.loc(element),
        name=b.reader.required_text(element, "name"),
        method=b.reader.enum(element, "method", "get"),
        category=b.reader.enum(element, "category", "read"),
        url_path=url_path,
        delay=b.reader.integer(element, "delay", 0) or 0,
        validation_delay=b.reader.integer(element, "validation-delay", 0) or 0,
        visibility=b.reader.enum(element, "visibility", "public"),
        auto_sync=b.reader.boolean(element, "auto-sync"),
        auto_callback_get=b.reader.boolean(element, "auto-callback-get"),
        auto_test_dependency=b.reader.boolean(element, "auto-test-dependency"),
        auto_skip=b.reader.boolean(element, "auto-skip"),
        auto_skip_cases=b.reader.csv(element, "auto-skip-cases"),
        description=b.description(element),
        error=last("error"),
        arguments=tuple(parts["argument"]),
        request_body=first("request-body"),
        responses=tuple(parts["response"]),
        authentication=first("authentication"),
        throttling=last("throttling"),
        tags=tuple(parts["tag"]),
        external_documents=tuple(parts["external-document"]),
        deprecate=last("deprecate"),
        request_bodies=tuple(parts["request-body"]),
        authentications=tuple(parts["authentication"]),
    )


def _note_alternatives(b: FileBuilder, element: etree._Element, tag: str, found: list[Any]) -> None:
    """ZEST lets an operation repeat `<request-body>` and `<authentication>` without saying
    how they combine; apitest uses the first (its positive case, body cases and credential
    placement) and keeps the rest in the model, and says so rather than choosing silently."""
    if len(found) < 2:
        return
    first = found[0].loc.line
    b.reader.report(
        "warning",
        element,
        f"operation declares {len(found)} <{tag}> elements; apitest tests with the first "
        f"(line {first}) and keeps the others as documentation",
        f"put the <{tag}> to test first",
        SpecStructureError,
    )


def _external_document(b: FileBuilder, element: etree._Element) -> ExternalDocument:
    b.reader.check(element)
    return ExternalDocument(
        b.loc(element), b.reader.required_text(element, "url"), element.get("description", "")
    )


def build_url(b: FileBuilder, element: etree._Element) -> Url:
    b.reader.check(element)
    path = b.reader.required_text(element, "path")
    return Url(
        b.loc(element),
        path=path,
        operations=tuple(
            build_operation(b, child, path)
            for name, child in b.reader.children(element)
            if name == "operation"
        ),
        name=b.reader.text(element, "name"),
        description=b.description(element),
    )


def build_components(b: FileBuilder) -> Components:
    """Build every component of the file, so faults in unused ones are found too."""
    from apitest.spec import auth_schemas  # it builds on build_operation, defined here

    builders: dict[str, Callable[[FileBuilder, etree._Element], Any]] = {
        "oauth2": auth_schemas.build_oauth2,
        "token": auth_schemas.build_token,
        "structure": FileBuilder.structure,
        "structure-group": FileBuilder.structure_group,
        "response": build_response,
        "request-body": build_request_body,
        "argument": build_argument,
        "content": build_content,
        "throttling": FileBuilder.throttling,
        "tag": FileBuilder.tag,
        "server": build_server,
        "example": FileBuilder.example,
        "contact-details": build_contact_details,
        "license-details": build_license_details,
        "terms-of-service": build_terms_of_service,
    }
    built: dict[str, dict[str, Any]] = {kind: {} for kind in builders}
    for kind, table in b.entry.components.items():
        for key, element in table.items():
            value = b.build_component(kind, b.entry, element, builders[kind], element)
            if value is not None:
                built[kind][key] = value
    return Components(
        structures=built["structure"],
        structure_groups=built["structure-group"],
        responses=built["response"],
        request_bodies=built["request-body"],
        arguments=built["argument"],
        contents=built["content"],
        throttlings=built["throttling"],
        tags=built["tag"],
        servers=built["server"],
        examples=built["example"],
        contact_details=built["contact-details"],
        license_details=built["license-details"],
        terms_of_service=built["terms-of-service"],
        oauth2=built["oauth2"],
        tokens=built["token"],
    )


def build_resource(b: FileBuilder) -> Resource:
    """The whole file's model; `depends_on` is filled in by the loader once all are built."""
    from apitest.spec import auth_schemas  # it builds on build_operation, defined here

    root = b.entry.source.root
    b.reader.check(root)
    components = build_components(b)
    parts: dict[str, Any] = {}
    servers: list[Server] = []
    urls: list[Url] = []
    lists: dict[str, list[Any]] = {"oauth2": [], "token": [], "dependency": []}
    for name, child in b.reader.children(root):
        if name == "server":
            servers.append(build_server(b, child))
        elif name == "server-ref":
            ref = b.resolve("server", child, build_server)
            if ref is not None:
                servers.append(ref)
        elif name == "url":
            urls.append(build_url(b, child))
        elif name == "info":
            parts["info"] = _info(b, child)
        elif name == "resource-config":
            parts["resource_config"] = _resource_config(b, child)
        elif name == "authentication":
            parts["authentication"] = build_authentication(b, child)
        elif name == "authentication-schema":
            found_oauth2, found_tokens = auth_schemas.build_authentication_schema(b, child)
            lists["oauth2"].extend(found_oauth2)
            lists["token"].extend(found_tokens)
        elif name == "oauth2":
            auth_schemas.note_outside_wrapper(b, child)
            lists["oauth2"].append(auth_schemas.build_oauth2(b, child))
        elif name == "token":
            auth_schemas.note_outside_wrapper(b, child)
            lists["token"].append(auth_schemas.build_token(b, child))
        elif name == "dependency":
            lists["dependency"].append(b.dependency(child))
    if not urls:
        b.reader.error(
            root,
            f"resource '{b.entry.name}' declares no <url>",
            'add <url path="..."> with its <operation> elements',
            SpecStructureError,
        )
    return Resource(
        b.loc(root),
        name=b.entry.name,
        specification=root.get("specification"),
        product=root.get("product"),
        pre_loaded=b.reader.boolean(root, "pre-loaded"),
        file_version=root.get("file-version"),
        description=b.description(root),
        components=components,
        servers=tuple(servers),
        urls=tuple(urls),
        oauth2=tuple(lists["oauth2"]),
        tokens=tuple(lists["token"]),
        dependencies=tuple(lists["dependency"]),
        **parts,
    )


def _info(b: FileBuilder, element: etree._Element) -> Info:
    """`<info title version limit>` and its documentation children (contact-details,
    license-details, terms-of-service, each also as `-ref`); apitest's earlier `<contact>` and
    `<license>` are deprecated aliases of the first two."""
    b.reader.check(element)
    parts = _collect(b, element, dict(_INFO_PARTS))
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


def _resource_config(b: FileBuilder, element: etree._Element) -> ResourceConfig:
    b.reader.check(element)
    path_config = None
    for name, child in b.reader.children(element):
        if name == "path-config":
            path_config = build_path_config(b, child)
    primary = b.reader.text(element, "primary-structure")
    if primary and primary not in b.entry.components.get("structure", {}):
        b.reader.error(
            element,
            f'primary-structure="{primary}" names no structure in <components>',
            "declare the resource's primary structure under <components>",
            SpecReferenceError,
            attr="primary-structure",
        )
    return ResourceConfig(
        b.loc(element),
        primary_type=b.reader.enum(element, "primary-type", "simple"),
        primary_structure=primary,
        path_config=path_config,
    )
