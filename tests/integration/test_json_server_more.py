"""json-server (npm) as a blog API under richer specs (tests/data/thirdparty/json-server/blog):
pagination and its X-Total-Count header, _embed, PUT and PATCH with their read-backs, DELETE and
its 404 after, a nested list (/posts/{postId}/comments) as the callback read, an error
condition. json-server unchanged passes every positive case; each defect planted by
blog/defects.js (a middleware) or a wrong routes file must fail the run, naming the defect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ..support import DATA
from ._thirdparty import Started, json_server_over, run_spec

BLOG = DATA / "thirdparty" / "json-server" / "blog"
SEED_DATA = {
    "posts": [{"id": 1, "title": "hello", "views": 10, "status": "published"}],
    "comments": [{"id": 1, "body": "hi", "postId": 1}],
}


@contextmanager
def blog_server(
    folder: Path, defect: str = "", routes: str | None = None, data: dict[str, Any] | None = None
) -> Iterator[Started]:
    """json-server on a fresh db.json (`data`, else SEED_DATA) with the defects middleware,
    DEFECT=`defect`."""
    options = ["--routes", str(BLOG / routes)] if routes is not None else []
    options += ["--middlewares", str(BLOG / "defects.js")]  # last: it takes every name after it
    data = data if data is not None else SEED_DATA
    with json_server_over(folder, data, options, {"DEFECT": defect}) as up:
        yield up


def run_blog(server: Started, folder: Path) -> tuple[int, dict[str, Any]]:
    return run_spec(BLOG, server, folder, "--cases", "positive", "--seed", "3", "-q")


def by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{case['operation']} / {case['case']}": case for case in result["cases"]}


def test_json_server_unchanged_passes_every_positive_case_and_each_write_is_compared(
    tmp_path: Path,
) -> None:
    with blog_server(tmp_path) as server:
        code, result = run_blog(server, tmp_path)
        data = {name: server.get(f"/{name}").json() for name in ("posts", "comments")}
    cases = by_name(result)
    assert code == 0, [c["message"] for c in result["cases"] if c["status"] != "passed"]
    assert {case["status"] for case in cases.values()} == {"passed"}
    for write in ("POST posts", "PUT post", "PATCH post", "DELETE post"):
        assert f"GET post / verify {write}" in cases  # every write was read back
    for write in ("POST comment", "DELETE comment"):
        assert f"GET post comments / verify {write}" in cases  # through the nested list
    patched = cases["GET post / verify PATCH post"]
    assert not [note for note in patched["notes"] if "not compared" in note], patched["notes"]
    assert data == SEED_DATA  # what the run made, it removed


DEFECTS = [
    # (DEFECT, the case that must fail, what its message must say)
    ("ignore-patch", "GET post / verify PATCH post", "the write did not stick: $.title"),
    ("ignore-put", "GET post / verify PUT post", "the write did not stick"),
    ("fake-delete", "GET post / verify DELETE post", "still there after the delete"),
    ("missing-as-200", "GET post / verify DELETE post", "$.id: expected present"),
    ("drop-views", "GET post / positive", "$.views: expected present"),
    ("views-as-string", "GET posts / positive", "views: expected integer"),
    ("no-total-count", "GET posts / positive", "header X-Total-Count: expected present"),
    ("lose-nested", "GET post comments / verify POST comment", "holds no comments record"),
    ("error-as-200", "POST posts / positive", "the error condition `RESPONSE:$.error` holds"),
]


@pytest.mark.parametrize(("defect", "case", "says"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_each_planted_defect_fails_the_run_naming_it(
    tmp_path: Path, defect: str, case: str, says: str
) -> None:
    with blog_server(tmp_path, defect) as server:
        code, result = run_blog(server, tmp_path)
    failed = by_name(result)[case]
    assert failed["status"] == "failed", failed
    assert says in " ".join([failed["message"], *failed["details"]]), failed["message"]
    assert code == 1


def test_a_routes_file_that_rewrites_a_path_wrongly_fails_the_reads_it_breaks(
    tmp_path: Path,
) -> None:
    """/posts/:id rewritten to /posts?id=:id answers a list where the spec says one record."""
    with blog_server(tmp_path, routes="routes-wrong.json") as server:
        code, result = run_blog(server, tmp_path)
    read = by_name(result)["GET post / positive"]
    assert read["status"] == "failed"
    assert "expected an object, got an array" in read["message"]
    assert code == 1


def test_a_create_answered_without_its_key_never_makes_the_run_touch_records_of_others(
    tmp_path: Path,
) -> None:
    """The answer to POST /posts lacks the id json-server stored the post under (in its body
    and its Location, which would name it), and the API holds posts 2..1000 that are not the
    run's. Before, a made-up id (the generator's) filled
    {id}: the run read, changed and deleted some of those posts, and its cleanup reported
    "deleted" for the 404s of made-up ids. Now no call goes to a made-up id, the read-back of
    the create fails naming the missing key, and the run's own posts are reported as left."""
    others = [{"id": n, "title": "theirs", "views": n, "status": "draft"} for n in range(2, 1001)]
    data = {**SEED_DATA, "posts": SEED_DATA["posts"] + others}
    with blog_server(tmp_path, "no-id-on-create", data=data) as server:
        code, result = run_blog(server, tmp_path)
        posts = {post["id"]: post for post in server.get("/posts").json()}
    assert all(posts.get(post["id"]) == post for post in others)  # not one touched
    verify = by_name(result)["GET post / verify POST posts"]
    assert verify["status"] == "failed"
    assert "has no id to put in the URL" in verify["message"], verify["message"]
    sent = [call["url"] for case in result["cases"] for call in case["calls"]]
    assert not [url for url in sent if "/posts/" in url and "/comments" not in url], sent
    left = [line for line in result["cleanup"] if line.startswith("posts record")]
    assert left and all("NOT deleted" in line for line in left)
    # The comment's read-backs read other posts' lists (the post has no key): its delete, read
    # back from a list that never showed it, could not tell, and the sweep deleted it.
    swept = [line for line in result["cleanup"] if line.startswith("comments record")]
    assert all(line.endswith(" deleted") for line in swept), swept
    assert code == 1


