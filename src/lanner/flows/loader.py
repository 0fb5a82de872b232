"""Reading a flow: YAML text → checked ``Flow`` model, or every problem found, located.

    source ──load_yaml──▶ data + positions ──pluginDefaults──▶ data ──Flow.model_validate──▶ Flow
                  │                                 │                       │
             syntax issues                 semantic checks          structural issues

All issues are gathered before anything is raised, so the user fixes a file in one pass.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError

from lanner.errors import FlowValidationError, Issue
from lanner.flows.checks import semantic_issues
from lanner.flows.defaults import apply_plugin_defaults
from lanner.flows.source import Document, load_yaml
from lanner.flows.structure import structural_issues
from lanner.models.flow import Flow
from lanner.models.input_values import describe_value
from lanner.models.registry import Registry, default_registry

__all__ = ["load_flow_file", "parse_flow", "validate_flow"]

log = logging.getLogger(__name__)


def parse_flow(source: str, *, filename: str | None = None, registry: Registry | None = None, stored: bool = False) -> Flow:
    """The flow written in ``source``; raises ``FlowValidationError`` listing every problem.

    ``registry`` must be the registry whose types ``Flow`` was last built with (the default
    registry, unless a test froze another one). ``stored``: ``source`` is a stored revision,
    read without a problem when it was saved (its YAML is then parsed the fast way: see
    ``load_yaml``).
    """
    flow, issues = _read(source, filename, registry, stored)
    if issues or flow is None:
        raise FlowValidationError(issues or [Issue("the flow is empty", source=filename, line=1, column=1)])
    return flow


def validate_flow(source: str, *, filename: str | None = None, registry: Registry | None = None) -> list[Issue]:
    """Every problem of the flow in ``source`` (an empty list when it is valid)."""
    flow, issues = _read(source, filename, registry)
    if not issues and flow is None:
        return [Issue("the flow is empty", source=filename, line=1, column=1, kind="invalid")]
    return issues


def load_flow_file(path: str | FilePath, *, registry: Registry | None = None) -> Flow:
    """The flow in the YAML file at ``path`` (UTF-8)."""
    file = FilePath(path)
    return parse_flow(file.read_text(encoding="utf-8"), filename=str(file), registry=registry)


def _read(source: str, filename: str | None, registry: Registry | None, stored: bool = False) -> tuple[Flow | None, list[Issue]]:
    registry = registry or default_registry()
    doc = load_yaml(source, filename, stored=stored)
    issues = list(doc.issues)
    if not doc.readable or doc.data is None:
        return None, issues
    if not isinstance(doc.data, Mapping):
        issues.append(
            Issue(
                f"a flow must be a map of properties (id, namespace, tasks…), got {describe_value(doc.data)}",
                line=1,
                column=1,
                source=filename,
                hint="start the file with `id: my_flow`",
            )
        )
        return None, issues
    flow: Flow | None = None
    try:
        data = apply_plugin_defaults(doc.data, registry)
        issues.extend(_guard_labels(data, doc, filename))
        try:
            flow = Flow.model_validate(data)
        except ValidationError as exc:
            issues.extend(structural_issues(exc.errors(), data, doc.positions, registry, filename))
        issues.extend(semantic_issues(data, doc.positions, registry, source, filename))
    except RecursionError:
        issues.append(Issue("the flow is nested too deeply", source=filename, line=1, column=1))
    except Exception as exc:  # never a traceback for a user's file: report what broke, log the rest
        log.exception("unexpected error while validating %s", filename or "a flow")
        issues.append(
            Issue(f"internal error while validating the flow: {exc!r}", source=filename, line=1, column=1, kind="internal")
        )
    issues = _unique(issues)
    return (flow if not issues else None), issues


def _guard_labels(data: dict[str, Any], doc: Document, filename: str | None) -> list[Issue]:
    """Flow-level ``labels`` given as a list must hold ``{key, value}`` maps.

    ``Flow``'s label validator indexes the items without checking them, so malformed items are
    reported here and the property is left out of the model validation.
    """
    labels = data.get("labels")
    if not isinstance(labels, list):
        return []
    issues = []
    for index, item in enumerate(labels):
        if not (isinstance(item, Mapping) and isinstance(item.get("key"), str) and isinstance(item.get("value"), str)):
            where = doc.positions.value(("labels", index)) or doc.positions.nearest(("labels",))
            issues.append(
                Issue(
                    f"expected a label as a map with `key` and `value` strings, got {describe_value(item)}",
                    path=f"labels[{index}]",
                    line=where.line if where else None,
                    column=where.column if where else None,
                    hint="or write labels as a map: `labels: {team: data}`",
                    source=filename,
                )
            )
    if issues:
        del data["labels"]
    return issues


def _unique(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[Any, ...]] = set()
    result = []
    for issue in sorted(issues, key=lambda i: (i.line or 0, i.column or 0, i.path, i.message)):
        key = (issue.line, issue.column, issue.path, issue.message)
        if key not in seen:
            seen.add(key)
            result.append(issue)
    return result
