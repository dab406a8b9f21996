"""``results.json`` on disk: write atomically, read back schema-validated.

The bytes are canonical and identical to what the ``json`` report format
writes, so the same snapshot and policies always give a byte-identical file:
top-level keys sorted, one per line; the ``errors``, ``findings`` and
``policies`` arrays hold one compact item per line
(``json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":"))``),
so the C encoder does the work and the file is grep- and diff-friendly;
UTF-8 with a trailing newline.  The text is produced as a stream of chunks:
a million findings are never one string.  (Python's encoder falls back to
its pure-Python implementation for ``indent=``; at 10,000 clusters that was
over a minute and gigabytes of memory.)  The published JSON Schema is
``scanner/results.schema.json``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from itertools import islice
from json.encoder import c_make_encoder  # type: ignore[attr-defined]
from json.encoder import encode_basestring as c_encode_basestring
from operator import attrgetter
from pathlib import Path
from typing import Any

from scanner import gc_pause
from scanner.atomic_write import FileMode, atomic_file
from scanner.errors import UserInputError
from scanner.input_check import reject_lone_surrogates, wrong_file_hint
from scanner.model import RESULT_SCHEMA_VERSION, Finding, ScanResult, Severity, Status
from scanner.schema_check import DocumentValidator, expected_text
from scanner.strict_json import loads_finite

RESULTS_SCHEMA_PATH = Path(__file__).with_name("results.schema.json")


@cache
def results_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(RESULTS_SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


# The arrays written one item per line; everything else is one compact line.
_LINE_ARRAYS = ("errors", "findings", "policies")
_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
_CHUNK_ITEMS = 512  # items joined per yielded chunk (fewer, larger writes)


def result_chunks(result: ScanResult, view: Any = None) -> Iterator[str]:
    """The canonical ``results.json`` text of ``result``, as a stream of chunks.

    ``view`` is the shared scanner.report._view.ReportView when several
    formats are written in one go (sorted findings and counts computed once).
    """
    # Everything but the findings comes from ScanResult.to_dict (one source of
    # truth for the layout); findings are encoded one at a time, never all
    # turned into dicts at once.
    rest = dataclasses.replace(result, findings=()).to_dict()
    if view is not None:
        rest["summary"] = view.counts
        findings = view.sorted_findings
    else:
        rest["summary"] = result.counts()
        findings = sorted(result.findings, key=_SORT_KEY)
    keys = sorted({*rest, "findings"})
    yield "{\n"
    for index, key in enumerate(keys):
        yield _encode(key) + ":"
        if key == "findings":
            yield from _lines(_findings_json(findings))
        elif key in _LINE_ARRAYS:
            yield from _lines(map(_encode, rest[key]))
        else:
            yield _encode(rest[key])
        yield ",\n" if index < len(keys) - 1 else "\n}\n"


def _findings_json(findings: Iterable[Finding]) -> Iterator[str]:
    """finding_json for each, with a memo of encoded evidence per policy:
    evaluation shares evidence tuples within a policy only, so the memo stays
    bounded by one policy's findings (also for a result read from a file,
    where nothing is shared)."""
    memo: dict[int, str] = {}
    policy = None
    for f in findings:
        if f.policy_id != policy:
            memo, policy = {}, f.policy_id
        yield finding_json(f, memo)


def _lines(encoded: Iterator[str]) -> Iterator[str]:
    """``[`` + one encoded item per line + ``]`` (``[]`` when empty)."""
    first = True
    while batch := list(islice(encoded, _CHUNK_ITEMS)):
        yield ("[\n" if first else ",\n") + ",\n".join(batch)
        first = False
    yield "[]" if first else "\n]"


_SORT_KEY = attrgetter("policy_id", "account", "region", "resource_id")
_STATUS_JSON = {s: _encode(s.value) for s in Status}
_SEVERITY_JSON = {s: _encode(s.value) for s in Severity}
_FINDING_KEYS = (
    "account",
    "evidence",
    "fingerprint",
    "first_seen",
    "last_status_change",
    "message",
    "policy_id",
    "reason",
    "region",
    "remediation",
    "resource_id",
    "resource_name",
    "resource_type",
    "severity",
    "status",
    "waiver",
)


def _fail(value: Any) -> Any:
    if isinstance(value, Mapping):  # evidence or waiver held in another mapping type
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# The C encoder json.dumps builds on every call, built once: (value, 0) -> [text].
# Arguments: markers, default, string encoder, indent, key and item separators,
# sort_keys, skipkeys, allow_nan (json.encoder.JSONEncoder.iterencode).
_c_encode = (
    c_make_encoder(None, _fail, c_encode_basestring, None, ":", ",", True, False, True)
    if c_make_encoder is not None
    else None
)


def _value(value: Any) -> str:
    """One nested value (evidence list, remediation, waiver) as canonical JSON."""
    if _c_encode is None:
        return _encode(value)
    return "".join(_c_encode(value, 0))


def finding_json(f: Finding, evidence_json: dict[int, str] | None = None) -> str:
    """``_encode(f.to_dict())``, byte for byte, about twice as fast.

    The finding's keys are written in their sorted order by hand and only its
    nested values go through the encoder: a million findings at 10,000
    clusters made the generic path the biggest cost of writing results.json.
    ``tests/report/test_result_file.py`` checks both agree.

    ``evidence_json`` is a memo of encoded evidence by tuple identity, for a
    caller encoding many findings at once: evaluation shares one evidence
    tuple between the findings that saw the same thing.  The findings must
    outlive the memo (ids are not reused while they are alive).
    """
    ev, rem, waiver = f.evidence, f.remediation, f.waiver
    esc = c_encode_basestring
    ev_text: str | None = "[]" if not ev else None
    if ev_text is None and evidence_json is not None:
        ev_text = evidence_json.get(id(ev))
    if ev_text is None:
        ev_text = _value(list(ev))
        if evidence_json is not None:
            evidence_json[id(ev)] = ev_text
    return (
        f'{{"account":{esc(f.account)},"evidence":{ev_text},'
        f'"fingerprint":{esc(f.fingerprint)},"first_seen":{esc(f.first_seen)},'
        f'"last_status_change":{esc(f.last_status_change)},"message":{esc(f.message)},'
        f'"policy_id":{esc(f.policy_id)},"reason":{esc(f.reason)},"region":{esc(f.region)},'
        f'"remediation":{_value(rem) if rem else "{}"},"resource_id":{esc(f.resource_id)},'
        f'"resource_name":{esc(f.resource_name)},"resource_type":{esc(f.resource_type)},'
        f'"severity":{_SEVERITY_JSON[f.severity]},"status":{_STATUS_JSON[f.status]},'
        f'"waiver":{"null" if waiver is None else _value(waiver)}}}'
    )


def encode_chunk(chunk: str) -> bytes:
    # backslashreplace only fires on lone surrogates, which can only sit inside
    # JSON strings, where \udXXX is exactly the right escape.
    return chunk.encode("utf-8", errors="backslashreplace")


def result_bytes(result: ScanResult) -> bytes:
    """The whole file in memory (tests, digests); writing streams instead."""
    return b"".join(encode_chunk(c) for c in result_chunks(result))


def write_result(result: ScanResult, path: Path | str) -> Path:
    """Write ``result`` to ``path`` atomically (a reader never sees half a file)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(target, FileMode.PRIVATE) as handle:
        for chunk in result_chunks(result):
            handle.write(encode_chunk(chunk))
    return target


