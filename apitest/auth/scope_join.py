"""How several scopes go in one `scope` value of a token call, and the guess behind it.

OAuth 2.0 joins scopes by spaces (RFC 6749 section 3.3), Zoho's accounts server by commas, and
a spec rarely says which its server is. Where the declared token call shows it (a delimiter,
an example), that is settled; else the comma is a guess, turned once when a server refuses the
scopes joined that way (invalid_scope) or drops them and an API then refuses the token
(insufficient_scope), and kept for the run. It stands apart from the token source (oauth2.py)
because it is a small state of its own, a guess and whether it still is one, that the source's
calls only consult and turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from apitest.auth.declared import TokenEndpoints, scope_separator


@dataclass
class ScopeJoin:
    """The scopes a source asks for and how they are joined; `settled` once the spec says how
    or a guess has been turned (never twice)."""

    names: tuple[str, ...]
    separator: str
    settled: bool
    guessed_for: str | None = None
    """The access token client credentials got for several scopes joined by a guess: a 403
    insufficient_scope to it may mean the scopes were dropped, not refused."""

    @classmethod
    def declared_by(cls, endpoints: TokenEndpoints, names: tuple[str, ...]) -> ScopeJoin:
        """As the declared grant (else refresh) call shows it, else the comma, a guess."""
        declared = scope_separator(endpoints.for_grant()) or scope_separator(
            endpoints.for_refresh()
        )
        return cls(names, declared or ",", declared is not None)

    @property
    def value(self) -> str:
        """The scopes asked for, as the `scope` value of a token call."""
        return self.separator.join(self.names)

    @property
    def guessing(self) -> bool:
        """Several scopes, joined by a guess that has not been turned."""
        return len(self.names) > 1 and not self.settled

    def turn(self) -> str:
        """Join the other way from now on and settle; returns the way it was joined, for
        `undo` where the other way is refused too."""
        before, self.settled = self.separator, True
        self.separator = " " if before == "," else ","
        return before

    def undo(self, before: str) -> None:
        """Back to `before` (still settled: the guess is not tried again)."""
        self.separator = before
