"""One attempt of a script task in a Kubernetes pod, driven from the event loop.

Create the pod, copy the working directory in, follow the task container's log, wait for its
exit code, copy the working directory back, delete the pod. Every client call runs in a thread.
A cancelled attempt (timeout or kill) deletes its pod before the cancellation goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import tarfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from lanner.errors import TaskFailure
from lanner.tasks.context import RunContext
from lanner.tasks.scripts.files import RESERVED_PREFIX
from lanner.tasks.scripts.k8s.options import Connection, KubernetesRunner
from lanner.tasks.scripts.k8s.pod import (
    INPUTS_CONTAINER,
    INPUTS_READY,
    OUTPUTS_COLLECTED,
    OUTPUTS_CONTAINER,
    TASK_CONTAINER,
    WORKING_DIR,
    PodIdentity,
    pod_manifest,
)
from lanner.tasks.scripts.protocol import LineProtocol

__all__ = ["POD_OUTPUT_DIR", "PodScript", "pod_variables", "run_in_pod"]

POD_OUTPUT_DIR = f"{WORKING_DIR}/{RESERVED_PREFIX}output"
#: How often the pod's status is read while waiting for it.
_POLL_SECONDS = 0.25
#: How long a log stream may take to stop once it was shut down.
_DRAIN_SECONDS = 5.0
#: Waiting reasons that never resolve by themselves: fail at once instead of at waitUntilRunning.
_HOPELESS = {"InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError"}


@dataclass(frozen=True, slots=True)
class PodScript:
    """What the task container runs: ``command`` in ``image`` with ``env``."""

    image: str
    command: Sequence[str]
    env: dict[str, str]


def pod_variables(variables: dict[str, Any], local_working_dir: Path) -> None:
    """Point ``workingDir``, ``outputDir`` and ``outputFiles`` at their places in the pod."""
    variables["workingDir"] = WORKING_DIR
    variables["outputDir"] = POD_OUTPUT_DIR
    files = variables.get("outputFiles") or {}
    variables["outputFiles"] = {name: str(path).replace(str(local_working_dir), WORKING_DIR, 1) for name, path in files.items()}


async def run_in_pod(
    ctx: RunContext, runner: KubernetesRunner, script: PodScript, working_dir: Path, protocol: LineProtocol
) -> int:
    """Run ``script`` in a pod with ``working_dir`` copied in and back; return the exit code."""
    # The client takes about 0.4 s to import: only attempts that use this runner pay for it.
    from lanner.tasks.scripts.k8s.api import ApiException, PodApi

    namespace = str(await ctx.render(runner.namespace))
    connection = None
    if runner.config is not None:
        connection = Connection.model_validate(await ctx.render(runner.config.model_dump(exclude_none=True)))
    identity = PodIdentity(ctx.execution_id, ctx.task_run_id, ctx.task_id, ctx.flow_id, ctx.namespace, ctx.attempt)
    name = identity.pod_name
    manifest = pod_manifest(identity, runner, image=script.image, command=script.command, env=script.env)
    api = await asyncio.to_thread(PodApi, connection, namespace)
    created = finished = False
    try:
        creating = asyncio.ensure_future(asyncio.to_thread(api.create, manifest))
        try:
            await asyncio.shield(creating)
        except ApiException as exc:
            raise TaskFailure(f"cannot create pod {name} in namespace {namespace!r}: {_api_reason(exc)}") from exc
        except asyncio.CancelledError:
            # Stopped while the pod was being created: the call goes on in its thread, and the
            # pod exists once it returns; wait for it, so the pod is deleted below, not leaked.
            with contextlib.suppress(Exception):
                await creating
            created = creating.done() and not creating.cancelled() and creating.exception() is None
            raise
        created = True
        ctx.logger.info(f"pod {name} created in namespace {namespace} (image {script.image})")
        await _wait_for(api.read, name, runner.waitUntilRunning, _container_up(INPUTS_CONTAINER, init=True), "start")
        archive = await asyncio.to_thread(_pack, working_dir)
        await asyncio.to_thread(api.upload, name, INPUTS_CONTAINER, archive, WORKING_DIR, INPUTS_READY)
        await _wait_for(api.read, name, runner.waitUntilRunning, _container_up(TASK_CONTAINER), "start the task container")
        exit_code = await _follow(ctx, api, name, runner, protocol)
        archive = await asyncio.to_thread(api.download, name, OUTPUTS_CONTAINER, WORKING_DIR)
        await asyncio.to_thread(_unpack, archive, working_dir)
        await asyncio.to_thread(api.touch, name, OUTPUTS_CONTAINER, OUTPUTS_COLLECTED)
        pod = await _settle(api.read, name, runner.waitForLogInterval)
        ctx.logger.debug(f"pod {name} ended in phase {_phase(pod)}")
        finished = True
        return exit_code
    except ApiException as exc:
        raise TaskFailure(f"Kubernetes API error on pod {name}: {_api_reason(exc)}") from exc
    except asyncio.CancelledError:
        if created:
            await _delete(ctx, api, name, "the attempt was stopped (timeout or kill)")
            created = False
        raise
    finally:
        if created and (runner.delete or not finished):
            await _delete(ctx, api, name, "the attempt ended")
        await asyncio.to_thread(api.close)


async def _delete(ctx: RunContext, api: Any, name: str, why: str) -> None:
    try:
        # shielded: a second stop request must not leave the pod behind
        gone = await asyncio.shield(asyncio.to_thread(api.delete, name))
    except Exception as exc:  # the attempt's own outcome matters more than a failed clean-up
        ctx.logger.warning(f"could not delete pod {name}: {exc}")
        return
    # Not found counts as deleted: a DELETE the client sent again after a slow answer finds it gone.
    ctx.logger.info(f"pod {name} deleted: {why}" + ("" if gone else " (it was gone already)"))


def _container_up(container: str, *, init: bool = False) -> Callable[[dict[str, Any]], bool]:
    def ready(pod: dict[str, Any]) -> bool:
        state = _state(pod, container, init=init)
        return "running" in state or (not init and "terminated" in state)

    return ready


async def _wait_for(
    read: Callable[[str], dict[str, Any]], name: str, limit: timedelta, ready: Callable[[dict[str, Any]], bool], what: str
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit.total_seconds()
    while True:
        pod = await asyncio.to_thread(read, name)
        if ready(pod):
            return pod
        problem = _hopeless(pod)
        if problem:
            raise TaskFailure(f"pod {name} cannot {what}: {problem}", retryable=False)
        if loop.time() >= deadline:
            raise TaskFailure(
                f"pod {name} did not {what} within waitUntilRunning ({_duration(limit)}): {_describe(pod)}. "
                "Check that a node can take it (resources, nodeSelector) and that the image can be pulled"
            )
        await asyncio.sleep(_POLL_SECONDS)


async def _follow(ctx: RunContext, api: Any, name: str, runner: KubernetesRunner, protocol: LineProtocol) -> int:
    """Log the task container's lines as they come until it ends; return its exit code."""
    from lanner.tasks.scripts.k8s.api import log_lines

    loop = asyncio.get_running_loop()
    response: Any = None
    try:
        response = await asyncio.to_thread(api.follow_logs, name, TASK_CONTAINER)
    except Exception as exc:  # logs are a convenience: the exit code still decides
        ctx.logger.warning(f"cannot follow the log of pod {name}: {exc}")

    def pump() -> None:
        for line in log_lines(response):
            loop.call_soon_threadsafe(protocol.feed, "stdout", line)

    reader = asyncio.ensure_future(asyncio.to_thread(pump)) if response is not None else None
    try:
        pod = await _wait_for(api.read, name, timedelta.max, _terminated, "end")
        if reader is not None:
            done, _ = await asyncio.wait({reader}, timeout=runner.waitForLogInterval.total_seconds())
            if not done:
                ctx.logger.warning(f"the log of pod {name} did not end within waitForLogInterval; later lines are lost")
            elif reader.exception() is not None:
                ctx.logger.warning(f"the log stream of pod {name} broke: {reader.exception()}")
    finally:
        if response is not None:
            await asyncio.to_thread(_shutdown, response)
        if reader is not None:
            # A stream that ignores the shutdown leaves its thread behind rather than hold the attempt.
            await asyncio.wait({reader}, timeout=_DRAIN_SECONDS)
    terminated = _state(pod, TASK_CONTAINER)["terminated"]
    code = int(terminated.get("exitCode", 1))
    reason = terminated.get("reason")
    if code != 0 and reason and reason != "Error":
        ctx.logger.error(f"the task container of pod {name} ended: {reason} {terminated.get('message') or ''}".strip())
    return code


