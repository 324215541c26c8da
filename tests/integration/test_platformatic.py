"""Against Platformatic DB 2.61 (npm `@platformatic/db`, the last line that runs on Node 20),
a REST API generated over SQLite from migrations: here its own quick-start schema, movies and
the quotes said in them, a foreign key SQLite enforces. tests/data/thirdparty/platformatic
holds the migration, platformatic.db.json, serve.js (buildServer over that config), defects.js
(the Fastify plugin the config loads, planting defects by name through Platformatic's entity
hooks) and the specs movies.xml and quotes.xml, written from its REST reference and the OpenAPI
document it serves at /documentation/json.

Platformatic's conventions: columns are camelCased (`said_by` is `saidBy`); a create is POST
answered 200 (not 201) with the record; PUT /{id} updates the fields sent (title is required)
and answers the record, and creates it where the id is free; DELETE /{id} answers the record
it deleted; an unknown id is 404, a value the route's JSON schema refuses 400
`FST_ERR_VALIDATION`, a SQL error 500. A list is a bare array, 10 a page, with `limit` (at most
100), `offset`, `orderby.<field>`, `where.<field>.<op>` and `totalCount` (an X-Total-Count
header); the relation adds GET /movies/{id}/quotes and GET /quotes/{id}/movie.

What it shows apitest gets right: a correct run passes every positive case and each write's
read-back and leaves nothing; the quotes' movie is prepared first, its id sent as movieId, and
deleted only once the quote that names it is gone (before, SQLite would refuse it, 500). An
update that is not stored, a movie delete that keeps the row, a create that drops saidBy, a
list that ignores limit (seen past the documented maximum), a create or update taken without
its title, and a quote delete that keeps the quote (so its movie's cleanup is refused 500) are
each caught and named, and what they keep is reported NOT deleted. (The specs give the written
properties no example-value: apitest notes that an update sending the create's example values
"cannot tell an update that did not stick", and it could not.)

What the API does that its OpenAPI document does not say: Fastify's Ajv coerces bodies, so a
number sent for a string (`"title": 8270902`) is stored as "8270902" and a null as "" (or, for
the integer movieId, as 0, which the foreign key then refuses with a 500): with `--cases all`
those cases, and only those, fail, each "the API accepted ..." or naming the 500. A limit past
the maximum, or a negative limit or offset, is answered 500, where its docs promise a
validation error.

What it showed, now fixed: a query parameter's `range` was never broken. apitest made Invalid
Value cases from a `range` on a body property, and Length Violation cases from a `length` on a
parameter's value, but nothing from a parameter's `range` (plan/cases._argument_cases): `limit`
declared `range="0,100"` was never sent as 101, nor `offset` (`range="0,"`) as -1, so
Platformatic's 500 for each went unseen. A typed parameter's value above or below its range,
or outside its `values`, is now an Invalid Param case of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA, assert_caught
from ._thirdparty import (
    Started,
    assert_passed_clean,
    failures,
    fill,
    listed,
    must_refuse,
    npm_package,
    run_spec,
    serving_node,
    the_case,
)

PLATFORMATIC = "@platformatic/db@2.61.0"
"""The newest release whose engines admit Node 20 (3.x asks Node 22.18 or later)."""
APP = DATA / "thirdparty" / "platformatic"
SEED = "3"
MOVIE_VERIFIES = ["verify createMovie", "verify updateMovie", "verify deleteMovies"]
QUOTE_VERIFIES = ["verify createQuote", "verify updateQuote", "verify deleteQuotes"]
MAX_LIMIT = 100
"""Platformatic's default `db.limit.max`: the most movies one page may hold."""

Run = tuple[int, dict[str, Any], dict[str, list[dict[str, Any]]]]
"""A run's exit status, its report.json, and the movies and quotes the API held after it."""


@pytest.fixture(scope="module")
def modules() -> Path:
    return npm_package(PLATFORMATIC) / "node_modules"


def platformatic(modules: Path, folder: Path, *defects: str) -> AbstractContextManager[Started]:
    """serve.js over a new SQLite file in `folder`, with the defects named."""
    env = {"PLATFORMATIC_DEFECTS": ",".join(defects)}
    return serving_node(APP, modules, folder, "/movies", env, str(folder))


def held(api: Started) -> dict[str, list[dict[str, Any]]]:
    """Every movie and quote the API holds (a run makes far fewer than the maximum page)."""
    return {
        kind: listed(api, f"/{kind}", params={"limit": MAX_LIMIT}) for kind in ("movies", "quotes")
    }


def run(api: Started, tmp_path: Path, cases: str = "positive") -> tuple[int, dict[str, Any]]:
    return run_spec(APP, api, tmp_path, "--seed", SEED, "--cases", cases)


def of(result: dict[str, Any], resource: str) -> dict[str, Any]:
    """`result` with the cases of one resource only (each runs its own chains in turn)."""
    return {**result, "cases": [c for c in result["cases"] if c["resource"] == resource]}


