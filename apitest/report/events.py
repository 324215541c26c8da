"""One engine listener fanned out to every reporter that follows the run as it goes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from apitest.plan.model import Chain
from apitest.results import CaseResult


class RunListener(Protocol):
    def case_finished(self, case: CaseResult) -> None: ...

    def chain_finished(self, chain: Chain, cases: list[CaseResult]) -> None: ...

    def cleanup_finished(self, case: CaseResult) -> None: ...


class FanOut:
    def __init__(self, listeners: Sequence[RunListener]) -> None:
        self.listeners = list(listeners)

    def case_finished(self, case: CaseResult) -> None:
        for listener in self.listeners:
            listener.case_finished(case)

    def chain_finished(self, chain: Chain, cases: list[CaseResult]) -> None:
        for listener in self.listeners:
            listener.chain_finished(chain, cases)

    def cleanup_finished(self, case: CaseResult) -> None:
        for listener in self.listeners:
            listener.cleanup_finished(case)
