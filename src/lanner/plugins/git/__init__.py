"""Git plugin: Clone a repository, SyncFlows from a Git folder into a namespace, PushFlows from a
namespace to a Git branch (Kestra's ``io.kestra.plugin.git`` names), with the real ``git`` command.
"""

from lanner.plugins.git import clone, flows

__all__ = ["clone", "flows"]
