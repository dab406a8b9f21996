"""``results.json`` on disk: write atomically, read back schema-validated.

Schema 2.0 (``scanner/results.schema.json``; docs/performance.md, "A compact
results.json").  Data findings share is written once and referenced by
index: ``resources`` holds each resource's identity (id, type, name, account,
region), ``evidence_items`` each distinct evidence item and ``evidence`` each
distinct list of them (as item indexes), ``policies`` the policy (and so the
severity); a finding is its policy, resource, status, message,
evidence index and whatever differs from the defaults (``reason``,
``remediation``, ``waiver``; ``severity`` when not the policy's;
``fingerprint`` when not sha256 of ``policy_id|resource_id``).  At 10,000
clusters the 1.x layout, one self-contained object per finding, was 618 MB.

The bytes are canonical and identical to what the ``json`` report format
writes, so the same snapshot and policies always give a byte-identical file:
top-level keys sorted, one per line; each item of the ``errors``,
``evidence``, ``evidence_items``, ``findings``, ``messages``, ``policies``,
``reasons`` and ``resources`` arrays one compact line, keys sorted; UTF-8
with a trailing newline.  msgspec encodes, and decodes into typed structs
on the way back (types, enums, ranges and patterns checked in C); the
envelope is checked by jsonschema.  1.x files are still read (``results-1.schema.json``).
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import Annotated, Any, cast

import msgspec

from scanner import gc_pause
from scanner.atomic_write import FileMode, atomic_file
from scanner.errors import UserInputError
from scanner.input_check import reject_lone_surrogates, wrong_file_hint
from scanner.model import (
    RESULT_SCHEMA_VERSION,
    CollectionError,
    Evidence,
    Finding,
    ScanHeader,
    ScanResult,
    Severity,
    Status,
)
from scanner.schema_check import DocumentValidator, expected_text, json_location
from scanner.strict_json import loads_finite

RESULTS_SCHEMA_PATH = Path(__file__).with_name("results.schema.json")
# The schema of 1.x files (self-contained findings), still read.
RESULTS_1_SCHEMA_PATH = Path(__file__).with_name("results-1.schema.json")


@cache
def results_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(RESULTS_SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def results_1_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(RESULTS_1_SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


# ----- the file's own types: what a finding line holds -------------------------

_Index = Annotated[int, msgspec.Meta(ge=0)]
_Fingerprint = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
# A message shape: the text split at the resource's name (at least one part, as
# the schema says: an empty one would read back as an empty message).
_Shape = Annotated[list[str], msgspec.Meta(min_length=1)]


class _Resource(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    """An entry of ``resources``: the identity its findings share (fields sorted)."""

    account: str
    id: str
    name: str
    region: str
    type: str


class _Row(msgspec.Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True, gc=False):
    """A line of ``findings`` (fields sorted, defaults left out)."""

    evidence: _Index | None = None
    fingerprint: _Fingerprint | None = None
    # Since when: absent when it is the scan's own time (scan.collected_at), the
    # value for every finding not carried forward from earlier results.
    first_seen: str | None = None
    last_status_change: str | None = None
    # 2.1: an index into ``messages`` (the text is the resource's name joining
    # that entry's parts), or absent for an inherited verdict (derived from
    # the reason and the policy's title); 2.0: the text itself.
    message: str | _Index | None = None
    policy: _Index | None = None
    policy_id: str | None = None
    reason: str | _Index = ""  # 2.1: an index into ``reasons``
    remediation: Mapping[str, str] | None = None
    resource: _Index
    severity: Severity | None = None
    status: Status
    waiver: Mapping[str, Any] | None = None


class _Document(msgspec.Struct, forbid_unknown_fields=True):
    """The whole file, as read back: big arrays typed, the envelope as JSON."""

    schema_version: str
    scanner: dict[str, Any]
    scan: dict[str, Any]
    policies: list[dict[str, Any]]
    resources: list[_Resource]
    evidence: list[list[_Index]]
    evidence_items: list[dict[str, Any]]
    findings: list[_Row]
    errors: list[dict[str, Any]]
    summary: dict[str, Any]
    waivers: dict[str, Any] = msgspec.field(default_factory=dict)
    messages: list[_Shape] = msgspec.field(default_factory=list)  # 2.1
    reasons: list[str] = msgspec.field(default_factory=list)  # 2.1


_BIG = (
    "evidence",
    "evidence_items",
    "findings",
    "messages",
    "reasons",
    "resources",
)  # typed by msgspec, not by jsonschema
_LINE_ARRAYS = (
    "errors",
    "evidence",
    "evidence_items",
    "findings",
    "messages",
    "policies",
    "reasons",
    "resources",
)
_CHUNK_ITEMS = 512  # items joined per yielded chunk (fewer, larger writes)
_SORT_KEY = attrgetter("policy_id", "account", "region", "resource_id")


def _builtin(value: Any) -> Any:
    # Evidence, remediation or waiver held in another mapping type.
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_encoder = msgspec.json.Encoder(enc_hook=_builtin, order="sorted")


# ----- writing -----------------------------------------------------------------


def result_chunks(result: ScanResult, view: Any = None) -> Iterator[bytes]:
    """The canonical ``results.json`` bytes of ``result``, as a stream of chunks.

    ``view`` is the shared scanner.report._view.ReportView when several
    formats are written in one go (sorted findings and counts computed once).
    """
    if view is not None:
        counts, findings = view.counts, view.sorted_findings
    else:
        counts, findings = result.counts(), sorted(result.findings, key=_SORT_KEY)
    policies = sorted((dict(p) for p in result.policies), key=lambda p: str(p["id"]))
    tables = _Tables()
    # ``evidence`` comes before ``findings`` in the file: the tables are filled
    # first, the rows made as they are written (never all in memory at once).
    refs = tables.add(findings)
    rest: dict[str, Any] = {
        "schema_version": result.schema_version,
        "scanner": dict(result.scanner),
        "scan": dict(result.scan),
        "policies": policies,
        "resources": tables.resources,
        "evidence": tables.evidence,
        "evidence_items": tables.items,
        "findings": _rows(
            findings, refs, policies, tables, str(result.scan.get("collected_at", ""))
        ),
        # Filled while the findings are written (they come after them in the file).
        "messages": tables.messages,
        "reasons": tables.reasons,
        "errors": [e.to_dict() for e in sorted(result.errors, key=_error_sort_key)],
        "waivers": dict(result.waivers),
        "summary": counts,
    }
    keys = sorted(rest)
    yield b"{\n"
    for index, key in enumerate(keys):
        yield _encode(key) + b":"
        if key in _LINE_ARRAYS:
            yield from _lines(iter(rest[key]))
        else:
            yield _encode(rest[key])
        yield b",\n" if index < len(keys) - 1 else b"\n}\n"


def _error_sort_key(e: CollectionError) -> tuple[str, ...]:
    return (e.account, e.region, e.service, e.operation, e.error_code, e.message)


class _Tables:
    """The shared tables of one file: resource identities, evidence lists and items."""

    def __init__(self) -> None:
        self.resources: list[_Resource] = []
        # Two levels: distinct evidence items, and distinct lists of them.
        self.items: list[msgspec.Raw] = []
        self.item_index: dict[bytes, int] = {}
        self.evidence: list[tuple[int, ...]] = []
        self.evidence_index: dict[tuple[int, ...], int] = {}
        # Evaluation shares evidence tuples and items between findings that saw
        # the same thing: each is looked at once (ids stay valid: the findings
        # outlive this object).
        self.item_by_id: dict[int, int] = {}
        # 2.1: each distinct message shape (the text split at the resource's
        # name: a template filled from the resource gives the same shape for
        # many resources) and each distinct reason, written once.
        self.messages: list[tuple[str, ...]] = []
        self.message_index: dict[tuple[str, ...], int] = {}
        self.reasons: list[str] = []
        self.reason_index: dict[str, int] = {}

    def add(self, findings: Sequence[Finding]) -> tuple[array[int], array[int]]:
        """Each finding's resource and evidence index (-1: none), tables filled on the way."""
        resource_of, evidence_of = array("i"), array("i")
        resource_index: dict[tuple[str, str, str, str, str], int] = {}
        evidence_by_id: dict[int, int] = {}
        resources = self.resources
        for f in findings:
            key = (f.resource_id, f.resource_type, f.resource_name, f.account, f.region)
            index = resource_index.get(key)
            if index is None:
                index = resource_index[key] = len(resources)
                resources.append(_Resource(f.account, f.resource_id, f.resource_name, f.region,
                                           f.resource_type))  # fmt: skip
            resource_of.append(index)
            evidence = f.evidence
            if evidence:
                index = evidence_by_id.get(id(evidence))
                if index is None:
                    index = evidence_by_id[id(evidence)] = self._list(evidence)
                evidence_of.append(index)
            else:
                evidence_of.append(-1)
        return resource_of, evidence_of

    def _list(self, evidence: tuple[Evidence, ...]) -> int:
        key = tuple(map(self._item, evidence))
        index = self.evidence_index.get(key)
        if index is None:
            index = self.evidence_index[key] = len(self.evidence)
            self.evidence.append(key)
        return index

    def _item(self, item: Evidence) -> int:
        index = self.item_by_id.get(id(item))
        if index is None:
            text = _encode(item)
            index = self.item_index.get(text)
            if index is None:
                index = self.item_index[text] = len(self.items)
                self.items.append(msgspec.Raw(text))
            self.item_by_id[id(item)] = index
        return index


