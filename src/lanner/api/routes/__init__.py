"""API v1 route modules. Each module exposes ``router`` (a FastAPI ``APIRouter``); ``ROUTERS``
lists them in the order they are mounted. Every router is served at ``/api/v1`` and again at
``/api/v1/main`` (Kestra's default tenant), so Kestra clients work unchanged."""

from __future__ import annotations

from fastapi import APIRouter

from lanner.api.routes import (
    blueprints,
    execution_stats,
    executions,
    flows,
    kv,
    logs,
    namespaces,
    plugins,
    secrets,
    triggers,
    webhooks,
)

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    webhooks.router,
    flows.router,
    execution_stats.router,  # before `POST /executions/{namespace}/{id}`
    executions.router,
    logs.router,
    kv.router,
    namespaces.router,
    secrets.router,
    triggers.router,
    plugins.router,
    blueprints.router,
]
