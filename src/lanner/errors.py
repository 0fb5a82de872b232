"""Every exception Lanner raises, in one tree.

    LannerError
    ├── FlowValidationError      a flow (YAML or dict) is invalid; carries every issue found
    ├── InputError               execution inputs do not match the flow's declared inputs
    ├── ExpressionError          a ``{{ expression }}`` cannot be parsed or rendered
    ├── TaskFailure              a task attempt failed; carries whether a retry may help
    │   └── TaskTimeout          the attempt ran past its ``timeout``
    ├── NotFoundError            a flow, execution, task run or file does not exist
    ├── ConflictError            the request conflicts with the stored state
    ├── StorageError             the backend failed (connection lost, migration missing…)
    │   └── StorageUnavailable   the database cannot be reached now (down, restarting, cut off)
    └── ConfigError              settings or environment are invalid

HTTP status codes are chosen in ``lanner.api``; nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "ConflictError",
    "ExpressionError",
    "FlowValidationError",
    "InputError",
    "Issue",
    "LannerError",
    "NotFoundError",
    "StorageError",
    "StorageUnavailable",
    "TaskFailure",
    "TaskTimeout",
]


class LannerError(Exception):
    """Base of every error Lanner raises on purpose."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in user input, located as precisely as we can.

    ``path`` is the property path (``tasks[2].message``), ``line``/``column`` are 1-based
    positions in the source when it came from a file, ``hint`` tells the user what to do.
    """

    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    source: str | None = None
    kind: str = "invalid"

    def location(self) -> str:
        where = self.source or "<flow>"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return where

    def format(self) -> str:
        text = f"{self.location()}: "
        if self.path:
            text += f"{self.path}: "
        text += self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "hint": self.hint,
            "source": self.source,
            "kind": self.kind,
        }


class FlowValidationError(LannerError):
    """The flow is invalid. ``issues`` lists every problem found, each located."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__(self.summary())

    def summary(self) -> str:
        count = len(self.issues)
        head = f"{count} error{'s' if count != 1 else ''} in flow"
        return head + ":\n" + "\n".join("  " + issue.format() for issue in self.issues)


class InputError(LannerError):
    """Execution inputs are invalid. ``issues`` says which input and why."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("invalid inputs:\n" + "\n".join("  " + i.format() for i in issues))


class ExpressionError(LannerError):
    """An expression could not be parsed or rendered."""

    def __init__(self, expression: str, reason: str, *, line: int | None = None) -> None:
        self.expression = expression
        self.reason = reason
        self.line = line
        super().__init__(f"cannot render {expression!r}: {reason}")


class TaskFailure(LannerError):
    """A task attempt failed with a message meant for the user.

    ``retryable`` is False when running the attempt again cannot help (for example an
    invalid property), so retry policies are skipped.
    """

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        self.retryable = retryable
        super().__init__(message)


class TaskTimeout(TaskFailure):
    """The attempt ran longer than the task's ``timeout``."""


class NotFoundError(LannerError):
    """The requested object does not exist."""


class ConflictError(LannerError):
    """The request conflicts with the stored state (for example killing a finished execution)."""


class StorageError(LannerError):
    """The storage backend failed."""


class StorageUnavailable(StorageError):
    """The database cannot be reached now (down, restarting, network cut); trying again later may work."""


class ConfigError(LannerError):
    """Settings or environment variables are invalid."""
