"""Checks that hold one resource's spec against another's: what can be said only once every
file is loaded (a schema named in another file, a record member another resource's records
are read for)."""

from __future__ import annotations

from collections.abc import Mapping

from apitest.errors import SpecReferenceError, clip
from apitest.zspec.checks import Reporter, all_properties
from apitest.zspec.conditions import DataPath
from apitest.zspec.diagnostics import Diagnostics
from apitest.zspec.model import Location, PathConfig, Resource
from apitest.zspec.reader import SourceFile


def check_auth_schemas(
    resources: list[Resource], sources: Mapping[str, SourceFile], diagnostics: Diagnostics
) -> None:
    """An `<authentication schema>` must name an `<oauth2>` or `<token>` schema that exists."""
    report = Reporter(sources, diagnostics)
    by_name = {res.name: res for res in resources}
    for res in resources:
        auths = [res.authentication] + [op.authentication for op in res.operations]
        for auth in auths:
            if auth is None or not auth.schema:
                continue
            owner_name, _, key = auth.schema.rpartition(".")
            owner = by_name.get(owner_name) if owner_name else res
            names = _schema_names(owner) if owner else set()
            if key not in names:
                report.add(
                    "error",
                    auth.loc,
                    "authentication",
                    f'schema="{auth.schema}" names no <oauth2> or <token> schema',
                    "declare <authentication-schema><oauth2 name=...> in this file (or in its "
                    "<components>), or write resource.name",
                    SpecReferenceError,
                    "schema",
                )


def _schema_names(resource: Resource) -> set[str]:
    """Schemas an `<authentication schema>` may name: the file's own, and its components'."""
    declared = {s.name for s in resource.oauth2} | {t.name for t in resource.tokens}
    return declared | set(resource.components.oauth2) | set(resource.components.tokens)


def check_record_paths(
    resources: list[Resource], sources: Mapping[str, SourceFile], diagnostics: Diagnostics
) -> None:
    """Paths into a resource's records must name a member its structures declare (any of
    them, at any depth: lenient, a record is what its answers hold). A property's
    `path="other:$.member"` with a typo (`destination_nmae`) found nothing, and the call went
    out without the value, refused for a reason the run could not name; a `<primary path>`
    with one gave records no key, and the writes that address them went astray."""
    report = Reporter(sources, diagnostics)
    by_name = {res.name: res for res in resources}
    members: dict[str, set[str]] = {}

    def undeclared(owner: Resource, path: DataPath) -> str | None:
        """The path's first member where no structure of `owner` declares it."""
        if owner.name not in members:
            members[owner.name] = _members(owner)
        known = members[owner.name]
        return path.fields[0] if path.fields and known and path.fields[0] not in known else None

    def check(owner: Resource, path: DataPath, loc: Location, tag: str, said: str) -> None:
        member = undeclared(owner, path)
        if member is not None:
            report.add(
                "warning",
                loc,
                tag,
                f"{said}: no structure of {owner.name} declares a member {member!r}, "
                "so its records hold no value there",
                f"name a member that a structure of {owner.name} declares",
                SpecReferenceError,
                "path",
            )

    for res in resources:
        for prop in all_properties(res, set()):
            path = prop.path
            other = by_name.get(path.name or "") if path and path.source == "resource" else None
            if path is not None and other is not None:  # a missing one: the loader says so
                check(other, path, prop.loc, "property", f'path="{path.name}:{clip(path.text)}"')
        for config in _path_configs(res):
            extraction = config.data_extraction_path
            if extraction is not None and undeclared(res, extraction):
                continue  # no declared answer shows where the records are: no keys to hold
            for primary in config.primaries:
                said = f'primary path="{clip(primary.path.text)}"'
                check(res, primary.path, primary.loc, "primary", said)


def _members(resource: Resource) -> set[str]:
    """Every member name the resource's structures declare, at any depth; empty (not known)
    where one holds what no structure shapes: an `any`, or a list or map of no declared items
    (a `collections` of records left untyped), whose members may be anything."""
    found = list(all_properties(resource, set()))
    opaque = [
        p for p in found
        if p.type == "any"
        or (p.type in ("collections", "map") and p.structure is None
            and p.structure_group is None and not p.content_types)
    ]  # fmt: skip
    return set() if opaque else {p.name for p in found if p.name is not None}


def _path_configs(resource: Resource) -> list[PathConfig]:
    """Where the resource's records and keys are said to be: its resource-config's
    `<path-config>` and each answer content's own."""
    configs = [resource.resource_config.path_config if resource.resource_config else None]
    for op in resource.operations:
        configs.extend(c.path_config for r in op.responses for c in r.contents)
    return [config for config in configs if config is not None]
