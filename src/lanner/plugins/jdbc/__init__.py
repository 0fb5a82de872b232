"""What the SQL plugins share (Kestra's JDBC family): fetch types, parameters, rows as outputs or files.

Not a plugin itself (it registers no type): ``lanner.plugins.postgres`` and
``lanner.plugins.duckdb`` build their tasks on it.
"""

from lanner.plugins.jdbc.cells import to_output
from lanner.plugins.jdbc.collect import FetchType, ResultCollector, StoreFormat
from lanner.plugins.jdbc.params import bind_parameters, split_statements
from lanner.plugins.jdbc.properties import QueryProperties

__all__ = [
    "FetchType",
    "QueryProperties",
    "ResultCollector",
    "StoreFormat",
    "bind_parameters",
    "split_statements",
    "to_output",
]
