"""Fixtures for the report tests: ScanResults built from model objects only."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from report_factory import rich_result

from scanner.model import ScanResult


@pytest.fixture(scope="session")
def rich() -> ScanResult:
    return rich_result()


@pytest.fixture(scope="session")
def rich_reports(tmp_path_factory: pytest.TempPathFactory, rich: ScanResult) -> dict[str, Path]:
    from scanner.report import FORMATS, render

    return render(rich, FORMATS, tmp_path_factory.mktemp("rich"))