INHERITED_PREFIX = "inherited from "  # the reason of a verdict inherited from an owner


def _judged_on(title: str) -> str:
    """An inherited verdict's message, less the owner named in its reason (engine._inherit)."""
    return f"{title}: judged on "


def _rows(
    findings: Sequence[Finding],
    refs: tuple[array[int], array[int]],
    policies: Sequence[Mapping[str, Any]],
    tables: _Tables,
    scan_time: str,
) -> Iterator[_Row]:
    """The ``findings`` lines: the innermost loop of writing (a million at 10k)."""
    by_id = {
        str(p["id"]): (i, _severity(p.get("severity")), _judged_on(str(p.get("title"))))
        for i, p in enumerate(policies)
    }
    sha256, current = hashlib.sha256, None
    policy, severity, prefix, judged = None, None, b"", ""
    shapes, shape_index = tables.messages, tables.message_index
    reasons, reason_index = tables.reasons, tables.reason_index
    skip = len(INHERITED_PREFIX)
    for f, resource, evidence in zip(findings, *refs, strict=True):
        if f.policy_id != current:
            current = f.policy_id
            policy, severity, judged = by_id.get(current, (None, None, ""))
            prefix = f"{current}|".encode()
        fingerprint, text, reason = f.fingerprint, f.message, f.reason
        message: int | None = None
        if not (
            policy is not None
            and reason.startswith(INHERITED_PREFIX)
            and text == judged + reason[skip:]
        ):
            name = f.resource_name
            shape = tuple(text.split(name)) if name else (text,)
            message = shape_index.get(shape)
            if message is None:
                message = shape_index[shape] = len(shapes)
                shapes.append(shape)
        because: int | str = ""
        if reason:
            because = reason_index.get(reason, -1)
            if because < 0:
                because = reason_index[reason] = len(reasons)
                reasons.append(reason)
        yield _Row(
            evidence=None if evidence < 0 else evidence,
            fingerprint=None if fingerprint == sha256(prefix + f.resource_id.encode()).hexdigest()
            else fingerprint,
            first_seen=None if f.first_seen == scan_time else f.first_seen,
            last_status_change=None if f.last_status_change == scan_time
            else f.last_status_change,
            message=message,
            policy=policy,
            policy_id=None if policy is not None else current,
            reason=because,
            remediation=f.remediation or None,
            resource=resource,
            severity=None if f.severity is severity else f.severity,
            status=f.status,
            waiver=f.waiver,
        )  # fmt: skip


