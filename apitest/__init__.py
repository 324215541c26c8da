"""apitest: an API-automation test runner driven by ZSPEC specifications.

Kept import-free on purpose: `apitest --version` must start fast, so heavy modules (lxml,
httpx, rich) load only in the subcommand that needs them.
"""

__version__ = "0.1.0"
