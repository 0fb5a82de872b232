"""Storage: the ports the engine needs (``ports``), and their adapters.

- ``lanner.storage.ports``: the ``Store`` and ``ExecutorTx`` protocols and their records;
- ``lanner.storage.sql``: SQLite and PostgreSQL (``create_store(url)``);
- ``lanner.storage.files``: internal storage for files produced by tasks.

Import adapters from their modules; this package stays free of drivers so that importing the
ports costs nothing.
"""
