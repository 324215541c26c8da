"""The validator hunts: a code-first app of a framework that validates every request (Connexion,
FastAPI, Litestar, APIFlask), served from tests/data/thirdparty/<name>/serve.py with defects
planted by name in `<NAME>_DEFECTS`, and a spec written from its rules, rule for rule. The
framework is an independent judge of the cases apitest makes: a correct app must pass every
case and refuse each negative one for the very rule it set out to break.

The four hunts do the same things with other names (a virtualenv, a server, a run, the records
left, a planted defect caught alone), so one `ValidatorHunt`, named `HUNT` in its test module,
holds them; the module keeps what its framework says (its error bodies, its lax modes). The
fixtures `hunt_python` and `hunt_correct_run` (tests/integration/conftest.py) serve the
module's HUNT.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..support import DATA, loopback_client
from ._thirdparty import (
    Planted,
    Started,
    assert_caught_alone,
    assert_passed_clean,
    edited_spec,
    failures,
    listed,
    must_refuse,
    pypi_command,
    run_spec,
    serving_app,
    the_case,
    without_skips,
)

CorrectRun = tuple[int, dict[str, Any], list[dict[str, Any]]]
"""A hunt's `--cases all` against its correct app: exit status, result, the records left."""
WRITES = ("create", "replace", "patch", "delete")
"""The writes of a hunt's resource, in the order the run verifies them."""
SEED = "3"

BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "weight": (1, 5000),
    "price": (0, 10000),
    "limit": (1, 100),
    "offset": (0, None),
    "name": (1, 40),
    "maker.name": (1, 40),
    "note": (None, 200),
    "tags": (1, 4),
    "tags[0]": (1, 15),
    "X-Request-Id": (8, 36),
    "q": (2, 40),
}
"""Each length's or range's bounds, by the member's or parameter's name, in the apps of the
Litestar and the APIFlask hunt: one design of a gadget (a widget), written in each framework,
so that their refusals can be compared rule for rule."""


