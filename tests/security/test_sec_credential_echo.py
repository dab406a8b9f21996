"""Issue 14 item 4: credentials echoed by an endpoint never leave the scanner.

A fault endpoint (a proxy in front of moto) answers DescribeDBClusters with
an error whose message quotes the request's headers -- Authorization (with
the access key id and the signature), X-Amz-Security-Token -- the secret
access key from the environment and the endpoint URL with its password.  The
scan runs with canary credentials in its environment and ``--endpoint-url
http://scanner:PASSWORD@...``; no canary may appear on stderr/stdout, in the
snapshot, results.json, SARIF, HTML, JUnit or Markdown.  The collection error
itself is kept (masked), so the scan is still reported incomplete.
"""

from __future__ import annotations

import json
import re
import socket
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from scanner.result_file import read_result

# The fault proxy and the canary credentials live with the reliability tests:
# imported from there, not copied, whichever test directories this run collects.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reliability"))

from faults import FaultProxy, _forward, _read_request
from sec_outputs_support import run_cli
from test_rel_secrets import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN

ENDPOINT_PASSWORD = "canaryEndpointPassw0rd-x7Q"
_SIGNATURE = re.compile(rb"Signature=([0-9a-f]{64})")


class EchoingEndpoint(FaultProxy):
    """Forwards to moto, except DescribeDBClusters: a 400 quoting the request."""

    signatures: set[str]

    def _handle_one(self, conn: socket.socket) -> None:
        req = _read_request(conn)
        if req is None:
            return
        if req.operation != "DescribeDBClusters":
            conn.sendall(_forward(req, self._upstream))
            return
        signature = _SIGNATURE.search(req.head)
        if signature:
            self.signatures.add(signature.group(1).decode())
        quoted = req.head.decode("latin-1")
        message = (
            f"Bad request. Headers received: {quoted} -- the key pair on file is "
            f"{ACCESS_KEY}/{SECRET_KEY}; retry at "
            f"http://scanner:{ENDPOINT_PASSWORD}@127.0.0.1:{self.port}/"
        )
        body = (
            '<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error>'
            "<Type>Sender</Type><Code>InvalidParameterValue</Code>"
            f"<Message>{escape(message)}</Message></Error>"
            "<RequestId>echo-1</RequestId></ErrorResponse>"
        ).encode()
        conn.sendall(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )


@pytest.fixture
def echoing_endpoint(moto_server: Any, aws_env: None) -> Any:
    from moto_helpers import seed_estate
    from rel_support import forget_estate

    moto_server.reset()
    forget_estate()
    seed_estate(moto_server.client, clusters=2)
    proxy = EchoingEndpoint(moto_server.url)
    proxy.signatures = set()
    with proxy:
        yield proxy
    forget_estate()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_echoed_credentials_are_masked_everywhere(
    echoing_endpoint: EchoingEndpoint, tmp_path: Path, log_format: str
) -> None:
    out = tmp_path / "out"
    snapshot = tmp_path / "snapshot.json"
    endpoint = f"http://scanner:{ENDPOINT_PASSWORD}@127.0.0.1:{echoing_endpoint.port}"
    env = {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
    }
    run = run_cli(
        [
            "scan",
            "--region",
            "us-east-1",
            "--endpoint-url",
            endpoint,
            "--output-dir",
            str(out),
            "--format",
            "json,sarif,html,junit,md",
            "--snapshot-out",
            str(snapshot),
            "--max-attempts",
            "1",
            "--fail-on",
            "none",
            "-v",
            "--log-format",
            log_format,
            "--no-progress",
        ],
        env=env,
        cwd=tmp_path,
        timeout=180,
    )
    assert run.code == 3, run.stderr[-3000:]  # incomplete: the error is kept
    assert "Traceback" not in run.stderr
    assert echoing_endpoint.signatures, "the endpoint never saw a signed DescribeDBClusters"
    canaries = {
        "access key id": ACCESS_KEY,
        "secret key": SECRET_KEY,
        "session token": SESSION_TOKEN,
        "endpoint password": ENDPOINT_PASSWORD,
        **{f"signature {i}": s for i, s in enumerate(sorted(echoing_endpoint.signatures))},
    }

    def leaks(text: str) -> list[str]:
        return [name for name, value in canaries.items() if value in text]

    assert not leaks(run.stdout + run.stderr), (leaks(run.stdout + run.stderr), run.stderr)
    # The error is still reported on stderr, masked.
    assert "InvalidParameterValue" in run.stderr and "***" in run.stderr, run.stderr
    written = [snapshot, *sorted(out.iterdir())]
    assert {p.name for p in written} >= {
        "snapshot.json",
        "results.json",
        "results.sarif",
        "report.html",
        "junit.xml",
        "summary.md",
    }
    for path in written:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not leaks(text), (path.name, leaks(text))
    errors = json.loads(snapshot.read_text())["errors"]
    echoed = [e for e in errors if e["operation"] == "DescribeDBClusters"]
    assert echoed and all("***" in e["message"] for e in echoed), errors
    # The command line in the evidence header names the endpoint, password masked.
    command_line = read_result(out / "results.json").to_dict()["scan"]["command_line"]
    assert f"http://scanner:***@127.0.0.1:{echoing_endpoint.port}" in command_line


def test_redaction_rules() -> None:
    from scanner.redact import redact, redact_argv

    header = (
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261203/us-east-1/"
        "rds/aws4_request, SignedHeaders=host;x-amz-date, Signature="
        "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"
    )
    masked = redact(header)
    assert "AKIAIOSFODNN7EXAMPLE" not in masked and "fe5f80f7" not in masked
    assert redact("X-Amz-Security-Token: IQoJb3JpZ2luX2VjEJr//////////wEaCXVz") == (
        "X-Amz-Security-Token: ***"
    )
    assert "wJalrXUtnFEMI" not in redact("key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here")
    assert redact("?X-Amz-Credential=ASIAXXXXXXXXXXXXXXXX%2F2026&X-Amz-Signature=abc123") == (
        "?X-Amz-Credential=***&X-Amz-Signature=***"
    )
    assert redact("<Authorization>Bearer abc.def</Authorization>") == (
        "<Authorization>***</Authorization>"
    )
    assert (
        redact("https://admin:hunter2@db.example:8443/x") == "https://admin:***@db.example:8443/x"
    )
    # Not credentials: digests, ARNs, paths, ordinary words stay readable.
    plain = (
        "sha256 " + "ab12" * 16 + " arn:aws:rds:us-east-1:111122223333:cluster:prod-1 "
        "/tmp/out/results.json AccessDenied on rds:DescribeDBClusters"
    )
    assert redact(plain) == plain
    assert redact_argv(["scan", "--endpoint-url", "http://u:p4ss@h:1", "--external-id", "x"]) == [
        "scan",
        "--endpoint-url",
        "http://u:***@h:1",
        "--external-id",
        "***",
    ]
