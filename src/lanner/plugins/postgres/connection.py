"""Connecting to PostgreSQL with psycopg 3 from Kestra's JDBC properties.

``url`` may be a JDBC URL (``jdbc:postgresql://host:5432/db?sslmode=require``) or a libpq one
(``postgresql://…``). JDBC query parameters that libpq knows under another name are
translated (``currentSchema`` → ``search_path``, ``ApplicationName`` → ``application_name``,
``connectTimeout`` → ``connect_timeout``, ``ssl=true`` → ``sslmode=require``); other
JDBC-only ones are dropped with a warning. ``username`` and ``password`` win over the URL's.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, Field

from lanner.errors import TaskFailure
from lanner.tasks.context import RunContext

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresConnection", "connect", "libpq_url", "require_psycopg"]

SslMode = Literal["DISABLE", "ALLOW", "PREFER", "REQUIRE", "VERIFY_CA", "VERIFY_FULL"]

#: libpq's own URI parameters, passed on as they are
_LIBPQ_PARAMS = frozenset(
    {
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "channel_binding", "connect_timeout",
        "client_encoding", "options", "application_name", "fallback_application_name", "keepalives", "keepalives_idle",
        "keepalives_interval", "keepalives_count", "tcp_user_timeout", "replication", "gssencmode", "sslmode",
        "requiressl", "sslcompression", "sslcert", "sslkey", "sslpassword", "sslcertmode", "sslrootcert", "sslcrl",
        "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version", "krbsrvname",
        "gsslib", "gssdelegation", "service", "target_session_attrs", "load_balance_hosts",
    }
)  # fmt: skip
_JDBC_RENAMES = {"ApplicationName": "application_name", "connectTimeout": "connect_timeout", "loginTimeout": "connect_timeout"}
INSTALL_HINT = "the PostgreSQL plugin needs psycopg: pip install 'lanner[postgres]'"


def require_psycopg() -> Any:
    """The psycopg module, or a task failure saying how to install it."""
    try:
        import psycopg
    except ImportError as exc:
        raise TaskFailure(INSTALL_HINT, retryable=False) from exc
    return psycopg


def libpq_url(url: str) -> tuple[str, list[str]]:
    """A libpq connection URI for ``url`` (JDBC or libpq), and the JDBC parameters that were dropped."""
    raw = url.strip()
    if raw.startswith("jdbc:"):
        raw = raw[len("jdbc:") :]
    if raw.startswith("postgresql:") and not raw.startswith("postgresql://"):
        raw = "postgresql://localhost/" + raw[len("postgresql:") :]  # jdbc:postgresql:database
    parts = urlsplit(raw)
    if parts.scheme not in ("postgresql", "postgres"):
        raise TaskFailure(
            f"url {url!r} is not a PostgreSQL URL: write jdbc:postgresql://host:5432/database or postgresql://host:5432/database",
            retryable=False,
        )
    params: list[tuple[str, str]] = []
    dropped: list[str] = []
    options: list[str] = []
    ssl = False
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in _LIBPQ_PARAMS:
            params.append((key, value))
        elif key in _JDBC_RENAMES:
            params.append((_JDBC_RENAMES[key], value))
        elif key == "currentSchema":
            options.append(f"-c search_path={value}")
        elif key == "ssl":
            ssl = value.lower() in ("true", "1", "")
        else:
            dropped.append(key)
    if ssl and not any(key == "sslmode" for key, _ in params):
        params.append(("sslmode", "require"))
    if options:
        params.append(("options", " ".join(options)))
    return urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(params, quote_via=quote), "")), dropped


class PostgresConnection(BaseModel):
    """Connection properties of the PostgreSQL tasks and trigger (mixed into each class)."""

    url: str = Field(
        description="Where the database is: `jdbc:postgresql://host:5432/database` (Kestra's JDBC form) or "
        "`postgresql://host:5432/database`; query parameters such as `sslmode` or `currentSchema` are honoured.",
        examples=["jdbc:postgresql://localhost:5432/warehouse"],
    )
    username: str | None = Field(
        default=None, description="Database user (overrides the URL's).", examples=["{{ secret('POSTGRES_USERNAME') }}"]
    )
    password: str | None = Field(
        default=None,
        description="Password; read it from a secret. It is masked in logs and outputs.",
        examples=["{{ secret('POSTGRES_PASSWORD') }}"],
    )
    ssl: bool = Field(
        default=False, description="Require an encrypted connection (`sslmode=require` unless `sslMode` says more)."
    )
    sslMode: SslMode | None = Field(default=None, description="TLS mode, as libpq's `sslmode` (`VERIFY_FULL` → `verify-full`).")
    sslRootCert: str | None = Field(
        default=None, description="PEM certificate of the certificate authority (the content, not a path)."
    )
    sslCert: str | None = Field(default=None, description="PEM client certificate (the content, not a path).")
    sslKey: str | None = Field(default=None, description="PEM client key (the content, not a path).")
    sslKeyPassword: str | None = Field(default=None, description="Password of the client key; masked.")

    async def connection_kwargs(self, ctx: RunContext | None, render: Any, work_dir: Path | None) -> dict[str, Any]:
        """Keyword arguments of ``psycopg.AsyncConnection.connect``; ``render`` renders one property."""
        url, dropped = libpq_url(str(await render(self.url)))
        kwargs: dict[str, Any] = {"conninfo": url}
        if dropped and ctx is not None:
            ctx.logger.warning(f"ignored JDBC URL parameters libpq does not know: {', '.join(dropped)}")
        for name, value in (("user", self.username), ("password", self.password), ("sslpassword", self.sslKeyPassword)):
            if value is not None:
                rendered = str(await render(value))
                kwargs[name] = rendered
                if name != "user" and ctx is not None and rendered:
                    ctx.mask(rendered)
        if self.sslMode is not None:
            kwargs["sslmode"] = self.sslMode.lower().replace("_", "-")
        elif self.ssl:
            kwargs["sslmode"] = "require"
        pem = {"sslrootcert": self.sslRootCert, "sslcert": self.sslCert, "sslkey": self.sslKey}
        for name, content in pem.items():
            if content is None:
                continue
            if work_dir is None:
                raise TaskFailure(f"{name}: certificates given as content need a working directory", retryable=False)
            path = work_dir / f".lanner-{name}.pem"
            await asyncio.to_thread(path.write_text, str(await render(content)))
            await asyncio.to_thread(path.chmod, 0o600)
            kwargs[name] = str(path)
        return kwargs


async def connect(kwargs: dict[str, Any], *, autocommit: bool = False) -> psycopg.AsyncConnection[Any]:
    """Open an async connection; connection errors fail the task (retryable: the server may come back)."""
    psycopg = require_psycopg()
    try:
        return await psycopg.AsyncConnection.connect(**kwargs, autocommit=autocommit)  # type: ignore[no-any-return]
    except psycopg.OperationalError as exc:
        raise TaskFailure(f"cannot connect to PostgreSQL: {str(exc).strip()}") from exc
