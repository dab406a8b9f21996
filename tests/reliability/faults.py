"""Fault injection for the reliability tests (recipes A and D of docs/testing.md).

* ``ServerFaults`` -- recipe A, server side: wraps moto's
  ``BaseResponse.call_action`` (every request of every service passes through
  it) and, when a rule says so, makes that one request fail with an AWS error
  serialised by moto itself for the service's protocol (query XML for RDS/EC2/
  STS, JSON for KMS/Secrets Manager, REST-JSON for Backup).  The real HTTP and
  botocore retry paths run unchanged.
* ``FaultProxy`` -- recipe D, a tiny reverse proxy on 127.0.0.1 in front of the
  moto server.  It reads the region from the SigV4 credential scope and the
  operation from ``Action=`` / ``X-Amz-Target``, and can, per region or per
  operation: hang (accept and never reply), reset the connection, answer
  garbage or a truncated body; and it can die mid-scan (stop listening and
  drop every connection), which is what a killed server looks like to a client.
* ``HangingListener`` -- a socket that accepts and never replies.

None of this is used by the scanner: tests only.
"""

from __future__ import annotations

import collections
import re
import socket
import struct
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

# The throttling error code each protocol family uses (what AWS really sends).
THROTTLE_CODES = {
    "ec2": "RequestLimitExceeded",
    "rds": "Throttling",
    "sts": "Throttling",
    "kms": "ThrottlingException",
    "secretsmanager": "ThrottlingException",
    "backup": "ThrottlingException",
}


@dataclass(frozen=True)
class Fault:
    code: str
    message: str


Rule = Callable[[str, str, int, str], Fault | None]  # (service, action, nth call, region)


class ServerFaults:
    """Apply ``rule`` to every request moto serves while the context is active.

    ``calls`` counts requests per (service, action); ``injected`` counts the
    faults returned.  The nth call of an action is 1-based.
    """

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.calls: collections.Counter[tuple[str, str]] = collections.Counter()
        self.injected: collections.Counter[tuple[str, str]] = collections.Counter()
        self._lock = threading.Lock()
        self._original: Any = None

    def __enter__(self) -> ServerFaults:
        from moto.core.exceptions import ServiceException
        from moto.core.responses import BaseResponse
        from moto.core.utils import camelcase_to_underscores

        self._original = original = BaseResponse.call_action
        outer = self

        def call_action(resp: Any) -> Any:
            try:
                action = str(resp._get_action())
            except Exception:
                return original(resp)
            service = str(resp.service_name)
            with outer._lock:
                outer.calls[(service, action)] += 1
                nth = outer.calls[(service, action)]
            fault = outer.rule(service, action, nth, str(getattr(resp, "region", "")))
            if fault is None:
                return original(resp)
            with outer._lock:
                outer.injected[(service, action)] += 1
            # moto finds the service of an error from the exception's module.
            exc_type = type(
                fault.code,
                (ServiceException,),
                {"code": fault.code, "__module__": type(resp).__module__},
            )

            def fail(*_a: Any, **_k: Any) -> Any:
                raise exc_type(fault.message)

            # Shadow the action's method on this response object only: moto's own
            # call_action then serialises the error exactly as for a real one.
            setattr(resp, camelcase_to_underscores(action), fail)
            return original(resp)

        response_class: Any = BaseResponse
        response_class.call_action = call_action
        return self

    def __exit__(self, *exc: object) -> None:
        from moto.core.responses import BaseResponse

        response_class: Any = BaseResponse
        response_class.call_action = self._original

    def total_calls(self) -> int:
        return sum(self.calls.values())

    def total_injected(self) -> int:
        return sum(self.injected.values())


def throttle_every(n: int = 5) -> Rule:
    """The 1st, (n+1)th, (2n+1)th... call of every action is throttled.

    Deterministic per action whatever the thread interleaving, and every
    operation the scan makes meets at least one throttle.
    """

    def rule(service: str, action: str, nth: int, region: str) -> Fault | None:
        if (nth - 1) % n == 0:
            return Fault(THROTTLE_CODES.get(service, "Throttling"), "Rate exceeded")
        return None

    return rule


def deny(*operations: str) -> Rule:
    """AccessDenied on the named operations (``service:Action``), every time."""
    wanted = set(operations)

    def rule(service: str, action: str, nth: int, region: str) -> Fault | None:
        if f"{service}:{action}" in wanted:
            code = (
                "AccessDeniedException" if service in ("kms", "secretsmanager") else "AccessDenied"
            )
            return Fault(
                code,
                f"User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: "
                f"{service}:{action}",
            )
        return None

    return rule


# ----- recipe D: the proxy ----------------------------------------------------

