"""Airbyte plugin: Sync a connection, CheckStatus of a job and Reset streams on a self-hosted Airbyte
(configuration API), Sync and Reset on Airbyte Cloud (public API), under Kestra's names.

Uses httpx only. See docs/plugins-reference.md for what is verified and how.
"""

from lanner.plugins.airbyte import cloud, connections

__all__ = ["cloud", "connections"]
