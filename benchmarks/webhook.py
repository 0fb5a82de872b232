"""Webhook benchmark: webhook request -> execution created, over real HTTP on loopback.

A real server runs as a subprocess (``lanner server local`` on SQLite, ``lanner server
standalone`` on PostgreSQL in a throwaway schema) with one flow holding a Webhook trigger and
one trivial task. A separate load process (``python -m benchmarks.webhook --load URL``) keeps
``concurrency`` requests in flight over HTTP keep-alive connections (httpx), sends ``warmup``
requests it does not count, then ``requests`` timed ones: the latency of each is from the
request sent to its 200 answer carrying the new execution's id; the throughput is the timed
requests over the time they took together. Afterwards the server is asked how many
executions of the flow exist, to check that every call created one.

The server also runs the executions it creates (every component is in the one process), so
the figures are those of a server starting and running flows while it answers webhooks, on
the same two cores as the load generator.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from asyncio.subprocess import PIPE, STDOUT
from pathlib import Path
from typing import Any

import httpx

from lanner.models.ids import new_id
from lanner.storage.sql import create_store

__all__ = ["bench_webhook", "bench_webhooks"]

FLOW = """id: hook
namespace: bench
tasks:
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.body.n }}"
triggers:
  - id: http
    type: io.kestra.plugin.core.trigger.Webhook
    key: bench-key-0123456789
"""
PATH = "/api/v1/executions/webhook/bench/hook/bench-key-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pg_url() -> str:
    return os.environ.get("LANNER_BENCH_DATABASE_URL") or os.environ.get(
        "LANNER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )


async def _wait_healthy(url: str, server: asyncio.subprocess.Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=url, timeout=2) as http:
        while True:
            if server.returncode is not None:
                raise RuntimeError(f"the server exited with {server.returncode} before answering")
            try:
                if (await http.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer /health within {timeout}s")
            await asyncio.sleep(0.1)


async def _count(url: str) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        found = await http.get("/api/v1/executions/search", params={"namespace": "bench", "flowId": "hook", "size": 1})
        found.raise_for_status()
        total: int = found.json()["total"]
        return total


async def _load(url: str, requests: int, concurrency: int, warmup: int, rate: float = 0) -> dict[str, Any]:
    """Run the load generator in its own process; its JSON result."""
    arguments = ["-m", "benchmarks.webhook", "--load", url, "--requests", str(requests)]
    arguments += ["--concurrency", str(concurrency), "--warmup", str(warmup), "--rate", str(rate)]
    load = await asyncio.create_subprocess_exec(
        sys.executable, *arguments, cwd=Path(__file__).resolve().parent.parent, stdout=PIPE, stderr=PIPE
    )
    out, err = await load.communicate()
    if load.returncode != 0:
        raise RuntimeError(f"the load generator failed: {err.decode(errors='replace')[-2000:]}")
    result: dict[str, Any] = json.loads(out)
    return result


async def bench_webhook(
    backend: str,
    components: str = "all",
    requests: int = 5000,
    concurrency: int = 32,
    warmup: int = 500,
    rate: float = 1000,
) -> dict[str, Any]:
    """Start a server on ``backend`` (``sqlite`` or ``postgres``) running every component
    (``all``) or the API only (``api``), and load it from another process."""
    with tempfile.TemporaryDirectory(prefix="lanner-bench-webhook-") as tmp:
        root = Path(tmp)
        (root / "flows").mkdir()
        (root / "flows" / "hook.yml").write_text(FLOW)
        port = _free_port()
        env = {**os.environ, "LANNER_LOG_LEVEL": "WARNING"}
        schema = None
        mode = "local" if components == "all" else "webserver"
        if backend == "postgres":
            mode = "standalone" if components == "all" else "webserver"
            schema = f"bench_{new_id()[:10].lower()}"
            env.update(LANNER_DATABASE_URL=_pg_url(), LANNER_DATABASE_SCHEMA=schema)
        elif components != "all":
            env.update(LANNER_DATABASE_URL=f"sqlite:///{root / 'lanner.db'}")
        command = [str(Path(sys.executable).parent / "lanner"), "server", mode, "--port", str(port)]
        command += ["--data-dir", str(root / "data"), "--flows", str(root / "flows")]
        with (root / "server.log").open("wb") as log:
            server = await asyncio.create_subprocess_exec(*command, env=env, cwd=root, stdout=log, stderr=STDOUT)
            url = f"http://127.0.0.1:{port}"
            try:
                await _wait_healthy(url, server)
                saturated = await _load(url, requests, concurrency, warmup)
                paced = await _load(url, requests, 2 * concurrency, warmup, rate)
                created = await _count(url)
            finally:
                server.send_signal(signal.SIGINT)
                try:
                    await asyncio.wait_for(server.wait(), 30)
                except TimeoutError:
                    server.kill()
                    await server.wait()
                if schema is not None:
                    store = create_store(_pg_url(), schema=schema)
                    await store.drop_schema()  # type: ignore[attr-defined]
                    await store.close()
    if created != 2 * (requests + warmup):
        raise RuntimeError(f"{2 * (requests + warmup)} webhook calls answered 200 but {created} executions exist")
    return {"closed_loop": saturated, f"at_{rate:g}_per_s": paced, "executions_created": created}


async def bench_webhooks(backends: list[str], requests: int = 5000, rate: float = 1000) -> dict[str, Any]:
    """``bench_webhook`` on each backend, with every component and with the API only."""
    return {
        backend: {
            name: await bench_webhook(backend, components, requests, rate=rate)
            for name, components in (("all_components", "all"), ("api_only", "api"))
        }
        for backend in backends
    }


# --------------------------------------------------------------------------- load process


class _Connection:
    """One keep-alive HTTP/1.1 connection sending webhook calls one after the other.

    Requests are written and answers read by hand: httpx's client costs about 3 ms of CPU per
    request on the benchmark machine, which capped even ``GET /health`` near 260 requests/s
    and would have measured the client instead of the server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    async def post(self, body: bytes) -> tuple[int, bytes]:
        head = f"POST {PATH} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
        self.writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        answer = await self.reader.readuntil(b"\r\n\r\n")
        status = int(answer.split(b" ", 2)[1])
        length = 0
        for line in answer.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)


