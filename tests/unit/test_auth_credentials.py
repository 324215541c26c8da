"""Credentials (auth/credentials.py): read from the environment, and never shown in a repr."""

from __future__ import annotations

from apitest.auth.credentials import Credentials


def test_credentials_never_show_secrets_in_repr() -> None:
    creds = Credentials(client_id="id", client_secret="s3cret", refresh_token="r3fresh")
    assert "s3cret" not in repr(creds) and "r3fresh" not in repr(creds)
    assert set(creds.secrets()) == {"s3cret", "r3fresh"}
    env = {"APITEST_CLIENT_ID": "a", "APITEST_CLIENT_SECRET": "b", "APITEST_TOKEN": ""}
    loaded = Credentials.from_env(env)
    assert loaded.client_id == "a" and loaded.client_secret == "b" and loaded.token is None
    assert loaded.has_oauth2
