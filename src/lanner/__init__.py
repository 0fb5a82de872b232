"""Lanner: a declarative, durable data orchestrator for Kestra-format YAML flows."""

__version__ = "0.1.0"
