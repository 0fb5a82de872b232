"""Secrets and ``envs`` are read from the environment once, not at every task attempt."""

from __future__ import annotations

import base64
from collections.abc import Iterator, MutableMapping

import pytest

from lanner.engine import secrets as secrets_module
from lanner.engine.secrets import EnvSecrets, flow_envs, refresh_environment
from lanner.engine.task_logs import MASK, Masker


class CountingEnviron(MutableMapping[str, str]):
    """An environment that counts how often it is read through in full."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.scans = 0

    def __getitem__(self, key: str) -> str:
        return self.values[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.values[key] = value

    def __delitem__(self, key: str) -> None:
        del self.values[key]

    def __iter__(self) -> Iterator[str]:
        self.scans += 1
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def test_known_values_are_read_once() -> None:
    environ = CountingEnviron({"LANNER_SECRET_API": "api-value", "SECRET_B64": base64.b64encode(b"b64-value").decode()})
    secrets = EnvSecrets(environ)

    for _ in range(100):
        assert sorted(secrets.known_values()) == ["api-value", "b64-value"]

    assert environ.scans == 1


def test_refresh_and_new_variables_are_seen() -> None:
    environ = CountingEnviron({"LANNER_SECRET_API": "api-value"})
    secrets = EnvSecrets(environ)
    assert secrets.known_values() == ["api-value"]

    environ["LANNER_SECRET_API"] = "rotated-value"  # same number of variables: kept until refreshed
    assert secrets.known_values() == ["api-value"]
    secrets.refresh()
    assert secrets.known_values() == ["rotated-value"]

    environ["LANNER_SECRET_OTHER"] = "other-value"  # a variable added: read again
    assert sorted(secrets.known_values()) == ["other-value", "rotated-value"]
    assert environ.scans == 3


def test_a_secret_read_after_the_cache_was_filled_is_still_masked() -> None:
    environ = CountingEnviron({"LANNER_SECRET_API": "api-value", "LANNER_SECRET_DB": "db-value"})
    secrets = EnvSecrets(environ)
    assert sorted(secrets.known_values()) == ["api-value", "db-value"]
    environ["LANNER_SECRET_DB"] = "db-rotated"  # not seen by the cache...

    assert secrets.get("db") == "db-rotated"  # ...but get reads the live value

    known = secrets.known_values()
    assert sorted(known) == ["api-value", "db-rotated", "db-value"]
    assert Masker(known)("password db-rotated") == f"password {MASK}"


def test_flow_envs_reads_the_process_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENV_REGION", "eu-west-1")
    refresh_environment()
    calls = 0
    envs_of = secrets_module._envs_of

    def counted(environ: object) -> dict[str, str]:
        nonlocal calls
        calls += 1
        return envs_of(environ)  # type: ignore[arg-type]

    monkeypatch.setattr(secrets_module._process_envs, "_derive", counted)
    refresh_environment()

    first = flow_envs()
    first["region"] = "changed by a caller"  # each caller gets its own copy
    assert [flow_envs()["region"] for _ in range(50)] == ["eu-west-1"] * 50
    assert calls == 1

    monkeypatch.setenv("ENV_ZONE", "b")  # a new variable is seen without a refresh
    assert flow_envs()["zone"] == "b"
    monkeypatch.setenv("ENV_ZONE", "c")
    refresh_environment()
    assert flow_envs()["zone"] == "c"
    assert calls == 3
