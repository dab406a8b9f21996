"""``results.json``: the ScanResult itself, byte-identical for identical input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner.model import ScanResult
from scanner.report._env import write_chunks


def render_json(result: ScanResult, path: Path, options: Any = None) -> Path:
    encoder = json.JSONEncoder(sort_keys=True, indent=2, ensure_ascii=False)
    chunks = encoder.iterencode(result.to_dict())
    write_chunks(path, _with_newline(chunks))
    return path


def _with_newline(chunks: Any) -> Any:
    yield from chunks
    yield "\n"
