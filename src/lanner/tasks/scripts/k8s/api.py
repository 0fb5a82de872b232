"""The calls the Kubernetes runner makes, with the official ``kubernetes`` client.

Every method blocks (the client is synchronous): the runner calls them in threads. Pods are
read as raw JSON (``_preload_content=False``) so the runner works on the API's own field names.
Files move like ``kubectl cp`` does: ``tar`` run with ``pods/exec`` over the exec websocket.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from kubernetes.stream import stream

from lanner.errors import TaskFailure
from lanner.tasks.scripts.k8s.options import Connection

__all__ = ["ApiException", "PodApi"]

#: How long one exec call (a file copy) may take.
_EXEC_SECONDS = 600.0
_CHUNK = 64 * 1024


class PodApi:
    """Create, read, follow, exec into and delete the pods of one namespace."""

    def __init__(self, connection: Connection | None, namespace: str) -> None:
        self.namespace = namespace
        self._files = Path(tempfile.mkdtemp(prefix="lanner-k8s-"))
        configuration = _configuration(connection, self._files)
        # `stream()` swaps the request method of its client while it runs: exec calls get their own
        # client so a log stream running in another thread is never affected.
        self._core = client.CoreV1Api(client.ApiClient(configuration))
        self._exec = client.CoreV1Api(client.ApiClient(configuration))

    def close(self) -> None:
        for api in (self._core, self._exec):
            api.api_client.close()
        shutil.rmtree(self._files, ignore_errors=True)

    def create(self, manifest: dict[str, Any]) -> None:
        self._core.create_namespaced_pod(self.namespace, manifest, _preload_content=False)

    def read(self, name: str) -> dict[str, Any]:
        response = self._core.read_namespaced_pod(name, self.namespace, _preload_content=False)
        pod: dict[str, Any] = json.loads(response.data)
        return pod

    def delete(self, name: str) -> bool:
        """Delete the pod at once; False when it was already gone."""
        try:
            self._core.delete_namespaced_pod(name, self.namespace, grace_period_seconds=0, _preload_content=False)
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def follow_logs(self, name: str, container: str) -> Any:
        """The open log stream of ``container`` (a urllib3 response: iterate it by lines, close it to stop)."""
        return self._core.read_namespaced_pod_log(name, self.namespace, container=container, follow=True, _preload_content=False)

    def upload(self, name: str, container: str, archive: bytes, directory: str, marker: str) -> None:
        """Unpack the tar ``archive`` into ``directory`` of the pod, then create ``marker``.

        ``head -c`` reads exactly the archive, so the copy ends without closing standard input
        (which only the v5 exec protocol can do).
        """
        script = (
            f"mkdir -p {shlex.quote(directory)} && head -c {len(archive)} | tar -x -f - -C {shlex.quote(directory)}"
            f" && touch {shlex.quote(marker)}"
        )
        self._run(name, container, ["sh", "-c", script], "copying the input files into the pod", stdin=archive)

    def download(self, name: str, container: str, directory: str) -> bytes:
        """A tar archive of ``directory`` in the pod."""
        command = ["tar", "-c", "-f", "-", "-C", directory, "."]
        return self._run(name, container, command, "copying the output files out of the pod")

    def touch(self, name: str, container: str, marker: str) -> None:
        self._run(name, container, ["touch", marker], f"creating {marker} in the pod")

    def _run(self, name: str, container: str, command: list[str], what: str, *, stdin: bytes | None = None) -> bytes:
        """Run ``command`` in ``container`` through the exec websocket; return its standard output."""
        ws = self._open_exec(name, container, command, stdin=stdin is not None)
        try:
            sent = stdin or b""
            for start in range(0, len(sent), _CHUNK):
                ws.write_stdin(sent[start : start + _CHUNK])
            ws.run_forever(timeout=_EXEC_SECONDS)
            _check_exec(ws, what)
            data: bytes = ws.read_stdout() or b""
            return data
        finally:
            ws.close()

    def _open_exec(self, name: str, container: str, command: list[str], *, stdin: bool) -> Any:
        return stream(
            self._exec.connect_get_namespaced_pod_exec,
            name,
            self.namespace,
            container=container,
            command=command,
            stdin=stdin,
            stdout=True,
            stderr=True,
            tty=False,
            binary=True,
            _preload_content=False,
        )


def _check_exec(ws: Any, what: str) -> None:
    try:
        code = ws.returncode
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        code = None
    if code == 0:
        return
    stderr = ws.read_stderr() or b""
    detail = stderr.decode("utf-8", errors="replace").strip()[-2000:]
    raise TaskFailure(f"{what} failed (exit code {code}){': ' + detail if detail else ''}")


def log_lines(response: Any) -> Iterator[str]:
    """The lines of a log stream, as they arrive."""
    pending = b""
    for chunk in response.stream(_CHUNK, decode_content=True):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line.decode("utf-8", errors="replace").rstrip("\r")
    if pending:
        yield pending.decode("utf-8", errors="replace").rstrip("\r")


def _configuration(connection: Connection | None, files: Path) -> client.Configuration:
    configuration = client.Configuration()
    conn = connection or Connection()
    try:
        if conn.kubeconfig:
            config.load_kube_config(config_file=conn.kubeconfig, context=conn.context, client_configuration=configuration)
        elif not conn.masterUrl:
            if os.environ.get("KUBERNETES_SERVICE_HOST"):
                config.load_incluster_config(client_configuration=configuration)
            else:
                config.load_kube_config(context=conn.context, client_configuration=configuration)
    except (ConfigException, OSError) as exc:
        raise TaskFailure(
            f"cannot load the Kubernetes configuration: {exc}; set taskRunner.config.masterUrl "
            "(and a token or certificates) or taskRunner.config.kubeconfig",
            retryable=False,
        ) from exc
    if conn.masterUrl:
        configuration.host = conn.masterUrl.rstrip("/")
    if conn.oauthToken:
        configuration.api_key = {"authorization": f"Bearer {conn.oauthToken}"}
    if conn.caCertFile:
        configuration.ssl_ca_cert = conn.caCertFile
    if conn.caCertData:
        configuration.ssl_ca_cert = _pem_file(files, "ca.crt", conn.caCertData)
    if conn.clientCertFile:
        configuration.cert_file = conn.clientCertFile
    if conn.clientCertData:
        configuration.cert_file = _pem_file(files, "client.crt", conn.clientCertData)
    if conn.clientKeyFile:
        configuration.key_file = conn.clientKeyFile
    if conn.clientKeyData:
        configuration.key_file = _pem_file(files, "client.key", conn.clientKeyData)
    if conn.trustCerts:
        configuration.verify_ssl = False
    return configuration


def _pem_file(folder: Path, name: str, data: str) -> str:
    """Write PEM text (or base64-encoded PEM, as in kubeconfig files) where the client can read it."""
    text = data if "-----BEGIN" in data else base64.b64decode(data).decode()
    path = folder / name
    path.write_text(text)
    path.chmod(0o600)
    return str(path)
