"""Flow inputs: Kestra's typed input declarations.

Each declaration knows how to turn a raw value (from the CLI, the API or a trigger) into a
typed value, see :mod:`lanner.models.input_values`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AnyInput", "INPUT_TYPES", "Input"]

INPUT_TYPES = (
    "STRING", "INT", "FLOAT", "BOOLEAN", "BOOL", "DATETIME", "DATE", "TIME", "DURATION", "JSON",
    "YAML", "URI", "FILE", "SELECT", "MULTISELECT", "ARRAY", "SECRET", "EMAIL",
)


class Input(BaseModel):
    """One typed input of a flow."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(pattern=r"^[a-zA-Z0-9][.a-zA-Z0-9_-]*$", description="Input name, used as `{{ inputs.id }}`.", examples=["date"])
    type: Literal[
        "STRING", "INT", "FLOAT", "BOOLEAN", "BOOL", "DATETIME", "DATE", "TIME", "DURATION", "JSON",
        "YAML", "URI", "FILE", "SELECT", "MULTISELECT", "ARRAY", "SECRET", "EMAIL",
    ] = Field(default="STRING", description="Type of the value; the value is checked and converted to it.")
    description: str | None = Field(default=None, description="Help shown next to the input.")
    displayName: str | None = Field(default=None, description="Name shown in the execution form.")
    required: bool = Field(default=True, description="An execution cannot start without a value (or a default).")
    defaults: Any = Field(default=None, description="Value used when none is given.", examples=["2024-01-01"])
    # Validation
    validator: str | None = Field(default=None, description="Regular expression a STRING/SECRET value must match in full.", examples=["^[a-z]+$"])
    min: float | str | None = Field(default=None, description="Smallest value (INT, FLOAT, DATETIME, DATE, TIME, DURATION).")
    max: float | str | None = Field(default=None, description="Largest value (INT, FLOAT, DATETIME, DATE, TIME, DURATION).")
    after: str | None = Field(default=None, description="DATETIME/DATE/TIME values must be after this.")
    before: str | None = Field(default=None, description="DATETIME/DATE/TIME values must be before this.")
    minLength: int | None = Field(default=None, ge=0, description="Shortest STRING value.")
    maxLength: int | None = Field(default=None, ge=0, description="Longest STRING value.")
    values: list[Any] | None = Field(default=None, description="Allowed values of a SELECT or MULTISELECT input.", examples=[["eu", "us"]])
    allowCustomValue: bool = Field(default=False, description="SELECT/MULTISELECT: accept values outside `values`.")
    itemType: str | None = Field(default=None, description="Type of each item of an ARRAY input.", examples=["INT"])
    allowedFileExtensions: list[str] | None = Field(default=None, description="FILE: accepted file name extensions.")
    dependsOn: dict[str, Any] | None = Field(default=None, description="Inputs this one depends on (accepted, not yet used).")
    name: str | None = Field(default=None, description="Deprecated Kestra name of `id`.", deprecated=False)


AnyInput = Annotated[Input, Field(description="A typed flow input.")]
