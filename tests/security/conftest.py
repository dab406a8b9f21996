"""Fixtures of the security tests; the helpers live in ``sec_support``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "product"))

from sec_support import make_run_cli, run_in_process


@pytest.fixture
def run_cli(tmp_path: Path) -> Any:
    return make_run_cli(tmp_path)


@pytest.fixture
def cli() -> Any:
    return run_in_process
