"""Core types shared by every stage: frozen dataclasses and enums.

Everything here is plain data with lossless ``to_dict`` / ``from_dict`` so that
a snapshot or a result saved as JSON re-loads into the same objects.  AWS
records are kept exactly as boto3 returns them (``Resource.attrs``).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Literal, NotRequired, TypedDict, cast

import msgspec

from scanner import __version__

SNAPSHOT_SCHEMA_VERSION = "1.0"
# 1.1: findings no longer repeat their policy's frameworks (``policies[].frameworks``
# holds them once); 1.0 files, which have them, are still read.
# 2.0: findings reference the resource identities and evidence lists they share
# (``resources``, ``evidence``) instead of repeating them (scanner/result_file.py);
# 1.x files are still read.
RESULT_SCHEMA_VERSION = "2.1"
# ``ScanResult.to_dict`` is the expanded layout, one self-contained object per
# finding: what 1.1 files hold (and what read_result still reads).
EXPANDED_SCHEMA_VERSION = "1.1"
SCANNER_NAME = "aurora-scan"


class Status(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    WAIVED = "WAIVED"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe; used for --fail-on thresholds and sorting."""
        return _SEVERITY_RANK[self]

    @property
    def security_severity(self) -> str:
        """GitHub code scanning's numeric severity, as the string it requires."""
        return _SECURITY_SEVERITY[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}
# GitHub maps >9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.5",
}


class ExitCode(enum.IntEnum):
    CLEAN = 0
    FAILED = 1
    BAD_INPUT = 2
    INCOMPLETE = 3
    # A bug, not a finding: a crash report names the traceback (scanner/cli/_crash.py).
    INTERNAL_ERROR = 4


@dataclass(frozen=True, slots=True)
class Resource:
    """One AWS object. ``id`` is the ARN where AWS has one; ``attrs`` is raw."""

    id: str
    type: str
    account: str
    region: str
    attrs: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "account": self.account,
            "region": self.region,
            "attrs": dict(self.attrs),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Resource:
        return cls(
            id=data["id"],
            type=data["type"],
            account=data["account"],
            region=data["region"],
            attrs=dict(data["attrs"]),
        )