@dataclass(frozen=True)
class ValidatorHunt:
    """One hunt: the app in DATA/thirdparty/`name`, installed from `packages` (the first is
    the framework), tested from `spec_file`; its resource is `noun`, kept at `/{noun}s`, which
    lists its records under the member `listing`."""

    name: str
    packages: tuple[str, ...]
    spec_file: str
    noun: str
    listing: str

    @property
    def app(self) -> Path:
        return DATA / "thirdparty" / self.name

    @property
    def spec(self) -> Path:
        return self.app / self.spec_file

    @property
    def collection(self) -> str:
        return f"/{self.noun}s"

    def python(self) -> Path:
        """The Python of a virtualenv holding the packages, made on first use."""
        return pypi_command(self.packages[0], "python", *self.packages[1:])

    def serving(
        self, python: Path, folder: Path, *defects: str, argv: Sequence[str] = ()
    ) -> AbstractContextManager[Started]:
        """The app, with `defects` planted and serve.py's own options `argv`."""
        planted = {f"{self.name.upper()}_DEFECTS": ",".join(defects)}
        return serving_app(python, self.app, folder, argv, self.collection, env=planted)

    def run(
        self, api: Started, folder: Path, cases: str, spec: Path | None = None
    ) -> tuple[int, dict[str, Any]]:
        """`apitest run` of the hunt's spec (or `spec`) with `--cases cases`, seeded."""
        chosen = spec or self.spec
        return run_spec(chosen, api, folder, "--seed", SEED, "--cases", cases)

    def records(self, api: Started) -> list[dict[str, Any]]:
        """The records the API holds (all of them: a run makes far fewer than the largest
        page)."""
        return listed(api, self.collection, self.listing, {"limit": 100})

    def post(self, api: Started, body: dict[str, Any]) -> httpx.Response:
        """A create sent past apitest, with a valid X-Request-Id (each hunt's header)."""
        with loopback_client() as http:
            url = f"{api.url}{self.collection}"
            return http.post(url, json=body, headers={"X-Request-Id": "hunt-0001"})

    def planted_run(
        self, python: Path, folder: Path, *defects: str, spec: Path | None = None
    ) -> CorrectRun:
        """`--cases all` against the app with `defects` planted (none: the correct app):
        exit status, result and the records left."""
        with self.serving(python, folder / "api", *defects) as api:
            status, result = self.run(api, folder, "all", spec)
            return status, result, self.records(api)

    def assert_caught(self, python: Path, folder: Path, planted: Planted) -> None:
        """The defect `planted` is caught by the cases it names, saying their words, and by
        no other; it leaves the records it says."""
        defect, said, kept = planted
        status, result, left = self.planted_run(python, folder, defect)
        assert_caught_alone(status, result, said, left, kept)

    def assert_correct_run(self, correct: CorrectRun, passed: int) -> dict[str, Any]:
        """The run of the correct app: all `passed` cases passed with the read-backs of the
        writes in their order and nothing left, the read after the delete met 404, and the
        create answered its record's path in `Location`. The result, for the module's own
        checks."""
        status, result, left = correct
        noun = self.noun
        assert_passed_clean(status, result, left, [f"verify {write} {noun}" for write in WRITES])
        assert result["counts"] == {"passed": passed, "failed": 0, "error": 0, "skipped": 0}
        assert the_case(result, f"get {noun} / verify delete {noun}")["http_status"] == 404
        (made,) = the_case(result, f"create {noun} / positive")["calls"]
        made_id = json.loads(made["response_body"])["id"]
        assert made["response_headers"]["location"] == f"{self.collection}/{made_id}"
        return result

    def refusals(
        self,
        correct: CorrectRun,
        refused_with: int,
        count: int,
        no_record: Callable[[dict[str, Any]], bool] | None = None,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The negative cases of the correct run (not those it must take, a null the spec
        allows), split: those that name a key no record has
        (`no_record`; by default the cases of the key, `<noun>_id`), all answered 404, and
        the `count` others, all refused `refused_with`."""
        keyed = no_record or (lambda case: case["case"].endswith(f" {self.noun}_id"))
        _status, result, _left = correct
        negative = [c for c in result["cases"] if must_refuse(c)]
        unknown = [c for c in negative if keyed(c)]
        assert {c["http_status"] for c in unknown} == {404}, unknown
        refused = [c for c in negative if not keyed(c)]
        assert len(refused) == count, len(refused)
        assert {c["http_status"] for c in refused} == {refused_with}
        return unknown, refused

    def without_skips(self, folder: Path) -> Path:
        """The spec with no `auto-skip-cases`: every case of a lax mode is made."""
        return without_skips(self.spec, folder)

    def pinned_create(
        self, python: Path, folder: Path, sent: Mapping[str, str]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A positive run whose properties named in `sent` have those example values, and
        which passes, every read-back too: what the create sent and what it was answered."""

        def pinned(tree: Any) -> None:
            for name, value in sent.items():
                for prop in tree.iterfind(f".//property[@name='{name}']"):
                    prop.set("example-value", value)

        spec = edited_spec(self.spec, folder / "spec", pinned)
        with self.serving(python, folder / "api") as api:
            status, result = self.run(api, folder, "positive", spec)
        assert status == 0, failures(result)
        verified = [c for c in result["cases"] if c["kind"] == "operation validation"]
        assert [c["status"] for c in verified] == ["passed"] * len(WRITES)
        (made,) = the_case(result, f"create {self.noun} / positive")["calls"]
        return json.loads(made["request_body"]), json.loads(made["response_body"])

    def on_each_write(self, case: str, said: str) -> dict[str, str]:
        """What a defect of one body rule fails (as `assert_caught_alone` takes it): `case` on
        each of the writes that send the body, the create, replace and patch."""
        return {f"{write} {self.noun} / {case}": said for write in WRITES[:3]}

    def lax(self, defect: str, case: str, said: str) -> Planted:
        """A defect that lets one body rule go: caught by `case` on each write."""
        return defect, self.on_each_write(case, said), 0

    def common_defects(self, nested: str, nullable: str) -> list[Planted]:
        """The defects every hunt plants besides its framework's own: a query's `limit` let
        past its maximum ("lax-limit"), a create that drops the nested member `nested`
        ("dropped-field"), an update not stored ("lost-update": both updates' read-backs
        fail, and so does the first update sending null for `nullable`), a delete answered
        204 that keeps the record ("kept-delete": the delete's read-back and the end-of-run
        read of the record prepared for the negative cases fail;
        those records stay, and the one `Null Allowed <nullable>` made, which its undo could
        not delete), and a create answered 200 for 201 ("wrong-status": each create fails,
        the positive case, the one preparing a record for the negative cases and the one
        sending the null `nullable` may take)."""
        noun = self.noun
        over = "the API accepted param limit='101'"
        limit = {f"list {noun}s / Invalid Param limit (above range)": over}
        dropped = {
            f"get {noun} / verify create {noun}": f"the write did not stick: $.{nested}: sent {{"
        }
        lost = {
            f"get {noun} / verify {w} {noun}": "the write did not stick: $." for w in WRITES[1:3]
        }
        # the first update sending the null the spec allows: the note it held is still read
        # back (the restore after it is lost too, so the run no longer knows what the next holds)
        lost[f"{WRITES[1]} {noun} / Null Allowed {nullable}"] = "but did not store it"
        kept = {
            f"get {noun} / verify delete {noun}": "is still there after the delete",
            f"delete {noun} / record prepared for negative cases": "was still there when read back",
        }
        wrong = f"status 200 is not declared for create {noun} (declared: 201"
        creates = ("positive", "record for negative cases", f"Null Allowed {nullable}")
        answered = {f"create {noun} / {case}": wrong for case in creates}
        return [
            ("lax-limit", limit, 0),
            ("dropped-field", dropped, 0),
            ("lost-update", lost, 0),
            ("kept-delete", kept, 3),
            ("wrong-status", answered, 0),
        ]


def answer_of(case: dict[str, Any]) -> Any:
    """The JSON body of the one call `case` made: what a validating app said refusing it."""
    (call,) = case["calls"]
    return json.loads(call["response_body"])


def assert_an_unknown_defect_is_refused(hunt: ValidatorHunt, python: Path, folder: Path) -> None:
    """A misspelt defect would plant nothing and let the hunt pass unseen: serve.py exits."""
    with (
        pytest.raises(AssertionError, match="unknown defects: apitest-misspelt"),
        hunt.serving(python, folder / "api", "apitest-misspelt"),
    ):
        pass


def assert_a_number_is_read_as_a_moment(
    hunt: ValidatorHunt, python: Path, folder: Path, member: str
) -> None:
    """Without the spec's `auto-skip-cases`, the three `Invalid Type <member>` cases (a JSON
    number where a datetime belongs) fail on the correct app of a framework with a lax mode
    that reads the number as a Unix time and stores that moment (Pydantic's, msgspec's);
    nothing else fails."""
    spec = hunt.without_skips(folder / "spec")
    with hunt.serving(python, folder / "api") as api:
        status, result = hunt.run(api, folder, "negative", spec)
    assert status == 1
    lax = {f"{c['operation']} / {c['case']}": c for c in result["cases"] if c["status"] != "passed"}
    assert set(lax) == set(hunt.on_each_write(f"Invalid Type {member}", ""))
    for case in lax.values():
        assert case["message"].startswith(f"the API accepted {member} = "), case["message"]
        call = case["calls"][0]  # the write; a read-back or a cleanup follows it
        sent = json.loads(call["request_body"])[member]
        assert isinstance(sent, int)
        moment = datetime.fromtimestamp(sent, UTC).isoformat().replace("+00:00", "Z")
        assert json.loads(call["response_body"])[member] == moment
