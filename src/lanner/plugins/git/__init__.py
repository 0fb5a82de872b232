"""Git plugin: Clone a repository; SyncFlows / SyncNamespaceFiles from a Git folder into a namespace,
PushFlows / PushNamespaceFiles from a namespace to a Git branch (Kestra's ``io.kestra.plugin.git``
names), with the real ``git`` command.
"""

from lanner.plugins.git import clone, flows, namespace_files

__all__ = ["clone", "flows", "namespace_files"]
