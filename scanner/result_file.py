"""``results.json`` on disk: write atomically, read back schema-validated.

The bytes are canonical (sorted keys, two-space indent, UTF-8, trailing
newline), identical to what the ``json`` report format writes, so the same
snapshot and policies always give a byte-identical file.  The published JSON
Schema is ``scanner/results.schema.json``.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from scanner.errors import UserInputError
from scanner.model import ScanResult

RESULTS_SCHEMA_PATH = Path(__file__).with_name("results.schema.json")


@cache
def results_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(RESULTS_SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def result_bytes(result: ScanResult) -> bytes:
    text = json.dumps(result.to_dict(), sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def write_result(result: ScanResult, path: Path | str) -> Path:
    """Write ``result`` to ``path`` atomically (a reader never sees half a file)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(result_bytes(result))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def validate_result_dict(data: Any, file: str = "results.json") -> None:
    error = best_match(jsonschema.Draft202012Validator(results_schema()).iter_errors(data))
    if error is not None:
        where = "$" + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
        )
        raise UserInputError(
            f"not an aurora-scan result: {error.message}",
            file=file,
            location=where,
            hint="pass a results.json written by aurora-scan evaluate/scan",
        )


def read_result(path: Path | str) -> ScanResult:
    source = Path(path)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserInputError("results file not found", file=str(source)) from None
    except OSError as exc:
        raise UserInputError(f"cannot read the file: {exc.strerror}", file=str(source)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = (
            f"line {exc.lineno}, column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else None
        )
        raise UserInputError(
            f"not valid JSON: {exc.msg if isinstance(exc, json.JSONDecodeError) else exc}",
            file=str(source),
            location=where,
            hint="pass a results.json written by aurora-scan",
        ) from None
    except RecursionError:
        # json recurses once per nesting level: a hostile file must not crash us.
        raise UserInputError(
            "JSON nested too deeply",
            file=str(source),
            hint="pass a results.json written by aurora-scan",
        ) from None
    validate_result_dict(data, str(source))
    return ScanResult.from_dict(data)
