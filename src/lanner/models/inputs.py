"""Flow inputs: Kestra's typed input declarations, one model per input type.

A declaration only describes the input; turning a raw value (from the CLI, the API or a
trigger) into a typed one is :func:`lanner.models.input_values.resolve_inputs`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from lanner.models.input_values import InvalidValue, parse_date, parse_datetime, parse_duration, parse_time

__all__ = [
    "ITEM_TYPES",
    "AnyInput",
    "ArrayInput",
    "BooleanInput",
    "DateInput",
    "DateTimeInput",
    "DependsOn",
    "DurationInput",
    "EmailInput",
    "FileInput",
    "FloatInput",
    "INPUT_TYPES",
    "Input",
    "IntInput",
    "JsonInput",
    "MultiselectInput",
    "SecretInput",
    "SelectInput",
    "StringInput",
    "TimeInput",
    "UriInput",
    "YamlInput",
]

INPUT_TYPES = (
    "STRING", "INT", "FLOAT", "BOOLEAN", "BOOL", "DATETIME", "DATE", "TIME", "DURATION", "JSON",
    "YAML", "URI", "FILE", "SELECT", "ENUM", "MULTISELECT", "ARRAY", "SECRET", "EMAIL",
)  # fmt: skip
#: types an ARRAY or MULTISELECT item may have
ITEM_TYPES = (
    "STRING", "INT", "FLOAT", "BOOLEAN", "BOOL", "DATETIME", "DATE", "TIME", "DURATION", "JSON", "YAML", "URI", "EMAIL",
)  # fmt: skip

ID_PATTERN = r"^[a-zA-Z0-9][.a-zA-Z0-9_-]*$"


class DependsOn(BaseModel):
    """Inputs this one depends on: the UI shows it once they have a value."""

    model_config = ConfigDict(extra="forbid")

    inputs: list[str] | None = Field(default=None, description="Ids of the inputs this one depends on.", examples=[["region"]])
    condition: str | None = Field(
        default=None,
        description="Expression; the input is shown only when it renders to true.",
        examples=["{{ inputs.region == 'eu' }}"],
    )


class Input(BaseModel):
    """Properties every input has, whatever its type."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(
        pattern=ID_PATTERN,
        max_length=100,
        description="Input name, read as `{{ inputs.id }}`; dots nest it (`a.b` is `{{ inputs.a.b }}`).",
        examples=["date"],
    )
    type: str = Field(description="Type of the value; the value is checked and converted to it.", examples=["STRING"])
    description: str | None = Field(default=None, description="Help shown next to the input.", examples=["Day to load"])
    displayName: str | None = Field(default=None, description="Name shown in the execution form.", examples=["Load date"])
    required: bool = Field(
        default=True, description="An execution cannot start without a value (or a default).", examples=[False]
    )
    defaults: Any = Field(default=None, description="Value used when none is given.", examples=["2024-01-01"])
    dependsOn: DependsOn | None = Field(
        default=None,
        description="Inputs this one depends on.",
        examples=[{"inputs": ["region"], "condition": "{{ inputs.region == 'eu' }}"}],
    )
    name: str | None = Field(default=None, description="Former Kestra name of `id`; use `id`.", examples=["date"])

    @model_validator(mode="before")
    @classmethod
    def _name_is_id(cls, data: Any) -> Any:
        # Kestra flows written before 0.10 name inputs with `name`.
        if isinstance(data, dict) and "id" not in data and isinstance(data.get("name"), str):
            return {**data, "id": data["name"]}
        return data

    @property
    def is_secret(self) -> bool:
        return self.type == "SECRET"


def _check_regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
    return value


def _bound(parse: Any) -> Any:
    """A field validator checking that a bound (``after``, ``min``…) parses as the input's type."""

    def check(value: str | None) -> str | None:
        if value is not None:
            try:
                parse(value)
            except InvalidValue as exc:
                raise ValueError(exc.message) from None
        return value

    return check


class StringInput(Input):
    """A string, optionally checked against a regular expression and a length range."""

    type: Literal["STRING"] = Field(default="STRING", description="A string (the type when none is given).")
    validator: str | None = Field(
        default=None, description="Regular expression the whole value must match.", examples=["^[a-z]+$"]
    )
    minLength: int | None = Field(default=None, ge=0, description="Shortest accepted value.", examples=[1])
    maxLength: int | None = Field(default=None, ge=0, description="Longest accepted value.", examples=[64])

    _regex = field_validator("validator")(_check_regex)


