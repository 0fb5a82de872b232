"""Turning raw input values into typed ones: the execution's ``inputs``.

Values come from the CLI (always strings: ``"42"``, ``"true"``), the API (JSON) or a trigger.
:func:`resolve_inputs` checks every declared input, converts each value to its type and
returns what Kestra stores in the execution JSON: only JSON values, so dates, times and
durations come back as ISO-8601 strings (date-times in UTC, ``2024-01-31T10:00:00Z``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from lanner.errors import InputError, Issue

if TYPE_CHECKING:
    from lanner.models.inputs import Input

__all__ = [
    "InvalidValue",
    "coerce_value",
    "describe_value",
    "format_datetime",
    "format_duration",
    "parse_date",
    "parse_datetime",
    "parse_duration",
    "parse_time",
    "resolve_inputs",
    "secret_inputs",
]

_EMAIL = re.compile(r"^[a-zA-Z0-9_!#$%&'*+/=?`{|}~^.-]+@[a-zA-Z0-9.-]+\.[a-zA-Z0-9-]+$")
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+$")
_INT = re.compile(r"^[+-]?\d+$")
_DURATION = re.compile(
    r"^(?P<sign>[+-])?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$",
    re.IGNORECASE,
)
#: types where an empty string means "no value" (a STRING may legitimately be empty)
_EMPTY_IS_MISSING = frozenset({
    "INT", "FLOAT", "BOOLEAN", "BOOL", "DATETIME", "DATE", "TIME", "DURATION", "JSON", "YAML", "URI", "EMAIL", "FILE",
    "SELECT", "ENUM", "MULTISELECT", "ARRAY",
})  # fmt: skip


class InvalidValue(ValueError):
    """A value does not fit its input; ``hint`` says what would."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def describe_value(value: Any) -> str:
    """A short, user-facing description of a value for error messages (``'abc'``, ``a list``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


# --------------------------------------------------------------------------- ISO-8601 values
def parse_datetime(value: Any) -> datetime:
    """An aware date-time from ISO-8601 text (a date-time without offset is read as UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidValue(
                f"expected an ISO-8601 date-time, got {describe_value(value)}", "for example 2024-01-31T10:00:00Z"
            ) from None
    else:
        raise InvalidValue(f"expected an ISO-8601 date-time, got {describe_value(value)}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def format_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise InvalidValue(f"expected a date, got the date-time {value.isoformat()}", "for example 2024-01-31")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidValue(f"expected an ISO-8601 date, got {describe_value(value)}", "for example 2024-01-31")


def parse_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidValue(f"expected an ISO-8601 time, got {describe_value(value)}", "for example 10:30:00")


def parse_duration(value: Any) -> timedelta:
    """A duration from ISO-8601 text such as ``PT1H30M`` or ``P2D`` (no years nor months: their length varies)."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if match is None or not any(match.group(k) for k in ("weeks", "days", "hours", "minutes", "seconds")):
        raise InvalidValue(f"expected an ISO-8601 duration, got {describe_value(value)}", "for example PT1H30M or P1D")
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v and k != "sign"}
    duration = timedelta(**parts)
    return -duration if match.group("sign") == "-" else duration


def format_duration(duration: timedelta) -> str:
    """Java's ``Duration.toString()`` shape (``PT26H30M``), as Kestra stores durations."""
    total = duration.total_seconds()
    if total == 0:
        return "PT0S"
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{sign}{int(hours)}H"
    if minutes:
        text += f"{sign}{int(minutes)}M"
    if seconds:
        text += f"{sign}{seconds:.6f}".rstrip("0").rstrip(".") + "S"
    return text


# --------------------------------------------------------------------------- one value
def _as_list(value: Any, what: str) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise InvalidValue(f"expected {what}, got text that is not a JSON list: {exc}") from None
        if isinstance(parsed, list):
            return parsed
    raise InvalidValue(f"expected {what}, got {describe_value(value)}", 'a list, or JSON text such as ["a", "b"]')


#: most nodes a JSON or YAML input may expand to (YAML aliases can repeat a node many times)
MAX_NODES = 100_000


def _json_safe(value: Any, budget: list[int] | None = None) -> Any:
    """``value`` with dates as ISO text and keys as strings, refusing documents that expand too much."""
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise InvalidValue(f"the value is too large (more than {MAX_NODES} items)")
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v, budget) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v, budget) for v in value]
    return value