async def _generate(url: str, requests: int, concurrency: int, warmup: int, rate: float = 0) -> dict[str, Any]:
    """Closed loop (``rate`` 0): each of ``concurrency`` connections sends its next call as soon
    as the previous one is answered; latency from sending to the answer. Open loop: call ``i``
    is due at ``i / rate`` seconds, sent then by a free connection; latency from when it was
    due, so a server falling behind shows in the figures instead of slowing the load."""
    latencies: list[float] = []
    failures: list[str] = []
    address = httpx.URL(url)
    host, port = address.host, address.port or 80
    connections = [_Connection(*await asyncio.open_connection(host, port), f"{host}:{port}") for _ in range(concurrency)]
    counter = {"next": 0, "end": 0}
    loop_started = 0.0

    async def worker(connection: _Connection, record: bool) -> None:
        while counter["next"] < counter["end"]:
            number = counter["next"]
            counter["next"] += 1
            due = time.perf_counter()
            if rate:
                due = loop_started + number / rate
                if due > time.perf_counter():
                    await asyncio.sleep(due - time.perf_counter())
            status, answer = await connection.post(json.dumps({"n": number}).encode())
            elapsed = time.perf_counter() - due
            if status != 200 or not json.loads(answer).get("id"):
                failures.append(f"{status}: {answer[:200]!r}")
            elif record:
                latencies.append(elapsed)

    async def run(count: int, record: bool) -> float:
        nonlocal loop_started
        counter.update(next=0, end=count)
        loop_started = time.perf_counter()
        await asyncio.gather(*(worker(connection, record) for connection in connections))
        return time.perf_counter() - loop_started

    await run(warmup, False)
    elapsed = await run(requests, True)
    for connection in connections:
        connection.writer.close()
    if failures:
        raise RuntimeError(f"{len(failures)} webhook calls failed; first: {failures[0]}")
    latencies.sort()
    return {
        "requests": len(latencies),
        **({"offered_per_s": rate} if rate else {"concurrency": concurrency}),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[math.ceil(len(latencies) * 0.99) - 1] * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2),
        "requests_per_s": round(len(latencies) / elapsed, 1),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--load", metavar="URL", help="be the load generator against this server")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument(
        "--rate", type=float, default=0, help="calls per second of the open-loop run (load process: 0 is closed loop)"
    )
    args = parser.parse_args(argv)
    if args.load:
        print(json.dumps(asyncio.run(_generate(args.load, args.requests, args.concurrency, args.warmup, args.rate))))
        return
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    results = {
        backend: {
            name: asyncio.run(bench_webhook(backend, components, args.requests, args.concurrency, args.warmup, args.rate or 1000))
            for name, components in (("all_components", "all"), ("api_only", "api"))
        }
        for backend in backends
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
