"""What a replay holds, read from the run's results alone: which calls of a case it makes, and
for each chain the answers later calls take values from (the script captures them into shell
variables) and the recorded deletes that undo its creates (the cleanup trap replays them).

Kept apart from the shell text (report/_replay_steps.py): this module knows cases and calls,
not quoting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from apitest.case_kinds import FIRED_TWICE
from apitest.results import CaseResult, RunResult, ValueUse


def position(case: CaseResult) -> int:
    """The case's place in its chain, from its id ("trips.1.4" is 4 in chain "trips.1")."""
    prefix = case.chain + "."
    tail = case.id[len(prefix) :] if case.id.startswith(prefix) else ""
    return int(tail) if tail.isdigit() else 0


def is_negative(case: CaseResult) -> bool:
    """A case that expects an error (a negative case): meant to change nothing."""
    return case.negative_kind is not None


def replayed_calls(case: CaseResult) -> list[int]:
    """The calls of a case a replay makes: all, but for a read-back only the last (the one
    that decided; earlier ones were --eventually polls), and for a negative case only its own
    (after it come the calls that undid what the API wrongly accepted, engine/undo.py)."""
    if not case.calls:
        return []
    if case.kind == "operation validation":
        return [len(case.calls) - 1]
    if is_negative(case):
        own = 2 if case.negative_kind in FIRED_TWICE else 1
        return list(range(min(own, len(case.calls))))
    return list(range(len(case.calls)))


def undoing_calls(case: CaseResult, index: int) -> list[tuple[CaseResult, int]]:
    """The calls that undid what call `index` of a negative case made, when the API took it
    (engine/undo.py): those after its own that take a value from that answer, the delete of
    the record it made above all."""
    if not is_negative(case):
        return []
    after = len(replayed_calls(case))
    return [
        (case, later)
        for later in range(after, len(case.calls))
        if any((use.case, use.call) == (case.id, index) for use in case.calls[later].uses)
    ]


class RunCases:
    """The run's cases as a replay asks about them: each operation's category and declared
    statuses, the deletes that used each answer, and the cases of each chain."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self._categories = {(op.resource, op.name): op.category for op in result.operations}
        self._statuses = {(op.resource, op.name): op.statuses for op in result.operations}
        grouped: dict[str, list[CaseResult]] = {}
        for case in result.cases:
            grouped.setdefault(case.chain, []).append(case)
        self._grouped = grouped
        self._chains: dict[str, ReplayChain] = {}
        self._deletes: dict[tuple[str, int], list[tuple[CaseResult, int]]] | None = None

    def category(self, case: CaseResult) -> str:
        return self._categories.get((case.resource, case.operation), "")

    def statuses(self, case: CaseResult) -> list[int]:
        """The statuses the spec declares for the case's operation."""
        return self._statuses.get((case.resource, case.operation), [])

    def is_create(self, case: CaseResult) -> bool:
        """A positive or setup create: its record is the cleanup trap's to delete."""
        return self.makes(case) and not is_negative(case)

    def makes(self, case: CaseResult) -> bool:
        """A case of a create, negative or not: what it makes when the API takes it, the
        replay deletes (a negative one's in its own script, the only one that replays it)."""
        return self.category(case) == "create"

    def is_delete(self, case: CaseResult) -> bool:
        return self.category(case) == "delete" and not is_negative(case)

    def deletes_of(self, case_id: str, call: int) -> list[tuple[CaseResult, int]]:
        """The delete calls (of positive or setup steps) that used an answer of `case_id`'s
        call `call`: indexed once for the whole run."""
        if self._deletes is None:
            self._deletes = {}
            for case in self.result.cases:
                if not self.is_delete(case):
                    continue
                for index, made in enumerate(case.calls):
                    for use in made.uses:
                        self._deletes.setdefault((use.case, use.call), []).append((case, index))
        return self._deletes.get((case_id, call), [])

    def chain(self, name: str) -> ReplayChain:
        if name not in self._chains:
            self._chains[name] = ReplayChain(self, name, self._grouped.get(name, []))
        return self._chains[name]


