"""From a catalog to a plan: which chains each resource needs, and the steps of each chain.

The rules are ZSPEC.md section 6. Every resource gets a "record lifecycle" chain: the data its
dependencies must provide first (their `auto-test-dependency` read or create), then its own
create, reads, updates, actions and delete in that order, each write followed by the callback
read that verifies it. A second create or delete operation gets a chain of its own, so each is
tested on a record nobody else touches. Chains share nothing but the Data Manager, which is why
the engine may run them concurrently and overlap their delays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from apitest._gc import no_gc_pauses
from apitest.plan.bad_values import BOUNDED_VALUES, unbreakable
from apitest.plan.cases import negative_cases
from apitest.plan.filters import Filters, apply_filters, check_names
from apitest.plan.model import Chain, Check, Plan, ResourcePlan, Step, StepKind, Violation
from apitest.plan.record_keys import names_the_record, needs_own_record, primary_key_names
from apitest.zspec.model import Catalog, Operation, Resource
from apitest.zspec.scopes import Category
from apitest.zspec.urls import url_variables


@dataclass(frozen=True)
class PlanOptions:
    seed: int = 0
    skip_deprecated: bool = False
    repeat: int = 1
    """Plan every chain this many times (independent copies: load, soak and throttle tests)."""
    cases: str = "all"
    """positive | negative | all (ZSPEC.md section 8)."""
    read_only_profiles: tuple[str, ...] = ()
    """Auth profiles marked read-only: each write gets a case run as that user."""
    filters: Filters = field(default_factory=Filters)
    """A suite's selection of cases (see plan/filters.py)."""


def build_plan(catalog: Catalog, options: PlanOptions | None = None) -> Plan:
    """The whole run: resources in dependency order, each with its chains."""
    options = options or PlanOptions()
    check_names(options.filters, catalog)
    with no_gc_pauses():
        resources = tuple(_ResourcePlanner(catalog, r, options).plan() for r in catalog.resources)
    return Plan(resources, options.seed)


def ops_of(resource: Resource, category: Category) -> list[Operation]:
    return [op for op in resource.operations if op.category == category]


def dependency_op(resource: Resource, category: Category) -> Operation | None:
    """The operation run as a dependency step: the one marked auto-test-dependency, else the
    first of its category in document order (ZSPEC.md section 6). For a read, a list (a URL
    with no variables) is preferred, since a dependency step has no record to address yet.
    A delete must address one record: one that addresses none (Kinto's DELETE on the records
    URL empties the collection) would remove records the run did not create."""
    ops = ops_of(resource, category)
    if category == "delete":
        ops = [op for op in ops if needs_own_record(resource, op)]
    marked = [op for op in ops if op.auto_test_dependency]
    if marked:
        return marked[0]
    if category == "read":
        lists = [op for op in ops if not url_variables(op.url_path)]
        if lists:
            return lists[0]
    return ops[0] if ops else None


def callback_read(resource: Resource) -> Operation | None:
    """The read that verifies writes: auto-callback-get, else the first read addressed by the
    primary keys, else the first read (a list, searched by primary key)."""
    reads = ops_of(resource, "read")
    marked = [op for op in reads if op.auto_callback_get]
    if marked:
        return marked[0]
    keys = set(primary_key_names(resource))
    if keys:
        by_key = [op for op in reads if set(url_variables(op.url_path)) == keys]
        config = resource.resource_config
        if not by_key and (config is None or config.primary_type == "simple"):
            # a simple primary: any one of the keys addresses the record on its own
            by_key = [op for op in reads if _addressed_by_some(op, keys)]
        if by_key:
            return by_key[0]
    return reads[0] if reads else None


def reads_by_key(resource: Resource) -> list[Operation]:
    """The reads that can fetch one record again: the callback read first, then each other
    read its primary keys address (an item GET beside a search: Roundup's search, its
    callback read, shows no `@etag`, its item read does)."""
    first = callback_read(resource)
    keys = set(primary_key_names(resource))
    others = [
        op for op in ops_of(resource, "read") if op is not first and _addressed_by_some(op, keys)
    ]
    return ([first] if first is not None else []) + others


def _addressed_by_some(op: Operation, keys: set[str]) -> bool:
    """The operation's URL variables are some of the primary keys (and there are some)."""
    names = set(url_variables(op.url_path))
    return bool(names) and names <= keys


def transitive_dependencies(catalog: Catalog, resource: Resource) -> list[Resource]:
    """Every resource `resource` needs, directly or not, in the catalog's dependency order."""
    wanted: set[str] = set()
    frontier = list(resource.depends_on)
    while frontier:
        name = frontier.pop()
        if name in wanted or name == resource.name:
            continue
        wanted.add(name)
        found = catalog.resource(name)
        if found is not None:
            frontier.extend(found.depends_on)
    return [res for res in catalog.resources if res.name in wanted]


