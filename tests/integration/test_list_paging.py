"""A write verified by a paged list (engine/paging.py), against json-server 0.17 (npm), which
names its pages in a `Link` header when asked for one (`_page`, `_limit`).

The spec (tests/data/thirdparty/json-server/paged) has no read by key, so the list reads every
write back. json-server lists in id order, so a post the run makes stands on the last page:
the read-back reads on, page after page, by the `rel="next"` link. The Tastypie hunt
(test_tastypie.py) shows the same through a body's `meta.next`, and a delete that deleted
nothing caught past page 1.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from apitest.engine.paging import MAX_PAGES

from ..support import DATA
from ._thirdparty import Started, json_server_over, run_spec

SPEC = DATA / "thirdparty" / "json-server" / "paged"
PAGE = 10
"""The spec's `_limit`."""


def json_server(folder: Path, posts: int) -> AbstractContextManager[Started]:
    """json-server over a db.json holding `posts` posts."""
    made = [{"id": n, "title": f"before {n}", "views": n} for n in range(1, posts + 1)]
    return json_server_over(folder, {"posts": made})


def run(server: Started, folder: Path) -> tuple[int, dict[str, Any]]:
    return run_spec(SPEC, server, folder, "--cases", "positive", "--seed", "3", "-q")


def test_the_read_back_follows_the_link_header_to_the_last_page(tmp_path: Path) -> None:
    with json_server(tmp_path / "api", 35) as api:
        status, result = run(api, tmp_path)
        left = api.get("/posts").json()
    failed = {c["id"]: c["message"] for c in result["cases"] if c["status"] != "passed"}
    assert status == 0, failed
    verify = next(c for c in result["cases"] if c["case"] == "verify POST posts")
    pages = [call["url"].split("?", 1)[1] for call in verify["calls"]]
    assert pages == [f"_page={n}&_limit={PAGE}" for n in (1, 2, 3, 4)], pages
    assert "read 4 pages of the list, by the next link of each" in verify["notes"]
    assert len(left) == 35  # what the run made is gone, what was there stays


def test_a_list_longer_than_the_pages_read_is_no_verdict(tmp_path: Path) -> None:
    """With the post past MAX_PAGES pages, the read-back cannot tell: an error that says so,
    not "holds no record" (a false red) nor "gone" (a false green)."""
    with json_server(tmp_path / "api", MAX_PAGES * PAGE + 5) as api:
        status, result = run(api, tmp_path)
    assert status == 1
    by_case = {c["case"]: c for c in result["cases"]}
    for name in ("verify POST posts", "verify DELETE post"):
        check = by_case[name]
        assert check["status"] == "error", check
        assert f"on none of the first {MAX_PAGES} pages of the list" in check["message"]
        assert len(check["calls"]) == MAX_PAGES
