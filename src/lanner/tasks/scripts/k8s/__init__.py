"""The Kubernetes task runner: each attempt of a script task runs as a pod.

- ``options``: the ``taskRunner`` properties (pure pydantic, importable anywhere);
- ``pod``: the pod manifest of an attempt (pure);
- ``api``: the few calls made with the official ``kubernetes`` client (blocking: run in threads);
- ``run``: one attempt, from pod creation to deletion, without blocking the event loop.
"""
