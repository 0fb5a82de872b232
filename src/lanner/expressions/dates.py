"""Dates the way Kestra's ``date`` filters see them: Java ``DateTimeFormatter`` patterns and names.

A pattern such as ``yyyy-MM-dd'T'HH:mm:ss.SSSXXX`` is compiled once into fields and literals,
then formatted from the datetime directly (``SSS`` milliseconds and ``XXX`` offsets have no
strftime equivalent). Parsing with ``existingFormat`` goes through ``strptime``. Names are
English whatever the ``locale``.

Values accepted as dates: aware or naive ``datetime``, ``date`` (midnight), ISO 8601 strings
(an optional ``[Europe/Paris]`` suffix is ignored) and numbers (epoch seconds). Naive values
take the ``timeZone`` argument, else UTC; results are shown in ``timeZone``, else UTC.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DATE_FILTERS",
    "DateError",
    "add",
    "epoch",
    "format_date",
    "format_pattern",
    "iso",
    "now",
    "to_datetime",
    "zone",
]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December")  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_PATTERN_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|[^A-Za-z']+")
_ZONE_SUFFIX = re.compile(r"\[[^\]]+\]$")
_OFFSET = re.compile(r"[+-]\d{2}(?::?\d{2}){0,2}|Z")
_TIME_UNITS = {  # in microseconds
    "NANOS": 0.001, "MICROS": 1, "MILLIS": 1_000, "SECONDS": 1_000_000, "MINUTES": 60_000_000,
    "HOURS": 3_600_000_000, "HALF_DAYS": 43_200_000_000,
}  # fmt: skip
_DATE_UNITS = {"DAYS": 1, "WEEKS": 7}
_MONTH_UNITS = {"MONTHS": 1, "YEARS": 12, "DECADES": 120, "CENTURIES": 1200, "MILLENNIA": 12000}
_PARSE_CODES = {
    "yyyy": "%Y", "uuuu": "%Y", "y": "%Y", "u": "%Y", "yy": "%y", "uu": "%y", "M": "%m", "MM": "%m",
    "MMM": "%b", "MMMM": "%B", "L": "%m", "LL": "%m", "d": "%d", "dd": "%d", "D": "%j", "DDD": "%j",
    "H": "%H", "HH": "%H", "h": "%I", "hh": "%I", "m": "%M", "mm": "%M", "s": "%S", "ss": "%S",
    "a": "%p", "E": "%a", "EE": "%a", "EEE": "%a", "EEEE": "%A", "z": "%Z", "zz": "%Z", "zzz": "%Z",
}  # fmt: skip


class DateError(ValueError):
    """A value, pattern or time zone that the date functions cannot use."""


def zone(name: str | None) -> tzinfo:
    """``Europe/Paris``, ``UTC``, ``Z`` or an offset such as ``+02:00``; None means UTC."""
    if name is None or name in ("Z", "UTC", "GMT"):
        return UTC if name is None or name == "Z" else ZoneInfo(name)
    if _OFFSET.fullmatch(name):
        return _parse_offset(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DateError(f"unknown time zone {name!r}") from exc


def now(clock: Callable[[], datetime], time_zone: str | None = None) -> datetime:
    return clock().astimezone(zone(time_zone))


def to_datetime(value: Any, tz: tzinfo, existing_format: str | None = None) -> datetime:
    """Read ``value`` as an aware datetime; naive values are taken to be in ``tz``."""
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz)
    elif isinstance(value, str):
        result = _parse(value.strip(), existing_format)
    else:
        raise DateError(f"cannot read {type(value).__name__} {value!r} as a date")
    return result if result.tzinfo is not None else result.replace(tzinfo=tz)


def format_date(
    value: Any,
    format: str | None = None,
    timeZone: str | None = None,
    existingFormat: str | None = None,
    locale: str | None = None,
) -> str:
    """Kestra's ``date`` filter: ``format`` is a Java pattern or a name (``iso`` by default)."""
    tz = zone(timeZone)
    moment = to_datetime(value, tz, existingFormat).astimezone(tz)
    return format_pattern(moment, format or "iso")


