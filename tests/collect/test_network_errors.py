"""An unreachable endpoint is named with its real cause and remedy (issue 17 item 5).

Each failure is produced for real on 127.0.0.1 (or a reserved `.invalid`
name): a closed port, a name that does not resolve, an HTTPS server with a
self-signed certificate, a proxy that is down, a server that accepts and
never answers.  `aurora-scan collect` must exit 2 with one line naming the
cause, never the credentials hint.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.cli import main


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def _collect(endpoint: str | None, tmp_path: Path) -> tuple[int, str]:
    argv = ["collect", "--region", "us-east-1", "--output", str(tmp_path / "s.json")]
    argv += ["--max-attempts", "1", "--connect-timeout", "2", "--read-timeout", "1"]
    if endpoint:
        argv += ["--endpoint-url", endpoint]
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


def _assert_one_clear_line(code: int, err: str, *phrases: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.startswith("aurora-scan: error:")]
    assert len(lines) == 1, err
    for phrase in phrases:
        assert phrase in lines[0], (phrase, lines[0])
    assert "configure AWS credentials" not in err


@contextlib.contextmanager
def _https_server(tmp_path: Path) -> Iterator[int]:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ],
        check=True,
        capture_output=True,
    )
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_connection_refused(env: None, tmp_path: Path) -> None:
    code, err = _collect(f"http://127.0.0.1:{_free_port()}", tmp_path)
    _assert_one_clear_line(code, err, "refused the connection", "--endpoint-url")


def test_name_does_not_resolve(env: None, tmp_path: Path) -> None:
    code, err = _collect("http://aurora-scan-test.invalid", tmp_path)
    _assert_one_clear_line(code, err, "does not resolve", "check the host")


def test_tls_certificate_not_trusted(env: None, tmp_path: Path) -> None:
    with _https_server(tmp_path) as port:
        code, err = _collect(f"https://127.0.0.1:{port}", tmp_path)
    _assert_one_clear_line(code, err, "TLS to", "self-signed certificate", "AWS_CA_BUNDLE")


def test_proxy_down(env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{_free_port()}")
    code, err = _collect(None, tmp_path)
    _assert_one_clear_line(code, err, "cannot connect to the proxy", "HTTPS_PROXY")


def test_endpoint_that_never_answers(env: None, tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        code, err = _collect(f"http://127.0.0.1:{port}", tmp_path)
    _assert_one_clear_line(code, err, "did not answer in time", "--read-timeout")
