"""Fixtures for the report tests: ScanResults built from model objects only."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from github_rules import CHECKED, file_key
from report_factory import rich_result
from sarif_schema import assert_sarif_file_valid

from scanner.model import ScanResult


@pytest.fixture(scope="session")
def rich() -> ScanResult:
    return rich_result()


@pytest.fixture(scope="session")
def rich_reports(tmp_path_factory: pytest.TempPathFactory, rich: ScanResult) -> dict[str, Path]:
    from scanner.report import FORMATS, render

    paths = render(rich, FORMATS, tmp_path_factory.mktemp("rich"))
    assert_sarif_file_valid(paths["sarif"])
    return paths


@pytest.fixture(autouse=True)
def every_sarif_is_valid(tmp_path: Path) -> Iterator[None]:
    """Whatever a report test writes, every .sarif in its tmp_path passes the
    OASIS schema and GitHub's ingestion rules (the issue's acceptance)."""
    yield
    for path in sorted(tmp_path.rglob("*.sarif")):
        if file_key(path) not in CHECKED:
            assert_sarif_file_valid(path)
