"""The plan: what applying a folder would change on a server.

``compute_plan`` compares the folder's flows and namespace files with the server's, within
the namespaces the folder manages (``managed_namespaces``):

- a flow of the folder missing on the server is *created*; one whose source differs is
  *updated* (a new revision); with ``prune``, a flow of a managed namespace that the folder no
  longer holds is *deleted* (without it, it is left alone and counted as unmanaged);
- namespace files are compared byte for byte, in the namespaces with a ``_files/<namespace>``
  folder only (so files uploaded by hand elsewhere are never pruned);
- trigger changes follow from the flow changes (``triggers.trigger_changes``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from lanner.flows_as_code.folder import Folder, LocalFlow, is_under
from lanner.flows_as_code.triggers import TriggerChange, trigger_changes

__all__ = ["FileChange", "FlowChange", "Plan", "RemoteFlow", "compute_plan", "managed_namespaces", "namespace_roots"]


@dataclass(frozen=True, slots=True)
class RemoteFlow:
    namespace: str
    id: str
    revision: int
    source: str


@dataclass(frozen=True, slots=True)
class FlowChange:
    action: Literal["create", "update", "delete"]
    namespace: str
    id: str
    #: the local file (None for a deletion)
    file: str | None
    #: the server's current revision (None for a creation)
    revision: int | None
    before: str | None
    after: str | None

    @property
    def uid(self) -> str:
        return f"{self.namespace}.{self.id}"

    def diff(self) -> list[str]:
        """A unified diff of the YAML source, server → folder, as lines without newlines."""
        name = f"{self.namespace}/{self.id}.yml"
        return list(
            difflib.unified_diff(
                (self.before or "").splitlines(),
                (self.after or "").splitlines(),
                fromfile=f"server/{name}" + (f" (revision {self.revision})" if self.revision else ""),
                tofile=self.file or f"folder/{name}",
                lineterm="",
            )
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "namespace": self.namespace,
            "id": self.id,
            "file": self.file,
            "revision": self.revision,
            "diff": "\n".join(self.diff()) + "\n",
        }


@dataclass(frozen=True, slots=True)
class FileChange:
    action: Literal["create", "update", "delete"]
    namespace: str
    path: str
    #: the local file (None for a deletion)
    file: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "namespace": self.namespace, "path": self.path, "file": self.file}


@dataclass(slots=True)
class Plan:
    server: str
    prune: bool
    namespaces: list[str]
    flows: list[FlowChange] = field(default_factory=list)
    triggers: list[TriggerChange] = field(default_factory=list)
    files: list[FileChange] = field(default_factory=list)
    unchanged: int = 0
    #: flows of managed namespaces on the server, not in the folder, kept (no ``prune``)
    unmanaged: list[str] = field(default_factory=list)
    #: the local flows of each namespace to post (every one, so the namespace is whole)
    local: dict[str, list[LocalFlow]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.flows or self.files)

    def count(self, action: str) -> int:
        return sum(1 for change in self.flows if change.action == action)

    def flow_namespaces(self) -> list[str]:
        """Namespaces whose flows change, in order."""
        return sorted({change.namespace for change in self.flows})

    def summary(self) -> str:
        text = ", ".join(f"{self.count(a)} to {a}" for a in ("create", "update", "delete"))
        text += f" ({self.unchanged} unchanged)"
        if self.files:
            text += f"; {len(self.files)} namespace file{'s' if len(self.files) != 1 else ''} to change"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "prune": self.prune,
            "namespaces": self.namespaces,
            "changes": len(self.flows) + len(self.files),
            "summary": {
                "create": self.count("create"),
                "update": self.count("update"),
                "delete": self.count("delete"),
                "unchanged": self.unchanged,
                "files": len(self.files),
            },
            "flows": [change.to_json() for change in self.flows],
            "triggers": [change.to_json() for change in self.triggers],
            "files": [change.to_json() for change in self.files],
            "unmanaged": self.unmanaged,
        }


def managed_namespaces(folder: Folder, namespace: str | None, remote_namespaces: Iterable[str] = ()) -> list[str]:
    """The namespaces the folder manages: those it declares something for; with
    ``namespace``, that namespace and every namespace below it (on the server too)."""
    found = set(folder.namespaces)
    if namespace is not None:
        found = {ns for ns in found if is_under(ns, namespace)} | {namespace}
        found |= {ns for ns in remote_namespaces if is_under(ns, namespace)}
    return sorted(found)


def namespace_roots(namespaces: Iterable[str]) -> list[str]:
    """The fewest namespaces whose subtrees cover ``namespaces``."""
    roots: list[str] = []
    for ns in sorted(set(namespaces)):
        if not any(is_under(ns, root) for root in roots):
            roots.append(ns)
    return roots


def compute_plan(
    folder: Folder,
    remote: Iterable[RemoteFlow],
    remote_files: Mapping[str, Mapping[str, bytes]],
    *,
    server: str,
    namespaces: list[str],
    prune: bool,
) -> Plan:
    """What applying ``folder`` changes, given the server's flows and namespace files (of the
    namespaces with a ``_files`` folder) of the ``namespaces`` managed."""
    managed = set(namespaces)
    plan = Plan(server=server, prune=prune, namespaces=namespaces)
    on_server = {(flow.namespace, flow.id): flow for flow in remote if flow.namespace in managed}
    for flow in sorted(folder.flows, key=lambda f: (f.namespace, f.id)):
        plan.local.setdefault(flow.namespace, []).append(flow)
        current = on_server.get((flow.namespace, flow.id))
        if current is None:
            plan.flows.append(FlowChange("create", flow.namespace, flow.id, flow.file, None, None, flow.source))
        elif current.source != flow.source:
            plan.flows.append(
                FlowChange("update", flow.namespace, flow.id, flow.file, current.revision, current.source, flow.source)
            )
        else:
            plan.unchanged += 1
    local = {(flow.namespace, flow.id) for flow in folder.flows}
    for key, current in sorted(on_server.items()):
        if key in local:
            continue
        if prune:
            plan.flows.append(FlowChange("delete", current.namespace, current.id, None, current.revision, current.source, None))
        else:
            plan.unmanaged.append(f"{current.namespace}.{current.id}")
    for change in plan.flows:
        plan.triggers.extend(trigger_changes(change.namespace, change.id, change.before, change.after))
    plan.files = _file_changes(folder, remote_files, prune)
    return plan


def _file_changes(folder: Folder, remote_files: Mapping[str, Mapping[str, bytes]], prune: bool) -> list[FileChange]:
    changes: list[FileChange] = []
    local_paths: dict[str, set[str]] = {}
    for item in sorted(folder.files, key=lambda f: (f.namespace, f.path)):
        local_paths.setdefault(item.namespace, set()).add(item.path)
        current = remote_files.get(item.namespace, {}).get(item.path)
        if current is None:
            changes.append(FileChange("create", item.namespace, item.path, str(item.file)))
        elif current != item.file.read_bytes():
            changes.append(FileChange("update", item.namespace, item.path, str(item.file)))
    if prune:
        for namespace in sorted(folder.file_namespaces):
            for path in sorted(remote_files.get(namespace, {})):
                if path not in local_paths.get(namespace, set()):
                    changes.append(FileChange("delete", namespace, path))
    return changes
