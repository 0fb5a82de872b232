"""Secrets and environment variables flows may see.

Secrets come from a ``SecretBackend`` chosen by the ``secrets.backend`` setting; they are
never stored, and every value a backend knows is masked wherever it could be shown (see
``task_logs.Masker``). The ``env`` backend reads ``LANNER_SECRET_<NAME>`` (plain) or
``SECRET_<NAME>`` (base64-encoded, as Kestra's open-source edition reads them, so the same
deployment variables work).

Flows see environment variables only through ``envs``: the ``ENV_<NAME>`` variables, as
``envs.<name>`` (lower case, prefix removed, as Kestra). The server's own ``LANNER_*``
configuration is never visible to flows.

Both are read from the environment once and kept: they were scanned on every task attempt,
and the environment of a running server does not change. What was read is read again when
the number of variables changes, or on request (``EnvSecrets.refresh``,
``refresh_environment``). A secret read with ``get`` is always current and always masked.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Mapping
from typing import Generic, Protocol, TypeVar

from lanner.errors import ConfigError, ExpressionError

__all__ = ["ENV_PREFIX", "EnvSecrets", "SecretBackend", "flow_envs", "refresh_environment", "secret_backend"]

ENV_PREFIX = "ENV_"
_NAME = re.compile(r"[A-Za-z0-9_]+")
T = TypeVar("T")


class _EnvView(Generic[T]):
    """What ``derive`` makes of an environment, made again only when the environment's size
    changed or after ``refresh`` (a size is O(1); reading every variable is not)."""

    def __init__(self, environ: Mapping[str, str], derive: Callable[[Mapping[str, str]], T]) -> None:
        self._environ = environ
        self._derive = derive
        self._size = -1
        self._value: T | None = None

    def get(self) -> T:
        size = len(self._environ)
        if self._value is None or size != self._size:
            self._value = self._derive(self._environ)
            self._size = size
        return self._value

    def refresh(self) -> None:
        self._value = None


class SecretBackend(Protocol):
    """Where ``secret('NAME')`` reads secrets."""

    def get(self, name: str) -> str:
        """The value of secret ``name``; ``ExpressionError`` saying how to define it when unknown."""
        ...

    def known_values(self) -> list[str]:
        """Every secret value the backend can list (masked everywhere); may be empty."""
        ...

    def names(self) -> list[str]:
        """The names of the secrets the backend can list (never their values), sorted; may be empty."""
        ...

    def refresh(self) -> None:
        """Forget what was read from the source, so that the next reads see its changes."""
        ...


class EnvSecrets:
    """Secrets from environment variables: ``LANNER_SECRET_<NAME>`` or base64 ``SECRET_<NAME>``."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ if environ is not None else os.environ
        self._known = _EnvView(self._environ, _known_secrets)
        #: values handed out by ``get``: masked even if set after ``known_values`` was read
        self._read: dict[str, str] = {}

    def get(self, name: str) -> str:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ExpressionError(f"secret({name!r})", "a secret name has only letters, digits and underscores")
        key = name.upper()
        plain = self._environ.get(f"LANNER_SECRET_{key}")
        if plain is not None:
            self._read[key] = plain
            return plain
        encoded = self._environ.get(f"SECRET_{key}")
        if encoded is not None:
            value = _decode(name, f"SECRET_{key}", encoded)
            self._read[key] = value
            return value
        raise ExpressionError(
            f"secret('{name}')",
            f"secret {name!r} is not set; define LANNER_SECRET_{key} (plain) or SECRET_{key} (base64)",
        )

    def known_values(self) -> list[str]:
        known = self._known.get()
        if not self._read:
            return list(known)
        return list(dict.fromkeys((*known, *self._read.values())))

    def names(self) -> list[str]:
        found = {
            variable.removeprefix("LANNER_SECRET_").removeprefix("SECRET_")
            for variable in list(self._environ)
            if variable.startswith(("LANNER_SECRET_", "SECRET_"))
        }
        return sorted(name for name in found if _NAME.fullmatch(name))

    def refresh(self) -> None:
        self._known.refresh()
        self._read.clear()


def _known_secrets(environ: Mapping[str, str]) -> tuple[str, ...]:
    values: list[str] = []
    for variable, value in list(environ.items()):
        if variable.startswith("LANNER_SECRET_"):
            values.append(value)
        elif variable.startswith("SECRET_"):
            try:
                values.append(_decode(variable, variable, value))
            except ExpressionError:
                continue  # reported when the flow reads it
    return tuple(values)


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
    """``envs`` as flows see it: each ``ENV_<NAME>`` variable as ``<name>``, lower case.

    Without ``environ``, the process environment as last read (see ``refresh_environment``)."""
    if environ is not None:
        return _envs_of(environ)
    return dict(_process_envs.get())


def refresh_environment() -> None:
    """Read the process environment again at the next ``flow_envs()`` (after it was changed)."""
    _process_envs.refresh()


def _envs_of(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        variable[len(ENV_PREFIX) :].lower(): value
        for variable, value in environ.items()
        if variable.startswith(ENV_PREFIX) and len(variable) > len(ENV_PREFIX)
    }


#: the process environment is process-wide already; so is what flows see of it
_process_envs = _EnvView(os.environ, _envs_of)
