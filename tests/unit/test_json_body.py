"""``JsonBody`` writes a view as Starlette's ``JSONResponse`` writes FastAPI's encoding of it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from lanner.api.json_body import JsonBody

VIEWS: list[Any] = [
    {"id": "e1", "taskRunList": [{"taskId": "t", "state": {"current": "SUCCESS", "histories": []}, "value": None}], "n": 1.5},
    {"message": "déjà vu ✓", "labels": [{"key": "k", "value": True}], "empty": {}},
    # not plain JSON values: written as FastAPI would encode them
    {"when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "ids": ("a", "b")},
]


@pytest.mark.parametrize("view", VIEWS)
def test_the_same_bytes_as_fastapi_would_send(view: Any) -> None:
    response = JsonBody(view)
    assert response.body == JSONResponse(jsonable_encoder(view)).body
    assert response.media_type == "application/json"


def test_a_value_json_cannot_hold_is_refused_as_by_jsonresponse() -> None:
    with pytest.raises(ValueError):
        JsonBody({"x": float("nan")})
