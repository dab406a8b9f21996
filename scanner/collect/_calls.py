"""Turning failed calls into CollectionErrors, and boto3 records into JSON data."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from scanner.collect.guard import MutatingCallRefused
from scanner.redact import redact

MAX_MESSAGE = 500


def error_code_and_message(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code") or "ClientError")
        message = str(err.get("Message") or exc)
    elif isinstance(exc, MutatingCallRefused):
        code, message = "ReadOnlyGuard", str(exc)
    elif isinstance(exc, BotoCoreError):
        code, message = type(exc).__name__, str(exc)
    elif isinstance(exc, KeyError):
        # A collector read a field the answer should have had: botocore turns
        # a truncated or odd JSON body into a partial dict, not an error.
        field = exc.args[0] if exc.args else "?"
        code = "MalformedResponse"
        message = f"the answer has no {field!r} field (truncated, or not the documented shape)"
    else:
        # e.g. NotImplementedError from an in-process mock, or a bug: recorded
        # rather than aborting the whole collection.
        code, message = type(exc).__name__, str(exc) or type(exc).__name__
    # An endpoint may quote the request (its Authorization header) back.
    code, message = redact(code), redact(" ".join(message.split()))
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return code, message


def jsonable(value: Any) -> Any:
    """boto3 records hold datetimes (and rarely bytes); the snapshot is JSON."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value
