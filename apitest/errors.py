"""Errors a user can cause, each carrying the exit status the CLI documents.

Every user mistake must end as one clear message and a documented exit code, never as a
traceback, so the CLI catches `ApitestError` alone and prints `str(error)`.
"""

from __future__ import annotations

EXIT_PASSED = 0
EXIT_CASE_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_NOTHING_TESTED = 5
"""A run that tested nothing: no case selected, or every case skipped. Not a pass (a CI job
would go green on an empty run); 5 as pytest's "no tests collected"."""
EXIT_INTERRUPTED = 130
"""Ctrl-C or SIGTERM stopped the run (128 + SIGINT, the shell's convention)."""


def clip(text: str, limit: int = 80) -> str:
    """Shorten a value quoted in a message: a hostile 5 MB attribute must not flood the output."""
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"


class ApitestError(Exception):
    """Base of every error the user can cause; `exit_code` is what the CLI exits with."""

    exit_code: int = EXIT_USAGE


class UsageError(ApitestError):
    """A bad command-line option or argument: names the option and how to mend it."""


class SpecError(ApitestError):
    """A spec file the runner cannot use, located as precisely as the input allows.

    `str()` gives `file:line:col: error: message (hint)`, the form editors and CI annotate.
    """

    def __init__(
        self, message: str, file: str, line: int = 0, col: int = 0, hint: str = ""
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        text = f"{where}: error: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class SpecSyntaxError(SpecError):
    """The file is not well-formed XML, not UTF-8, empty or truncated."""


class SpecTooLargeError(SpecError):
    """The file is over the size limit (entity bombs are refused earlier, as DTDs)."""


class SpecStructureError(SpecError):
    """Well-formed XML that is not a usable ZSPEC: wrong root, missing required attributes."""


class SpecReferenceError(SpecError):
    """A `*-ref` or data path that resolves to nothing, or a cycle of `extend` / dependencies."""


class SpecValueError(SpecError):
    """An attribute value the dialect does not allow: enum, number, scope list, condition, type."""


class TargetUnreachableError(ApitestError):
    """The API under test cannot be reached at all (refused, DNS, TLS)."""

    exit_code = EXIT_UNREACHABLE
    result: object | None = None
    """The run's result with every planned case an error saying why, when a plan existed: the
    CLI writes its reports before it exits, so a CI publisher finds a record, not nothing."""
