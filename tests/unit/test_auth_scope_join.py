"""How a token source joins several scopes (auth/scope_join.py): what the spec shows is
settled; else the comma is a guess, turned once and then kept, whatever comes after."""

from __future__ import annotations

from apitest.auth.declared import Endpoint, TokenEndpoints
from apitest.auth.scope_join import ScopeJoin

BARE = TokenEndpoints("oauth2", Endpoint("http://127.0.0.1:9/token"))
"""The RFC 6749 form, a token URL with no declared call: it shows no separator."""


def test_with_nothing_declared_several_scopes_are_joined_by_a_guessed_comma() -> None:
    join = ScopeJoin.declared_by(BARE, ("read", "write"))
    assert (join.value, join.settled, join.guessing) == ("read,write", False, True)
    assert not ScopeJoin.declared_by(BARE, ("read",)).guessing  # one scope: nothing to join


def test_a_turned_guess_is_settled_and_never_turned_back_by_undo() -> None:
    join = ScopeJoin.declared_by(BARE, ("read", "write"))
    before = join.turn()
    assert (before, join.value, join.settled, join.guessing) == (",", "read write", True, False)
    join.undo(before)  # the other way was refused too: back to the comma, still settled
    assert (join.value, join.settled, join.guessing) == ("read,write", True, False)
