"""Auth profile files (auth/profiles.py): secrets taken from named variables, every mistake named
with its file and key, and the environment's own profile when there is no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from apitest.auth.profiles import auth_from_table, from_environment, load_auth_file
from apitest.errors import UsageError

ENV = {"SECRET": "s3cret", "REFRESH": "r3fresh"}


def test_profiles_take_secrets_from_named_variables() -> None:
    table = {
        "default": "admin",
        "profiles": {
            "admin": {"client_id": "id", "client_secret_env": "SECRET"},
            "reader": {"client_id": "id", "refresh_token_env": "REFRESH", "read_only": True,
                       "scopes": ["A.READ"]},
        },
    }  # fmt: skip
    config = auth_from_table(table, "auth.toml", ENV)
    assert config.main.name == "admin"
    assert config.main.credentials.client_secret == "s3cret"
    assert config.read_only == ("reader",)
    assert config.profiles["reader"].scopes == ("A.READ",)
    assert "s3cret" not in repr(config)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"profiles": {}}, r"\[auth.profiles.NAME\] tables are missing"),
        ({"profiles": {"a": {"client_id": "x"}}, "colour": 1}, r"unknown key\(s\) colour"),
        ({"profiles": {"a": {"client_secret_env": "NOPE"}}}, "names NOPE, which is not set"),
        ({"profiles": {"a": {"client_secret": "x", "client_secret_env": "SECRET"}}}, "not both"),
        ({"profiles": {"a": {"read_only": "yes"}}}, "read_only must be true or false"),
        ({"profiles": {"a": {"scopes": "A.READ"}}}, "scopes must be a list of strings"),
        ({"profiles": {"a": {}}, "default": "b"}, r"profile 'b' is not defined \(defined: a\)"),
        ({"profiles": {"a": {"token_fields": "x"}}}, "token_fields: must be a table"),
        ({"profiles": {"a": {"token_fields": {"pin_env": "NOPE"}}}}, "pin_env names NOPE"),
        ({"profiles": {"a": {"token_fields": {"pin": "1", "pin_env": "SECRET"}}}}, "not both"),
    ],
)
def test_profile_mistakes_name_the_file_and_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        auth_from_table(table, "auth.toml", ENV)
    assert str(caught.value).startswith("auth.toml: [auth")


def test_profile_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[auth\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"--auth .*bad.toml: not valid TOML"):
        load_auth_file(bad)
    with pytest.raises(UsageError, match="cannot read it"):
        load_auth_file(tmp_path / "missing.toml")
    empty = tmp_path / "empty.toml"
    empty.write_text("[other]\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"no \[auth\] table"):
        load_auth_file(empty)


def test_environment_profile_is_the_default() -> None:
    config = from_environment({"APITEST_CLIENT_ID": "a", "APITEST_CLIENT_SECRET": "b"})
    assert config.default == "default" and config.main.credentials.has_oauth2


def test_token_fields_come_from_the_profile_or_the_environment_and_are_secrets() -> None:
    """A login's fields (`email`, `password`) for a declared token call: by name, folded so
    that `userName`, `user-name` and APITEST_TOKEN_FIELD_USER_NAME meet."""
    table = {"profiles": {"qa": {"token_fields": {"user-Name": "qa", "password_env": "SECRET"}}}}
    creds = auth_from_table(table, "auth.toml", ENV).main.credentials
    assert creds.token_field("user_name") == "qa" and creds.token_field("Password") == "s3cret"
    assert creds.token_field("pin") is None
    assert "s3cret" in creds.secrets() and "s3cret" not in repr(creds)
    env = from_environment(
        {"APITEST_TOKEN_FIELD_USER_NAME": "qa", "APITEST_TOKEN_FIELD_PASSWORD": "p4ss"}
    ).main.credentials
    assert env.token_field("user-name") == "qa" and env.token_field("password") == "p4ss"
    assert "p4ss" in env.secrets()