def format_pattern(moment: datetime, pattern: str) -> str:
    named = _NAMED.get(pattern)
    if named is not None:
        return named(moment)
    return "".join(part(moment) for part in _compile(pattern))


def iso(moment: datetime) -> str:
    """Kestra's default rendering of a datetime: ``yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX``."""
    return format_pattern(moment, "iso")


def add(value: Any, amount: int, unit: str, format: str | None = None, timeZone: str | None = None,
        existingFormat: str | None = None, locale: str | None = None) -> str:  # fmt: skip
    """Kestra's ``dateAdd``: add ``amount`` ``unit`` (``DAYS``, ``HOURS``, ``MONTHS``…), then format."""
    tz = zone(timeZone)
    moment = to_datetime(value, tz, existingFormat)
    key = str(unit).upper()
    if key in _TIME_UNITS:  # time units move the instant, like java.time
        moment = (moment.astimezone(UTC) + timedelta(microseconds=_TIME_UNITS[key] * amount)).astimezone(moment.tzinfo)
    elif key in _DATE_UNITS:  # date units keep the local time of day across DST changes
        moment = moment + timedelta(days=_DATE_UNITS[key] * amount)
    elif key in _MONTH_UNITS:
        moment = _add_months(moment, _MONTH_UNITS[key] * amount)
    else:
        raise DateError(f"unknown unit {unit!r}; use one of {', '.join([*_TIME_UNITS, *_DATE_UNITS, *_MONTH_UNITS])}")
    return format_pattern(moment.astimezone(tz), format or "iso")


def epoch(value: Any, scale: int, timeZone: str | None = None, existingFormat: str | None = None) -> int:
    """Whole units since 1970-01-01T00:00Z; ``scale`` is units per second (1, 10**3, 10**6, 10**9)."""
    delta = to_datetime(value, zone(timeZone), existingFormat) - datetime(1970, 1, 1, tzinfo=UTC)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros * scale // 1_000_000


def _parse(text: str, existing_format: str | None) -> datetime:
    text = _ZONE_SUFFIX.sub("", text)
    try:
        if existing_format is None or existing_format.startswith("iso"):
            return datetime.fromisoformat(text)
        return datetime.strptime(text, _strptime_format(existing_format))
    except ValueError as exc:
        expected = f" with format {existing_format!r}" if existing_format else " as an ISO 8601 date"
        raise DateError(f"cannot parse {text!r}{expected}") from exc


@lru_cache(maxsize=256)
def _strptime_format(pattern: str) -> str:
    named = {"sql": "yyyy-MM-dd HH:mm:ss.SSSSSS", "sql_seq": "yyyy-MM-dd HH:mm:ss"}
    parts: list[str] = []
    for match in _PATTERN_TOKEN.finditer(named.get(pattern, pattern)):
        text = match.group()
        if match.group(1) is None:
            parts.append(_unquote(text).replace("%", "%%"))
        elif text[0] == "S":
            parts.append("%f")
        elif text[0] in "XxZO":
            parts.append("%z")
        elif text in _PARSE_CODES:
            parts.append(_PARSE_CODES[text])
        else:
            raise DateError(f"pattern letters {text!r} cannot be used to parse a date")
    return "".join(parts)


@lru_cache(maxsize=512)
def _compile(pattern: str) -> tuple[Callable[[datetime], str], ...]:
    parts: list[Callable[[datetime], str]] = []
    for match in _PATTERN_TOKEN.finditer(pattern):
        text = match.group()
        if match.group(1) is None:
            # unquoted [ ] mark optional sections, which are always printed when formatting
            literal = _unquote(text) if text.startswith("'") else text.replace("[", "").replace("]", "")
            parts.append(_constant(literal))
        else:
            parts.append(_field(text[0], len(text)))
    return tuple(parts)


def _constant(text: str) -> Callable[[datetime], str]:
    return lambda _moment: text