def _terminated(pod: dict[str, Any]) -> bool:
    return "terminated" in _state(pod, TASK_CONTAINER)


async def _settle(read: Callable[[str], dict[str, Any]], name: str, limit: timedelta) -> dict[str, Any]:
    """Wait (at most ``limit``) for the pod's phase to become Succeeded or Failed."""
    try:
        return await _wait_for(read, name, limit, lambda pod: _phase(pod) in ("Succeeded", "Failed"), "finish")
    except TaskFailure:
        return await asyncio.to_thread(read, name)


def _shutdown(response: Any) -> None:
    """Stop a log stream that may still be read in another thread."""
    with contextlib.suppress(RuntimeError):  # the stream had ended: its connection is back in the pool
        response.shutdown()
    response.release_conn()


def _state(pod: dict[str, Any], container: str, *, init: bool = False) -> dict[str, Any]:
    key = "initContainerStatuses" if init else "containerStatuses"
    for status in (pod.get("status") or {}).get(key) or []:
        if status.get("name") == container:
            state: dict[str, Any] = status.get("state") or {}
            return state
    return {}


def _phase(pod: dict[str, Any]) -> str:
    return str((pod.get("status") or {}).get("phase") or "Unknown")


def _hopeless(pod: dict[str, Any]) -> str | None:
    status = pod.get("status") or {}
    if status.get("phase") == "Failed":
        return f"the pod failed: {status.get('reason') or ''} {status.get('message') or ''}".strip()
    for key in ("initContainerStatuses", "containerStatuses"):
        for container in status.get(key) or []:
            waiting = (container.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in _HOPELESS:
                return f"container {container.get('name')}: {waiting['reason']}: {waiting.get('message') or ''}".strip()
    return None


def _describe(pod: dict[str, Any]) -> str:
    """The pod's phase and the reasons it gives (unschedulable, image pull back-off…)."""
    status = pod.get("status") or {}
    parts = [f"phase {_phase(pod)}"]
    for condition in status.get("conditions") or []:
        if condition.get("status") != "True" and (condition.get("reason") or condition.get("message")):
            parts.append(f"{condition.get('type')}: {condition.get('reason') or ''} {condition.get('message') or ''}".strip())
    for key in ("initContainerStatuses", "containerStatuses"):
        for container in status.get(key) or []:
            waiting = (container.get("state") or {}).get("waiting") or {}
            if waiting.get("reason"):
                parts.append(f"container {container.get('name')} waiting: {waiting['reason']}")
    return "; ".join(parts)


def _duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    return f"{seconds:g}s" if seconds < 120 else f"{seconds / 60:g}min"


def _api_reason(exc: Any) -> str:
    """The API server's own message from an ``ApiException`` (its body is a Status object)."""
    status = getattr(exc, "status", None)
    try:
        message = json.loads(exc.body).get("message")
    except (TypeError, ValueError, AttributeError):
        message = None
    return f"HTTP {status}: {message or getattr(exc, 'reason', '') or exc}"


def _pack(folder: Path) -> bytes:
    """The folder's content as a tar archive (blocking)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path in sorted(folder.iterdir()):
            archive.add(path, arcname=path.name)
    return buffer.getvalue()


def _unpack(data: bytes, folder: Path) -> None:
    """Extract a tar archive from the pod into ``folder``; links or paths leaving it are refused."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r") as archive:
            archive.extractall(folder, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise TaskFailure(f"cannot unpack the files copied out of the pod: {exc}", retryable=False) from exc
