"""Fixtures for the product tests: the session's moto server (tests/conftest.py).

moto's state is process-wide and other modules reset it; the product tests
keep to their own regions (moto_iam.REGION, eu-north-1) and re-seed when they
find their resources gone, instead of resetting everyone else's.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="module")
def moto_url(moto_server: Any) -> str:
    return str(moto_server.url)
