"""A folder of flows as code: what it holds, read and validated in one pass.

    flows/                          any layout: files are found recursively
      company/team/hello.yml        a flow (any *.yml / *.yaml not listed below)
      company/team/hello.test.yml   flow tests (`lanner test`), never sent to the server
      company/_namespace.yml        a namespace module (``modules``): pluginDefaults per namespace
      _files/company.team/etl.py    namespace files: ``_files/<namespace>/<path>``

Folders and files whose name starts with ``.`` are skipped (``.git``, ``.github``…).

Each flow is read as the server will store it (``stored_form``), merged with its namespaces'
``pluginDefaults``, then validated with the same validator as ``lanner flow validate`` and the
server; every problem is reported with the file, line and column it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lanner.errors import Issue
from lanner.flows import validate_flow
from lanner.flows.source import load_yaml
from lanner.flows_as_code.modules import MODULE_NAMES, NamespaceModule, Rendered, parse_module, render_flow
from lanner.models.flow import NAMESPACE_PATTERN
from lanner.models.registry import Registry

__all__ = ["FILES_DIR", "Folder", "LocalFile", "LocalFlow", "is_under", "read_folder", "read_text", "stored_form"]

#: the folder of namespace files, directly in the managed folder
FILES_DIR = "_files"
TEST_SUFFIXES = (".test.yml", ".test.yaml")
_MARKER = re.compile(r"^---(?=\s|$)")
_NAMESPACE = re.compile(NAMESPACE_PATTERN)


@dataclass(frozen=True, slots=True)
class LocalFlow:
    namespace: str
    id: str
    #: the file, relative to the folder
    file: str
    #: the text to store: as written, plus the namespaces' pluginDefaults
    source: str
    path: Path

    @property
    def uid(self) -> str:
        return f"{self.namespace}.{self.id}"


@dataclass(frozen=True, slots=True)
class LocalFile:
    namespace: str
    #: path in the namespace (``scripts/etl.py``)
    path: str
    file: Path


@dataclass(slots=True)
class Folder:
    root: Path
    flows: list[LocalFlow] = field(default_factory=list)
    files: list[LocalFile] = field(default_factory=list)
    modules: dict[str, NamespaceModule] = field(default_factory=dict)
    #: namespaces with a ``_files/<namespace>`` folder: their namespace files are managed
    file_namespaces: set[str] = field(default_factory=set)
    tests: list[Path] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def namespaces(self) -> set[str]:
        """Every namespace the folder declares something for."""
        return {flow.namespace for flow in self.flows} | set(self.modules) | self.file_namespaces


def is_under(namespace: str, parent: str) -> bool:
    """Whether ``namespace`` is ``parent`` or below it."""
    return namespace == parent or namespace.startswith(parent + ".")


def read_text(path: Path, name: str) -> tuple[str | None, list[Issue]]:
    """A file's UTF-8 text (a leading BOM dropped), or a located issue."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Issue(f"cannot read: {exc.strerror or exc}", source=name, kind="syntax")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        issue = Issue(
            "cannot read: not UTF-8 text", line=line, column=column, source=name, hint="save it as UTF-8", kind="syntax"
        )
        return None, [issue]


def stored_form(text: str, name: str) -> tuple[str, int, list[Issue]]:
    """The text as the server stores a posted flow (no leading blank lines nor ``---``
    marker, one final newline), the line of ``text`` it starts at, and an issue if the file
    holds several YAML documents (the API would read them as several flows)."""
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        if not _MARKER.match(line):
            continue
        before = lines[: number - 1]
        if any(item.strip() and not item.lstrip().startswith("#") for item in before):
            issue = Issue(
                "a line starting with `---` starts another YAML document; a flow file holds one flow",
                line=number,
                column=1,
                source=name,
                hint="put each flow in its own file (or indent this line if it is part of a text block)",
            )
            return text, 1, [issue]
        lines = ["\n"] * (number - 1) + ["   " + line[3:], *lines[number:]]
    first = 1
    while lines and not lines[0].strip():
        lines.pop(0)
        first += 1
    return "".join(lines).rstrip() + "\n", first, []


