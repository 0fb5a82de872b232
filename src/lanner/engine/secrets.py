"""Secrets: read from the environment, never stored, masked wherever they would be shown.

``LANNER_SECRET_<NAME>`` holds a secret in clear; ``SECRET_<NAME>`` holds it base64-encoded,
as Kestra's open-source edition reads them, so the same deployment variables work.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping

from lanner.errors import ExpressionError

__all__ = ["EnvSecrets"]


class EnvSecrets:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ if environ is not None else os.environ

    def get(self, name: str) -> str:
        key = name.upper()
        plain = self._environ.get(f"LANNER_SECRET_{key}")
        if plain is not None:
            return plain
        encoded = self._environ.get(f"SECRET_{key}")
        if encoded is not None:
            try:
                return base64.b64decode(encoded, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise ExpressionError(f"secret('{name}')", f"SECRET_{key} is not valid base64") from exc
        raise ExpressionError(
            f"secret('{name}')",
            f"secret {name!r} is not set; define LANNER_SECRET_{key} (plain) or SECRET_{key} (base64)",
        )