@dataclass
class CapturedAnswer:
    """A call whose answer later calls take values from, and the variables it sets."""

    position: int
    call: int
    paths: list[list[str | int]] = field(default_factory=list)

    def var(self, path: list[str | int]) -> str:
        if path not in self.paths:
            self.paths.append(path)
        return f"v{self.position}_{self.call}_{self.paths.index(path)}"


class ReplayChain:
    """One chain's cases in order, the answers its calls take values from, and the recorded
    delete of each record its creates made."""

    def __init__(self, run: RunCases, chain: str, cases: list[CaseResult]) -> None:
        self.run = run
        self.id = chain
        self.cases = sorted(cases, key=position)
        self.by_id = {case.id: case for case in self.cases}
        self.sources: dict[tuple[str, int], CapturedAnswer] = {}
        self.deletes = self._deletes()
        users = [*self.cases, *(case for case, _ in self.deletes.values())]
        calls = [(user, index) for user in users for index in replayed_calls(user)]
        calls += self.deletes.values()  # the deletes the traps make, a negative case's undo too
        for user, index in calls:  # every capture is known before a block renders
            for use in user.calls[index].uses:
                found = self.source(use, user, undoing=index not in replayed_calls(user))
                if found is not None:
                    found.var(use.path)

    def source(
        self, use: ValueUse, user: CaseResult, *, undoing: bool = False
    ) -> CapturedAnswer | None:
        """The captured answer `use` points at, if this chain's replays always hold it: an
        earlier, non-negative case of the chain, and a call of it that is replayed; or, for
        a call `undoing` what a negative case made, that case's own answer."""
        owner = self.by_id.get(use.case)
        if owner is None:
            return None
        if owner is user:
            if not undoing:
                return None
        elif is_negative(owner) or (position(owner) >= position(user) and user.chain == self.id):
            return None
        if use.call not in replayed_calls(owner):
            return None
        key = (use.case, use.call)
        if key not in self.sources:
            self.sources[key] = CapturedAnswer(position(owner), use.call)
        return self.sources[key]

    def sources_of(self, case: CaseResult, index: int) -> list[CapturedAnswer]:
        """The captured answer this call of `case` is, if later calls take values from it."""
        source = self.sources.get((case.id, index))
        return [source] if source is not None else []

    def _deletes(self) -> dict[tuple[str, int], tuple[CaseResult, int]]:
        """For each create call of the chain, a recorded call that deleted its record: the
        chain's own delete first, else another's (the end-of-run sweep's)."""
        found: dict[tuple[str, int], tuple[CaseResult, int]] = {}
        for case in self.cases:
            if not self.run.makes(case):
                continue
            for index in replayed_calls(case):
                deletes = [*undoing_calls(case, index), *self.run.deletes_of(case.id, index)]
                own = [pair for pair in deletes if pair[0].chain == self.id]
                if own or deletes:
                    found[(case.id, index)] = (own or deletes)[0]
        return found

    @cached_property
    def replayable(self) -> list[CaseResult]:
        """The cases a later case's replay holds, in order: those that called and are not
        negative."""
        return [case for case in self.cases if case.calls and not is_negative(case)]

    def steps(self, case: CaseResult) -> list[CaseResult]:
        """What the script for `case` replays: the chain's earlier cases but the negative
        ones, then the case itself."""
        here = position(case)
        earlier: list[CaseResult] = []
        for step in self.replayable:
            if position(step) >= here:
                break
            earlier.append(step)
        return [*earlier, case]

    def creates(self) -> list[tuple[CaseResult, int]]:
        """Every create call of the chain, newest first (the order the trap deletes in)."""
        return [
            (case, index)
            for case in reversed(self.cases)
            if self.run.is_create(case)
            for index in replayed_calls(case)
        ]
