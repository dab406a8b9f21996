"""Fixtures for the product tests: one moto server per module, on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto_iam import free_port

from scanner.demo import moto_gaps


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    moto_gaps.apply_all()  # pagination, Backup ListProtectedResources, DescribeCertificates
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
