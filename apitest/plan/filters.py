"""Which cases a run reports: a suite's filters (resources, operations, categories, tags, case
kinds, visibility).

A filter selects test steps, but a chain is a sequence: a selected read still needs the create
before it. So a test step that is not selected yet comes before a selected one stays, as data
preparation; what comes after the last selected step is dropped, except cleanup (the sweep
deletes whatever a shortened chain created); a chain with nothing selected is dropped whole.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Literal

from apitest.errors import UsageError, clip
from apitest.plan.model import Chain, Step
from apitest.zspec.model import Catalog


@dataclass(frozen=True)
class Filters:
    resources: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    """positive, negative, a negative kind ("Mandatory Property"), or a step kind."""
    visibility: tuple[str, ...] = ()
    cases: str = "all"
    origin: str = field(default="", compare=False)
    """The suite file they were read from, which a message about them names."""

    @property
    def active(self) -> bool:
        lists = (self.resources, self.operations, self.categories, self.tags, self.kinds)
        return any(lists) or bool(self.visibility)

    def selects(self, step: Step) -> bool:
        op = step.operation
        return (
            _among(step.resource, self.resources)
            and _among(op.name, self.operations)
            and _among(op.category, self.categories)
            and _among(op.visibility, self.visibility)
            and (not self.tags or any(_among(tag.name, self.tags) for tag in op.tags))
            and (not self.kinds or any(_among(kind, self.kinds) for kind in kinds_of(step)))
        )


NamedKind = Literal["resources", "operations", "tags"]


def check_names(filters: Filters, catalog: Catalog) -> None:
    """Each resource, operation and tag a filter names is one of the loaded specs': a name
    that matches nothing (a typo, `trip` for `trips`) selected no case, and the run ended
    "nothing was tested" (exit 5) without saying which filter was wrong. A usage error."""
    named: tuple[tuple[NamedKind, tuple[str, ...]], ...] = (
        ("resources", filters.resources),
        ("operations", filters.operations),
        ("tags", filters.tags),
    )
    for key, wanted in named:
        problem = names_nothing(catalog, key, wanted)
        if problem:
            raise UsageError(f"{filters.origin or 'the suite'}: [filters] {key}: {problem}")


def names_nothing(catalog: Catalog, key: NamedKind, wanted: Collection[str]) -> str:
    """What is wrong with `wanted` as names of the catalog's resources, operations or tags
    ("" when each is one, without regard to case), naming what there is: a filter, or a hook
    limited to a resource, that names nothing selects nothing, silently."""
    if not wanted:
        return ""  # the common case, and a planned run of 10,000 operations walks none
    operations = [op for res in catalog.resources for op in res.operations]
    known = {
        "resources": [res.name for res in catalog.resources],
        "operations": [op.name for op in operations],
        "tags": [tag.name for op in operations for tag in op.tags],
    }[key]
    names = {name.lower() for name in known}
    wrong = [name for name in wanted if name.lower() not in names]
    if not wrong:
        return ""
    listed = ", ".join(dict.fromkeys(known)) or "none"
    return (
        f"{', '.join(wrong)} names nothing in the specs loaded (their {key}: {clip(listed, 300)})"
    )


def kinds_of(step: Step) -> tuple[str, ...]:
    if step.violation is not None:
        return ("negative", step.violation.kind)
    return ("positive",) if step.kind == "test" else (step.kind,)


def _among(value: str, wanted: tuple[str, ...]) -> bool:
    return not wanted or value.lower() in {w.lower() for w in wanted}


def apply_filters(chain: Chain, filters: Filters) -> Chain | None:
    if not filters.active:
        return chain
    chosen = [
        i for i, step in enumerate(chain.steps) if step.kind == "test" and filters.selects(step)
    ]
    if not chosen:
        return None
    last = chosen[-1]
    kept: list[Step] = []
    for index, step in enumerate(chain.steps):
        if index <= last:
            if step.kind == "test" and index not in chosen:
                step = replace(step, kind="data preparation")
            kept.append(step)
        elif step.kind == "cleanup" or step.validates == chain.steps[last].id:
            kept.append(step)
    return replace(chain, steps=tuple(kept))
