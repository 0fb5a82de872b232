"""Google Cloud plugin: BigQuery Query and Load (Kestra's ``io.kestra.plugin.gcp.bigquery`` names).

Uses the official google-cloud-bigquery client (``pip install 'lanner[bigquery]'``), imported only
when a task runs.
"""

from lanner.plugins.gcp import bigquery

__all__ = ["bigquery"]
