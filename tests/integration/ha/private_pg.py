"""A private PostgreSQL cluster for the tests that restart or cut off the database.

The machine's shared server (``LANNER_TEST_DATABASE_URL``, port 5432) is used by everybody's
tests, so it is never restarted: these tests ``initdb`` a throwaway cluster of their own in a
temporary folder, on a free port, with trust authentication and no fsync (a second or two to
create and start), and remove it at the end of the session.

The binaries are the machine's (``/usr/lib/postgresql/<version>/bin``, or the folder named by
``LANNER_TEST_PG_BINDIR``). As root they run as the ``postgres`` OS user, as PostgreSQL refuses
to run as root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import psycopg
import pytest

from ..cli.test_server import free_port

__all__ = ["PrivatePostgres", "find_bindir", "private_pg"]

_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def find_bindir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: ``LANNER_TEST_PG_BINDIR``, else the newest
    ``/usr/lib/postgresql/<version>/bin``, else the folder of ``pg_ctl`` on PATH."""
    if configured := os.environ.get("LANNER_TEST_PG_BINDIR"):
        return Path(configured)
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl") if p.parts[-3].isdigit()]
    versions = sorted(found, key=lambda p: int(p.parts[-3]))
    if versions:
        return versions[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


class PrivatePostgres:
    """One PostgreSQL cluster in ``data``, listening on 127.0.0.1 (and ``extra_listen``) at ``port``."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.log = root / "postgresql.log"
        self.port = free_port()
        self.extra_listen: list[str] = []
        # PostgreSQL refuses to run as root: as root, run it as its own OS user
        self._user = "postgres" if os.geteuid() == 0 else None

    def url(self, host: str = "127.0.0.1", database: str = "postgres") -> str:
        return f"postgresql://postgres@{host}:{self.port}/{database}"

    def _run(self, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bindir / program), *args]
        if self._user is not None:
            argv = ["runuser", "-u", self._user, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"$ {' '.join(argv)}\nexit {done.returncode}\n{done.stdout}{done.stderr}\n--- server log\n{log}")
        return done

    def init(self) -> None:
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C")
        hba = self.data / "pg_hba.conf"
        hba.write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                # Without fsync a commit survives a crash of the server (-m immediate), not of the
                # machine: all these tests need. synchronous_commit stays on: off, a crash loses
                # the last commits, which the clients were told had succeeded.
                "\nfsync = off\nfull_page_writes = off\n"
                "max_connections = 300\nshared_buffers = 32MB\n"
                f"unix_socket_directories = '{self.root}'\n"
            )

    def _options(self) -> str:
        return f"-p {self.port} -c listen_addresses={','.join(['127.0.0.1', *self.extra_listen])}"

    def start(self) -> None:
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", self._options())

    def restart(self, mode: str = "fast") -> None:
        """``pg_ctl restart -m fast`` (clients disconnected, a clean shutdown) or
        ``-m immediate`` (the server processes killed: a crash, recovered from the WAL on start)."""
        data, log = str(self.data), str(self.log)
        self._run("pg_ctl", "restart", "-D", data, "-l", log, "-m", mode, "-w", "-t", "60", "-o", self._options())

    def listen_also(self, addresses: Iterable[str], subnets: Iterable[str]) -> None:
        """Listen on ``addresses`` too and trust clients of ``subnets`` (CIDR); a restart."""
        self.extra_listen = [*self.extra_listen, *addresses]
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.writelines(f"host all all {subnet} trust\n" for subnet in subnets)
        self.restart("fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30")

    def create_schema(self, schema: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


@pytest.fixture(scope="session")
def private_pg() -> Iterator[PrivatePostgres]:
    """A private PostgreSQL cluster, created once per session, stopped and removed after it."""
    bindir = find_bindir()
    if bindir is None or not (bindir / "initdb").exists():
        reason = "no PostgreSQL server binaries (initdb, pg_ctl) here; set LANNER_TEST_PG_BINDIR"
        if _IN_CI:
            pytest.fail(f"{reason} (CI is set: the database restart tests must run)")
        pytest.skip(reason)
    # not under pytest's tmp folder: that one is private to root, and the server runs as postgres
    root = Path(tempfile.mkdtemp(prefix="lanner-private-pg-"))
    server = PrivatePostgres(bindir, root)
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)
