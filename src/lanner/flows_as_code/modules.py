"""Namespace modules: a ``_namespace.yml`` file sets ``pluginDefaults`` for a whole namespace.

    namespace: company.data
    pluginDefaults:
      - type: io.kestra.plugin.core.http.Request
        values:
          headers: {Authorization: "Bearer {{ secret('DATA_API_TOKEN') }}"}

Its entries are added to the ``pluginDefaults`` of every flow of that namespace and of the
namespaces below it, after the flow's own entries: a flow's own default wins over its
namespace's, and a namespace's over its parent's (for plain and ``forced`` defaults alike,
the first entry listed wins). The merge is done on the flow's text before it is validated and
sent, so the server stores, shows and runs exactly what ``lanner plan`` printed; nothing
namespace-wide has to exist on the server.

The added entries are inserted as text (the flow's own lines are kept as written) and
``Rendered.locate`` maps a position in the merged text back to the file it came from.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ruamel.yaml import YAML

from lanner.errors import Issue
from lanner.flows.source import Document, load_yaml
from lanner.models.flow import NAMESPACE_PATTERN

__all__ = ["MODULE_NAMES", "NamespaceModule", "Rendered", "parse_module", "render_flow"]

#: file names of namespace modules
MODULE_NAMES = ("_namespace.yml", "_namespace.yaml")
_NAMESPACE = re.compile(NAMESPACE_PATTERN)
_KEYS = ("namespace", "pluginDefaults")
_ENTRY_KEYS = ("type", "values", "forced")


@dataclass(frozen=True, slots=True)
class NamespaceModule:
    """The defaults one ``_namespace.yml`` declares for ``namespace``."""

    namespace: str
    #: the file, as messages name it
    file: str
    plugin_defaults: list[dict[str, Any]] = field(default_factory=list)
    #: the file relative to the managed folder, as the merged flow's comment names it
    origin: str = "_namespace.yml"


def parse_module(text: str, filename: str, origin: str = "_namespace.yml") -> tuple[NamespaceModule | None, list[Issue]]:
    """The module written in ``text``, or every problem found (located)."""
    doc = load_yaml(text, filename)
    issues = list(doc.issues)
    if not doc.readable:
        return None, issues
    data = doc.data
    if not isinstance(data, Mapping):
        issues.append(_issue(doc, (), "a namespace module must be a map with `namespace` and `pluginDefaults`", filename))
        return None, issues
    for key in data:
        if key not in _KEYS:
            issues.append(
                _issue(
                    doc,
                    (key,),
                    f"unknown property {key!r}",
                    filename,
                    hint="a module holds `namespace` and `pluginDefaults`",
                    key=True,
                )
            )
    namespace = data.get("namespace")
    if not isinstance(namespace, str) or not _NAMESPACE.match(namespace):
        issues.append(
            _issue(
                doc,
                ("namespace",),
                "`namespace` must name the namespace these defaults are for (lowercase letters, digits, `.`, `_`, `-`)",
                filename,
                hint="add `namespace: company.team`",
            )
        )
    entries = data.get("pluginDefaults") or []
    if not isinstance(entries, list):
        issues.append(_issue(doc, ("pluginDefaults",), "`pluginDefaults` must be a list of `{type, values}` maps", filename))
        entries = []
    for index, entry in enumerate(entries):
        issues.extend(_entry_issues(doc, index, entry, filename))
    if issues or not isinstance(namespace, str):
        return None, sorted(issues, key=lambda i: (i.line or 0, i.column or 0))
    return NamespaceModule(namespace, filename, [dict(entry) for entry in entries], origin), []


def _entry_issues(doc: Document, index: int, entry: Any, filename: str) -> list[Issue]:
    where: tuple[str | int, ...] = ("pluginDefaults", index)
    if not isinstance(entry, Mapping):
        return [_issue(doc, where, "expected a map with `type` and `values`", filename)]
    issues = []
    if not isinstance(entry.get("type"), str) or not entry["type"]:
        issues.append(_issue(doc, (*where, "type"), "`type` must name a task or trigger type (or a prefix of one)", filename))
    if not isinstance(entry.get("values"), Mapping):
        issues.append(_issue(doc, (*where, "values"), "`values` must be a map of property values", filename))
    if "forced" in entry and not isinstance(entry["forced"], bool):
        issues.append(_issue(doc, (*where, "forced"), "`forced` must be true or false", filename))
    issues.extend(
        _issue(
            doc,
            (*where, key),
            f"unknown property {key!r}",
            filename,
            hint="an entry holds `type`, `values` and `forced`",
            key=True,
        )
        for key in entry
        if key not in _ENTRY_KEYS
    )
    return issues


def _issue(
    doc: Document, path: tuple[str | int, ...], message: str, filename: str, *, hint: str | None = None, key: bool = False
) -> Issue:
    """An issue at the value of ``path`` (``key``: at the key itself, for unknown properties)."""
    mark = doc.positions.key(path) if key and path else None
    mark = mark or doc.positions.nearest(path)
    text = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")
    return Issue(message, path=text, line=mark.line if mark else 1, column=mark.column if mark else 1, hint=hint, source=filename)


# ---------------------------------------------------------------------------- merging into a flow


@dataclass(frozen=True, slots=True)
class Rendered:
    """A flow's text with its namespaces' defaults inserted after line ``after`` (``count`` lines)."""

    source: str
    after: int = 0
    count: int = 0
    modules: tuple[str, ...] = ()

    def locate(self, issue: Issue, filename: str, first_line: int = 1) -> Issue:
        """``issue`` (positioned in ``source``) positioned in the file it comes from; the file's
        text started at its line ``first_line`` (leading lines dropped when normalised)."""
        line = issue.line
        if line is None:
            return replace(issue, source=filename)
        if self.count and self.after < line <= self.after + self.count:
            return replace(issue, source=", ".join(self.modules) or filename, line=None, column=None)
        if self.count and line > self.after + self.count:
            line -= self.count
        return replace(issue, source=filename, line=line + first_line - 1)


def render_flow(text: str, modules: Sequence[NamespaceModule]) -> tuple[Rendered, list[Issue]]:
    """``text`` with the entries of ``modules`` (nearest namespace first) added to its
    ``pluginDefaults``; an issue if the flow's own ``pluginDefaults`` cannot take them."""
    groups = [module for module in modules if module.plugin_defaults]
    if not groups:
        return Rendered(text), []
    doc = load_yaml(text)
    data = doc.data
    if not doc.readable or not isinstance(data, Mapping):
        return Rendered(text), []  # validation reports what is wrong with the flow itself
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    own = data.get("pluginDefaults", _MISSING)
    if own is _MISSING:
        block = ["pluginDefaults:\n", *_entries_text(groups, indent=2)]
        return _insert(lines, len(lines), block, groups), []
    key = doc.positions.key(("pluginDefaults",))
    value = doc.positions.value(("pluginDefaults",))
    if key is None:
        return Rendered(text), []
    if own is None or own == []:
        if value is not None and value.line == key.line and own == []:
            return Rendered(text), [_flow_style_issue(key.line, key.column)]
        # `pluginDefaults:` with nothing after it: the entries go right below the key
        return _insert(lines, key.line, _entries_text(groups, indent=2), groups), []
    if not isinstance(own, list):
        return Rendered(text), []  # validation reports it
    if value is None or value.line == key.line:
        return Rendered(text), [_flow_style_issue(key.line, key.column)]
    indent = value.column - 1
    end = _block_end(lines, doc, key.line)
    return _insert(lines, end, _entries_text(groups, indent=indent), groups), []


