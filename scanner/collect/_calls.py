"""Turning failed calls into CollectionErrors, and boto3 records into JSON data."""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Callable, Iterator
from typing import Any

import jmespath
from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import create_loader

from scanner.collect.guard import MutatingCallRefused
from scanner.collect.network import diagnose
from scanner.redact import redact
from scanner.resource_types import TYPES

MAX_MESSAGE = 500


class CallStopped(Exception):
    """A call chain the scanner ended itself: an endless or looping marker, or the deadline."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


_LOADER = create_loader()


@functools.cache
def _output_tokens(service: str, api_version: str, operation: str) -> tuple[str, ...]:
    """The expressions naming the next-page marker of ``operation`` (botocore's paginator model)."""
    model = _LOADER.load_service_model(service, "paginators-1", api_version)
    token = model["pagination"][operation]["output_token"]
    return tuple(token) if isinstance(token, list) else (str(token),)


def pages(
    client: Any,
    method: str,
    *,
    max_pages: int,
    stopped: Callable[[], bool] = lambda: False,
    **kwargs: Any,
) -> Iterator[dict[str, Any]]:
    """``client``'s paginator for ``method``, bounded.

    botocore follows markers for as long as the service returns them, and only
    notices one returned twice in a row: a hostile or broken endpoint that
    answers a fresh marker forever, or cycles through a few, would page
    forever.  Here a marker seen before ends the chain (``PaginationLoop``), so
    does a page beyond ``max_pages`` (``PaginationLimitExceeded``), and so does
    the run's deadline (``stopped``), each raised as ``CallStopped`` after the
    pages already read were handed out.
    """
    meta = client.meta
    operation = meta.method_to_api_mapping[method]
    model = meta.service_model
    tokens = _output_tokens(model.service_name, model.api_version, operation)
    seen: set[str] = set()
    for number, page in enumerate(client.get_paginator(method).paginate(**kwargs), start=1):
        yield page
        marker = [jmespath.search(expression, page) for expression in tokens]
        if all(m is None for m in marker):
            return
        if stopped():
            raise CallStopped("DeadlineExceeded", f"{operation} stopped after {number} page(s)")
        key = repr(marker)
        if key in seen:
            raise CallStopped(
                "PaginationLoop",
                f"{operation} returned a marker it had returned before (page {number}): "
                "stopped instead of looping; the pages before it are kept",
            )
        if number >= max_pages:
            raise CallStopped(
                "PaginationLimitExceeded",
                f"{operation} still returned a marker after {max_pages} pages, the most "
                "aurora-scan reads per call: stopped; the pages read are kept",
            )
        seen.add(key)


def error_code_and_message(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code") or "ClientError")
        message = str(err.get("Message") or exc)
    elif isinstance(exc, CallStopped):
        code, message = exc.code, exc.message
    elif isinstance(exc, MutatingCallRefused):
        code, message = "ReadOnlyGuard", str(exc)
    elif isinstance(exc, BotoCoreError):
        code, message = type(exc).__name__, str(exc)
        problem = diagnose(exc)
        if problem is not None:
            # "Could not connect" says nothing; the cause (DNS, TLS, proxy...) does.
            message = f"{problem.message} ({problem.cause}); hint: {problem.hint}"
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


# Members of kept records that botocore's models mark ``sensitive`` (a pending
# master password): never written to a snapshot, whatever AWS sends.  Declared
# per type (``ResourceType.sensitive``); a test walks the record shapes of
# every collector and requires each such member to be declared.
SENSITIVE_MEMBERS = TYPES.view(lambda types: {t.name: t.sensitive for t in types if t.sensitive})
SENSITIVE_MASK = "(sensitive: not stored)"


def mask_sensitive(resource_type: str, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with every member of ``SENSITIVE_MEMBERS`` that it holds masked, in place."""
    for path in SENSITIVE_MEMBERS.snapshot().get(resource_type, ()):
        holder: Any = record
        for key in path[:-1]:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and holder.get(path[-1]) is not None:
            holder[path[-1]] = SENSITIVE_MASK
    return record


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
