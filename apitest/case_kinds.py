"""The kinds of case a spec yields: the step kinds of a chain, and the negative kinds.

The negative kinds are ZEST's default case names (the names `auto-skip-cases` takes), then
apitest's own. The planner sets one on each negative case and the run's result carries it, so
the hook filters, the HTML report's coverage and the replay scripts read a case's kind rather
than parse it back out of the case's name (a target may start with a capital, `Mandatory
Header X-Request-Id`, so a name does not say where its kind ends). Written once, as a `Literal`
for the type checker and a tuple for the order a reader scans a coverage table in.

Why beside `errors` and `defaults` rather than in `zspec/`: the run's result model and the
reporters may not import the spec layer (tests/unit/test_layers.py), yet they carry and show
these kinds; like those modules, this one imports nothing of apitest's.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

StepKind = Literal["test", "data preparation", "operation validation", "cleanup"]
"""Why a step is in its chain: a case under test, or the setup and teardown around it."""
STEP_KINDS: Final[tuple[StepKind, ...]] = get_args(StepKind)

NegativeKind = Literal[
    "Mandatory Param", "Mandatory Header", "Invalid Param", "Invalid Header", "Empty Param",
    "Empty Header", "ArgMaxLength", "ArgMinLength", "Concurrent", "Non Concurrent",
    "InvalidValueInURLPath", "Mandatory Property", "Invalid Type", "Invalid Value",
    "Regex Mismatch", "Length Violation", "Null Value", "Missing Token", "Invalid Token",
    "Read Only Profile", "Unknown Key", "Parallel Calls", "Sequential Calls", "Null Allowed",
]  # fmt: skip
"""ZEST's default case names first (meaning what ZEST means), then apitest's own."""
NEGATIVE_KINDS: Final[tuple[NegativeKind, ...]] = get_args(NegativeKind)
FIRED_TWICE: Final[tuple[NegativeKind, ...]] = ("Parallel Calls", "Sequential Calls")
"""The sync cases: the positive call fired twice (at once, in turn), so a case makes two calls."""
TAKEN: Final[tuple[NegativeKind, ...]] = ("Null Allowed",)
"""Cases that break the positive call in a way the spec allows, so the API must take it (and
the run undoes what it took, as it undoes a negative case's accepted write): a null where
`nullable-for` allows one. Without them an API that refuses the null its spec allows passed."""

CASE_KIND_NAMES: Final[tuple[str, ...]] = ("positive", "negative", *STEP_KINDS, *NEGATIVE_KINDS)
"""What a suite's `[filters] kinds` and a hook's `kind=` may name, in the order a message
lists them; compared without regard to case."""

_BY_LENGTH: Final = sorted(NEGATIVE_KINDS, key=len, reverse=True)


def kind_in_name(name: str) -> str:
    """The negative kind a case's name starts with, for results written before cases carried
    their kind: a known kind (the longest that fits), else the name's leading capitalised
    words (a kind this version does not know). A case is named `<kind> <target> (<detail>)`."""
    text = name.strip()
    for kind in _BY_LENGTH:
        if text == kind or text.startswith(kind + " "):
            return kind
    words: list[str] = []
    for word in text.split():
        if not word[:1].isupper():
            break
        words.append(word)
    return " ".join(words) or (text.split() or [""])[0]
