"""What a read's answer shows of a record: the structure it declares for the records it holds,
which a read-back is held to (engine/record_checks.check_record).

A read answers records in a structure of their own where it lists them (a list's items:
Airflow's connections without `password` and `extra`, Jupyter's listing without `content`);
that structure, not the resource's primary-structure, says which members a read can show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from apitest.engine.body_records import extraction_config
from apitest.verify.compare import WHOLE_BODY
from apitest.zspec.model import Content, Operation, Resource, Structure


def unshown_by(
    sent: Mapping[str, Any],
    resource: Resource,
    op: Operation,
    content: Content | None,
    structure: Structure | None,
) -> list[str]:
    """The members a write sent that the read's answer declares its records without: where
    a read answers records in a structure of their own (a list's items, Airflow's connections
    without `password` and `extra`, Jupyter's listing without `content`), that structure
    says what the read shows, not the resource's primary-structure. Held to them anyway,
    every correct write read back through such a list failed ("the read answer lacks it")."""
    shown = _records_structure(resource, op, content)
    if shown is None or not shown.is_map or shown.extra_properties:
        return []
    if structure is not None and shown.loc == structure.loc:
        return []
    unshown = [
        name
        for name in sent
        if name != WHOLE_BODY
        and (
            (prop := shown.property(name)) is None
            or not prop.include_for.applies("response", "read")
        )
    ]
    if len(unshown) == len(sent):  # it declares none of them: not the records' structure
        return []
    return unshown


def _records_structure(
    resource: Resource, op: Operation, content: Content | None
) -> Structure | None:
    """The structure an answer declares for each record it holds: the content's own at a
    data-extraction-path of `$`, else the structure of the member the path names (`$.items`,
    `$.items[*]`); None where the path is not a plain chain of members."""
    if content is None or content.structure is None:
        return None
    config = extraction_config(resource, op, content)
    path = config.data_extraction_path if config is not None else None
    names = _member_chain(path.text) if path is not None else ()
    if names is None:
        return None
    structure = content.structure
    for name in names:
        prop = structure.property(name)
        if prop is None or prop.structure is None:
            return None
        structure = prop.structure
    listed = structure.listed
    if listed is not None and listed.structure is not None:
        return listed.structure  # a bare array: the shape of its items
    return structure


def _member_chain(text: str) -> tuple[str, ...] | None:
    """`$.items[*]` -> ("items",), `$` -> (); None for anything but named members."""
    found = _MEMBERS.fullmatch(text.strip())
    if found is None:
        return None
    return tuple(name for name in found.group(1).split(".") if name)


_MEMBERS = re.compile(r"\$((?:\.[A-Za-z_][\w-]*)*)(?:\[\*\])?")
