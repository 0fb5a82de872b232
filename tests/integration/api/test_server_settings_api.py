"""Settings reach the running app: webhook body limit and wait timeout; the OpenAPI document
describes every operation once."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.routing import APIRoute

from lanner.api.app import create_app
from lanner.engine.engine import Engine
from lanner.settings import load_settings

from ...live_server import serve

PAUSING = """
id: slow
namespace: company.team
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: slow-key
    wait: true
"""
HOOK = "/api/v1/executions/webhook/company.team/slow/slow-key"


@pytest.fixture
async def tuned(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    """A server whose settings come from ``LANNER_*`` variables: a 64-byte webhook body limit
    and webhooks that wait half a second at most."""
    settings = load_settings(environ={"LANNER_WEBHOOK_MAX_BODY": "64", "LANNER_WEBHOOK_WAIT_TIMEOUT": "0.5"})
    async with (
        serve(create_app(engine, settings), engine) as live,
        httpx.AsyncClient(base_url=live.url, timeout=30) as client,
    ):
        yield client


async def test_webhook_body_limit_comes_from_the_settings(engine: Engine, tuned: httpx.AsyncClient) -> None:
    await engine.deploy(PAUSING)

    too_large = await tuned.post(HOOK, content=b"x" * 65, headers={"Content-Type": "text/plain"})

    assert too_large.status_code == 413
    assert "64 bytes" in too_large.json()["message"]


async def test_webhook_wait_ends_at_the_configured_timeout(engine: Engine, tuned: httpx.AsyncClient) -> None:
    await engine.deploy(PAUSING)

    answer = await tuned.post(HOOK, content=b"small", headers={"Content-Type": "text/plain"})

    # the execution never ends by itself (it pauses): the call answers with it as it is
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"]["current"] in ("CREATED", "RUNNING", "PAUSED")


async def test_openapi_has_a_summary_and_a_unique_id_per_operation(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()

    operations = [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()]
    assert len(operations) > 50
    missing = [f"{method.upper()} {path}" for path, method, op in operations if not op.get("summary", "").strip()]
    assert missing == []
    counts = Counter(op["operationId"] for _, _, op in operations)
    assert [name for name, count in counts.items() if count > 1] == []
    # the tenant-prefixed copies answer, but are not described twice
    assert not [path for path in spec["paths"] if path.startswith("/api/v1/main/")]
    assert "/api/v1/flows/{namespace}/{flow_id}" in spec["paths"]
    assert "/api/v1/executions/webhook/{namespace}/{flow_id}/{key}" in spec["paths"]


def test_every_documented_route_has_a_summary_written_for_it(engine: Engine) -> None:
    """Not the title FastAPI makes of the function's name: a sentence for the docs page."""
    app = create_app(engine)
    routes = [route for route in app.routes if isinstance(route, APIRoute) and route.include_in_schema]
    assert routes
    assert [f"{sorted(route.methods)} {route.path}" for route in routes if not route.summary] == []
