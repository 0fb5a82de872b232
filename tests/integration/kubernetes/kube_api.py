"""A stand-in Kubernetes API server on a loopback port, for the Kubernetes task runner tests.

It answers the endpoints the official client calls (pods: create, read, delete; pod log with
``follow=true``, streamed; pod exec over the ``v4.channel.k8s.io`` websocket protocol), records
every request, and plays a scripted pod: Pending → Running → Succeeded/Failed, with log lines,
an exit code and files the "commands" write. The pod's volume is a dict of path → bytes, filled
and read by real ``tar`` archives sent through exec, as a real pod's would be.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shlex
import socket
import struct
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_POD = re.compile(r"/api/v1/namespaces/(?P<ns>[^/]+)/pods(?:/(?P<name>[^/]+))?(?:/(?P<sub>log|exec))?\Z")
WORKING_DIR = "/lanner/working-dir"


@dataclass
class Call:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any = None

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass
class Script:
    """How the pod behaves."""

    logs: list[str] = field(default_factory=list)
    exit_code: int = 0
    #: files the commands write, relative to the working directory
    writes: dict[str, bytes] = field(default_factory=dict)
    #: False: the pod stays Pending, unschedulable
    schedulable: bool = True
    #: True: the commands never end (until the pod is deleted)
    hang: bool = False
    #: True: the service account may not create pods (HTTP 403)
    forbidden: bool = False


@dataclass
class FakePod:
    namespace: str
    manifest: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)
    exit_code: int | None = None
    deleted: threading.Event = field(default_factory=threading.Event)

    @property
    def name(self) -> str:
        return str(self.manifest["metadata"]["name"])


class KubeApi:
    """The server: ``calls`` lists the requests; ``pods`` the pods created (deleted ones included)."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.calls: list[Call] = []
        self.pods: dict[str, FakePod] = {}
        self.url = ""
        self.lock = threading.RLock()
        self.logs_started = threading.Event()

    # --- what tests read -------------------------------------------------------------------------

    def requests(self) -> list[tuple[str, str]]:
        """``(method, path)`` of each request, with the exec command summed up as ``exec:<program>``."""
        out = []
        for call in self.calls:
            path = call.path
            if path.endswith("/exec"):
                command = call.query.get("command", [])
                path += ":" + (command[-1].split()[0] if command[:2] == ["sh", "-c"] else " ".join(command[:1]))
            out.append((call.method, path))
        return out

    def pod(self) -> FakePod:
        assert len(self.pods) == 1, f"expected one pod, got {list(self.pods)}"
        return next(iter(self.pods.values()))

    # --- the pod's life ----------------------------------------------------------------------------

    def status(self, pod: FakePod) -> dict[str, Any]:
        script = self.script
        if not script.schedulable:
            return {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
                    }
                ],
            }
        inputs_ready = "/lanner/.inputs-ready" in pod.markers
        collected = "/lanner/.outputs-collected" in pod.markers
        init = {"running": {}} if not inputs_ready else {"terminated": {"exitCode": 0, "reason": "Completed"}}
        if not inputs_ready:
            task: dict[str, Any] = {"waiting": {"reason": "PodInitializing"}}
        elif pod.exit_code is None:
            task = {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
        else:
            task = {"terminated": {"exitCode": pod.exit_code, "reason": "Completed" if pod.exit_code == 0 else "Error"}}
        sidecar = {"terminated": {"exitCode": 0, "reason": "Completed"}} if collected else {"running": {}}
        if not inputs_ready:
            phase = "Pending"
        elif collected and pod.exit_code is not None:
            phase = "Succeeded" if pod.exit_code == 0 else "Failed"
        else:
            phase = "Running"
        return {
            "phase": phase,
            "initContainerStatuses": [{"name": "lanner-inputs", "state": init}],
            "containerStatuses": [{"name": "task", "state": task}, {"name": "lanner-outputs", "state": sidecar}],
        }

    def document(self, pod: FakePod) -> dict[str, Any]:
        return {**pod.manifest, "status": self.status(pod)}

    def run_commands(self, pod: FakePod) -> Iterator[bytes]:
        """The log of the task container; the commands end when it ends."""
        self.logs_started.set()
        for line in self.script.logs:
            yield (line + "\n").encode()
        if self.script.hang:
            pod.deleted.wait(30)
            return
        with self.lock:
            for name, data in self.script.writes.items():
                pod.files[f"{WORKING_DIR}/{name}"] = data
            pod.exit_code = self.script.exit_code

    # --- exec ---------------------------------------------------------------------------------------

    def exec(self, pod: FakePod, command: list[str], stdin: WebSocketIn | None) -> tuple[bytes, bytes, int]:
        """Run an exec command the runner sends; return stdout, stderr and the exit code."""
        if command[:2] == ["sh", "-c"]:
            match = re.fullmatch(r"mkdir -p (\S+) && head -c (\d+) \| tar -x -f - -C (\S+) && touch (\S+)", command[2])
            if match is None or stdin is None:
                return b"", f"unexpected script {command[2]!r}".encode(), 2
            size = int(match.group(2))
            data = stdin.read(size)
            with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                for member in archive.getmembers():
                    if member.isfile():
                        extracted = archive.extractfile(member)
                        assert extracted is not None
                        pod.files[f"{shlex.split(match.group(3))[0]}/{member.name}"] = extracted.read()
            pod.markers.add(match.group(4))
            return b"", b"", 0
        if command[:4] == ["tar", "-c", "-f", "-"] and command[4] == "-C":
            root = command[5].rstrip("/") + "/"
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w") as archive:
                for path, content in sorted(pod.files.items()):
                    if path.startswith(root):
                        info = tarfile.TarInfo("./" + path[len(root) :])
                        info.size = len(content)
                        archive.addfile(info, io.BytesIO(content))
            return buffer.getvalue(), b"", 0
        if command[0] == "touch":
            pod.markers.add(command[1])
            return b"", b"", 0
        return b"", b"unknown command", 127

    # --- HTTP -------------------------------------------------------------------------------------

    @contextmanager
    def serve(self) -> Iterator[KubeApi]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                api.handle(self)

            do_POST = do_DELETE = do_GET

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            for pod in self.pods.values():
                pod.deleted.set()
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in request.headers.items()}
        call = Call(request.command, parts.path, parse_qs(parts.query), headers, json.loads(raw) if raw else None)
        with self.lock:
            self.calls.append(call)
        match = _POD.match(parts.path)
        if match is None:
            return _reply(request, 404, _status(404, f"no route for {parts.path}"))
        name, sub = match.group("name"), match.group("sub")
        if request.command == "POST" and name is None and self.script.forbidden:
            message = 'pods is forbidden: User "system:serviceaccount:lanner:worker" cannot create resource "pods"'
            return _reply(request, 403, _status(403, message))
        if request.command == "POST" and name is None:
            pod = FakePod(match.group("ns"), call.body)
            with self.lock:
                self.pods[pod.name] = pod
            return _reply(request, 201, self.document(pod))
        found = self.pods.get(name or "")
        if found is None or found.deleted.is_set():
            return _reply(request, 404, _status(404, f'pods "{name}" not found'))
        pod = found
        if request.command == "DELETE":
            pod.deleted.set()
            return _reply(request, 200, self.document(pod))
        if sub is None:
            with self.lock:
                return _reply(request, 200, self.document(pod))
        if sub == "log":
            return _stream(request, self.run_commands(pod))
        return self._exec(request, pod, call)

    def _exec(self, request: BaseHTTPRequestHandler, pod: FakePod, call: Call) -> None:
        key = request.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()
        request.send_response(101, "Switching Protocols")
        request.send_header("Upgrade", "websocket")
        request.send_header("Connection", "Upgrade")
        request.send_header("Sec-WebSocket-Accept", accept)
        request.send_header("Sec-WebSocket-Protocol", "v4.channel.k8s.io")
        request.end_headers()
        request.close_connection = True
        stdin = WebSocketIn(request.rfile) if call.arg("stdin") == "True" else None
        stdout, stderr, code = self.exec(pod, call.query.get("command", []), stdin)
        out = request.wfile
        for start in range(0, len(stdout), 32 * 1024):
            out.write(_frame(b"\x01" + stdout[start : start + 32 * 1024]))
        if stderr:
            out.write(_frame(b"\x02" + stderr))
        if code == 0:
            status: dict[str, Any] = {"metadata": {}, "status": "Success"}
        else:
            status = {
                "metadata": {},
                "status": "Failure",
                "reason": "NonZeroExitCode",
                "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
            }
        out.write(_frame(b"\x03" + json.dumps(status).encode()))
        out.write(_frame(struct.pack("!H", 1000), opcode=0x8))
        out.flush()
        with suppress(OSError):
            request.connection.shutdown(socket.SHUT_WR)