EXPECTED = "a results.json written by aurora-scan evaluate/scan"
_HINT = "pass the results.json from the --output-dir of aurora-scan evaluate/scan"


@cache
def _validator() -> DocumentValidator:
    # The findings (a million at 10,000 clusters) are checked by a predicate
    # compiled from the schema; everything else by jsonschema (schema_check.py).
    return DocumentValidator(results_schema(), ["findings"])


def _major(version: str) -> str:
    return version.split(".", 1)[0]


def validate_result_dict(data: Any, file: str = "results.json") -> None:
    """Raise a one-line UserInputError if ``data`` is not a results document.

    The schema is the contract; a result of schema 1.0 (findings carrying
    their policy's frameworks) is valid too.
    """
    if not isinstance(data, dict) or "findings" not in data:
        raise _not_a_result(data, file)
    version = data.get("schema_version")
    if isinstance(version, str) and _major(version) != _major(RESULT_SCHEMA_VERSION):
        # Never read a result of another format as if it were ours.
        raise UserInputError(
            f"results schema version {version} is not supported",
            file=file,
            location="$.schema_version",
            expected=f"{_major(RESULT_SCHEMA_VERSION)}.x",
            hint="re-render it with the aurora-scan version that wrote it, "
            "or evaluate the snapshot again with this one",
        )
    found = _validator().first_error(data)
    if found is not None:
        error, where = found
        raise UserInputError(
            f"not an aurora-scan result: {_short(error.message)}",
            file=file,
            location=where,
            expected=expected_text(error) or EXPECTED,
            hint="the file was edited or damaged; " + _HINT,
        )


