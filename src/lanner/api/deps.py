"""Request-scoped dependencies shared by the route modules."""

from __future__ import annotations

from fastapi import Request

from lanner.engine.engine import Engine

__all__ = ["engine_of"]


def engine_of(request: Request) -> Engine:
    """The engine the application serves."""
    engine: Engine = request.app.state.engine
    return engine