class WebSocketIn:
    """Reads the stdin channel (0) of the client's masked websocket frames."""

    def __init__(self, rfile: Any) -> None:
        self.rfile = rfile
        self.buffer = b""

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            opcode, payload = self._frame()
            if opcode == 0x8:
                break
            if opcode in (0x1, 0x2) and payload[:1] == b"\x00":
                self.buffer += payload[1:]
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _frame(self) -> tuple[int, bytes]:
        head = self.rfile.read(2)
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", self.rfile.read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self.rfile.read(8))[0]
        mask = self.rfile.read(4) if head[1] & 0x80 else b"\x00\x00\x00\x00"
        payload = self.rfile.read(length)
        return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _frame(payload: bytes, opcode: int = 0x2) -> bytes:
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    return head + payload


def _status(code: int, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "code": code}


def _reply(request: BaseHTTPRequestHandler, code: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    request.send_response(code)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)


def _stream(request: BaseHTTPRequestHandler, chunks: Iterator[bytes]) -> None:
    """A body written as it is produced, ended by closing the connection (HTTP/1.0 style)."""
    request.send_response(200)
    request.send_header("Content-Type", "text/plain")
    request.send_header("Connection", "close")
    request.end_headers()
    request.close_connection = True
    with suppress(OSError):
        for chunk in chunks:
            request.wfile.write(chunk)
            request.wfile.flush()
