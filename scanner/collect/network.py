"""What actually went wrong when an endpoint could not be reached, and what to do about it.

botocore reports every connection failure as "Could not connect to the
endpoint URL", whatever the cause; the cause sits further down the exception
chain (urllib3's exception, then the socket or ssl error).  ``diagnose`` walks
that chain and names it: the name did not resolve (DNS), nothing listens
(connection refused), the TLS handshake failed (certificate), the proxy is
unreachable, the connection or the answer timed out.  Each cause has its own
hint, so an unreachable endpoint never gets "configure AWS credentials".
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.exceptions import (
    ConnectTimeoutError,
    HTTPClientError,
    ProxyConnectionError,
    ReadTimeoutError,
    SSLError,
)


@dataclass(frozen=True)
class NetworkProblem:
    cause: str  # dns, refused, tls, proxy, connect-timeout, read-timeout, unreachable
    message: str
    hint: str


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception behind it: causes, contexts, wrapped ``error`` kwargs."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        kwargs = getattr(current, "kwargs", None)
        wrapped = kwargs.get("error") if isinstance(kwargs, dict) else None
        reason = getattr(current, "reason", None)
        stack += [current.__cause__, current.__context__]
        stack += [e for e in (wrapped, reason) if isinstance(e, BaseException)]


def _endpoint(exc: BaseException) -> str:
    kwargs = getattr(exc, "kwargs", None)
    if isinstance(kwargs, dict):
        for key in ("endpoint_url", "proxy_url"):
            if kwargs.get(key):
                return str(kwargs[key])
    return "the endpoint"


def _first(
    exc: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]
) -> BaseException | None:
    return next((e for e in _chain(exc) if isinstance(e, kind)), None)


def diagnose(exc: BaseException, *, endpoint_flag: str | None = None) -> NetworkProblem | None:
    """The network cause of ``exc`` with its hint, or None when it is not a network failure.

    ``endpoint_flag`` is the --endpoint-url in use (if any): then a refused or
    unresolvable connection points at that setting rather than at AWS.
    """
    # botocore's two roots of connection-level failures.
    if not isinstance(exc, HTTPClientError | BotocoreConnectionError):
        return None
    where = _endpoint(exc)
    custom = "--endpoint-url / AWS_ENDPOINT_URL" if endpoint_flag else None
    if isinstance(exc, ProxyConnectionError):
        return NetworkProblem(
            "proxy",
            f"cannot connect to the proxy {where}",
            "check HTTPS_PROXY / HTTP_PROXY (and NO_PROXY for hosts that bypass it), "
            "or that the proxy is running",
        )
    if isinstance(exc, SSLError) or _first(exc, ssl.SSLError) is not None:
        detail = _first(exc, ssl.SSLCertVerificationError)
        reason = getattr(detail, "verify_message", None) or "TLS handshake failed"
        return NetworkProblem(
            "tls",
            f"TLS to {where} failed: {reason}",
            "a proxy or endpoint with its own certificate authority needs AWS_CA_BUNDLE "
            "set to that CA's PEM file; check the system clock if the certificate is "
            "'not yet valid' or 'expired'",
        )
    if isinstance(exc, ReadTimeoutError):
        return NetworkProblem(
            "read-timeout",
            f"{where} accepted the connection but did not answer in time",
            "the endpoint is overloaded or hanging; retry later, or raise --read-timeout",
        )
    if isinstance(exc, ConnectTimeoutError) or _first(exc, TimeoutError) is not None:
        return NetworkProblem(
            "connect-timeout",
            f"connecting to {where} timed out",
            "a firewall, security group or missing route (NAT gateway, VPC endpoint) drops "
            "the traffic; raise --connect-timeout only for slow links",
        )
    gai = _first(exc, socket.gaierror)
    if gai is not None:
        return NetworkProblem(
            "dns",
            f"the name of {where} does not resolve ({getattr(gai, 'strerror', None) or gai})",
            f"check the host in {custom}"
            if custom
            else "check the region name and the "
            "machine's DNS (a private DNS zone for VPC endpoints must be reachable)",
        )
    if _first(exc, ConnectionRefusedError) is not None:
        return NetworkProblem(
            "refused",
            f"{where} refused the connection: nothing listens there",
            f"check that the endpoint in {custom} is up and the port is right"
            if custom
            else "check the network path to AWS (a local firewall rejects the connection)",
        )
    return NetworkProblem(
        "unreachable",
        f"cannot reach {where}",
        f"check that the endpoint in {custom} is up" if custom else "check the network path",
    )
