"""``results.json``: the ScanResult itself, byte-identical for identical input.

The layout and the encoding are ``scanner.result_file``'s (one source), so
``report --format json`` and ``evaluate`` write the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.atomic_write import FileMode
from scanner.model import ScanResult
from scanner.report._env import write_chunks
from scanner.report._view import ReportView
from scanner.result_file import result_chunks


def render_json(
    result: ScanResult, path: Path, options: Any = None, *, view: ReportView | None = None
) -> Path:
    # Account data (names, tags, network layout): the owner's only.
    write_chunks(path, result_chunks(result, view), mode=FileMode.PRIVATE)
    return path
