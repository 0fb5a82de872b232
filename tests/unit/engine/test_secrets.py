"""Secret backends, the variables flows may see, masking of transformed secrets, and auth settings."""

from __future__ import annotations

import base64
import json

import pytest

from lanner.engine.secrets import EnvSecrets, flow_envs, secret_backend
from lanner.engine.task_logs import MASK, Masker
from lanner.errors import ConfigError, ExpressionError
from lanner.expressions import Renderer
from lanner.settings import load_settings

SECRET = "Pa55-w0rd{{ x }}|.*"
ENVIRON = {
    "LANNER_SECRET_PLAIN": SECRET,
    "SECRET_KESTRA": base64.b64encode(b"kestra-style").decode(),
    "SECRET_BROKEN": "%%%",
    "LANNER_DATABASE_URL": "postgresql://admin:db-pass@db/lanner",
    "ENV_REGION": "eu-west-1",
    "ENV_My_Flag": "on",
    "ENV_": "nameless",
    "HOME": "/root",
}


def test_env_backend_reads_plain_and_base64_secrets() -> None:
    secrets = secret_backend("env", ENVIRON)
    assert secrets.get("plain") == SECRET
    assert secrets.get("KESTRA") == "kestra-style"
    assert sorted(secrets.known_values()) == sorted([SECRET, "kestra-style"])


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("missing", "LANNER_SECRET_MISSING"),
        ("broken", "not valid base64"),
        ("../etc", "letters, digits and underscores"),
        ("DATABASE_URL", "LANNER_SECRET_DATABASE_URL"),  # the server's settings are not secrets
    ],
)
def test_unknown_or_bad_secrets_say_why(name: str, said: str) -> None:
    with pytest.raises(ExpressionError, match=said):
        EnvSecrets(ENVIRON).get(name)


def test_backend_is_chosen_by_settings() -> None:
    assert load_settings(environ={}).secrets.backend == "env"
    with pytest.raises(ConfigError, match=r"secrets\.backend"):
        load_settings(environ={"LANNER_SECRETS_BACKEND": "vault"})
    with pytest.raises(ConfigError, match="vault"):
        secret_backend("vault")


def test_flows_see_only_env_prefixed_variables_lower_cased() -> None:
    assert flow_envs(ENVIRON) == {"region": "eu-west-1", "my_flag": "on"}


def masked(masker: Masker, text: str) -> str:
    result = masker(text)
    assert MASK in result, text
    return result


def test_transformed_secrets_are_masked() -> None:
    masker = Masker([SECRET])
    renderer = Renderer()
    functions = {"secret": lambda name: SECRET}
    templates = [
        "{{ secret('X') }}",
        "{{ secret('X') | upper }}",
        "{{ secret('X') | lower }}",
        "{{ secret('X') | title }}",
        "{{ secret('X') | capitalize }}",
        "{{ secret('X') | base64encode }}",
        "{{ ('user:' ~ secret('X')) | base64encode }}",
        "{{ ('ab' ~ secret('X')) | base64encode }}",
        "{{ secret('X') | urlencode }}",
        "{{ {'token': secret('X')} | json }}",
        "{{ secret('X') | escapeChar('single') }}",
    ]
    for template in templates:
        rendered = renderer.render(template, {}, functions)
        result = masked(masker, f"value: {rendered} end")
        assert SECRET not in result and SECRET.upper() not in result
        assert base64.b64encode(SECRET.encode()).decode() not in result


def test_masking_is_literal_and_longest_first() -> None:
    masker = Masker(["abc", "abcdef", "a.c"])
    assert masker("abcdef abc a.c aXc") == f"{MASK} {MASK} {MASK} aXc"
    assert masker("{{ x }}") == "{{ x }}"
    templated = Masker(["{{ x }}"])
    assert templated("show {{ x }} here") == f"show {MASK} here"


def test_masking_structures_keys_too_and_short_values_are_kept() -> None:
    masker = Masker(["s3cr3t-value", "ab", ""])
    assert masker.deep({"s3cr3t-value": ["x s3cr3t-value", 1], "n": None}) == {MASK: [f"x {MASK}", 1], "n": None}
    assert masker("ab cd") == "ab cd"
    assert not Masker(["ab"])
    document = json.dumps({"a": 'quote"s3cr3t-value"'})
    assert "s3cr3t-value" not in masker(document)


def test_auth_settings_from_variables() -> None:
    settings = load_settings(
        environ={
            "LANNER_AUTH_BASIC_USERNAME": "ada",
            "LANNER_AUTH_BASIC_PASSWORD": "pw",
            "LANNER_AUTH_TOKENS": "a" * 16 + ", " + "b" * 20,
            "LANNER_SERVER_CORS_ORIGINS": "https://a.example, https://b.example",
        }
    )
    assert settings.auth.enabled
    assert [t.get_secret_value() for t in settings.auth.tokens] == ["a" * 16, "b" * 20]
    assert settings.server.cors_origins == ["https://a.example", "https://b.example"]
    assert "pw" not in repr(settings)
    assert not load_settings(environ={}).auth.enabled
    with pytest.raises(ConfigError, match="at least 16"):
        load_settings(environ={"LANNER_AUTH_TOKENS": "short"})
    with pytest.raises(ConfigError, match="both"):
        load_settings(environ={"LANNER_AUTH_BASIC_PASSWORD": "pw"})


def test_names_lists_both_prefixes_without_values() -> None:
    secrets = EnvSecrets({"LANNER_SECRET_B_KEY": "x", "SECRET_A_KEY": "eQ==", "SECRET_bad-name": "eQ==", "OTHER": "1"})
    assert secrets.names() == ["A_KEY", "B_KEY"]
