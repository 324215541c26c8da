"""ZSPEC's URL templates: the one grammar every reader of `{name}` shares (zspec/urls.py)."""

from __future__ import annotations

from apitest.zspec.urls import expand_url, path_ending_in, url_variables


def test_variables_are_named_in_order_and_a_lone_brace_is_text() -> None:
    assert url_variables("/trips/{trip_id}/stops/{stop id}") == ["trip_id", "stop id"]
    assert url_variables("/a/{x}/b/{x}") == ["x", "x"]
    assert url_variables("/a/{b/c/{}") == []


def test_expand_lets_the_caller_decide_what_an_unknown_name_becomes() -> None:
    values = {"region": "eu", "version": "v2"}
    url = "https://{region}.example.com/{version}/{other}"
    assert expand_url(url, lambda name: values.get(name, "{" + name + "}")) == (
        "https://eu.example.com/v2/{other}"
    )


def test_a_path_ending_in_a_template_gives_its_variables_whatever_the_prefix() -> None:
    notes = path_ending_in("/notes/{id}/")
    for path in ("/api/v1/notes/7/", "/api/v1/notes/7", "/notes/7"):
        found = notes.search(path)
        assert found is not None and found.groups() == ("7",), path
    for path in ("/api/v1/xnotes/7/", "/api/v1/notes/7/comments", "/api/v1/notes/"):
        assert notes.search(path) is None, path
    found = path_ending_in("/{Bucket}/{Key}").search("/b/k")
    assert found is not None and found.groups() == ("b", "k")
    found = path_ending_in("/files/{name}.json").search("/files/a.b.json")
    assert found is not None and found.groups() == ("a.b",)  # literal text is escaped
