"""Leave logging as pytest set it up after tests that configure it in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scanner.logging_setup import reset_logging


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    yield
    reset_logging()