class SecretInput(Input):
    """A string that is masked in logs and in the UI."""

    type: Literal["SECRET"] = Field(description="A secret string, masked wherever it would be shown.")
    validator: str | None = Field(
        default=None, description="Regular expression the whole value must match.", examples=["^[A-Za-z0-9]{32}$"]
    )
    minLength: int | None = Field(default=None, ge=0, description="Shortest accepted value.", examples=[8])
    maxLength: int | None = Field(default=None, ge=0, description="Longest accepted value.", examples=[128])

    _regex = field_validator("validator")(_check_regex)


class IntInput(Input):
    """A whole number; `"42"` is accepted and converted."""

    type: Literal["INT"] = Field(description="An integer.")
    min: int | None = Field(default=None, description="Smallest accepted value.", examples=[0])
    max: int | None = Field(default=None, description="Largest accepted value.", examples=[100])


class FloatInput(Input):
    """A number; `"1.5"` is accepted and converted."""

    type: Literal["FLOAT"] = Field(description="A floating-point number.")
    min: float | None = Field(default=None, description="Smallest accepted value.", examples=[0.0])
    max: float | None = Field(default=None, description="Largest accepted value.", examples=[1.0])


class BooleanInput(Input):
    """`true` or `false`; the strings `"true"` and `"false"` are accepted."""

    type: Literal["BOOLEAN", "BOOL"] = Field(description="A boolean (BOOL and BOOLEAN are the same).")


class DateTimeInput(Input):
    """An ISO-8601 date-time; stored in UTC as `2024-01-31T10:00:00Z`."""

    type: Literal["DATETIME"] = Field(description="A date and time (ISO-8601).")
    after: str | None = Field(default=None, description="Earliest accepted value.", examples=["2024-01-01T00:00:00Z"])
    before: str | None = Field(default=None, description="Latest accepted value.", examples=["2030-01-01T00:00:00Z"])

    _bounds = field_validator("after", "before")(_bound(parse_datetime))


class DateInput(Input):
    """An ISO-8601 date such as `2024-01-31`."""

    type: Literal["DATE"] = Field(description="A date (ISO-8601).")
    after: str | None = Field(default=None, description="Earliest accepted value.", examples=["2024-01-01"])
    before: str | None = Field(default=None, description="Latest accepted value.", examples=["2030-12-31"])

    _bounds = field_validator("after", "before")(_bound(parse_date))


class TimeInput(Input):
    """An ISO-8601 time of day such as `10:30:00`."""

    type: Literal["TIME"] = Field(description="A time of day (ISO-8601).")
    after: str | None = Field(default=None, description="Earliest accepted value.", examples=["08:00:00"])
    before: str | None = Field(default=None, description="Latest accepted value.", examples=["18:00:00"])

    _bounds = field_validator("after", "before")(_bound(parse_time))


class DurationInput(Input):
    """An ISO-8601 duration such as `PT1H30M`."""

    type: Literal["DURATION"] = Field(description="A duration (ISO-8601).")
    min: str | None = Field(default=None, description="Shortest accepted duration.", examples=["PT1M"])
    max: str | None = Field(default=None, description="Longest accepted duration.", examples=["PT24H"])

    _bounds = field_validator("min", "max")(_bound(parse_duration))


class JsonInput(Input):
    """A JSON document, given as text or as an object."""

    type: Literal["JSON"] = Field(description="A JSON value.")


class YamlInput(Input):
    """A YAML document, given as text or as an object."""

    type: Literal["YAML"] = Field(description="A YAML value.")


class UriInput(Input):
    """A URI with a scheme, such as `https://example.com/data.csv` or `s3://bucket/key`."""

    type: Literal["URI"] = Field(description="A URI.")


class EmailInput(Input):
    """An e-mail address."""

    type: Literal["EMAIL"] = Field(description="An e-mail address.")