@dataclass
class _ChainBuilder:
    """Accumulates one chain's steps, numbering them and tracking whether a record exists."""

    chain_id: str
    resource: str
    purpose: str
    steps: list[Step] = field(default_factory=list)
    wrote: bool = False

    def add(
        self,
        op: Operation,
        kind: StepKind,
        case: str,
        *,
        owner: str,
        check: Check = "call",
        validates: str | None = None,
        skip: str | None = None,
        violation: Violation | None = None,
    ) -> Step:
        uses_record = self.wrote  # a step may use any record its chain wrote before it
        step = Step(
            id=f"{self.chain_id}.{len(self.steps) + 1}",
            resource=owner,
            operation=op,
            kind=kind,
            case=case,
            check=check,
            validates=validates,
            waits_for_record=uses_record,
            skip_reason=skip,
            violation=violation,
        )
        self.steps.append(step)
        if step.is_write and not skip:
            self.wrote = True
        return step

    def build(self) -> Chain:
        return Chain(self.chain_id, self.resource, tuple(self.steps), self.purpose)


class _ResourcePlanner:
    def __init__(self, catalog: Catalog, resource: Resource, options: PlanOptions) -> None:
        self.catalog = catalog
        self.res = resource
        self.options = options
        self.notes: list[str] = []
        self.callback = callback_read(resource)
        self._chains = 0
        self._dependency_ops: dict[tuple[str, Category], Operation | None] = {}

    def _dependency_op(self, res: Resource, category: Category) -> Operation | None:
        """`dependency_op`, worked out once per resource and category: every chain asks again
        for its own resource's and each dependency's."""
        key = (res.name, category)
        if key not in self._dependency_ops:
            self._dependency_ops[key] = dependency_op(res, category)
        return self._dependency_ops[key]

    def plan(self) -> ResourcePlan:
        res = self.res
        chains: list[Chain] = []
        for _ in range(max(1, self.options.repeat)):
            chains.extend(self._chains_once())
        chains = [c for c in (apply_filters(c, self.options.filters) for c in chains) if c]
        if self.callback is None and any(op.category != "read" for op in res.operations):
            self.notes.append(f"{res.name} has no read operation: writes are not verified")
        return ResourcePlan(res.name, res.file, tuple(chains), tuple(dict.fromkeys(self.notes)))

    def _chains_once(self) -> list[Chain]:
        chains: list[Chain] = []
        positive = self.options.cases in ("positive", "all")
        negative = self.options.cases in ("negative", "all")
        if positive and negative and self._dependency_op(self.res, "create") is None:
            # The records are the API's own, not made per chain: a negative case's write the
            # API wrongly accepted, and its undo, landed between the positive update of the
            # same record (fastapi-users' /users/me) and its read-back, which then failed.
            # So the negative cases follow the positive ones in the same chain.
            chain = self._new_chain("record lifecycle, then negative cases")
            self._lifecycle_steps(chain)
            if not self._negative_steps(chain):
                chain.purpose = "record lifecycle"
            return [chain.build()]
        if positive:
            chains.extend(self._positive_chains())
        if negative:
            chain = self._new_chain("negative cases")
            if self._negative_steps(chain):
                chains.append(chain.build())
        return chains

    def _positive_chains(self) -> list[Chain]:
        res = self.res
        chains = [self._lifecycle()]
        main_create = self._dependency_op(res, "create")
        main_delete = self._dependency_op(res, "delete")
        for op in ops_of(res, "create"):
            if op is not main_create:
                chains.append(self._extra_create(op))
        for op in ops_of(res, "delete"):
            if op is not main_delete and main_create is not None:
                chains.append(self._extra_delete(op, main_create))
        return chains

    def _new_chain(self, purpose: str) -> _ChainBuilder:
        self._chains += 1
        return _ChainBuilder(f"{self.res.name}.{self._chains}", self.res.name, purpose)

    def _skip(self, op: Operation) -> str | None:
        if op.auto_skip:
            return 'auto-skip="true" in the spec'
        if self.options.skip_deprecated and op.deprecate is not None:
            return "deprecated (--skip-deprecated)"
        return None

    def _lifecycle(self) -> Chain:
        chain = self._new_chain("record lifecycle")
        self._lifecycle_steps(chain)
        return chain.build()

    def _lifecycle_steps(self, chain: _ChainBuilder) -> None:
        res = self.res
        cleanups = self._prepare_dependencies(chain)
        create = self._dependency_op(res, "create")
        if create is not None:
            self._test_write(chain, create)
        reads = ops_of(res, "read")
        reads.sort(key=lambda op: bool(url_variables(op.url_path)))  # lists before single reads
        for op in reads:
            chain.add(op, "test", "positive", owner=res.name, skip=self._skip(op))
        for category in ("update", "action"):
            for op in ops_of(res, category):
                self._test_write(chain, op)
        delete = self._dependency_op(res, "delete")
        if delete is not None:
            if create is None:
                reason = (
                    "it would delete a record this run did not create "
                    f"({res.name} has no create operation)"
                )
                chain.add(delete, "test", "positive", owner=res.name, skip=reason)
            else:
                self._test_write(chain, delete)
        elif create is not None:
            self.notes.append(
                f"{res.name} has no delete operation: records the run creates are left behind"
            )
        self._cleanup(chain, cleanups)

    def _extra_create(self, op: Operation) -> Chain:
        chain = self._new_chain(f"create by {op.name}")
        cleanups = self._prepare_dependencies(chain)
        self._test_write(chain, op)
        delete = self._dependency_op(self.res, "delete")
        if delete is not None:
            chain.add(delete, "cleanup", "delete the record", owner=self.res.name)
        self._cleanup(chain, cleanups)
        return chain.build()

    def _extra_delete(self, op: Operation, create: Operation) -> Chain:
        chain = self._new_chain(f"delete by {op.name}")
        cleanups = self._prepare_dependencies(chain)
        chain.add(create, "data preparation", "record to delete", owner=self.res.name)
        self._test_write(chain, op)
        self._cleanup(chain, cleanups)
        return chain.build()

    def _negative_steps(self, chain: _ChainBuilder) -> bool:
        """Every negative case of the resource, in a chain of its own where the run makes its
        records, so a case the API wrongly accepts cannot disturb the positive chains: creates'
        cases first, then a record is prepared for the reads', updates', actions' and deletes'
        cases, then removed. Whether there was any."""
        res = self.res
        cases = {op.name: self._cases_of(op) for op in res.operations}
        if not any(cases.values()):
            return False
        cleanups = self._prepare_dependencies(chain)
        for op in ops_of(res, "create"):
            self._add_cases(chain, op, cases[op.name])
        create = self._dependency_op(res, "create")
        later = [op for cat in ("read", "update", "action", "delete") for op in ops_of(res, cat)]
        if any(cases[op.name] for op in later):
            prepare = create or self._dependency_op(res, "read")
            if prepare is not None:
                case = "record for negative cases" if create else "records for negative cases"
                chain.add(prepare, "data preparation", case, owner=res.name)
        for op in later:
            skip = None
            if op.category == "delete" and create is None:
                skip = (
                    f"it could delete a record this run did not create ({res.name} has no create)"
                )
            self._add_cases(chain, op, cases[op.name], skip)
        delete = self._dependency_op(res, "delete")
        if create is not None and delete is not None:
            chain.add(delete, "cleanup", "record prepared for negative cases", owner=res.name)
        self._cleanup(chain, cleanups)
        return True

    def _cases_of(self, op: Operation) -> list[Violation]:
        if self._skip(op):
            return []
        auth = op.authentication or self.res.authentication
        keyed = frozenset(arg.name for arg in op.arguments if names_the_record(self.res, arg))
        return negative_cases(op, auth, self.options.read_only_profiles, keyed)

    def _add_cases(
        self, chain: _ChainBuilder, op: Operation, cases: list[Violation], skip: str | None = None
    ) -> None:
        for violation in cases:
            chain.add(
                op,
                "test",
                violation.name,
                owner=self.res.name,
                skip=skip
                or (unbreakable(violation) if violation.value in BOUNDED_VALUES else None),
                violation=violation,
            )

    def _test_write(self, chain: _ChainBuilder, op: Operation) -> None:
        """The write's positive case, then its callback read (actions have no record check:
        what an action changes is not described by the values it sends)."""
        skip = self._skip(op)
        step = chain.add(op, "test", "positive", owner=self.res.name, skip=skip)
        if self.callback is None or skip or op.category == "action":
            return
        check: Check = "gone" if op.category == "delete" else "record"
        unkeyed = None
        if not primary_key_names(self.res):
            unkeyed = (
                f"{self.res.name} declares no primary key (<resource-config><path-config>"
                "<primary path>), so the record cannot be found to verify"
            )
        chain.add(
            self.callback,
            "operation validation",
            f"verify {op.name}",
            owner=self.res.name,
            check=check,
            validates=step.id,
            skip=unkeyed,
        )

    def _prepare_dependencies(self, chain: _ChainBuilder) -> list[tuple[Resource, Operation]]:
        """Data preparation steps for every resource this one needs; returns the records to
        clean up afterwards (prepared by a create), in preparation order."""
        cleanups: list[tuple[Resource, Operation]] = []
        for dep in transitive_dependencies(self.catalog, self.res):
            create = self._dependency_op(dep, "create")
            read = self._dependency_op(dep, "read")
            # A pre-loaded resource is read, unless its read must address a record (an id in
            # its URL): with no record yet to address, the create makes one.
            if create is None or (
                dep.pre_loaded and read is not None and not needs_own_record(dep, read)
            ):
                if read is None:
                    self.notes.append(f"{dep.name} has neither a read nor a create to prepare data")
                    continue
                chain.add(read, "data preparation", f"records for {self.res.name}", owner=dep.name)
                continue
            chain.add(create, "data preparation", f"record for {self.res.name}", owner=dep.name)
            delete = self._dependency_op(dep, "delete")
            if delete is None:
                self.notes.append(f"{dep.name} has no delete: its prepared record is left behind")
            else:
                cleanups.append((dep, delete))
        return cleanups

    def _cleanup(
        self, chain: _ChainBuilder, cleanups: Iterable[tuple[Resource, Operation]]
    ) -> None:
        for dep, delete in reversed(list(cleanups)):
            chain.add(delete, "cleanup", f"record prepared for {self.res.name}", owner=dep.name)
