"""Notifications plugin: incoming-webhook messages (Slack, Teams, Discord, Google Chat) and
execution summaries (Slack, Teams, Discord) for `errors` branches and Flow-triggered alert flows,
under Kestra's ``io.kestra.plugin.notifications.*`` names.
"""

from lanner.plugins.notifications import execution, webhook

__all__ = ["execution", "webhook"]