class FileInput(Input):
    """A file: an internal storage URI (`lanner://…`, `kestra://…`) or a local path to upload."""

    type: Literal["FILE"] = Field(description="A file.")
    allowedFileExtensions: list[str] | None = Field(
        default=None, description="Accepted file name extensions.", examples=[[".csv", ".json"]]
    )
    extension: str | None = Field(
        default=None, description="Extension given to the stored file (former Kestra property).", examples=[".csv"]
    )


class SelectInput(Input):
    """One value chosen from `values`."""

    type: Literal["SELECT", "ENUM"] = Field(description="One value among `values` (ENUM is the former name).")
    values: list[Any] | None = Field(default=None, description="Values to choose from.", examples=[["eu", "us"]])
    expression: str | None = Field(
        default=None,
        description="Expression rendering the list of values (instead of `values`).",
        examples=["{{ kv('regions') }}"],
    )
    allowCustomValue: bool = Field(default=False, description="Accept a value that is not in `values`.", examples=[True])
    isRadio: bool = Field(default=False, description="Show the values as radio buttons in the UI.", examples=[True])

    @model_validator(mode="after")
    def _has_values(self) -> SelectInput:
        if self.values is None and self.expression is None:
            raise ValueError("set `values` (or `expression`) to the values to choose from")
        return self


class MultiselectInput(Input):
    """Several values chosen from `values`."""

    type: Literal["MULTISELECT"] = Field(description="A list of values among `values`.")
    values: list[Any] | None = Field(default=None, description="Values to choose from.", examples=[["eu", "us"]])
    options: list[Any] | None = Field(default=None, description="Former name of `values`.", examples=[["eu", "us"]])
    expression: str | None = Field(
        default=None, description="Expression rendering the list of values.", examples=["{{ kv('regions') }}"]
    )
    itemType: Literal[ITEM_TYPES] = Field(  # type: ignore[valid-type]
        default="STRING", description="Type of each chosen value.", examples=["STRING"]
    )
    allowCustomValue: bool = Field(default=False, description="Accept values that are not in `values`.", examples=[True])

    @model_validator(mode="after")
    def _has_values(self) -> MultiselectInput:
        if self.values is not None and self.options is not None:
            raise ValueError("set `values` or `options`, not both")
        if self.values is None and self.options is None and self.expression is None:
            raise ValueError("set `values` (or `expression`) to the values to choose from")
        return self

    def choices(self) -> list[Any] | None:
        return self.values if self.values is not None else self.options


class ArrayInput(Input):
    """A list whose items all have `itemType`; `'[1, 2]'` (JSON text) is accepted."""

    type: Literal["ARRAY"] = Field(description="A list.")
    itemType: Literal[ITEM_TYPES] = Field(  # type: ignore[valid-type]
        description="Type of each item (not ARRAY).", examples=["INT"]
    )


def _input_tag(value: Any) -> str:
    # Kestra requires `type`; Lanner reads a missing one as STRING.
    raw = value.get("type", "STRING") if isinstance(value, dict) else getattr(value, "type", "STRING")
    return raw if isinstance(raw, str) else repr(raw)


AnyInput = Annotated[
    Annotated[StringInput, Tag("STRING")]
    | Annotated[SecretInput, Tag("SECRET")]
    | Annotated[IntInput, Tag("INT")]
    | Annotated[FloatInput, Tag("FLOAT")]
    | Annotated[BooleanInput, Tag("BOOLEAN")]
    | Annotated[BooleanInput, Tag("BOOL")]
    | Annotated[DateTimeInput, Tag("DATETIME")]
    | Annotated[DateInput, Tag("DATE")]
    | Annotated[TimeInput, Tag("TIME")]
    | Annotated[DurationInput, Tag("DURATION")]
    | Annotated[JsonInput, Tag("JSON")]
    | Annotated[YamlInput, Tag("YAML")]
    | Annotated[UriInput, Tag("URI")]
    | Annotated[EmailInput, Tag("EMAIL")]
    | Annotated[FileInput, Tag("FILE")]
    | Annotated[SelectInput, Tag("SELECT")]
    | Annotated[SelectInput, Tag("ENUM")]
    | Annotated[MultiselectInput, Tag("MULTISELECT")]
    | Annotated[ArrayInput, Tag("ARRAY")],
    Discriminator(_input_tag),
    Field(description="A typed flow input."),
]
