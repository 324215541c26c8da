"""Builders of the resource as a whole: the `<resource>` root, its `<components>` (every one
built, so faults in unused ones are found too), `<server>` with its variables and
`<environment>`s, `<resource-config>` and `<dependency>`.

`build_resource` is where the loader starts for each file; it hands each child to the
builders of its family (`operations`, `structures`, `documentation`, `auth_schemas`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from apitest.errors import SpecReferenceError, SpecStructureError
from apitest.zspec import auth_schemas
from apitest.zspec._aliases import warn_deprecated
from apitest.zspec.builder import FileBuilder
from apitest.zspec.documentation import (
    build_contact_details,
    build_example,
    build_info,
    build_license_details,
    build_tag,
    build_terms_of_service,
)
from apitest.zspec.model import (
    Components,
    Dependency,
    Environment,
    Resource,
    ResourceConfig,
    Server,
    Url,
    Variable,
)
from apitest.zspec.operations import (
    build_argument,
    build_authentication,
    build_content,
    build_path_config,
    build_request_body,
    build_response,
    build_throttling,
    build_url,
)
from apitest.zspec.schema import ENVIRONMENT_KINDS
from apitest.zspec.structures import build_structure, build_structure_group


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
        b.reader.report(
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
        b.reader.report(
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


def build_components(b: FileBuilder) -> Components:
    """Build every component of the file, so faults in unused ones are found too."""
    builders: dict[str, Callable[[FileBuilder, etree._Element], Any]] = {
        "oauth2": auth_schemas.build_oauth2,
        "token": auth_schemas.build_token,
        "structure": build_structure,
        "structure-group": build_structure_group,
        "response": build_response,
        "request-body": build_request_body,
        "argument": build_argument,
        "content": build_content,
        "throttling": build_throttling,
        "tag": build_tag,
        "server": build_server,
        "example": build_example,
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
            parts["info"] = build_info(b, child)
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
            lists["dependency"].append(build_dependency(b, child))
    if not urls:
        b.reader.report(
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


def _resource_config(b: FileBuilder, element: etree._Element) -> ResourceConfig:
    b.reader.check(element)
    path_config = None
    for name, child in b.reader.children(element):
        if name == "path-config":
            path_config = build_path_config(b, child)
    primary = b.reader.text(element, "primary-structure")
    if primary and primary not in b.entry.components.get("structure", {}):
        b.reader.report(
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


def build_dependency(b: FileBuilder, element: etree._Element) -> Dependency:
    """`<dependency resources="a,b">` (a CSV, ZEST's form): those resources run first.
    apitest's earlier `resource="a"` is a deprecated alias of it."""
    b.reader.check(element)
    names = b.reader.csv(element, "resources")
    alias = b.reader.text(element, "resource")
    if alias is not None:
        warn_deprecated(
            b.reader,
            element,
            f'<dependency resource="{alias}">',
            f'<dependency resources="{alias}">',
            "resource",
        )
        names = (*names, *(part for part in b.reader.csv(element, "resource")))
    if not names:
        b.reader.report(
            element,
            "<dependency> names no resource",
            'add resources="a,b" (the resources this one needs first)',
            SpecStructureError,
        )
    for name in names:
        b.need(name, b.loc(element))
    return Dependency(b.loc(element), tuple(dict.fromkeys(names)))
