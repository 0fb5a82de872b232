"""The flow: Kestra's YAML format as pydantic models.

Task and trigger fields refer to ``AnyTask`` / ``AnyTrigger``: the unions of every registered
type. They are resolved by :mod:`lanner.models.registry` once the plugins are loaded, so
``Flow`` must be obtained through a registry (``registry.flow_model``) before it validates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lanner.models.inputs import AnyInput
from lanner.models.retry import Retry

if TYPE_CHECKING:  # resolved at run time by the registry
    from lanner.models.plugin import PluginModel as AnyTask
    from lanner.models.plugin import PluginModel as AnyTrigger

__all__ = ["Concurrency", "Flow", "FlowOutput", "Label", "PluginDefault", "WorkerGroup"]

ID_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"
NAMESPACE_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


class Label(BaseModel):
    """One label in the list form of `labels`."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="Label name.", examples=["team"])
    value: str = Field(description="Label value.", examples=["data"])


class Concurrency(BaseModel):
    """Limit how many executions of this flow run at once."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(ge=1, description="Most executions RUNNING at the same time.", examples=[1])
    behavior: Literal["QUEUE", "CANCEL", "FAIL"] = Field(
        default="QUEUE",
        description="What happens to an execution over the limit: wait its turn (QUEUE), end CANCELLED, or end FAILED.",
    )


class PluginDefault(BaseModel):
    """Default property values for every task or trigger of one type in this flow."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(
        description="Type the defaults apply to; a prefix such as `io.kestra.plugin.scripts` applies to every type under it.",
        examples=["io.kestra.plugin.core.log.Log"],
    )
    forced: bool = Field(
        default=False,
        description="When true the defaults override values set on the task itself.",
    )
    values: dict[str, Any] = Field(description="Property values to apply.", examples=[{"level": "WARN"}])


class FlowOutput(BaseModel):
    """A value the flow returns, computed when the execution ends."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, description="Output name.", examples=["rows"])
    type: str = Field(default="STRING", description="Type of the value (an input type name).", examples=["INT"])
    value: Any = Field(description="Expression giving the value.", examples=["{{ outputs.count.value }}"])
    description: str | None = Field(default=None, description="What the output means.")
    displayName: str | None = Field(default=None, description="Name shown in the UI.")
    required: bool = Field(default=True, description="Fail the execution when the value is missing.")


class WorkerGroup(BaseModel):
    """Run the task only on workers started with this worker group."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="Worker group key (`lanner server worker --worker-group KEY`).", examples=["gpu"])
    fallback: Literal["FAIL", "WAIT", "CANCEL"] = Field(
        default="WAIT", description="What to do when no worker of the group is alive."
    )


class Flow(BaseModel):
    """A flow: a namespace-scoped, versioned, declarative pipeline of tasks."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(
        pattern=ID_PATTERN, max_length=100, description="Flow identifier, unique in its namespace.", examples=["daily_sales"]
    )
    namespace: str = Field(
        pattern=NAMESPACE_PATTERN,
        max_length=150,
        description="Dot-separated namespace the flow lives in.",
        examples=["company.team"],
    )
    revision: int | None = Field(default=None, description="Revision number, set by the server on save.")
    description: str | None = Field(default=None, description="Markdown description of the flow.")
    labels: dict[str, str] | list[Label] | None = Field(
        default=None,
        description="Key/value labels copied to each execution; a map or a list of `{key, value}`.",
        examples=[{"team": "data", "env": "prod"}],
    )
    inputs: list[AnyInput] | None = Field(default=None, description="Typed inputs given when an execution starts.")
    variables: dict[str, Any] | None = Field(
        default=None, description="Constants available as `{{ vars.name }}`.", examples=[{"bucket": "raw"}]
    )
    tasks: list[AnyTask] = Field(min_length=1, description="Tasks run in order.")
    errors: list[AnyTask] | None = Field(default=None, description="Tasks run when the execution fails.")
    finally_: list[AnyTask] | None = Field(
        default=None, alias="finally", description="Tasks run at the end, whatever the outcome."
    )
    outputs: list[FlowOutput] | None = Field(default=None, description="Values the flow returns.")
    triggers: list[AnyTrigger] | None = Field(default=None, description="What starts executions automatically.")
    retry: Retry | None = Field(default=None, description="Retry policy for every task that has none of its own.")
    pluginDefaults: list[PluginDefault] | None = Field(default=None, description="Default properties per task type.")
    concurrency: Concurrency | None = Field(default=None, description="Limit concurrent executions.")
    disabled: bool = Field(default=False, description="A disabled flow cannot start executions.")
    deleted: bool = Field(default=False, description="Set by the server on deleted revisions.")

    @field_validator("labels", mode="after")
    @classmethod
    def _labels_as_map(cls, value: Any) -> dict[str, str] | None:
        if isinstance(value, list):
            return {item.key: item.value for item in value}
        return value  # type: ignore[no-any-return]

    @property
    def uid(self) -> str:
        return f"{self.namespace}.{self.id}"

    def label_map(self) -> dict[str, str]:
        return dict(self.labels or {})  # type: ignore[arg-type]
