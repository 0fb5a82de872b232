"""BigQuery tasks: Query (SQL, destination table, fetch types, dry run) and Load (a storage file into a table)."""

from lanner.plugins.gcp.bigquery import load, query

__all__ = ["load", "query"]
