"""What every BigQuery task shares: project, location, credentials, the client, and its errors as task failures.

Credentials come from `serviceAccount` (the key file's JSON, usually a secret); without it, from the
worker's Application Default Credentials. `endpoint` points the client at another BigQuery API root
(an emulator, or the local server of Lanner's tests); with it and no `serviceAccount` the client
sends no credentials at all.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from lanner.errors import TaskFailure
from lanner.plugins.api_client import render_text
from lanner.tasks.context import RunContext

__all__ = ["INSTALL_HINT", "BigQueryConnection", "Disposition", "failure", "require_bigquery"]

INSTALL_HINT = "the BigQuery plugin needs google-cloud-bigquery: pip install 'lanner[bigquery]'"
DEFAULT_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
#: HTTP statuses after which the same request may well succeed
_TRANSIENT = {408, 429, 500, 502, 503, 504}

WriteDisposition = Literal["WRITE_TRUNCATE", "WRITE_APPEND", "WRITE_EMPTY"]
CreateDisposition = Literal["CREATE_IF_NEEDED", "CREATE_NEVER"]


class Disposition(BaseModel):
    """`writeDisposition` and `createDisposition`, shared by Query and Load."""

    writeDisposition: WriteDisposition | None = Field(
        default=None,
        description="What to do when the destination table has data: `WRITE_TRUNCATE` (replace it), `WRITE_APPEND` "
        "(add rows) or `WRITE_EMPTY` (fail unless it is empty). BigQuery's default when unset.",
    )
    createDisposition: CreateDisposition | None = Field(
        default=None,
        description="Whether the destination table may be created: `CREATE_IF_NEEDED` or `CREATE_NEVER`.",
    )


def require_bigquery() -> Any:
    """The ``google.cloud.bigquery`` module, or a task failure saying how to install it."""
    try:
        from google.cloud import bigquery
    except ImportError as exc:
        raise TaskFailure(INSTALL_HINT, retryable=False) from exc
    return bigquery


class BigQueryConnection(BaseModel):
    """Mixed into a BigQuery task next to its base."""

    projectId: str | None = Field(
        default=None,
        description="Google Cloud project that runs the jobs (and is billed). Defaults to the service account's project.",
        examples=["my-gcp-project"],
    )
    location: str | None = Field(
        default=None, description="Location of the jobs and datasets (for example `EU`, `US`, `europe-west1`).", examples=["EU"]
    )
    serviceAccount: str | None = Field(
        default=None,
        description="The JSON key of a service account, usually from a secret. Without it, the worker's Application "
        "Default Credentials are used. Never logged.",
        examples=["{{ secret('GCP_SERVICE_ACCOUNT_JSON') }}"],
    )
    scopes: list[str] = Field(default=DEFAULT_SCOPES, description="OAuth scopes asked for the service account's token.")
    endpoint: str | None = Field(
        default=None,
        description="Root URL of the BigQuery API, instead of Google's (a Lanner extension for emulators and tests; "
        "without `serviceAccount` no credentials are sent).",
        examples=["http://127.0.0.1:9050"],
    )

    async def client(self, ctx: RunContext) -> Any:
        """A ``bigquery.Client`` for this task's project, location, credentials and endpoint."""
        bigquery = require_bigquery()
        project = await render_text(ctx, self.projectId, "projectId") or None
        location = await render_text(ctx, self.location, "location") or None
        endpoint = await render_text(ctx, self.endpoint, "endpoint") or None
        key = await render_text(ctx, self.serviceAccount, "serviceAccount", secret=True)
        credentials: Any = None
        if key:
            credentials = _service_account(ctx, key, self.scopes)
            project = project or credentials.project_id
        elif endpoint:
            from google.auth.credentials import AnonymousCredentials

            credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
        if credentials is not None and not project:
            raise TaskFailure("`projectId` is not set and the credentials name no project", retryable=False)
        options = {"api_endpoint": endpoint} if endpoint else None
        try:
            return bigquery.Client(project=project, credentials=credentials, location=location, client_options=options)
        except Exception as exc:  # google.auth's DefaultCredentialsError and friends
            raise TaskFailure(f"BigQuery: no usable credentials: {exc}", retryable=False) from exc


def _service_account(ctx: RunContext, key: str, scopes: list[str]) -> Any:
    from google.oauth2 import service_account

    try:
        info = json.loads(key)
    except json.JSONDecodeError as exc:
        raise TaskFailure(
            f"`serviceAccount` is not JSON (line {exc.lineno}, column {exc.colno}): give the service account's key file",
            retryable=False,
        ) from None
    if not isinstance(info, dict):
        raise TaskFailure("`serviceAccount` must be a JSON object: the service account's key file", retryable=False)
    if isinstance(info.get("private_key"), str):
        ctx.mask(info["private_key"])
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=scopes)  # type: ignore[no-untyped-call]
    except (ValueError, KeyError) as exc:
        raise TaskFailure(f"`serviceAccount` is not a usable service account key: {exc}", retryable=False) from None


def failure(exc: Exception, doing: str) -> TaskFailure:
    """A client error as a task failure carrying BigQuery's message; 5xx and 429 may be retried."""
    from google.api_core import exceptions

    if isinstance(exc, exceptions.GoogleAPICallError):
        status = int(exc.code) if exc.code is not None else 0
        reasons = "; ".join(str(e.get("message") or "") for e in exc.errors[1:] if isinstance(e, dict) and e.get("message"))
        detail = f"{exc.message}" + (f" ({reasons})" if reasons else "")
        return TaskFailure(f"BigQuery: {doing} failed: {detail}", retryable=status in _TRANSIENT)
    return TaskFailure(f"BigQuery: {doing} failed: {exc}", retryable=True)
