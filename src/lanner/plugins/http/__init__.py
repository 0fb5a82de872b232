"""HTTP plugin: a polling Trigger that starts an execution when an HTTP response matches a condition
(Kestra's ``io.kestra.plugin.core.http.Trigger``)."""

from lanner.plugins.http import trigger

__all__ = ["trigger"]