def _not_a_result(data: Any, file: str) -> UserInputError:
    return UserInputError(
        "not an aurora-scan result",
        file=file,
        expected="a JSON object with schema_version, policies and findings (" + EXPECTED + ")",
        hint=wrong_file_hint(data, file, "result", _HINT),
    )


def _short(text: str, limit: int = 200) -> str:
    # A message may embed the offending value (a whole finding): one short line.
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_result_bytes(path: Path | str) -> bytes:
    """The file's bytes; a missing file, a directory or an unreadable one is a UserInputError."""
    source = Path(path)
    if source.is_dir():
        raise UserInputError(
            "is a directory, not a results file",
            file=str(source),
            expected=EXPECTED,
            hint=f"pass the file inside it, e.g. {source / 'results.json'}",
        )
    try:
        return source.read_bytes()
    except FileNotFoundError:
        raise UserInputError(
            "results file not found", file=str(source), expected=EXPECTED, hint=_HINT
        ) from None
    except OSError as exc:
        raise UserInputError(
            f"cannot read the file: {exc.strerror}", file=str(source), expected=EXPECTED
        ) from None


def parse_result(raw: bytes, file: str) -> ScanResult:
    """Decode, validate and load the bytes of a results.json (any 1.x)."""
    try:
        data = loads_finite(
            raw,
            file=file,
            expected="finite numbers (JSON has no NaN or Infinity)",
            hint="the file was edited or damaged; evaluate the snapshot again",
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = (
            f"line {exc.lineno}, column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else None
        )
        raise UserInputError(
            f"not valid JSON: {exc.msg if isinstance(exc, json.JSONDecodeError) else exc}",
            file=file,
            location=where,
            expected=EXPECTED,
            hint=_HINT,
        ) from None
    except RecursionError:
        # json recurses once per nesting level: a hostile file must not crash us.
        raise UserInputError(
            "JSON nested too deeply", file=file, expected=EXPECTED, hint=_HINT
        ) from None
    reject_lone_surrogates(raw, data, file)
    validate_result_dict(data, file)
    # Read as the current 1.x: whatever is written from it next is in this
    # version's layout (a 1.0 finding's frameworks are dropped on load).
    data["schema_version"] = RESULT_SCHEMA_VERSION
    return ScanResult.from_dict(data)


def read_result(path: Path | str) -> ScanResult:
    source = Path(path)
    raw = read_result_bytes(source)
    with gc_pause.loading():
        return parse_result(raw, str(source))