_MISSING: Any = object()


def _flow_style_issue(line: int, column: int) -> Issue:
    return Issue(
        "the namespace's pluginDefaults cannot be added to a `pluginDefaults` written on one line",
        path="pluginDefaults",
        line=line,
        column=column,
        hint="write the flow's pluginDefaults as a block list (one `- type: …` entry per line)",
    )


def _block_end(lines: list[str], doc: Document, key_line: int) -> int:
    """The last line of the top-level block that starts at ``key_line`` (blank lines and
    column-0 comments before the next key belong to what follows)."""
    following = [mark.line for path, mark in doc.positions.keys.items() if len(path) == 1 and mark.line > key_line]
    end = min(following) - 1 if following else len(lines)
    while end > key_line and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    return end


def _entries_text(groups: Sequence[NamespaceModule], *, indent: int) -> list[str]:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    out: list[str] = []
    pad = " " * indent
    for module in groups:
        buffer = io.StringIO()
        yaml.dump(module.plugin_defaults, buffer)
        body = textwrap.indent(textwrap.dedent(buffer.getvalue()), pad)
        out.append(f"{pad}# pluginDefaults of namespace {module.namespace} ({module.origin})\n")
        out.extend(body.splitlines(keepends=True))
    return out


def _insert(lines: list[str], after: int, block: list[str], groups: Sequence[NamespaceModule]) -> Rendered:
    merged = [*lines[:after], *block, *lines[after:]]
    return Rendered("".join(merged), after, len(block), tuple(module.file for module in groups))