_SCOPE = re.compile(rb"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


def _linger_reset(conn: socket.socket) -> None:
    """Close with RST rather than FIN: what a dead or refusing peer looks like."""
    with suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


@dataclass
class Request:
    head: bytes
    body: bytes
    region: str
    service: str
    operation: str


def _read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    region = service = operation = ""
    scope = _SCOPE.search(head)
    if scope:
        region, service = scope.group(1).decode(), scope.group(2).decode()
    target = re.search(rb"(?i)\r\nx-amz-target:\s*([^\r\n]+)", head)
    if target:
        operation = target.group(1).decode().rsplit(".", 1)[-1]
    else:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        operation = (form.get("Action") or [""])[0]
        if not operation:  # REST-JSON (Backup): the path names the operation
            path = head.split(b" ", 2)[1].decode()
            operation = path.split("?")[0]
    return Request(head, body, region, service, operation)


def _forward(req: Request, upstream: tuple[str, int], timeout: float = 60) -> bytes:
    """Send the request upstream with Connection: close and return the raw response."""
    lines = [
        line
        for line in req.head.split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    raw = b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + req.body
    with socket.create_connection(upstream, timeout=timeout) as up:
        up.sendall(raw)
        chunks = []
        while True:
            chunk = up.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def _split_response(raw: bytes) -> tuple[bytes, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return head, body


def _with_body(head: bytes, body: bytes, *, declared: int | None = None) -> bytes:
    lines = [
        line
        for line in head.split(b"\r\n")
        if not line.lower().startswith((b"content-length:", b"transfer-encoding:", b"connection:"))
    ]
    length = len(body) if declared is None else declared
    lines += [f"Content-Length: {length}".encode(), b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


# What a broken or hostile endpoint may answer, by mode.
def garbage(raw: bytes) -> bytes:
    head, _ = _split_response(raw)
    return _with_body(head, b"<<<\x00 this is not XML nor JSON \xff\xfe {[")


def truncate_body(raw: bytes) -> bytes:
    """Half the body, declared complete: well-formed HTTP, broken XML/JSON."""
    head, body = _split_response(raw)
    return _with_body(head, body[: max(1, len(body) // 2)])


def short_body(raw: bytes) -> bytes:
    """Half the body while Content-Length promises all of it, then close."""
    head, body = _split_response(raw)
    return _with_body(head, body[: max(1, len(body) // 2)], declared=len(body))


@dataclass
class FaultProxy:
    """A reverse proxy on 127.0.0.1 with per-region and per-operation faults.

    ``regions`` maps a region to "hang" or "reset"; ``operations`` maps an
    operation name to a function rewriting the raw upstream response (or to
    "hang"/"reset").  ``die_after`` makes the proxy die at the nth request: it
    stops listening (later connects are refused) and resets every open
    connection, as a killed server would.
    """

    upstream: str
    regions: dict[str, str] = field(default_factory=dict)
    operations: dict[str, Any] = field(default_factory=dict)
    die_after: int | None = None
    seen: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    faults: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)

    def __post_init__(self) -> None:
        parsed = urllib.parse.urlsplit(self.upstream)
        self._upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._dead = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._count = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._kill()
        self._thread.join(timeout=5)

    @property
    def dead(self) -> bool:
        return self._dead.is_set()

    def _kill(self) -> None:
        self._dead.set()
        with suppress(OSError):
            self._sock.close()
        with self._lock:
            conns = list(self._open)
            self._open.clear()
        for conn in conns:
            _linger_reset(conn)

    def _serve(self) -> None:
        while not self._stop.is_set() and not self._dead.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self._open.add(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            self._handle_one(conn)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(conn)
            with suppress(OSError):
                conn.close()

    def _handle_one(self, conn: socket.socket) -> None:
        # One request per connection (we answer Connection: close).
        req = _read_request(conn)
        if req is None:
            return
        key = (req.region, req.operation)
        with self._lock:
            self._count += 1
            count = self._count
            self.seen[key] += 1
        if self.die_after is not None and count >= self.die_after:
            self._kill()
            return
        mode = self.regions.get(req.region) or self.operations.get(req.operation)
        if mode is not None:
            with self._lock:
                self.faults[key] += 1
        if mode == "hang":
            self._stop.wait()  # accept, read, never reply
            return
        if mode == "reset":
            with self._lock:
                self._open.discard(conn)
            _linger_reset(conn)
            return
        raw = _forward(req, self._upstream)
        if callable(mode):
            raw = mode(raw)
        conn.sendall(raw)


class HangingListener:
    """Accepts connections and reads forever, never replying."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._conns.append(conn)

    def __enter__(self) -> HangingListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._conns:
            conn.close()
        self._sock.close()


def refused_url() -> str:
    """A 127.0.0.1 URL whose port refuses connections (bound, never listened on)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    _REFUSERS.append(sock)  # keep the port reserved so nobody else listens on it
    return f"http://127.0.0.1:{port}"


_REFUSERS: list[socket.socket] = []


@contextmanager
def env(**values: str) -> Iterator[None]:
    import os

    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
