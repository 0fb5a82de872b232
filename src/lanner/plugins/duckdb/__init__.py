"""DuckDB plugin: Query (Kestra's ``io.kestra.plugin.jdbc.duckdb.Query``), the embedded warehouse for local work.

Uses the duckdb package (``pip install 'lanner[duckdb]'``), imported only when a task runs.
"""

from lanner.plugins.duckdb import query

__all__ = ["query"]