def _field(letter: str, count: int) -> Callable[[datetime], str]:
    def number(get: Callable[[datetime], int]) -> Callable[[datetime], str]:
        return lambda m: str(get(m)).zfill(count)

    def text(names: tuple[str, ...], get: Callable[[datetime], int]) -> Callable[[datetime], str]:
        if count == 4:
            return lambda m: names[get(m)]
        if count == 5:
            return lambda m: names[get(m)][0]
        return lambda m: names[get(m)][:3]

    if letter in "yu":
        return (lambda m: f"{m.year % 100:02d}") if count == 2 else number(lambda m: m.year)
    if letter == "Y":
        return (lambda m: f"{m.isocalendar()[0] % 100:02d}") if count == 2 else number(lambda m: m.isocalendar()[0])
    if letter in "ML":
        return text(_MONTHS, lambda m: m.month - 1) if count >= 3 else number(lambda m: m.month)
    if letter == "E":
        return text(_DAYS, lambda m: m.weekday()) if count >= 4 else (lambda m: _DAYS[m.weekday()][:3])
    simple: dict[str, Callable[[datetime], int]] = {
        "d": lambda m: m.day, "D": lambda m: m.timetuple().tm_yday, "H": lambda m: m.hour,
        "k": lambda m: m.hour or 24, "K": lambda m: m.hour % 12, "h": lambda m: m.hour % 12 or 12,
        "m": lambda m: m.minute, "s": lambda m: m.second, "Q": lambda m: (m.month - 1) // 3 + 1,
        "w": lambda m: m.isocalendar()[1], "n": lambda m: m.microsecond * 1000,
    }  # fmt: skip
    if letter in simple:
        return number(simple[letter])
    if letter == "S":
        return lambda m: f"{m.microsecond:06d}000"[:count] if count <= 9 else f"{m.microsecond:06d}".ljust(count, "0")
    if letter == "a":
        return lambda m: "AM" if m.hour < 12 else "PM"
    if letter == "G":
        return lambda m: "AD" if count < 4 else "Anno Domini"
    if letter in "XxZ":
        return _offset_field(letter, count)
    if letter == "O":
        return lambda m: _gmt_offset(m, full=count == 4)
    if letter == "z":
        return (lambda m: _zone_id(m)) if count == 4 else (lambda m: m.tzname() or _offset_id(m))
    if letter == "V":
        return _zone_id
    raise DateError(f"unsupported pattern letter {letter!r}")


def _offset_field(letter: str, count: int) -> Callable[[datetime], str]:
    def render(moment: datetime) -> str:
        seconds = int((moment.utcoffset() or timedelta()).total_seconds())
        if letter == "Z" and count == 4:
            return _gmt_offset(moment, full=True)
        if seconds == 0 and (letter == "X" or (letter == "Z" and count == 5)):
            return "Z"
        sign = "-" if seconds < 0 else "+"
        hours, rest = divmod(abs(seconds), 3600)
        minutes, secs = divmod(rest, 60)
        colon = ":" if count in (3, 5) else ""
        if letter == "Z":
            colon = ":" if count == 5 else ""
        text = f"{sign}{hours:02d}"
        if count > 1 or minutes or letter == "Z":
            text += f"{colon}{minutes:02d}"
        if count >= 4 and secs:
            text += f"{colon}{secs:02d}"
        return text

    return render


def _offset_id(moment: datetime) -> str:
    """Java's ``ZoneOffset.getId()``: ``Z`` or ``+01:00``."""
    return _offset_field("X", 5)(moment)


def _gmt_offset(moment: datetime, full: bool) -> str:
    seconds = int((moment.utcoffset() or timedelta()).total_seconds())
    if seconds == 0:
        return "GMT"
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    if full:
        return f"GMT{sign}{hours:02d}:{minutes:02d}"
    return f"GMT{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def _zone_id(moment: datetime) -> str:
    key = getattr(moment.tzinfo, "key", None)
    return key if isinstance(key, str) else _offset_id(moment)


def _fraction(moment: datetime) -> str:
    return f".{moment.microsecond:06d}".rstrip("0") if moment.microsecond else ""


def _local_time(moment: datetime) -> str:
    return f"{moment:%H:%M:%S}{_fraction(moment)}"


