"""API v1 route modules. Each module exposes ``router`` (a FastAPI ``APIRouter``); ``ROUTERS``
lists them in the order they are mounted. Every router is served at ``/api/v1`` and again at
``/api/v1/main`` (Kestra's default tenant), so Kestra clients work unchanged."""

from __future__ import annotations

from fastapi import APIRouter

from lanner.api.routes import blueprints, executions, flows, kv, logs, namespaces, plugins, triggers, webhooks

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    webhooks.router,
    flows.router,
    executions.router,
    logs.router,
    kv.router,
    namespaces.router,
    triggers.router,
    plugins.router,
    blueprints.router,
]
