"""Large JSON answers serialised once.

A route returning a dict has FastAPI validate it against the route's return type and walk it
with ``jsonable_encoder`` before writing it: for an execution with hundreds of task runs (half a
megabyte of JSON) that walk costs several times the reading of the execution itself. The views
built here are plain JSON values already, so ``JsonBody`` writes them with ``json.dumps`` and
falls back on ``jsonable_encoder`` only for a value ``json`` cannot write (a date, a model):
the bytes are the same either way. The secret-masking middleware sees the same
``application/json`` body as before.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

__all__ = ["JsonBody"]


def _dumps(content: Any) -> bytes:
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


class JsonBody(Response):
    """``content`` (a JSON-like value) as an ``application/json`` answer, written as Starlette's
    ``JSONResponse`` writes it."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return _dumps(content)
        except TypeError:  # a value json cannot write: encode it as FastAPI would
            return _dumps(jsonable_encoder(content))