def _scalar_text(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise InvalidValue(f"expected {what}, got {describe_value(value)}")


def _coerce_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT.match(value.strip()):
        return int(value.strip())
    raise InvalidValue(f"expected an integer, got {describe_value(value)}")


def _coerce_float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise InvalidValue(f"expected a number, got {describe_value(value)}") from None
    else:
        raise InvalidValue(f"expected a number, got {describe_value(value)}")
    if not math.isfinite(number):
        raise InvalidValue(f"expected a finite number, got {describe_value(value)}")
    return number


def _coerce_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidValue(f"expected true or false, got {describe_value(value)}")


def _coerce_json(value: Any) -> Any:
    if not isinstance(value, str):
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise InvalidValue(f"expected a JSON value, got {describe_value(value)}") from None
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise InvalidValue(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise InvalidValue("invalid JSON: nested too deeply") from None


def _coerce_yaml(value: Any) -> Any:
    try:
        return _json_safe(YAML(typ="safe", pure=True).load(StringIO(value)) if isinstance(value, str) else value)
    except RecursionError:
        raise InvalidValue("invalid YAML: nested too deeply") from None
    except YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise InvalidValue(f"invalid YAML: {problem}{where}") from None


def _coerce_scalar(type_name: str, value: Any) -> Any:
    """Convert one value to ``type_name``, without the declaration's own rules."""
    if type_name in ("STRING", "SECRET"):
        return _scalar_text(value, "a string")
    if type_name == "INT":
        return _coerce_int(value)
    if type_name == "FLOAT":
        return _coerce_float(value)
    if type_name in ("BOOLEAN", "BOOL"):
        return _coerce_bool(value)
    if type_name == "DATETIME":
        return format_datetime(parse_datetime(value))
    if type_name == "DATE":
        return parse_date(value).isoformat()
    if type_name == "TIME":
        return parse_time(value).isoformat()
    if type_name == "DURATION":
        return format_duration(parse_duration(value))
    if type_name == "JSON":
        return _coerce_json(value)
    if type_name == "YAML":
        return _coerce_yaml(value)
    if type_name == "URI":
        text = _scalar_text(value, "a URI")
        if not _URI.match(text):
            raise InvalidValue(f"expected a URI, got {describe_value(value)}", "for example https://example.com/data.csv")
        return text
    if type_name == "EMAIL":
        text = _scalar_text(value, "an e-mail address")
        if not _EMAIL.match(text):
            raise InvalidValue(f"expected an e-mail address, got {describe_value(value)}")
        return text
    if type_name == "FILE":
        if not isinstance(value, str) or not value.strip():
            raise InvalidValue(
                f"expected a file (a storage URI or a local path), got {describe_value(value)}",
                "for example lanner:///company/team/data.csv or ./data.csv",
            )
        return value
    if type_name in ("SELECT", "ENUM"):
        return _scalar_text(value, "one of the values")
    raise InvalidValue(f"unknown input type {type_name!r}")


def _check_range(value: Any, low: Any, high: Any, shown: Callable[[Any], str] = str) -> None:
    if low is not None and value < low:
        raise InvalidValue(f"must be at least {shown(low)}, got {shown(value)}")
    if high is not None and value > high:
        raise InvalidValue(f"must be at most {shown(high)}, got {shown(value)}")


def _check_length(declared: Input, text: str) -> None:
    low, high = getattr(declared, "minLength", None), getattr(declared, "maxLength", None)
    if low is not None and len(text) < low:
        raise InvalidValue(f"must be at least {low} characters long, got {len(text)}")
    if high is not None and len(text) > high:
        raise InvalidValue(f"must be at most {high} characters long, got {len(text)}")


def _check_choice(value: Any, choices: Sequence[Any] | None, custom: bool) -> None:
    if custom or choices is None:
        return
    allowed = [str(choice) for choice in choices]
    if str(value) not in allowed:
        raise InvalidValue(f"{describe_value(value)} is not one of the values", "allowed: " + ", ".join(repr(a) for a in allowed))


def _check_rules(declared: Input, value: Any) -> None:
    """The declaration's rules (range, pattern, choices…) on an already typed value."""
    kind = declared.type
    if kind in ("STRING", "SECRET"):
        pattern = getattr(declared, "validator", None)
        if pattern is not None and re.fullmatch(pattern, value) is None:
            shown = "the value" if kind == "SECRET" else describe_value(value)
            raise InvalidValue(f"{shown} does not match the pattern {pattern!r}")
        _check_length(declared, value)
    elif kind in ("INT", "FLOAT"):
        _check_range(value, getattr(declared, "min", None), getattr(declared, "max", None))
    elif kind == "DURATION":
        low, high = getattr(declared, "min", None), getattr(declared, "max", None)
        _check_range(
            parse_duration(value),
            parse_duration(low) if low is not None else None,
            parse_duration(high) if high is not None else None,
            format_duration,
        )
    elif kind in ("DATETIME", "DATE", "TIME"):
        parse: Callable[[Any], Any] = {"DATETIME": parse_datetime, "DATE": parse_date, "TIME": _naive_time}[kind]
        after, before = getattr(declared, "after", None), getattr(declared, "before", None)
        if after is not None and parse(value) < parse(after):
            raise InvalidValue(f"must not be before {after}, got {value}")
        if before is not None and parse(value) > parse(before):
            raise InvalidValue(f"must not be after {before}, got {value}")
    elif kind == "FILE":
        extensions = getattr(declared, "allowedFileExtensions", None)
        if extensions and not any(value.lower().endswith(ext.lower()) for ext in extensions):
            raise InvalidValue(f"the file must end with one of {', '.join(extensions)}, got {describe_value(value)}")
    elif kind in ("SELECT", "ENUM"):
        _check_choice(value, getattr(declared, "values", None), getattr(declared, "allowCustomValue", False))


def _naive_time(value: Any) -> time:
    return parse_time(value).replace(tzinfo=None)


def _coerce_items(declared: Input, value: Any, path: str) -> tuple[list[Any], list[Issue]]:
    item_type = getattr(declared, "itemType", None) or "STRING"
    what = "a list of values" if declared.type == "MULTISELECT" else "a list"
    try:
        raw_items = _as_list(value, what)
    except InvalidValue:
        if declared.type != "MULTISELECT" or not isinstance(value, str | int | float):
            raise
        raw_items = [value]  # one chosen value, as the CLI gives it
    items: list[Any] = []
    issues: list[Issue] = []
    choices = declared.choices() if hasattr(declared, "choices") else None
    for index, raw in enumerate(raw_items):
        try:
            item = _coerce_scalar(item_type, raw)
            if declared.type == "MULTISELECT":
                _check_choice(item, choices, getattr(declared, "allowCustomValue", False))
            items.append(item)
        except InvalidValue as exc:
            issues.append(Issue(exc.message, path=f"{path}[{index}]", hint=exc.hint, kind="input"))
    return items, issues


def coerce_value(declared: Input, value: Any) -> Any:
    """``value`` converted to the input's type and checked against its rules; raises ``InputError``."""
    typed, issues = _coerce(declared, value, f"inputs.{declared.id}")
    if issues:
        raise InputError(issues)
    return typed


def _coerce(declared: Input, value: Any, path: str) -> tuple[Any, list[Issue]]:
    try:
        if declared.type in ("ARRAY", "MULTISELECT"):
            return _coerce_items(declared, value, path)
        typed = _coerce_scalar(declared.type, value)
        _check_rules(declared, typed)
        return typed, []
    except InvalidValue as exc:
        return None, [Issue(exc.message, path=path, hint=exc.hint, kind="input")]


# --------------------------------------------------------------------------- every input
def _is_missing(declared: Input, value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, str) and not value.strip() and declared.type in _EMPTY_IS_MISSING


def resolve_inputs(
    declared: Sequence[Input],
    given: Mapping[str, Any],
    *,
    render: Callable[[str], Any] | None = None,
) -> dict[str, Any]:
    """Typed values of every declared input, in Kestra's execution JSON shape.

    Missing values take the input's ``defaults``; a default holding an expression is rendered
    with ``render`` when given. An optional input without a value is ``None``. Inputs whose id
    has dots are nested (``a.b`` → ``{"a": {"b": …}}``). Values given for undeclared inputs are
    ignored, as Kestra does. Raises ``InputError`` listing every problem.
    """
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    for item in declared:
        path = f"inputs.{item.id}"
        value = given.get(item.id)
        if _is_missing(item, value):
            value = item.defaults
            if isinstance(value, str) and "{{" in value and render is not None:
                value = render(value)
        if _is_missing(item, value):
            if item.required:
                issues.append(Issue("missing required input", path=path, hint="give a value or declare `defaults`", kind="input"))
            values[item.id] = None
            continue
        typed, problems = _coerce(item, value, path)
        issues.extend(problems)
        values[item.id] = typed
    if issues:
        raise InputError(issues)
    return _nest(values)


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    if not any("." in key for key in values):
        return values
    nested: dict[str, Any] = {}
    issues: list[Issue] = []
    for key, value in values.items():
        *parents, last = key.split(".")
        node = nested
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                issues.append(Issue(f"input {key!r} clashes with input {part!r}", path=f"inputs.{key}", kind="input"))
                break
            node = child
        else:
            if last in node:
                issues.append(Issue(f"input {key!r} clashes with another input", path=f"inputs.{key}", kind="input"))
            else:
                node[last] = value
    if issues:
        raise InputError(issues)
    return nested


def secret_inputs(declared: Sequence[Input], resolved: Mapping[str, Any]) -> dict[str, str]:
    """Values of the SECRET inputs, by input id, for the engine to mask in logs and outputs."""
    secrets: dict[str, str] = {}
    for item in declared:
        if item.type != "SECRET":
            continue
        node: Any = resolved
        for part in item.id.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, str) and node:
            secrets[item.id] = node
    return secrets
