"""Checks that hold one resource's spec against another's: what can be said only once every
file is loaded (a schema named in another file, a record member another resource's records
are read for)."""

from __future__ import annotations

from collections.abc import Mapping

from apitest.errors import SpecReferenceError, clip
from apitest.zspec.checks import Reporter, all_properties
from apitest.zspec.diagnostics import Diagnostics
from apitest.zspec.model import Resource
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
    """A property's `path="other:$.member"` takes its value from `other`'s records; a member
    that no structure of `other` declares (a typo, `destination_nmae`) finds nothing, and the
    call went out without the value, refused for a reason the run could not name."""
    report = Reporter(sources, diagnostics)
    by_name = {res.name: res for res in resources}
    members: dict[str, set[str]] = {}
    for res in resources:
        for prop in all_properties(res, set()):
            path = prop.path
            if path is None or path.source != "resource" or not path.fields:
                continue
            other = by_name.get(path.name or "")
            if other is None:
                continue  # the loader says the resource is missing
            if other.name not in members:
                members[other.name] = {
                    p.name for p in all_properties(other, set()) if p.name is not None
                }
            known = members[other.name]
            if known and path.fields[0] not in known:
                report.add(
                    "warning",
                    prop.loc,
                    "property",
                    f'path="{clip(path.name or "")}:{clip(path.text)}": no structure of '
                    f"{other.name} declares a member {path.fields[0]!r}, so its records give "
                    "no value here",
                    f"name a member that a structure of {other.name} declares",
                    SpecReferenceError,
                    "path",
                )
