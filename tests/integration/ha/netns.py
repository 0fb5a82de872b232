"""Other hosts on this machine: Linux network namespaces joined to it by veth pairs.

Each ``NetHost`` is a network namespace with one veth link to the root namespace
(``10.200.<x>.1`` on this side, ``10.200.<x>.2`` on its side) and a host name of its own for
the processes started in it (a UTS namespace, so worker ids and the ``workers`` table show
it). Cutting the link (``ip link set … down``) is a host lost to the network while its
processes go on running. Needs root and ``ip`` (iproute2) and ``unshare`` (util-linux).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NetHost", "NetnsUnavailable", "net_hosts"]


class NetnsUnavailable(Exception):
    """Network namespaces cannot be made here; the message says why."""


@dataclass(frozen=True)
class NetHost:
    netns: str
    hostname: str
    host_link: str  # the veth end in the root namespace
    host_address: str  # its address: where this host reaches the root namespace's servers
    address: str  # the address of the host itself
    subnet: str

    @property
    def wrapper(self) -> list[str]:
        """The command prefix that runs a program on this host (its network and its host name)."""
        return [
            "ip",
            "netns",
            "exec",
            self.netns,
            "unshare",
            "--uts",
            "--",
            "sh",
            "-c",
            'hostname "$0" && exec "$@"',
            self.hostname,
        ]

    def network_namespace(self) -> int:
        """Inode of the namespace, to compare with ``/proc/<pid>/ns/net``."""
        return os.stat(f"/run/netns/{self.netns}").st_ino

    def cut(self) -> None:
        _ip("link", "set", self.host_link, "down")


def _ip(*args: str, netns: str | None = None) -> None:
    argv = ["ip", *args] if netns is None else ["ip", "netns", "exec", netns, "ip", *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise NetnsUnavailable(f"`{' '.join(argv)}` failed (exit {done.returncode}): {done.stderr.strip()}")


def _free_subnets(count: int) -> list[int]:
    """Third octets of ``10.200.x.0/24`` subnets no address or route of this machine uses."""
    used = subprocess.run(["ip", "-4", "addr"], capture_output=True, text=True, check=False).stdout
    used += subprocess.run(["ip", "-4", "route"], capture_output=True, text=True, check=False).stdout
    start = 100 + os.getpid() % 100
    free = [x % 250 + 1 for x in range(start, start + 250) if f"10.200.{x % 250 + 1}." not in used]
    return free[:count]


@contextmanager
def net_hosts(count: int, prefix: str = "lanner") -> Iterator[list[NetHost]]:
    """``count`` hosts, removed (namespaces and links) when the block ends, even on failure.

    Raises ``NetnsUnavailable`` when this machine cannot make them (not root, no ``ip``…).
    """
    if os.geteuid() != 0:
        raise NetnsUnavailable(f"network namespaces need root (running as uid {os.geteuid()})")
    for tool in ("ip", "unshare"):
        if shutil.which(tool) is None:
            raise NetnsUnavailable(f"`{tool}` is not installed (iproute2 / util-linux)")
    pid = os.getpid()
    with ExitStack() as cleanup:
        hosts = []
        for i, x in enumerate(_free_subnets(count)):
            netns, host_link, peer = f"{prefix}-{pid}-{i}", f"lnr{pid}h{i}", f"lnr{pid}n{i}"
            _ip("netns", "add", netns)
            cleanup.callback(_quietly, "netns", "del", netns)
            _ip("link", "add", host_link, "type", "veth", "peer", "name", peer)
            cleanup.callback(_quietly, "link", "del", host_link)  # gone with the namespace, unless it failed before
            _ip("link", "set", peer, "netns", netns)
            _ip("addr", "add", f"10.200.{x}.1/24", "dev", host_link)
            _ip("link", "set", host_link, "up")
            _ip("addr", "add", f"10.200.{x}.2/24", "dev", peer, netns=netns)
            _ip("link", "set", peer, "up", netns=netns)
            _ip("link", "set", "lo", "up", netns=netns)
            host = NetHost(
                netns, f"{prefix}-host-{chr(ord('a') + i)}", host_link, f"10.200.{x}.1", f"10.200.{x}.2", f"10.200.{x}.0/24"
            )
            hosts.append(host)
        if len(hosts) < count:
            raise NetnsUnavailable("no free 10.200.x.0/24 subnet on this machine")
        yield hosts


def _quietly(*args: str) -> None:
    subprocess.run(["ip", *args], capture_output=True, check=False, timeout=30)


def in_namespace(pid: int) -> int:
    """Inode of the network namespace of process ``pid``."""
    return Path(f"/proc/{pid}/ns/net").stat().st_ino