def test_a_create_answered_without_its_key_but_with_its_location_is_read_back_there(
    tmp_path: Path,
) -> None:
    """The answer's body lacks the id the spec requires (its create fails for that), but its
    `Location` (json-server's `http://host/posts/31`) says where the post is: the run reads
    it back there, tests what follows on it, sends its integer id as an integer where a
    comment takes it (`postId`, not "31"), and deletes it; the API's own posts stay."""
    others = [{"id": n, "title": "theirs", "views": n, "status": "draft"} for n in range(2, 30)]
    data = {**SEED_DATA, "posts": SEED_DATA["posts"] + others}
    with blog_server(tmp_path, "id-in-location-only", data=data) as server:
        code, result = run_blog(server, tmp_path)
        posts = server.get("/posts").json()
    failed = {c["id"]: c["message"] for c in result["cases"] if c["status"] != "passed"}
    assert code == 1 and set(failed) == {"posts.1.1", "comments.1.1"}, failed
    assert all("$.id: expected present" in message for message in failed.values())
    assert by_name(result)["GET post / verify POST posts"]["status"] == "passed"
    assert posts == data["posts"]  # the run's posts deleted, the API's own untouched
    assert result["cleanup_counts"]["not_deleted"] == 0, result["cleanup"]


def test_when_its_creates_fail_the_run_changes_and_deletes_no_post_it_did_not_create(
    tmp_path: Path,
) -> None:
    """POST /posts fails (500) while the API holds posts that are not the run's. Before, the
    chains were handed posts the run had only listed: PUT, PATCH and DELETE hit post 1, and the
    cleanup of "the record prepared for comments" deleted a listed post. Now each such write is
    skipped saying why; reads may still use the listed posts."""
    others = [{"id": n, "title": "theirs", "views": n, "status": "draft"} for n in range(2, 30)]
    data = {**SEED_DATA, "posts": SEED_DATA["posts"] + others}
    with blog_server(tmp_path, "create-500", data=data) as server:
        code, result = run_blog(server, tmp_path)
        posts = server.get("/posts").json()
    assert posts == data["posts"]  # not one changed or deleted
    cases = by_name(result)
    for write in ("PUT post / positive", "PATCH post / positive", "DELETE post / positive"):
        assert cases[write]["status"] == "skipped", cases[write]
        assert "a record this run did not create" in cases[write]["message"]
    cleanup = cases["DELETE post / record prepared for comments"]
    assert cleanup["status"] == "skipped" and "was never made" in cleanup["message"]
    assert cases["POST posts / positive"]["status"] == "error"
    assert code == 1