def read_folder(root: Path, *, namespace: str | None = None, registry: Registry | None = None) -> Folder:
    """Everything ``root`` holds (within ``namespace`` and below it, when given), validated."""
    folder = Folder(root)
    flow_paths: list[Path] = []
    module_paths: list[Path] = []
    for path in _walk(root):
        relative = path.relative_to(root)
        if relative.parts[0] == FILES_DIR:
            _add_file(folder, relative, path, namespace)
        elif path.name in MODULE_NAMES:
            module_paths.append(path)
        elif path.name.endswith(TEST_SUFFIXES):
            folder.tests.append(path)
        elif path.suffix in (".yml", ".yaml"):
            flow_paths.append(path)
    for path in module_paths:
        _add_module(folder, path, namespace)
    seen: dict[tuple[str, str], str] = {}
    for path in flow_paths:
        _add_flow(folder, path, namespace, seen, registry)
    return folder


def _walk(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        yield path


def _name(path: Path) -> str:
    """How a file is named in messages: relative to the current folder when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _add_file(folder: Folder, relative: Path, path: Path, namespace: str | None) -> None:
    if len(relative.parts) < 3:
        folder.issues.append(
            Issue(
                f"a namespace file must be under {FILES_DIR}/<namespace>/",
                source=_name(path),
                hint=f"move it to {FILES_DIR}/company.team/{relative.name}",
            )
        )
        return
    ns = relative.parts[1]
    if not _NAMESPACE.match(ns):
        folder.issues.append(
            Issue(f"{ns!r} is not a namespace name (lowercase letters, digits, `.`, `_`, `-`)", source=_name(path))
        )
        return
    if namespace is not None and not is_under(ns, namespace):
        return
    folder.file_namespaces.add(ns)
    folder.files.append(LocalFile(ns, "/".join(relative.parts[2:]), path))


def _add_module(folder: Folder, path: Path, namespace: str | None) -> None:
    name = _name(path)
    text, issues = read_text(path, name)
    if text is None:
        folder.issues.extend(issues)
        return
    module, issues = parse_module(text, name, path.relative_to(folder.root).as_posix())
    folder.issues.extend(issues)
    if module is None:
        return
    other = folder.modules.get(module.namespace)
    if other is not None:
        folder.issues.append(
            Issue(
                f"namespace {module.namespace} already has a module: {other.file}",
                path="namespace",
                source=name,
                hint="keep one _namespace.yml per namespace",
            )
        )
        return
    # a parent's module applies below it: kept even when --namespace selects a child
    if namespace is None or is_under(module.namespace, namespace) or is_under(namespace, module.namespace):
        folder.modules[module.namespace] = module


def modules_for(modules: Mapping[str, NamespaceModule], namespace: str) -> list[NamespaceModule]:
    """The modules that apply to a flow of ``namespace``, nearest first."""
    found = []
    parts = namespace.split(".")
    for end in range(len(parts), 0, -1):
        module = modules.get(".".join(parts[:end]))
        if module is not None:
            found.append(module)
    return found


def _add_flow(
    folder: Folder, path: Path, namespace: str | None, seen: dict[tuple[str, str], str], registry: Registry | None
) -> None:
    name = _name(path)
    text, issues = read_text(path, name)
    if text is None:
        folder.issues.extend(issues)
        return
    text, first, issues = stored_form(text, name)
    if issues:
        folder.issues.extend(issues)
        return
    data = load_yaml(text).data
    ns = data.get("namespace") if isinstance(data, Mapping) else None
    flow_id = data.get("id") if isinstance(data, Mapping) else None
    if namespace is not None and isinstance(ns, str) and not is_under(ns, namespace):
        return
    rendered, issues = render_flow(text, modules_for(folder.modules, ns)) if isinstance(ns, str) else (Rendered(text), [])
    issues += validate_flow(rendered.source, filename=name, registry=registry)
    if issues:
        folder.issues.extend(rendered.locate(issue, name, first) for issue in issues)
        return
    assert isinstance(ns, str) and isinstance(flow_id, str)  # a valid flow has both
    other = seen.get((ns, flow_id))
    if other is not None:
        mark = load_yaml(text).positions.value(("id",))
        folder.issues.append(
            Issue(
                f"flow {ns}.{flow_id} is also defined in {other}",
                path="id",
                line=(mark.line + first - 1) if mark else None,
                column=mark.column if mark else None,
                source=name,
                hint="give each flow a unique id in its namespace",
            )
        )
        return
    seen[(ns, flow_id)] = name
    folder.flows.append(LocalFlow(ns, flow_id, name, rendered.source, path))
