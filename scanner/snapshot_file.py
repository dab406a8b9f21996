"""Snapshot files: atomic JSON writes, schema-validated reads.

The schema ships in the package (``scanner/collect/snapshot.schema.json``)
and is versioned by ``schema_version``: a reader accepts any 1.x snapshot.
Files ending in ``.gz`` are gzip-compressed both ways.  Every problem with a
file a user hands us becomes a one-line UserInputError (exit 2), never a
traceback.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import os
from pathlib import Path
from typing import Any

import jsonschema

from scanner import gc_pause
from scanner.atomic_write import FileMode, write_bytes
from scanner.errors import UserInputError
from scanner.input_check import check_record_shapes, reject_lone_surrogates, wrong_file_hint
from scanner.model import SNAPSHOT_SCHEMA_VERSION, Snapshot
from scanner.resource_types import TYPES
from scanner.schema_check import DocumentValidator, expected_text
from scanner.strict_json import loads_finite
from scanner.vocabulary import RESOURCE_TYPES

SCHEMA_PATH = Path(__file__).parent / "collect" / "snapshot.schema.json"
# A snapshot of ~10k clusters with their instances and snapshots is a few
# hundred MB; anything far beyond is not a snapshot, or should be sharded.
MAX_BYTES = 2 * 1024**3
_GZIP_MAGIC = b"\x1f\x8b"
EXPECTED = "a snapshot written by aurora-scan collect --output"
_HINT = "pass the file written by `aurora-scan collect --output FILE`"


@functools.cache
def snapshot_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def _validator() -> DocumentValidator:
    return _validator_for(TYPES.generation)


@functools.cache
def _validator_for(generation: int) -> DocumentValidator:
    # Resources (tens of thousands per snapshot) are checked by a predicate
    # compiled from the schema, the rest by jsonschema (schema_check.py).
    # The resource types a reader accepts are the declared ones
    # (scanner/resource_types.py); the shipped schema lists the same
    # (tests/collect/test_snapshot_file.py), for tools that read snapshots.
    del generation  # the cache key: a newly declared type gets a new validator
    shipped = snapshot_schema()
    defs = {**shipped["$defs"], "resource_type": {"enum": sorted(RESOURCE_TYPES)}}
    schema = {**shipped, "$defs": defs}
    jsonschema.validators.validator_for(schema).check_schema(schema)
    return DocumentValidator(schema, ["resources"])


def _major(version: str) -> str:
    return version.split(".", 1)[0]


def check_snapshot_target(path: str | os.PathLike[str], *, location: str | None = None) -> Path:
    """Refuse a path ``write_snapshot`` could not replace; callers check before collecting."""
    target = Path(path)
    if target.is_dir():
        raise UserInputError(
            "is a directory",
            file=str(target),
            location=location,
            expected="the name of the snapshot file to write",
            hint=f"e.g. {target / 'snapshot.json'}",
        )
    parent = target.parent
    if not parent.is_dir():
        raise UserInputError(
            "the output directory does not exist",
            file=str(target),
            location=location,
            hint=f"create {parent} first",
        )
    return parent


def write_snapshot(snapshot: Snapshot, path: str | os.PathLike[str]) -> Path:
    """Write ``snapshot`` as JSON, atomically: a reader never sees a partial file."""
    target = Path(path)
    check_snapshot_target(target)
    data = (json.dumps(snapshot.to_dict(), sort_keys=True, separators=(",", ":")) + "\n").encode()
    if target.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    try:
        write_bytes(target, data, FileMode.PRIVATE, durable=True)
    except OSError as exc:  # disk full, read-only file system, permissions
        raise _cannot_write(target, exc) from None
    return target


def _cannot_write(target: Path, exc: OSError) -> UserInputError:
    return UserInputError(
        f"cannot write the snapshot: {exc.strerror or exc}",
        file=str(target),
        hint="choose a writable place with free space",
    )


def _read_bytes(target: Path, max_bytes: int) -> bytes:
    try:
        size = target.stat().st_size
    except FileNotFoundError:
        raise UserInputError(
            "file not found", file=str(target), expected=EXPECTED, hint=_HINT
        ) from None
    except OSError as exc:
        raise UserInputError(
            f"cannot read the file ({exc.strerror})", file=str(target), expected=EXPECTED
        ) from None
    if target.is_dir():
        raise UserInputError(
            "is a directory, not a snapshot file",
            file=str(target),
            expected=EXPECTED,
            hint=f"pass the file inside it, e.g. {target / 'snapshot.json'}",
        )
    if size > max_bytes:
        raise UserInputError(
            f"file is {size} bytes, more than the {max_bytes}-byte limit for a snapshot",
            file=str(target),
            hint="collect fewer accounts per snapshot (shard) and merge the results",
        )
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise UserInputError(f"cannot read the file ({exc.strerror})", file=str(target)) from None
    if raw.startswith(_GZIP_MAGIC):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                raw = gz.read(max_bytes + 1)
        except (OSError, EOFError) as exc:
            raise UserInputError(
                f"damaged gzip data ({exc})", file=str(target), hint="collect the snapshot again"
            ) from None
        if len(raw) > max_bytes:
            raise UserInputError(
                f"uncompressed snapshot is more than the {max_bytes}-byte limit", file=str(target)
            )
    return raw


def _short(text: str, limit: int = 200) -> str:
    # A message may embed the offending value (a whole record): keep it one short line.
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_snapshot(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> Snapshot:
    """Load and validate a snapshot; any problem is a one-line UserInputError."""
    target = Path(path)
    raw = _read_bytes(target, max_bytes)
    with gc_pause.loading():
        return _parse(target, raw)


def _parse(target: Path, raw: bytes) -> Snapshot:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserInputError(
            "not a UTF-8 text JSON file", file=str(target), expected="an aurora-scan snapshot"
        ) from None
    try:
        data = loads_finite(
            text,
            file=str(target),
            expected="finite numbers (JSON has no NaN or Infinity)",
            hint="the file was edited or damaged; collect it again",
        )
    except json.JSONDecodeError as exc:
        problem = "not valid JSON"
        stripped = text.rstrip()
        if stripped.startswith(("{", "[")) and not stripped.endswith(("}", "]")):
            problem = "JSON ends early (truncated file?)"
        raise UserInputError(
            f"{problem}: {exc.msg}",
            file=str(target),
            location=f"line {exc.lineno} column {exc.colno}",
            hint="collect the snapshot again",
        ) from None
    except RecursionError:
        # json recurses once per nesting level: a hostile file must not crash us.
        raise UserInputError(
            "JSON nested too deeply", file=str(target), expected="an aurora-scan snapshot"
        ) from None
    reject_lone_surrogates(raw, data, str(target))
    if (
        not isinstance(data, dict)
        or "schema_version" not in data
        or "resources" not in data
        or "findings" in data  # a results.json (2.x has a resources table too)
    ):
        raise UserInputError(
            "not an aurora-scan snapshot",
            file=str(target),
            expected=f"a JSON object with schema_version and resources ({EXPECTED})",
            hint=wrong_file_hint(data, str(target), "snapshot", _HINT),
        )
    version = str(data.get("schema_version"))
    if _major(version) != _major(SNAPSHOT_SCHEMA_VERSION):
        raise UserInputError(
            f"snapshot schema version {version} is not supported",
            file=str(target),
            location="$.schema_version",
            expected=f"{_major(SNAPSHOT_SCHEMA_VERSION)}.x",
            hint="collect the snapshot again with this version of aurora-scan",
        )
    found = _validator().first_error(data)
    if found is not None:
        error, where = found
        raise UserInputError(
            f"does not match the snapshot schema: {_short(error.message)}",
            file=str(target),
            location=where,
            expected=expected_text(error) or EXPECTED,
            hint="the file was edited or damaged; collect it again",
        )
    check_record_shapes(data, str(target))
    return Snapshot.from_dict(data)