def _severity(value: Any) -> Severity | None:
    return Severity(value) if value in _SEVERITIES else None


_SEVERITIES = frozenset(s.value for s in Severity)


def _encode(value: Any) -> bytes:
    try:
        return _encoder.encode(value)
    except UnicodeEncodeError:
        # A lone surrogate (half a UTF-16 pair) in some string: msgspec refuses
        # it; the stdlib writes it as the \udXXX escape JSON has for it.
        text = json.dumps(
            msgspec.to_builtins(value, enc_hook=_builtin, order="sorted"),
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return text.encode("utf-8", errors="backslashreplace")


def _lines(items: Iterator[Any]) -> Iterator[bytes]:
    """``[`` + one encoded item per line + ``]`` (``[]`` when empty)."""
    first, encode = True, _encoder.encode
    while batch := list(islice(items, _CHUNK_ITEMS)):
        try:
            encoded = list(map(encode, batch))
        except UnicodeEncodeError:
            encoded = list(map(_encode, batch))
        yield (b"[\n" if first else b",\n") + b",\n".join(encoded)
        first = False
    yield b"[]" if first else b"\n]"


def result_bytes(result: ScanResult) -> bytes:
    """The whole file in memory (tests, digests); writing streams instead."""
    return b"".join(result_chunks(result))


def write_result(result: ScanResult, path: Path | str) -> Path:
    """Write ``result`` to ``path`` atomically (a reader never sees half a file)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(target, FileMode.PRIVATE) as handle:
        for chunk in result_chunks(result):
            handle.write(chunk)
    return target


EXPECTED = "a results.json written by aurora-scan evaluate/scan"
_HINT = "pass the results.json from the --output-dir of aurora-scan evaluate/scan"


@cache
def _validator(major: str) -> DocumentValidator:
    # The big arrays (a million findings at 10,000 clusters) are checked by a
    # predicate compiled from the schema; everything else by jsonschema
    # (schema_check.py).  Only for a file the typed decoding refused, or 1.x.
    if major == "1":
        return DocumentValidator(results_1_schema(), ["findings"])
    return DocumentValidator(results_schema(), list(_BIG))


def _major(version: str) -> str:
    return version.split(".", 1)[0]


_READABLE_MAJORS = ("1", _major(RESULT_SCHEMA_VERSION))


def validate_result_dict(data: Any, file: str = "results.json") -> None:
    """Raise a one-line UserInputError if ``data`` is not a results document.

    The schema is the contract (``results.schema.json``; 1.x files against
    ``results-1.schema.json``, a 1.0 finding carrying its policy's frameworks
    included).
    """
    if not isinstance(data, dict) or "findings" not in data:
        raise _not_a_result(data, file)
    version = data.get("schema_version")
    major = _major(version) if isinstance(version, str) else _major(RESULT_SCHEMA_VERSION)
    if major not in _READABLE_MAJORS:
        # Never read a result of another format as if it were ours.
        raise UserInputError(
            f"results schema version {version} is not supported",
            file=file,
            location="$.schema_version",
            expected=" or ".join(f"{m}.x" for m in _READABLE_MAJORS),
            hint="re-render it with the aurora-scan version that wrote it, "
            "or evaluate the snapshot again with this one",
        )
    _raise_first_error(_validator(major).first_error(data), file)


def _raise_first_error(found: tuple[Any, str] | None, file: str) -> None:
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


_decoder = msgspec.json.Decoder(_Document)


def parse_result(raw: bytes, file: str) -> ScanResult:
    """Decode, validate and load the bytes of a results.json (2.x, or 1.x)."""
    refused: Exception | None = None
    try:
        document: _Document | None = _decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        document, refused = None, exc
    if document is not None and _major(document.schema_version) == _READABLE_MAJORS[-1]:
        del raw  # the file's bytes (hundreds of MB at 10k) are not needed any more
        return _load(document, file)
    # A 1.x file, or one the typed decoding refused: the generic path finds the
    # exact error (JSON syntax, NaN, lone surrogates, the schema's message).
    data = _loads_generic(raw, file)
    validate_result_dict(data, file)
    if _major(str(data.get("schema_version"))) != "1":
        # Valid by the schema, refused by the types (a rule only they state).
        raise UserInputError(
            f"not an aurora-scan result: {_short(str(refused))}",
            file=file,
            expected=EXPECTED,
            hint="the file was edited or damaged; " + _HINT,
        )
    # Read as the current version (from_dict): whatever is written from it next
    # is in this version's layout (a 1.0 finding's frameworks are dropped on load).
    return ScanResult.from_dict(data)


def _loads_generic(raw: bytes, file: str) -> Any:
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
    return data


_EVIDENCE_KINDS = frozenset({"attr", "path", "no_path", "any_item", "missing"})
_NO_REMEDIATION: dict[str, str] = {}  # shared by every finding without one, as in evaluation


def _load(doc: _Document, file: str) -> ScanResult:
    """The ScanResult of a typed-decoded 2.x file: the envelope checked by
    jsonschema, then every finding joined with the tables it references."""
    envelope = {f: getattr(doc, f) for f in doc.__struct_fields__}
    envelope.update({name: [] for name in _BIG})
    # The tags of every tagged resource (60,000 at 10,000 clusters) are the one
    # big map in the header: checked by msgspec's C conversion, not walked by
    # jsonschema (2.4 s of a 10k read back); the rest of the header by the schema.
    tags = doc.scan.get("resource_tags")
    if tags is not None:
        envelope["scan"] = {**doc.scan, "resource_tags": {}}
        _check_resource_tags(tags, file)
    _raise_first_error(_validator(_READABLE_MAJORS[-1]).first_error(envelope), file)
    # Checked for a known kind; the rest of each item is the condition's own record.
    items = _evidence_items(doc.evidence_items, file)
    try:
        evidence = [tuple(items[i] for i in indexes) for indexes in doc.evidence]
    except IndexError:
        raise _bad_list(doc.evidence, len(items), file) from None
    policies = [
        (str(p["id"]), Severity(p["severity"]), f"{p['id']}|".encode(), _judged_on(str(p["title"])))
        for p in doc.policies
    ]
    try:
        findings = _findings(doc, policies, evidence)
    except (IndexError, ValueError):
        raise _bad_row(doc, len(policies), len(evidence), file) from None
    return ScanResult(
        # Schema-checked above; keys it does not know are kept as they are.
        scan=cast(ScanHeader, doc.scan),
        policies=tuple(doc.policies),
        findings=tuple(findings),
        errors=tuple(CollectionError.from_dict(e) for e in doc.errors),
        waivers=doc.waivers,
        scanner=doc.scanner,
    )


def _check_resource_tags(tags: Any, file: str) -> None:
    """``scan.resource_tags`` as the schema has it: resource id -> {Key: Value}."""
    try:
        msgspec.convert(tags, dict[str, dict[str, str]], strict=True)
    except msgspec.ValidationError as exc:
        raise UserInputError(
            f"not an aurora-scan result: {str(exc).partition(' - at ')[0]}",
            file=file,
            location=_first_bad_tag(tags),
            expected="resource id -> its tags, an object of string keys and string values",
            hint="the file was edited or damaged; " + _HINT,
        ) from None


def _first_bad_tag(tags: Any) -> str:
    """Where the first wrong value is (msgspec's path leaves map keys out)."""
    path: list[str | int] = ["scan", "resource_tags"]
    if isinstance(tags, dict):
        for rid, pairs in tags.items():
            if not isinstance(pairs, dict):
                return json_location([*path, rid])
            for key, value in pairs.items():
                if not isinstance(value, str):
                    return json_location([*path, rid, key])
    return json_location(path)


def _findings(
    doc: _Document,
    policies: list[tuple[str, Severity, bytes, str]],
    evidence: list[tuple[Evidence, ...]],
) -> list[Finding]:
    """The findings: the innermost loop of reading a file back (a million at 10k)."""
    # Per resource once: its identity as a Finding holds it, and the id's bytes
    # (the resource half of the fingerprint's hashed text).
    resources = [(r.id, r.type, r.name, r.account, r.region, r.id.encode()) for r in doc.resources]
    sha256, no_remediation, no_evidence = hashlib.sha256, _NO_REMEDIATION, ()
    scan_time = str(doc.scan.get("collected_at", ""))
    shapes, reasons, skip = doc.messages, doc.reasons, len(INHERITED_PREFIX)
    out: list[Finding] = []
    append = out.append
    for row in doc.findings:
        rid, rtype, name, account, region, rid_bytes = resources[row.resource]
        index, severity = row.policy, row.severity
        if index is not None and row.policy_id is None:
            policy_id, policy_severity, prefix, judged = policies[index]
        elif row.policy_id is not None and index is None and severity is not None:
            policy_id, policy_severity, prefix, judged = (
                row.policy_id,
                severity,
                f"{row.policy_id}|".encode(),
                "",
            )
        else:
            raise ValueError("a finding names its policy by index or by id (and its severity)")
        reason = row.reason if isinstance(row.reason, str) else reasons[row.reason]
        shape = row.message
        if isinstance(shape, str):
            message = shape
        elif shape is not None:
            message = name.join(shapes[shape])
        elif judged and reason.startswith(INHERITED_PREFIX):
            message = judged + reason[skip:]
        else:
            raise ValueError("only an inherited verdict's message is left out")
        waiver, evidence_index, fingerprint = row.waiver, row.evidence, row.fingerprint
        if waiver is not None:
            _check_waiver(waiver)
        append(
            Finding(
                policy_id,
                rid,
                rtype,
                name,
                account,
                region,
                row.status,
                severity or policy_severity,
                message,
                no_evidence if evidence_index is None else evidence[evidence_index],
                row.remediation or no_remediation,
                fingerprint or sha256(prefix + rid_bytes).hexdigest(),
                reason,
                waiver,
                scan_time if row.first_seen is None else row.first_seen,
                scan_time if row.last_status_change is None else row.last_status_change,
            )
        )
    return out


def _evidence_items(items: list[dict[str, Any]], file: str) -> list[Evidence]:
    for index, item in enumerate(items):
        if item.get("kind") not in _EVIDENCE_KINDS:
            raise UserInputError(
                "not an aurora-scan result: an evidence item of unknown kind",
                file=file,
                location=f"$.evidence_items[{index}].kind",
                expected=" or ".join(sorted(_EVIDENCE_KINDS)),
                hint="the file was edited or damaged; " + _HINT,
            )
    # Checked for a known kind; the rest of each item is the condition's own record.
    return cast(list[Evidence], items)


def _bad_list(lists: list[list[int]], items: int, file: str) -> UserInputError:
    where = next(i for i, indexes in enumerate(lists) if any(n >= items for n in indexes))
    return UserInputError(
        f"not an aurora-scan result: evidence list {where} references a missing item",
        file=file,
        location=f"$.evidence[{where}]",
        expected=f"indexes into evidence_items (0-{items - 1})",
        hint="the file was edited or damaged; " + _HINT,
    )


@cache
def _waiver_validator() -> Any:
    import jsonschema

    schema = results_schema()
    return jsonschema.Draft202012Validator({**schema["$defs"]["waiver"], "$defs": schema["$defs"]})


def _check_waiver(waiver: Mapping[str, Any]) -> None:
    if not _waiver_validator().is_valid(waiver):
        raise ValueError("waiver")


def _bad_waiver(waiver: Mapping[str, Any], index: int, file: str) -> UserInputError:
    from jsonschema.exceptions import best_match

    error = best_match(_waiver_validator().iter_errors(waiver))
    where = json_location(["findings", index, "waiver", *error.absolute_path])
    return UserInputError(
        f"not an aurora-scan result: {_short(error.message)}",
        file=file,
        location=where,
        expected=expected_text(error) or "a waiver as results.schema.json $defs/waiver has it",
        hint="the file was edited or damaged; " + _HINT,
    )


def _bad_row(doc: _Document, policies: int, evidence: int, file: str) -> UserInputError:
    """The first finding that references outside a table or misses its policy."""
    for i, row in enumerate(doc.findings):
        problem = None
        if row.resource >= len(doc.resources):
            problem = ("resource", f"an index into resources (0-{len(doc.resources) - 1})")
        elif row.evidence is not None and row.evidence >= evidence:
            problem = ("evidence", f"an index into evidence (0-{evidence - 1})")
        elif (row.policy is None) == (row.policy_id is None) or (
            row.policy_id is not None and row.severity is None
        ):
            problem = ("policy", "either policy (an index) or policy_id with severity")
        elif row.policy is not None and row.policy >= policies:
            problem = ("policy", f"an index into policies (0-{policies - 1})")
        elif isinstance(row.message, int) and row.message >= len(doc.messages):
            problem = ("message", f"an index into messages (0-{len(doc.messages) - 1})")
        elif isinstance(row.reason, int) and row.reason >= len(doc.reasons):
            problem = ("reason", f"an index into reasons (0-{len(doc.reasons) - 1})")
        elif row.message is None and (
            row.policy is None
            or not (
                row.reason if isinstance(row.reason, str) else doc.reasons[row.reason]
            ).startswith(INHERITED_PREFIX)
        ):
            problem = ("message", "a message (left out only for an inherited verdict)")
        elif row.waiver is not None and not _waiver_validator().is_valid(row.waiver):
            return _bad_waiver(row.waiver, i, file)
        if problem is not None:
            return UserInputError(
                f"not an aurora-scan result: finding {i} has a bad {problem[0]}",
                file=file,
                location=f"$.findings[{i}].{problem[0]}",
                expected=problem[1],
                hint="the file was edited or damaged; " + _HINT,
            )
    return _not_a_result(None, file)


def read_result(path: Path | str) -> ScanResult:
    source = Path(path)
    with gc_pause.loading():
        # Not held here: parse_result drops the bytes once they are decoded.
        return parse_result(read_result_bytes(source), str(source))
