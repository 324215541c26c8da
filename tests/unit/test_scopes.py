"""The `*-for` scope grammar (ZSPEC.md section 4): apitest/zspec/scopes.py."""

from __future__ import annotations

import pytest

from apitest.zspec.scopes import ALL, CATEGORIES, NONE, ScopeSet, ScopeSyntaxError, parse_scopes


@pytest.mark.parametrize("text", ["all", "ALL", " All ", "a l l", "\tall\n"])
def test_all(text: str) -> None:
    scopes = parse_scopes(text)
    assert scopes == ALL
    assert scopes.request == frozenset(CATEGORIES)
    assert scopes.response == frozenset(CATEGORIES)
    for category in CATEGORIES:
        assert scopes.applies("request", category)
        assert scopes.applies("response", category)


@pytest.mark.parametrize("text", ["none", "NONE", " None "])
def test_none(text: str) -> None:
    scopes = parse_scopes(text)
    assert scopes == NONE
    assert scopes.is_empty
    assert not scopes.applies("request", "create")
    assert not scopes.applies("response", "read")


def test_one_scope() -> None:
    scopes = parse_scopes("Response[read]")
    assert scopes.request == frozenset()
    assert scopes.response == frozenset({"read"})
    assert scopes.applies("response", "read")
    assert not scopes.applies("request", "read")
    assert not scopes.applies("response", "create")
    assert not scopes.is_empty


def test_several_scopes() -> None:
    scopes = parse_scopes("Request[create,update],Response[read,create]")
    assert scopes.request == frozenset({"create", "update"})
    assert scopes.response == frozenset({"read", "create"})
    assert scopes.text == "Request[create,update],Response[read,create]"


def test_the_same_direction_twice_unites() -> None:
    scopes = parse_scopes("Request[create],Request[update],Response[delete]")
    assert scopes.request == frozenset({"create", "update"})
    assert scopes.response == frozenset({"delete"})


def test_every_category() -> None:
    scopes = parse_scopes("Request[read,create,update,delete,action]")
    assert scopes.request == frozenset(CATEGORIES)
    assert scopes.response == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        "request[CREATE,Update],RESPONSE[read]",
        "  Request [ create , update ] ,\n Response[ read ]  ",
        "REQUEST[update,create],response[READ]",
    ],
)
def test_case_and_white_space_are_ignored(text: str) -> None:
    scopes = parse_scopes(text)
    assert scopes.request == frozenset({"create", "update"})
    assert scopes.response == frozenset({"read"})
    assert scopes.text == text.strip()


def test_empty_request_brackets() -> None:
    scopes = parse_scopes("Request[]")
    assert scopes.request == frozenset()
    assert scopes.response == frozenset()
    assert scopes.is_empty
    mixed = parse_scopes("Request[],Response[read,create]")
    assert mixed.request == frozenset()
    assert mixed.response == frozenset({"read", "create"})


def test_scope_set_is_a_value() -> None:
    assert parse_scopes("Response[read]") == ScopeSet(
        frozenset(), frozenset({"read"}), "Response[read]"
    )
    assert parse_scopes("Response[read]") != parse_scopes("Request[read]")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty scope list"),
        ("   ", "empty scope list"),
        ("Reply[read]", "unknown scope 'reply'"),
        ("[read]", "unknown scope ''"),
        (",Request[read]", "a ',' before the first scope"),
        ("all,Request[read]", "unknown scope 'all'"),
        ("Request", "'request' needs a bracketed category list"),
        ("Request[read", "a '[' is never closed"),
        ("Response(read)", "unknown scope 'response(read)'"),
        ("Request[browse]", "unknown category 'browse'"),
        ("Response[read,reads]", "unknown category 'reads'"),
        ("Request[read,Response[create]", "a '[' is never closed"),
        ("Request[read],", "trailing ','"),
        ("Request[read],Response[read],", "trailing ','"),
        ("Request[read]Response[read]", "expected ',' between scopes"),
        ("Request[read];Response[read]", "expected ',' between scopes"),
        ("Request[read]]", "a ']' with no '[' before it"),
        ("Request[read],,Response[read]", "an empty scope between commas"),
    ],
)
def test_malformed_scope_lists(text: str, fragment: str) -> None:
    with pytest.raises(ScopeSyntaxError) as info:
        parse_scopes(text)
    assert fragment in info.value.message
    assert isinstance(info.value, ValueError)
    assert str(info.value) == info.value.message


@pytest.mark.parametrize("text", ["Request[read,]", "Request[,]", "Response[read,,create]"])
def test_empty_category_inside_brackets_is_an_error(text: str) -> None:
    """The grammar is `[category (',' category)*]`: a stray comma in brackets is malformed,
    as a trailing comma after the last scope is."""
    with pytest.raises(ScopeSyntaxError):
        parse_scopes(text)
