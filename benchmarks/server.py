"""A moto server on 127.0.0.1 that counts every API call it answers.

Every tool in the benchmark (aurora-scan, Prowler, Cloud Custodian, the
floor) talks to the same ThreadedMotoServer over HTTP, so the only fair
place to count their calls is the server: a WSGI middleware in front of
moto's dispatcher sees each HTTP request exactly once, whatever SDK or
retry policy the client uses, including requests moto cannot route.

The server runs inside the benchmark process (the §5 patches of
docs/MOTO only work that way), the tools run as separate processes.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

# The SigV4 credential scope names the service: Credential=AKID/date/region/service/aws4_request
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")
_ACTION = re.compile(rb"(?:^|&)Action=(?P<action>[A-Za-z0-9]+)")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def install_moto_gaps() -> str:
    """Fill the moto gaps every tool would otherwise trip over, the project's way.

    - DescribeDBClusters ignores MaxRecords/Marker (docs/testing.md): real AWS pages
      at 100, and "one call per page" cannot be measured without it;
    - rds:DescribeCertificates is not implemented: an HTTP 500 that botocore
      retries with back-off, seconds of sleep for a gap real AWS does not have;
    - backup:ListProtectedResources has no route (404).

    Uses scanner/demo/moto_gaps.py (shared with the demo and the tests) when it
    exists, else the two recipes below. Returns which was used.
    """
    try:
        from scanner.demo import moto_gaps
    except ImportError:
        moto_gaps = None
    if moto_gaps is not None and hasattr(moto_gaps, "apply_all"):
        moto_gaps.apply_all()
        return "scanner/demo/moto_gaps.py apply_all (pagination, certificates, backup route)"
    _own_pagination_patch()
    _own_certificates_patch()
    return "benchmarks/server.py recipes (pagination, certificates)"


_PATCHED: set[str] = set()


def _own_certificates_patch() -> None:
    if "certificates" in _PATCHED:
        return
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    def describe_certificates(self: RDSResponse) -> Any:
        certs = [
            {
                "CertificateIdentifier": ident,
                "CertificateType": "CA",
                "ValidFrom": "2021-05-25T23:34:57Z",
                "ValidTill": till,
                "CertificateArn": f"arn:aws:rds:us-east-1::cert:{ident}",
                "CustomerOverride": False,
            }
            for ident, till in (
                ("rds-ca-2019", "2024-08-22T17:08:50Z"),
                ("rds-ca-rsa2048-g1", "2061-05-25T23:34:57Z"),
                ("rds-ca-ecc384-g1", "2121-05-25T23:34:57Z"),
            )
        ]
        return ActionResult({"Certificates": certs})

    RDSResponse.describe_certificates = describe_certificates
    _PATCHED.add("certificates")


def _own_pagination_patch() -> None:
    if "pagination" in _PATCHED:
        return
    from moto.core.responses import PaginatedResult
    from moto.core.utils import get_pagination_model
    from moto.rds.responses import RDSResponse

    original = RDSResponse.describe_db_clusters

    def paginated(self: RDSResponse) -> Any:
        return PaginatedResult(original(self).result)

    get_pagination_model("rds")["DescribeDBClusters"].setdefault("unique_attribute", "resource_id")
    RDSResponse.describe_db_clusters = paginated
    _PATCHED.add("pagination")


class CallCounter:
    """WSGI middleware: counts requests by ``service:Operation``.

    The operation comes from X-Amz-Target (JSON protocols), the ``Action``
    parameter (query protocols, in the query string or the form body), or for
    REST protocols the method and first path segment. It also records the
    Host header of every request, so a tool that sends traffic elsewhere
    through us would show up.
    """

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.regions: Counter[str] = Counter()
        # Seconds moto spent answering, by operation: shows how much of a
        # tool's wall time is the server (e.g. moto's O(clusters x instances)
        # DescribeDBClusters) rather than the tool.
        self.seconds: Counter[str] = Counter()
        # (operation, start, end) of every request since reset, for timelines.
        self.trace: list[tuple[str, float, float]] = []

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.errors.clear()
            self.regions.clear()
            self.seconds.clear()
            self.trace.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": dict(self.calls),
                "errors": dict(self.errors),
                "regions": dict(self.regions),
                "server_seconds": {k: round(v, 3) for k, v in self.seconds.items()},
                "total": sum(self.calls.values()),
            }

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        body = b""
        length = environ.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > 0:
            body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(body)
        name, region = _classify(environ, body)
        status_holder: list[str] = []

        def recording_start_response(status: str, headers: Any, *exc: Any) -> Any:
            status_holder.append(status)
            return start_response(status, headers, *exc)

        started = time.perf_counter()
        try:
            return self.app(environ, recording_start_response)
        finally:
            # An action moto has not implemented raises here (werkzeug answers 500).
            elapsed = time.perf_counter() - started
            status = status_holder[0].split()[0] if status_holder else "500"
            with self._lock:
                self.calls[name] += 1
                self.seconds[name] += elapsed
                self.trace.append((name, started, started + elapsed))
                self.regions[region] += 1
                if not status.startswith(("2", "3")):
                    self.errors[f"{name} {status}"] += 1


def _classify(environ: Environ, body: bytes) -> tuple[str, str]:
    path = environ.get("PATH_INFO", "")
    if path.startswith("/moto-api"):
        return "moto-api", "-"
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope["service"] if scope else "unsigned"
    region = scope["region"] if scope else "-"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}", region
    query = environ.get("QUERY_STRING", "")
    params = urllib.parse.parse_qs(query)
    if "Action" in params:
        return f"{service}:{params['Action'][0]}", region
    match = _ACTION.search(body)
    if match:
        return f"{service}:{match['action'].decode()}", region
    first = path.strip("/").split("/", 1)[0] or "/"
    return f"{service}:{environ.get('REQUEST_METHOD', 'GET')} /{first}", region


class CountingMotoServer:
    """ThreadedMotoServer on a free 127.0.0.1 port with a CallCounter in front."""

    def __init__(self) -> None:
        self.port = _free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.counter: CallCounter | None = None
        self.patch_source = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> CountingMotoServer:
        # One log line per request, and a traceback for every action moto has
        # not implemented (peers call many), would swamp the benchmark table.
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        self.patch_source = install_moto_gaps()
        self._server.start()
        wsgi = self._server._server
        assert wsgi is not None
        # No request can have arrived yet: nobody knows the port.
        self.counter = CallCounter(wsgi.app)
        wsgi.app = self.counter
        # moto's backends are process-global: a second server in the same
        # process would otherwise see the first one's estate.
        urllib.request.urlopen(
            urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        ).read()
        with contextlib.suppress(ImportError, AttributeError):
            from scanner.demo import moto_gaps

            moto_gaps.clear_protected_resources()
        self.counter.reset()
        return self

    def stop(self) -> None:
        self._server.stop()

    def reset_counts(self) -> None:
        assert self.counter is not None
        self.counter.reset()

    def counts(self) -> dict[str, Any]:
        assert self.counter is not None
        return self.counter.snapshot()

    def __enter__(self) -> CountingMotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    with CountingMotoServer() as srv:
        import boto3

        rds = boto3.client(
            "rds",
            endpoint_url=srv.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        rds.describe_db_clusters()
        time.sleep(0.1)
        print(json.dumps(srv.counts(), indent=2))
