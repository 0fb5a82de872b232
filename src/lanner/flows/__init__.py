"""Flows as users write them: YAML text read, checked and turned into ``Flow`` models.

``parse_flow`` / ``validate_flow`` report every problem at once, each with its file, line,
column, property path and a hint; ``flow_json_schema`` describes the format for editors.
"""

from lanner.flows.defaults import apply_plugin_defaults
from lanner.flows.loader import load_flow_file, parse_flow, validate_flow
from lanner.flows.schema import flow_json_schema

__all__ = ["apply_plugin_defaults", "flow_json_schema", "load_flow_file", "parse_flow", "validate_flow"]