@dataclass(frozen=True, slots=True)
class CollectionError:
    """A call that failed during collection, and what it leaves incomplete.

    ``resource_types`` lists every type whose data in (account, region) may be
    missing or partial because of this failure; the engine turns findings that
    depend on those types into UNKNOWN.  ``region`` is ``"*"`` for an error that
    affects a whole account (for example a failed AssumeRole).
    """

    account: str
    region: str
    service: str
    operation: str
    error_code: str
    message: str
    resource_types: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "region": self.region,
            "service": self.service,
            "operation": self.operation,
            "error_code": self.error_code,
            "message": self.message,
            "resource_types": list(self.resource_types),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CollectionError:
        return cls(
            account=data["account"],
            region=data["region"],
            service=data["service"],
            operation=data["operation"],
            error_code=data["error_code"],
            message=data["message"],
            resource_types=tuple(data["resource_types"]),
        )

    def affects(self, resource_type: str, account: str, region: str) -> bool:
        return (
            resource_type in self.resource_types
            and self.account in (account, "*")
            and self.region in (region, "*")
        )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one collection saw. Edges are derived later, never stored."""

    collected_at: str  # ISO 8601 UTC, e.g. 2026-11-28T00:00:00Z
    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    resources: tuple[Resource, ...]
    errors: tuple[CollectionError, ...] = ()
    scanner: Mapping[str, str] = field(
        default_factory=lambda: {"name": SCANNER_NAME, "version": _version()}
    )
    # Facts about the collection run itself: caller identity, regions skipped
    # and why, collection start/end. Free-form but JSON-serialisable.
    context: Mapping[str, Any] = field(default_factory=dict)
    schema_version: str = SNAPSHOT_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "scanner": dict(self.scanner),
            "collected_at": self.collected_at,
            "accounts": sorted(self.accounts),
            "regions": sorted(self.regions),
            "context": dict(self.context),
            "resources": [
                r.to_dict() for r in sorted(self.resources, key=lambda r: (r.type, r.id))
            ],
            "errors": [e.to_dict() for e in sorted(self.errors, key=_error_sort_key)],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            schema_version=data["schema_version"],
            scanner=dict(data["scanner"]),
            collected_at=data["collected_at"],
            accounts=tuple(data["accounts"]),
            regions=tuple(data["regions"]),
            context=dict(data.get("context", {})),
            resources=tuple(Resource.from_dict(r) for r in data["resources"]),
            errors=tuple(CollectionError.from_dict(e) for e in data["errors"]),
        )


def _error_sort_key(e: CollectionError) -> tuple[str, ...]:
    return (e.account, e.region, e.service, e.operation, e.error_code, e.message)


# ----- evidence: what a condition records about one test --------------------
#
# One TypedDict per ``kind`` (docs/policy-language.md, "Verdicts"); the
# conditions in ``scanner.policy.conditions`` build them, ``Finding.evidence``
# holds them, and results.json stores them as the same JSON objects.  They stay
# plain dicts at run time: evaluation shares identical entries between
# findings, and a million findings could not afford a class instance each.
# ``expected`` / ``observed`` / ``matched`` are Any on purpose: they are AWS
# record values (any JSON), size-capped by ``conditions.bounded``.


class AttrEvidence(TypedDict):
    """An attribute test on a record: ``{param: NAME}`` tests show as ``param.NAME``."""

    kind: Literal["attr"]
    attr: str
    op: str
    expected: Any
    observed: Any
    result: bool


class PathEvidence(TypedDict):
    """A witness path: the nodes from the subject to an end node where ``where`` held."""

    kind: Literal["path"]
    nodes: list[str]
    relations: list[str]
    edges: list[dict[str, Any]]  # edge data as the graph holds it (e.g. a route's destination)
    result: Literal[True]
    end: NotRequired[list[Evidence]]  # the tests made on the end node


class ReachedEnd(TypedDict):
    """An end node a path without a witness reached: the nodes after its start."""

    nodes: list[str]
    end: list[Evidence]


class NoPathEvidence(TypedDict):
    """A path with no witness: false (``reached`` says what it found), or UNKNOWN
    (None, with ``missing`` naming the gaps the walk met)."""

    kind: Literal["no_path"]
    via: list[str]
    to: str
    result: Literal[False] | None
    reached: NotRequired[list[ReachedEnd]]
    missing: NotRequired[list[str]]


class AnyItemEvidence(TypedDict):
    """``any_item``: the items of a list attribute that matched ``where``."""

    kind: Literal["any_item"]
    attr: str
    matched: list[Any]
    matched_count: int
    count: int
    result: bool | None


class MissingEvidence(TypedDict):
    """An attribute that reads a field a failed call left out of the record."""

    kind: Literal["missing"]
    attr: str
    missing: list[str]
    result: None


Evidence = AttrEvidence | PathEvidence | NoPathEvidence | AnyItemEvidence | MissingEvidence


# A msgspec Struct: a large scan holds a million of these, and evaluation
# builds them in its innermost loop.  Built by its C constructor (positional,
# in field order) it costs a fifth of a frozen slotted dataclass's
# ``object.__setattr__`` per field; ``gc=False`` leaves it out of the cyclic
# collector (it holds strings, enums, tuples and dicts, never itself), which
# keeps a million findings out of every collection; results.json is encoded
# and decoded by msgspec (``scanner.result_file``).  Copy with changes with
# ``msgspec.structs.replace``.
class Finding(msgspec.Struct, frozen=True, gc=False):
    """The verdict of one policy on one resource.

    ``evidence`` is a list of JSON objects, one ``Evidence`` kind each:
    ``{"kind": "attr", "attr", "op", "expected", "observed", "result"}`` for
    attribute tests, ``{"kind": "path", "nodes": [ids...], "relations":
    [names...], ...}`` for graph witnesses, and so on (see ``Evidence``).
    ``reason`` explains NOT_APPLICABLE and UNKNOWN verdicts.  The framework
    requirements a finding counts towards are its policy's
    (``ScanResult.policies[].frameworks``), stored once per policy.
    """

    policy_id: str
    resource_id: str
    resource_type: str
    resource_name: str
    account: str
    region: str
    status: Status
    severity: Severity
    message: str
    evidence: tuple[Evidence, ...] = ()
    remediation: Mapping[str, str] = msgspec.field(default_factory=dict)
    fingerprint: str = ""
    reason: str = ""
    waiver: Mapping[str, Any] | None = None
    # Since when (scanner.history): scan times (collected_at), "" when not recorded.
    first_seen: str = ""
    last_status_change: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy_id": self.policy_id,
            "resource_id": self.resource_id,
            "resource_type": self.resource_type,
            "resource_name": self.resource_name,
            "account": self.account,
            "region": self.region,
            "status": self.status.value,
            "severity": self.severity.value,
            "message": self.message,
            "reason": self.reason,
            "evidence": [dict(e) for e in self.evidence],
            "remediation": dict(self.remediation),
            "fingerprint": self.fingerprint,
            "waiver": dict(self.waiver) if self.waiver is not None else None,
            "first_seen": self.first_seen,
            "last_status_change": self.last_status_change,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        # A 1.0 result repeats the policy's "frameworks" on every finding: the
        # policy entry holds the same list, so it is ignored here.
        return cls(
            policy_id=data["policy_id"],
            resource_id=data["resource_id"],
            resource_type=data["resource_type"],
            resource_name=data.get("resource_name", data["resource_id"]),
            account=data["account"],
            region=data["region"],
            status=Status(data["status"]),
            severity=Severity(data["severity"]),
            message=data["message"],
            reason=data.get("reason", ""),
            # As written (schema-checked by the reader): one of the Evidence kinds each.
            evidence=tuple(cast(list[Evidence], data.get("evidence", ()))),
            remediation=dict(data.get("remediation", {})),
            fingerprint=data.get("fingerprint", ""),
            waiver=data.get("waiver"),
            first_seen=data.get("first_seen", ""),
            last_status_change=data.get("last_status_change", ""),
        )

    @property
    def sort_key(self) -> tuple[str, ...]:
        return (self.policy_id, self.account, self.region, self.resource_id)


# ----- the scan header: ScanResult.scan ------------------------------------------


class CallerIdentity(TypedDict, total=False):
    """sts:GetCallerIdentity as the collector keeps it."""

    Account: str
    Arn: str
    UserId: str


class RegionSkipped(TypedDict):
    """A region (per account and service) whose endpoint never answered."""

    account: str
    region: str
    service: str
    reason: str


class NotAssessed(TypedDict):
    """A (policy, account) pair no shard of a partial merge evaluated."""

    policy_id: str
    account: str


class ShardEntry(TypedDict):
    """One input of ``aurora-scan merge``, as the merged header lists it: what it
    covered, and its own times, hashes and caller (absent when its header lacked them)."""

    name: str
    accounts: list[str]
    regions: list[str]
    findings: int
    errors: int
    result_sha256: NotRequired[str]  # of the file, when the shard was read from one
    started_at: NotRequired[str]
    finished_at: NotRequired[str]
    collected_at: NotRequired[str]
    snapshot_sha256: NotRequired[str | None]
    policy_set_sha256: NotRequired[str | None]
    waivers_sha256: NotRequired[str | None]
    caller_identity: NotRequired[CallerIdentity | None]
    scanner_version: str


class ScanHeader(TypedDict, total=False):
    """The evidence header of a result (results.json ``scan``).

    ``evaluate`` writes every key but ``shards`` and ``not_assessed``, which
    only ``merge`` adds; every key is optional here as in the results schema,
    because a header read from a file (schema 1.0 or 1.1, or a sparse one a
    test builds) may lack any of them - readers use ``.get``.  How ``merge``
    combines each key is ``scanner.merge.MERGE_RULES``.
    """

    started_at: str
    finished_at: str
    collected_at: str
    collected_by: dict[str, str]  # the snapshot's scanner: name and version
    accounts: list[str]
    regions: list[str]
    regions_evaluated: list[str]
    regions_skipped: list[RegionSkipped]
    caller_identity: CallerIdentity | None
    command_line: str  # secrets redacted
    snapshot_sha256: str | None
    policy_set_sha256: str | None
    waivers_sha256: str | None
    config: dict[str, Any]  # Config.to_dict(): the config file as applied
    fail_on: str  # a Severity value, or "none"
    allow_incomplete: bool
    policy_count: int
    resource_count: int
    frameworks: list[dict[str, Any]]  # Framework.to_dict() of every framework mapping
    # resource id -> its tags ({Key: Value}, from TagList/Tags), for resources that have
    # any: what the HTML report shows on each row and filters on (report.tag_columns).
    resource_tags: dict[str, dict[str, str]]
    # Requirements no evaluated policy covers, or only some do, with the reason
    # (scanner.policy.frameworks.requirements_not_assessed).
    requirements_not_assessed: list[dict[str, Any]]
    shards: list[ShardEntry]
    not_assessed: list[NotAssessed]
    # The results the findings' history came from (--previous / --baseline):
    # {file, sha256, collected_at}; see scanner.history.
    previous_results: dict[str, str]


_SEVERITY_AND_STATUS = attrgetter("severity", "status")


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Findings plus everything an auditor needs to trust them.

    ``scan`` holds the evidence header (``ScanHeader``): accounts, regions (and those skipped
    with why), caller identity, start/end times, command line (secrets
    redacted), sha256 of the snapshot, the policy set and the waiver file.
    ``policies`` is the catalogue that was applied (id, title, severity,
    resource, area, remediation, references, frameworks, params).
    ``waivers`` is ``{"applied": [...], "expired": [...], "stale": [...]}``.
    """

    scan: ScanHeader
    policies: tuple[Mapping[str, Any], ...]
    findings: tuple[Finding, ...]
    errors: tuple[CollectionError, ...] = ()
    waivers: Mapping[str, Any] = field(default_factory=dict)
    scanner: Mapping[str, str] = field(
        default_factory=lambda: {"name": SCANNER_NAME, "version": _version()}
    )
    schema_version: str = RESULT_SCHEMA_VERSION

    # ----- verdicts -------------------------------------------------------

    def counts(self) -> dict[str, Any]:
        by_status = {s.value: 0 for s in Status}
        by_severity = {sev.value: {s.value: 0 for s in Status} for sev in Severity}
        # Counted in C (a Counter over attrgetter tuples): a Python loop per
        # finding was ~0.4 s at a million findings.
        for (severity, status), n in Counter(map(_SEVERITY_AND_STATUS, self.findings)).items():
            by_status[status.value] += n
            by_severity[severity.value][status.value] += n
        return {
            "total": len(self.findings),
            "by_status": by_status,
            "by_severity": by_severity,
            "errors": len(self.errors),
        }

    @property
    def incomplete(self) -> bool:
        # "not_assessed": (policy, account) pairs a partial merge could not cover.
        return (
            bool(self.errors)
            or bool(self.scan.get("not_assessed"))
            or any(f.status is Status.UNKNOWN for f in self.findings)
        )

    def exit_code(
        self,
        fail_on: Severity | None = Severity.LOW,
        *,
        allow_incomplete: bool = False,
        ignore_fingerprints: Iterable[str] = (),
    ) -> ExitCode:
        """0 clean; 1 a non-waived FAIL at or above ``fail_on``; 3 incomplete.

        ``ignore_fingerprints`` are findings already present in a baseline:
        they do not count towards ``fail_on``.  ``fail_on=None`` never fails.
        """
        ignored = set(ignore_fingerprints)
        if fail_on is not None and any(
            f.status is Status.FAIL
            and f.severity.at_least(fail_on)
            and f.fingerprint not in ignored
            for f in self.findings
        ):
            return ExitCode.FAILED
        if self.incomplete and not allow_incomplete:
            return ExitCode.INCOMPLETE
        return ExitCode.CLEAN

    # ----- serialisation --------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The expanded layout (schema 1.1): every finding a self-contained object.

        results.json is written compactly (schema 2.1, ``scanner.result_file``);
        this form is for tests and tools that want one object per finding, and
        ``read_result`` reads it too.
        """
        return {
            "schema_version": EXPANDED_SCHEMA_VERSION,
            "scanner": dict(self.scanner),
            "scan": dict(self.scan),
            "policies": sorted((dict(p) for p in self.policies), key=lambda p: str(p["id"])),
            "findings": [f.to_dict() for f in sorted(self.findings, key=lambda f: f.sort_key)],
            "errors": [e.to_dict() for e in sorted(self.errors, key=_error_sort_key)],
            "waivers": dict(self.waivers),
            "summary": self.counts(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScanResult:
        # Loaded as the current version: whatever is written from it next is
        # in this version's layout.
        return cls(
            scanner=dict(data["scanner"]),
            # Schema-checked by the reader; keys it does not know are kept as they are.
            scan=cast(ScanHeader, dict(data["scan"])),
            policies=tuple(data["policies"]),
            findings=tuple(Finding.from_dict(f) for f in data["findings"]),
            errors=tuple(CollectionError.from_dict(e) for e in data["errors"]),
            waivers=dict(data.get("waivers", {})),
        )


def _version() -> str:
    return __version__
