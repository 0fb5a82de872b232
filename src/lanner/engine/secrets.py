"""Secrets and environment variables flows may see.

Secrets come from a ``SecretBackend`` chosen by the ``secrets.backend`` setting; they are
never stored, and every value a backend knows is masked wherever it could be shown (see
``task_logs.Masker``). The ``env`` backend reads ``LANNER_SECRET_<NAME>`` (plain) or
``SECRET_<NAME>`` (base64-encoded, as Kestra's open-source edition reads them, so the same
deployment variables work).

Flows see environment variables only through ``envs``: the ``ENV_<NAME>`` variables, as
``envs.<name>`` (lower case, prefix removed, as Kestra). The server's own ``LANNER_*``
configuration is never visible to flows.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from typing import Protocol

from lanner.errors import ConfigError, ExpressionError

__all__ = ["ENV_PREFIX", "EnvSecrets", "SecretBackend", "flow_envs", "secret_backend"]

ENV_PREFIX = "ENV_"
_NAME = re.compile(r"[A-Za-z0-9_]+")


class SecretBackend(Protocol):
    """Where ``secret('NAME')`` reads secrets."""

    def get(self, name: str) -> str:
        """The value of secret ``name``; ``ExpressionError`` saying how to define it when unknown."""
        ...

    def known_values(self) -> list[str]:
        """Every secret value the backend can list (masked everywhere); may be empty."""
        ...


class EnvSecrets:
    """Secrets from environment variables: ``LANNER_SECRET_<NAME>`` or base64 ``SECRET_<NAME>``."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ if environ is not None else os.environ

    def get(self, name: str) -> str:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ExpressionError(f"secret({name!r})", "a secret name has only letters, digits and underscores")
        key = name.upper()
        plain = self._environ.get(f"LANNER_SECRET_{key}")
        if plain is not None:
            return plain
        encoded = self._environ.get(f"SECRET_{key}")
        if encoded is not None:
            return _decode(name, f"SECRET_{key}", encoded)
        raise ExpressionError(
            f"secret('{name}')",
            f"secret {name!r} is not set; define LANNER_SECRET_{key} (plain) or SECRET_{key} (base64)",
        )

    def known_values(self) -> list[str]:
        values: list[str] = []
        for variable, value in list(self._environ.items()):
            if variable.startswith("LANNER_SECRET_"):
                values.append(value)
            elif variable.startswith("SECRET_"):
                try:
                    values.append(_decode(variable, variable, value))
                except ExpressionError:
                    continue  # reported when the flow reads it
        return values


def _decode(name: str, variable: str, encoded: str) -> str:
    try:
        return base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ExpressionError(f"secret('{name}')", f"{variable} is not valid base64") from exc


def secret_backend(name: str, environ: Mapping[str, str] | None = None) -> SecretBackend:
    """The backend the ``secrets.backend`` setting names."""
    if name == "env":
        return EnvSecrets(environ)
    raise ConfigError(f"secrets.backend: unknown secret backend {name!r} (available: env)")


def flow_envs(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``envs`` as flows see it: each ``ENV_<NAME>`` variable as ``<name>``, lower case."""
    environ = os.environ if environ is None else environ
    return {
        variable[len(ENV_PREFIX) :].lower(): value
        for variable, value in environ.items()
        if variable.startswith(ENV_PREFIX) and len(variable) > len(ENV_PREFIX)
    }
