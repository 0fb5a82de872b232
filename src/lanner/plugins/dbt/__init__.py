"""dbt plugin: DbtCLI and the per-command tasks (Kestra's ``io.kestra.plugin.dbt.cli.*`` names),
and the dbt Cloud tasks TriggerRun and CheckStatus (``io.kestra.plugin.dbt.cloud.*``).

dbt runs as a command: ``dbt`` on the worker's PATH, or next to Lanner's Python
(``pip install 'lanner[dbt]'``); ``make install`` gives a checkout its own dbt environment.
"""

from lanner.plugins.dbt import cli, cloud, commands

__all__ = ["cli", "cloud", "commands"]
