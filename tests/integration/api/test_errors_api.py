"""Every error answers ``{"message", "errors"}`` with the right status, never a traceback.

The app under test is the real one (``create_app``) plus a route raising each kind of error,
served by uvicorn over real HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from lanner.api.app import create_app
from lanner.engine.engine import Engine
from lanner.errors import (
    ConflictError,
    ExpressionError,
    FlowValidationError,
    InputError,
    Issue,
    LannerError,
    NotFoundError,
    StorageError,
)

from ...live_server import serve

_RAISED: dict[str, Exception] = {
    "flow": FlowValidationError([Issue("must not be empty", path="tasks", line=3, column=8, hint="add a task")]),
    "inputs": InputError([Issue("expected an integer", path="inputs.count")]),
    "expression": ExpressionError("{{ oops(", "unexpected end of template", line=1),
    "missing": NotFoundError("execution 42 not found"),
    "conflict": ConflictError("execution 42 already ended SUCCESS"),
    "storage": StorageError("postgresql failed: connection refused"),
    "other": LannerError("something the user did"),
    "bug": RuntimeError("password=hunter2 in a stack frame"),
}


class Body(BaseModel):
    name: str
    count: int


def _with_raising_routes(app: FastAPI) -> FastAPI:
    @app.get("/test/raise/{kind}")
    async def raise_it(kind: str) -> None:
        raise _RAISED[kind]

    @app.post("/test/body")
    async def take_body(body: list[Body]) -> int:
        return len(body)

    return app


@pytest.fixture
async def error_client(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serve(_with_raising_routes(create_app(engine)), engine) as live,
        httpx.AsyncClient(base_url=live.url, timeout=30) as http,
    ):
        yield http


async def test_lanner_errors_map_to_status_codes_with_located_issues(error_client: httpx.AsyncClient) -> None:
    expected = {"flow": 422, "inputs": 422, "expression": 422, "missing": 404, "conflict": 409, "storage": 503, "other": 400}
    for kind, status in expected.items():
        response = await error_client.get(f"/test/raise/{kind}")

        assert response.status_code == status, kind
        body = response.json()
        assert set(body) == {"message", "errors"}, kind
        assert body["message"], kind

    flow = (await error_client.get("/test/raise/flow")).json()
    expression = (await error_client.get("/test/raise/expression")).json()

    assert flow["errors"] == [
        {"message": "must not be empty", "path": "tasks", "line": 3, "column": 8, "hint": "add a task", "kind": "invalid"}
    ]
    assert "must not be empty" in flow["message"]
    assert expression["errors"][0]["message"] == "unexpected end of template"
    assert expression["errors"][0]["line"] == 1


async def test_unexpected_and_http_errors_share_the_shape(error_client: httpx.AsyncClient) -> None:
    response = await error_client.get("/test/raise/bug")

    assert response.status_code == 500
    assert response.json() == {"message": "internal server error; the server log has the details", "errors": []}
    assert "hunter2" not in response.text and "Traceback" not in response.text

    unknown = await error_client.get("/api/v1/no/such/route")
    wrong_method = await error_client.patch("/health")

    assert unknown.status_code == 404 and unknown.json() == {"message": "Not Found", "errors": []}
    assert wrong_method.status_code == 405 and wrong_method.json()["message"] == "Method Not Allowed"


async def test_request_validation_names_the_json_path(error_client: httpx.AsyncClient) -> None:
    wrong_type = await error_client.post("/test/body", json=[{"name": "a", "count": 1}, {"name": "b", "count": "many"}])
    missing = await error_client.post("/test/body", json=[{"count": 1}])
    not_json = await error_client.post("/test/body", content=b'[{"name": ', headers={"Content-Type": "application/json"})

    assert wrong_type.status_code == 422
    assert [e["path"] for e in wrong_type.json()["errors"]] == ["body[1].count"]
    assert "many" not in wrong_type.text  # the value sent is not echoed (it may be a secret)
    assert missing.json()["errors"][0]["path"] == "body[0].name" and missing.json()["errors"][0]["hint"] == "add this field"
    assert not_json.status_code == 422
    assert not_json.json()["errors"][0]["message"].startswith("the body is not valid JSON")
