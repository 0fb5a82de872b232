"""Built-in plugins: integrations with the data stack (dbt, PostgreSQL, DuckDB…).

Each subpackage is registered through its own ``lanner.plugins`` entry point, exactly like a
third-party plugin, and uses only the public task API (``lanner.tasks``: ``RunnableTask``,
``RunContext``, the script helpers in ``lanner.tasks.scripts``; ``lanner.triggers.polling`` for
polling triggers). Their drivers (psycopg, duckdb, the dbt command) are optional: a plugin
module imports them only when a task runs, so a worker without them still loads every flow.
See docs/plugins.md.
"""
