"""Fixtures of the HA tests: the private PostgreSQL cluster (``private_pg.py``), shared by the session."""

from .private_pg import private_pg

__all__ = ["private_pg"]
