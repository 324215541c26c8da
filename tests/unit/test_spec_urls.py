"""ZSPEC's URL templates: the one grammar every reader of `{name}` shares (spec/urls.py)."""

from __future__ import annotations

from apitest.spec.urls import expand_url, url_variables


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