def _region(moment: datetime) -> str:
    key = getattr(moment.tzinfo, "key", None)
    return f"[{key}]" if isinstance(key, str) else ""


def _instant(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    fraction = ""
    if utc.microsecond:
        fraction = f".{utc.microsecond // 1000:03d}" if utc.microsecond % 1000 == 0 else f".{utc.microsecond:06d}"
    return f"{utc:%Y-%m-%dT%H:%M:%S}{fraction}Z"


def _rfc_1123(moment: datetime) -> str:
    offset = "GMT" if not moment.utcoffset() else _offset_field("Z", 1)(moment)
    return f"{_DAYS[moment.weekday()][:3]}, {moment.day} {_MONTHS[moment.month - 1][:3]} {moment:%Y %H:%M:%S} {offset}"


def _pattern(pattern: str) -> Callable[[datetime], str]:
    return lambda m: "".join(part(m) for part in _compile(pattern))


_NAMED: dict[str, Callable[[datetime], str]] = {
    "iso": _pattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"),
    "iso_sec": _pattern("yyyy-MM-dd'T'HH:mm:ssXXX"),
    "sql": _pattern("yyyy-MM-dd HH:mm:ss.SSSSSS"),
    "sql_seq": _pattern("yyyy-MM-dd HH:mm:ss"),
    "iso_local_date": lambda m: f"{m:%Y-%m-%d}",
    "iso_date": lambda m: f"{m:%Y-%m-%d}{_offset_id(m)}",
    "iso_local_time": _local_time,
    "iso_time": lambda m: _local_time(m) + _offset_id(m),
    "iso_offset_time": lambda m: _local_time(m) + _offset_id(m),
    "iso_local_date_time": lambda m: f"{m:%Y-%m-%d}T{_local_time(m)}",
    "iso_offset_date_time": lambda m: f"{m:%Y-%m-%d}T{_local_time(m)}{_offset_id(m)}",
    "iso_date_time": lambda m: f"{m:%Y-%m-%d}T{_local_time(m)}{_offset_id(m)}{_region(m)}",
    "iso_zoned_date_time": lambda m: f"{m:%Y-%m-%d}T{_local_time(m)}{_offset_id(m)}{_region(m)}",
    "iso_instant": _instant,
    "iso_ordinal_date": lambda m: f"{m:%Y-%j}{_offset_id(m)}",
    "iso_week_date": lambda m: "{:04d}-W{:02d}-{}".format(*m.isocalendar()) + _offset_id(m),
    "rfc_1123_date_time": _rfc_1123,
    # java.time's localized styles for the English locale
    "short": _pattern("M/d/yy, h:mm a"),
    "medium": _pattern("MMM d, y, h:mm:ss a"),
    "long": _pattern("MMMM d, y 'at' h:mm:ss a z"),
    "full": _pattern("EEEE, MMMM d, y 'at' h:mm:ss a zzzz"),
}


def _unquote(text: str) -> str:
    if text.startswith("'"):
        return "'" if text == "''" else text[1:-1].replace("''", "'")
    return text


def _parse_offset(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes, seconds = int(digits[:2]), int(digits[2:4] or 0), int(digits[4:6] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes, seconds=seconds))


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise DateError("date out of range")
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _date_filter(value: Any, format: str | None = None, timeZone: str | None = None,
                 existingFormat: str | None = None, locale: str | None = None) -> str:  # fmt: skip
    return format_date(value, format, timeZone, existingFormat, locale)


def _epoch_filter(scale: int) -> Callable[..., int]:
    def timestamp(value: Any, timeZone: str | None = None, existingFormat: str | None = None) -> int:
        return epoch(value, scale, timeZone, existingFormat)

    return timestamp


DATE_FILTERS: dict[str, Callable[..., Any]] = {
    "date": _date_filter,
    "dateAdd": add,
    "timestamp": _epoch_filter(1),
    "timestampMilli": _epoch_filter(1_000),
    "timestampMicro": _epoch_filter(1_000_000),
    "timestampNano": _epoch_filter(1_000_000_000),
}
