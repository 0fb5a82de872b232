"""How the engine's loops report a failed pass.

A database that is down or restarting fails every pass until it is back: that is expected
and said in one line, without a traceback; anything else is a bug and logged with one.
"""

from __future__ import annotations

import logging
import sys

from lanner.errors import StorageUnavailable

__all__ = ["report_failure"]


def report_failure(log: logging.Logger, message: str, *args: object) -> None:
    """Log the exception being handled after ``message`` (%-formatted with ``args``)."""
    exc = sys.exc_info()[1]
    if isinstance(exc, StorageUnavailable):
        log.warning(message + ": %s", *args, exc)
    else:
        log.exception(message, *args)
