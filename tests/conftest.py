"""Shared fixtures: fake AWS credentials, an HTTP moto server, an in-process moto.

* ``aws_env``: fake credentials and region in the environment, no profile and
  no ``AWS_ENDPOINT_URL`` leaking in from the machine.
* ``moto_server`` (session): one ``ThreadedMotoServer`` on 127.0.0.1 at a free
  port per test process, with the moto-gap patches applied before it starts.
  Tests that use it call ``moto_server.reset()`` first (moto state is global).
* ``mocked_aws``: moto in-process (``mock_aws``) for the duration of a test.

Both modes serve the same moto backends of this process, so the seeding
helpers in ``tests/moto_helpers.py`` work with either.
"""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from scanner.demo import moto_gaps

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
UNSET_ENV = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for key, value in FAKE_ENV.items():
        monkeypatch.setenv(key, value)
    for key in UNSET_ENV:
        monkeypatch.delenv(key, raising=False)
    # No ~/.aws of the machine running the tests.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MotoServer:
    url: str

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def reset(self) -> None:
        """Forget every resource (moto state is process-wide)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30):
            pass
        moto_gaps.clear_protected_resources()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    from moto.server import ThreadedMotoServer

    moto_gaps.apply_all()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield MotoServer(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture
def mocked_aws(aws_env: None) -> Iterator[None]:
    from moto import mock_aws

    moto_gaps.apply_all()
    moto_gaps.clear_protected_resources()
    with mock_aws():
        yield
    moto_gaps.clear_protected_resources()


# `make test-fast` runs `-m "not server and not browser"`: the tests below are
# marked `server` because they start moto (a server or in-process backends),
# the CLI in a subprocess or a seeded estate.  Whole folders that do that for
# nearly every test are marked by folder; elsewhere a test is marked by the
# fixtures it uses or by what its module imports.
_SERVER_FOLDERS = frozenset({"e2e", "demo", "reliability", "security", "collect"})
_SERVER_FIXTURES = frozenset({"moto_server", "mocked_aws", "aws_env"})
_SERVER_MODULES = ("subprocess", "moto", "multiprocessing")


def _starts_a_server(item: pytest.Item) -> bool:
    path = getattr(item, "path", None)
    if path is not None and _SERVER_FOLDERS.intersection(path.parts):
        return True
    if _SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    module = getattr(item, "module", None)
    for value in vars(module).values() if module is not None else ():
        name = getattr(value, "__module__", None) or getattr(value, "__name__", "")
        if isinstance(name, str) and name.split(".")[0] in _SERVER_MODULES:
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _starts_a_server(item):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session", autouse=True)
def _startup_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The CLI's start-up cache (scanner/cli/_cache.py) lives in a temporary folder,
    never in the home directory of whoever runs the tests (children inherit it)."""
    import os

    folder = tmp_path_factory.mktemp("aurora-scan-cache")
    previous = os.environ.get("AURORA_SCAN_CACHE_DIR")
    os.environ["AURORA_SCAN_CACHE_DIR"] = str(folder)
    yield
    if previous is None:
        os.environ.pop("AURORA_SCAN_CACHE_DIR", None)
    else:
        os.environ["AURORA_SCAN_CACHE_DIR"] = previous