def call(result: dict[str, Any], name: str) -> dict[str, Any]:
    """The one call of the one case `OPERATION / CASE`."""
    (found,) = the_case(result, name)["calls"]
    made: dict[str, Any] = found
    return made


@pytest.fixture(scope="module")
def correct(modules: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """One Platformatic DB with no defect for the module's runs of a correct API (each leaves
    nothing behind: the tests say so)."""
    with platformatic(modules, tmp_path_factory.mktemp("platformatic") / "api") as api:
        yield api


def test_a_correct_run_passes_and_leaves_nothing(correct: Started, tmp_path: Path) -> None:
    """And the movie prepared for the quotes is deleted only once the quote that names it is
    gone (SQLite's foreign key would refuse it before, 500)."""
    status, result = run(correct, tmp_path)
    left = held(correct)
    assert status == 0, failures(result)
    assert_passed_clean(status, of(result, "movies"), left["movies"], MOVIE_VERIFIES)
    assert_passed_clean(status, of(result, "quotes"), left["quotes"], QUOTE_VERIFIES)
    statuses = {c["name"]: c["http_status"] for c in result["cases"]}
    assert statuses["createMovie / positive"] == statuses["createQuote / positive"] == 200
    assert statuses["getMovieById / verify deleteMovies"] == 404
    movie = _id(call(result, "createMovie / record for quotes")["response_body"])
    assert f'"movieId": {movie}' in call(result, "createQuote / positive")["request_body"]
    assert call(result, "getQuotesForMovie / positive")["url"].endswith(f"/movies/{movie}/quotes")
    assert _id(call(result, "getMovieForQuote / positive")["response_body"]) == movie
    deleted = the_case(result, "deleteQuotes / positive")
    cleanup = the_case(result, "deleteMovies / record prepared for quotes")
    assert cleanup["kind"] == "cleanup" and cleanup["http_status"] == 200
    assert deleted["started_s"] + deleted["duration_ms"] / 1000 <= cleanup["started_s"]


def _id(body: str) -> int:
    """The id of the record a call's answer holds."""
    found: int = json.loads(body)["id"]
    return found


@pytest.fixture(scope="module")
def every_case(correct: Started, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """`--cases all` against a correct Platformatic DB."""
    folder = tmp_path_factory.mktemp("platformatic-all")
    status, result = run(correct, folder, "all")
    return status, result, held(correct)


COERCED = {
    "createMovie / Invalid Type title": "the API accepted title = ",
    "createMovie / Null Value title": "the API accepted title = null (Null Value)",
    "updateMovie / Invalid Type title": "the API accepted title = ",
    "updateMovie / Null Value title": "the API accepted title = null (Null Value)",
    "createQuote / Invalid Type quote": "the API accepted quote = ",
    "createQuote / Null Value quote": "the API accepted quote = null (Null Value)",
    "createQuote / Invalid Type saidBy": "the API accepted saidBy = ",
    "updateQuote / Invalid Type quote": "the API accepted quote = ",
    "updateQuote / Null Value quote": "the API accepted quote = null (Null Value)",
    "updateQuote / Invalid Type saidBy": "the API accepted saidBy = ",
}
"""What Fastify's Ajv coerces rather than refuses (a number to text, a null to ""), each case
failing on its 200; the spec says what the OpenAPI document says, a string not null."""
CRASHED = ("createQuote / Null Value movieId", "updateQuote / Null Value movieId")
"""A null movieId coerced to 0, which the foreign key refuses: 500."""
PAST_RANGE = (
    "getMovies / Invalid Param limit (above range)",
    "getMovies / Invalid Param limit (below range)",
    "getMovies / Invalid Param offset (below range)",
)
"""A limit or offset past its documented range, answered 500 where the docs promise a 400."""


def test_every_case_fails_only_where_platformatic_coerces_or_crashes(every_case: Run) -> None:
    status, result, left = every_case
    assert status == 1
    failed = [c["name"] for c in result["cases"] if c["status"] != "passed"]
    assert sorted(failed) == sorted([*COERCED, *CRASHED, *PAST_RANGE])
    for name, said in COERCED.items():
        found = the_case(result, name)
        assert found["http_status"] == 200 and found["message"].startswith(said), found["message"]
    for name in CRASHED:
        found = the_case(result, name)
        assert found["http_status"] == 500, found["message"]
        assert "unexpected-error response (500 crash)" in found["message"]
        assert "SQLITE_CONSTRAINT_FOREIGNKEY" in found["calls"][0]["response_body"]
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": 0}
    assert left == {"movies": [], "quotes": []}


def test_what_platformatic_refuses_is_refused_with_its_400(every_case: Run) -> None:
    """The negative cases that pass were refused by the route's JSON schema, not by chance."""
    _status, result, _left = every_case
    passed = [c for c in result["cases"] if must_refuse(c) and c["status"] == "passed"]
    unknown = [c for c in passed if c["negative_kind"] == "Unknown Key"]
    assert unknown and {c["http_status"] for c in unknown} == {404}  # an id no row has
    refused = [c for c in passed if c not in unknown]
    assert len(refused) > 25, [c["name"] for c in refused]
    assert {c["http_status"] for c in refused} == {400}
    assert all('"FST_ERR_VALIDATION"' in c["calls"][0]["response_body"] for c in refused)
    kinds = {c["negative_kind"] for c in refused}
    assert {"Mandatory Property", "Invalid Type", "Invalid Param", "Empty Param"} <= kinds
    assert "InvalidValueInURLPath" in kinds


NOT_STORED = "the write did not stick: "
KEPT = "is still there after the delete"
DEFECTS = {
    "lost-update": ("verify updateMovie", NOT_STORED + "$.title: sent ", []),
    "kept-delete": ("verify deleteMovies", "the movies record (id=1) " + KEPT, ["movies"] * 2),
    "dropped-said-by": ("verify createQuote", NOT_STORED + "$.saidBy: sent ", []),
    "kept-quote-delete": ("verify deleteQuotes", "the quotes record (id=1) " + KEPT,
                          ["quotes", "movies"]),
}  # fmt: skip
"""Each planted defect (seed 3, the positive cases): the case it fails, what that case says,
and the resources of the records it keeps (each reported NOT deleted). A kept movie, or the
movie of a kept quote, fails the cleanup of the movie prepared for the quotes as well: its
delete answers 200 and keeps it, or is refused 500 by the foreign key."""


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_planted_defect_is_caught_and_named(
    modules: Path, tmp_path: Path, defect: str
) -> None:
    case, said, kept = DEFECTS[defect]
    with platformatic(modules, tmp_path / "api", defect) as api:
        status, result = run(api, tmp_path)
        left = held(api)
    assert status == 1
    assert_caught(result["cases"], case, said)
    failed = [c["case"] for c in result["cases"] if c["status"] != "passed"]
    assert failed == [case, *(["record prepared for quotes"] if kept else [])]
    assert sorted(kept) == sorted(kind for kind, records in left.items() for _ in records)
    assert result["cleanup_counts"] == {"deleted": 0, "not_deleted": len(kept)}
    if defect == "kept-quote-delete":
        cleanup = the_case(result, "deleteMovies / record prepared for quotes")
        assert cleanup["http_status"] == 500, cleanup["message"]
        assert "FOREIGN KEY constraint failed" in cleanup["calls"][0]["response_body"]


def test_a_create_or_update_without_its_title_is_caught(modules: Path, tmp_path: Path) -> None:
    """The body without the required title, taken by the API (planted: `optional-title`)."""
    with platformatic(modules, tmp_path / "api", "optional-title") as api:
        status, result = run(api, tmp_path, "negative")
        left = held(api)
    assert status == 1
    assert_caught(
        result["cases"], "Mandatory Property title", "the API accepted a body without title"
    )
    broken = [c["operation"] for c in result["cases"] if c["case"] == "Mandatory Property title"]
    assert sorted(broken) == ["createMovie", "updateMovie"]
    assert left == {"movies": [], "quotes": []}  # what it wrongly made was deleted at once


def test_a_list_that_ignores_limit_is_caught_past_the_maximum(
    modules: Path, tmp_path: Path
) -> None:
    """With more movies than a page may hold, the list that answers them all breaks the
    documented maximum (the spec's `length="0,100"`)."""
    with platformatic(modules, tmp_path / "api", "ignored-limit") as api:
        fill(f"{api.url}/movies", "title", MAX_LIMIT + 1, 200)
        status, result = run(api, tmp_path)
        left = listed(api, "/movies")  # every movie, as the defect answers them
    assert status == 1
    found = the_case(result, "getMovies / positive")
    assert found["status"] == "failed", found["message"]
    assert found["message"].startswith("$: expected length 0..100, got an array of 10"), found
    assert [movie["title"] for movie in left] == [f"before {n}" for n in range(MAX_LIMIT + 1)]
    assert [c["name"] for c in result["cases"] if c["status"] != "passed"] == [found["name"]]


def test_a_limit_past_the_maximum_answered_500_is_caught(every_case: Run) -> None:
    _status, result, _left = every_case
    past = [
        c for c in result["cases"]
        if c["operation"] == "getMovies" and "limit=101" in c["calls"][0]["url"]
    ]  # fmt: skip
    assert past, sorted(c["case"] for c in result["cases"] if c["operation"] == "getMovies")
    assert all(c["status"] == "failed" and c["http_status"] == 500 for c in past)


def test_platformatic_answers_a_limit_past_its_maximum_with_500(correct: Started) -> None:
    """What the Invalid Param cases above catch, seen past apitest: its docs promise a
    validation error, not a crash."""
    answers = {
        query: correct.get(f"/movies?{query}")
        for query in ("limit=101", "limit=-1", "offset=-1", "limit=100")
    }
    codes = {query: answer.status_code for query, answer in answers.items()}
    assert codes == {"limit=101": 500, "limit=-1": 500, "offset=-1": 500, "limit=100": 200}
    assert answers["limit=101"].json()["code"] == "PLT_SQL_MAPPER_PARAM_LIMIT_NOT_ALLOWED"
