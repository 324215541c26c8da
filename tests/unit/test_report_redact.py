"""Redaction (report/redact.py): known secrets and credential headers masked in whatever leaves
the process; a value too short to mask safely is left alone."""

from __future__ import annotations

from apitest.redact import MASK, Redactor


def test_redactor_masks_known_secrets_and_credential_headers() -> None:
    redactor = Redactor(["client-secret-value", "abc"])  # "abc" is too short to mask safely
    assert redactor.text("x client-secret-value y abc") == f"x {MASK} y abc"
    shown = redactor.headers(
        {"Cookie": "session=1", "X-Trace": "client-secret-value", "Accept": "*/*"}
    )
    assert shown == {"Cookie": MASK, "X-Trace": MASK, "Accept": "*/*"}
