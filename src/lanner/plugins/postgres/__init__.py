"""PostgreSQL plugin: Query, Queries, CopyIn, CopyOut and a polling Trigger (Kestra's JDBC PostgreSQL names).

Uses psycopg 3 (``pip install 'lanner[postgres]'``), imported only when a task runs.
"""

from lanner.plugins.postgres import copy, query, trigger

__all__ = ["copy", "query", "trigger"]
