"""Hightouch plugin: trigger a sync run (by sync id or slug), wait for it, and report its rows
(Kestra's ``io.kestra.plugin.hightouch.Sync``). Uses Hightouch's REST API v1 through httpx.
"""

from lanner.plugins.hightouch import sync

__all__ = ["sync"]
