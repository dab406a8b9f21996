"""What every collection task shares: the run (options, clients, errors) and its context.

``Run`` holds one boto3 client per (credentials, region, service), built
once and shared by every worker (botocore clients are thread-safe; building
one per thread cost ~8 ms of CPU per thread and service), each with the
read-only guard installed, adaptive retries and the run's endpoint URL.
``Ctx`` is the ``CallContext`` collectors and augments see: one account and
region, and how to record a failed call as a CollectionError.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.loaders import create_loader

from scanner.collect import guard
from scanner.collect._calls import error_code_and_message, pages
from scanner.collect.options import CollectOptions
from scanner.model import CollectionError
from scanner.redact import redact


@dataclass
class AccountTarget:
    account: str
    # None: the caller's own credential chain.  Otherwise botocore
    # RefreshableCredentials from AssumeRole, shared by every client of the
    # account (they are thread-safe) and re-assumed before they expire, so an
    # organisation scan longer than the role session still succeeds.
    credentials: Any = None
    regions: tuple[str, ...] = ()
    via: str = "own credentials"


def _masked(error: CollectionError) -> CollectionError:
    return replace(error, error_code=redact(error.error_code), message=redact(error.message))


@dataclass
class Run:
    """Shared state of one collection run (written under ``lock``)."""

    options: CollectOptions
    partition: str
    types: frozenset[str]
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[CollectionError] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    failed_augments: set[tuple[str, str, str]] = field(default_factory=set)
    # (account, region, service) -> the first connection error seen there
    unreachable: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # One client per (credentials, region, service), shared by every worker:
    # building one per thread cost ~8 ms of CPU per (thread, service).
    clients: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    sessions: dict[str, boto3.session.Session] = field(default_factory=dict)
    # boto3 sessions are not thread-safe: clients are built under this lock.
    client_lock: threading.Lock = field(default_factory=threading.Lock)
    # One botocore data loader for the run: every session shares the parsed
    # service models instead of re-reading them.
    loader: Any = field(default_factory=create_loader)
    started: float = field(default_factory=time.monotonic)
    # Set once, by the calling thread, when the deadline passed: from then on
    # the workers still stuck in a call may finish, but nothing they learn is
    # recorded, so the snapshot is built from a state no thread changes.
    closed: bool = False

    def remaining(self) -> float | None:
        """Seconds left before the deadline (0 when passed), None without a deadline."""
        if self.options.deadline is None:
            return None
        return max(0.0, self.started + self.options.deadline - time.monotonic())

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def stopped(self) -> bool:
        """True once workers should make no further call.

        Only the calling thread decides that the deadline passed (``close``):
        a worker that decided for itself could finish its task as failed
        before the calling thread knew why.
        """
        return self.closed

    def close(self, errors: Iterable[CollectionError] = ()) -> None:
        """Stop recording what workers report; ``errors`` are the calling thread's last words."""
        masked = [_masked(e) for e in errors]
        with self.lock:
            self.closed = True
            self.errors.extend(masked)

    def add_error(self, error: CollectionError) -> None:
        # Every collection error passes here: its text is masked once, whatever
        # built it (an endpoint may quote the request's credentials back).
        error = _masked(error)
        with self.lock:
            if not self.closed:
                self.errors.append(error)

    def botocore_config(self) -> Config:
        o = self.options
        return Config(
            retries={"mode": "adaptive", "max_attempts": o.max_attempts},
            connect_timeout=o.connect_timeout,
            read_timeout=o.read_timeout,
            user_agent_extra="aurora-scan",
            # Every worker may share one client: keep a connection per worker.
            max_pool_connections=max(10, o.max_workers),
        )

    def client(self, target: AccountTarget | None, region: str, service: str) -> Any:
        """The run's client for (credentials, region, service), built once, guard installed.

        The caller's own credentials are keyed "" whichever account they
        belong to, so clients can be built before GetCallerIdentity answers.
        """
        key = (target.account if target and target.credentials else "", region, service)
        client = self.clients.get(key)
        if client is not None:
            return client
        with self.client_lock:
            client = self.clients.get(key)
            if client is None:
                client = guard.install(
                    self._session(target).client(
                        service,
                        region_name=region,
                        endpoint_url=self.options.endpoint_url,
                        config=self.botocore_config(),
                    )
                )
                self.clients[key] = client
        return client

    def _session(self, target: AccountTarget | None) -> boto3.session.Session:
        """One session per credential set (called under ``client_lock``)."""
        creds = target.credentials if target else None
        key = target.account if creds and target else ""
        session = self.sessions.get(key)
        if session is None:
            core = botocore.session.get_session()
            core.register_component("data_loader", self.loader)
            if creds is None:
                session = boto3.session.Session(
                    botocore_session=core, profile_name=self.options.profile
                )
            else:
                # botocore has no public setter for refreshable credentials.
                core._credentials = creds
                session = boto3.session.Session(botocore_session=core)
            self.sessions[key] = session
        return session


class Ctx:
    """The CallContext handed to collectors and augment functions."""

    def __init__(self, run: Run, target: AccountTarget, region: str) -> None:
        self.run = run
        self.target = target
        self.account = target.account
        self.region = region
        self.partition = run.partition
        self.page_size = run.options.page_size

    def client(self, service: str) -> Any:
        return self.run.client(self.target, self.region, service)

    def paginate(self, client: Any, method: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Pages of ``method``, bounded by the page cap, marker loops and the deadline."""
        return pages(
            client, method, max_pages=self.run.options.max_pages, stopped=self.run.stopped, **kwargs
        )

    def record_error(
        self, exc: BaseException, service: str, operation: str, resource_types: Iterable[str]
    ) -> None:
        code, message = error_code_and_message(exc)
        self.record(code, message, service, operation, resource_types)

    def record(
        self, code: str, message: str, service: str, operation: str, types: Iterable[str]
    ) -> None:
        self.run.add_error(
            CollectionError(
                account=self.account,
                region=self.region,
                service=service,
                operation=operation,
                error_code=code,
                message=message,
                resource_types=tuple(sorted(set(types) & self.run.types)),
            )
        )


def is_unreachable(exc: BaseException) -> bool:
    # A read timeout has already outlasted every retry: a hanging endpoint
    # would make each later listing wait max_attempts x read_timeout again.
    return isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError)
