"""OCSF 1.5 Compliance Finding events (class 2003), as one JSON array.

One event per finding that needs attention (FAIL, UNKNOWN, WAIVED), or per
finding with ``--include-passed`` (PASS and NOT_APPLICABLE too: a policy that
does not apply to a resource has passed it; at 10,000 clusters these are most
of half a million findings).  The mapping:

- ``compliance``: the policy as ``control``, its framework requirements as
  ``requirements`` and their frameworks as ``standards``; ``status_id`` Pass
  (1) for PASS, Fail (3) for FAIL and WAIVED (the control fails; the risk is
  accepted), Unknown (0) for UNKNOWN, Other (99) for NOT_APPLICABLE
  (``status_code`` says which).
- the finding's own ``status_id``: Suppressed (3) for WAIVED, New (1)
  otherwise; ``status_code`` is aurora-scan's status, ``status_detail`` the
  reason (the missing data of an UNKNOWN, the waiver of a WAIVED).
- ``severity_id`` from the policy severity (informational 1 … critical 5).
- ``finding_info.uid`` is the finding's fingerprint (stable across scans),
  ``first_seen_time`` when results carry ``first_seen``.
- ``cloud`` (the cloud profile) names the AWS account and region,
  ``resources[0]`` the resource by ARN with its tags as ``labels``.
- ``remediation``: the command filled in for this resource (else the
  policy's remediation text), and the policy's references.
- ``unmapped``: the evidence as aurora-scan wrote it, and the waiver.

Events are built as data and encoded by orjson, a batch at a time; objects
that only depend on the policy are built once and shared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner.model import Finding, ScanResult, Severity, Status
from scanner.report._env import byte_sink, json_bytes
from scanner.report._export import PolicyExport, TagReader, first_seen, policy_exports
from scanner.report._view import ReportView, as_str

OCSF_VERSION = "1.5.0"
CLASS_UID = 2003  # Compliance Finding
CATEGORY_UID = 2  # Findings
ACTIVITY_CREATE = 1
_SEVERITY_ID = {
    Severity.INFO: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}
# OCSF compliance status_id: 0 Unknown, 1 Pass, 2 Warning, 3 Fail, 99 Other.
_COMPLIANCE_STATUS = {
    Status.PASS: 1,
    Status.FAIL: 3,
    Status.WAIVED: 3,
    Status.UNKNOWN: 0,
    Status.NOT_APPLICABLE: 99,
}
_EVENTS_PER_CHUNK = 2000
_PARTITION = re.compile(r"^arn:([^:]+):")


@dataclass(frozen=True)
class OcsfOptions:
    include_passed: bool = False


def _epoch_ms(value: str) -> int | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


class _Events:
    """Builds events; what depends only on the scan or the policy is built once."""

    def __init__(self, result: ScanResult, view: ReportView) -> None:
        header = view.header
        self.result = result
        self.time = (
            _epoch_ms(header["finished_at"])
            or _epoch_ms(header["collected_at"])
            or _epoch_ms(header["started_at"])
            or 0
        )
        version = as_str(result.scanner.get("version")) or "0"
        self.metadata_product = {
            "name": "aurora-scan",
            "vendor_name": "aurora-scan",
            "uid": "aurora-scan",
            "version": version,
        }
        self.policies = policy_exports(view.policies)
        self.tags_of = TagReader(result)
        self._compliance: dict[tuple[str, Status], dict[str, Any]] = {}
        self._remediation: dict[str, dict[str, Any]] = {}

    def compliance(self, policy: PolicyExport, status: Status) -> dict[str, Any]:
        key = (policy.id, status)
        found = self._compliance.get(key)
        if found is None:
            found = {"control": policy.id, "status_id": _COMPLIANCE_STATUS[status]}
            if policy.requirements:
                found["requirements"] = list(policy.requirements)
            if policy.standards:
                found["standards"] = list(policy.standards)
            if policy.description:
                found["desc"] = policy.description
            self._compliance[key] = found
        return found

    def remediation(self, policy: PolicyExport, f: Finding) -> dict[str, Any]:
        text = as_str(f.remediation.get("cli")) or policy.remediation_text or policy.title
        remedy: dict[str, Any] = {"desc": text}
        if policy.references:
            remedy["references"] = list(policy.references)
        return remedy

    def event(self, f: Finding) -> dict[str, Any]:
        policy = self.policies.get(f.policy_id) or PolicyExport(
            f.policy_id, f.policy_id, "", "", (), (), "", ()
        )
        severity_id, severity = _SEVERITY_ID[f.severity]
        info: dict[str, Any] = {
            "uid": f.fingerprint or f"{f.policy_id}:{f.resource_id}",
            "title": policy.title,
            "created_time": self.time,
        }
        if policy.description:
            info["desc"] = policy.description
        if policy.area:
            info["types"] = [policy.area]
        seen = _epoch_ms(first_seen(f)) if first_seen(f) else None
        if seen is not None:
            info["first_seen_time"] = seen
        resource: dict[str, Any] = {
            "uid": f.resource_id,
            "name": f.resource_name or f.resource_id,
            "type": f.resource_type,
            "region": f.region,
        }
        partition = _PARTITION.match(f.resource_id)
        if partition:
            resource["cloud_partition"] = partition.group(1)
        tags = self.tags_of(f)
        if tags:
            resource["labels"] = [f"{k}:{v}" for k, v in sorted(tags.items())]
        event: dict[str, Any] = {
            "activity_id": ACTIVITY_CREATE,
            "activity_name": "Create",
            "category_uid": CATEGORY_UID,
            "category_name": "Findings",
            "class_uid": CLASS_UID,
            "class_name": "Compliance Finding",
            "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
            "type_name": "Compliance Finding: Create",
            "time": self.time,
            "severity_id": severity_id,
            "severity": severity,
            "status_id": 3 if f.status is Status.WAIVED else 1,
            "status": "Suppressed" if f.status is Status.WAIVED else "New",
            "status_code": f.status.value,
            "message": f.message,
            "metadata": {
                "version": OCSF_VERSION,
                "product": self.metadata_product,
                "event_code": f.policy_id,
                "profiles": ["cloud"],
            },
            "finding_info": info,
            "compliance": self.compliance(policy, f.status),
            "cloud": {
                "provider": "AWS",
                "region": f.region,
                "account": {
                    "uid": f.account,
                    "name": f.account,
                    "type_id": 10,
                    "type": "AWS Account",
                },
            },
            "resources": [resource],
            "remediation": self.remediation(policy, f),
        }
        detail = f.reason or (_waiver_text(f.waiver) if f.status is Status.WAIVED else "")
        if detail:
            event["status_detail"] = detail
        unmapped: dict[str, Any] = {"evidence": [dict(e) for e in f.evidence]}
        if f.waiver:
            unmapped["waiver"] = dict(f.waiver)
        event["unmapped"] = unmapped
        return event


def _waiver_text(waiver: Any) -> str:
    if not waiver:
        return "waived"
    reason = as_str(waiver.get("reason")) or "waived"
    owner, expires = as_str(waiver.get("owner")), as_str(waiver.get("expires"))
    return f"waived: {reason} (owner {owner or '?'}, expires {expires or 'never'})"


_ATTENTION = frozenset({Status.FAIL, Status.UNKNOWN, Status.WAIVED})


def selected(result: ScanResult, view: ReportView, options: OcsfOptions) -> Iterator[Finding]:
    for f in view.sorted_findings:
        if options.include_passed or f.status in _ATTENTION:
            yield f


def _blocks(result: ScanResult, view: ReportView, options: OcsfOptions) -> Iterator[bytes]:
    events = _Events(result, view)
    batch: list[dict[str, Any]] = []
    first = True
    yield b"["
    for f in selected(result, view, options):
        batch.append(events.event(f))
        if len(batch) >= _EVENTS_PER_CHUNK:
            yield _encode_batch(batch, first)
            first, batch = False, []
    if batch:
        yield _encode_batch(batch, first)
    yield b"]\n"


def _encode_batch(batch: list[dict[str, Any]], first: bool) -> bytes:
    # Each batch encoded as an array, its brackets dropped, so the file is one
    # JSON array of events without holding every event at once.
    body = json_bytes(batch)[1:-1]
    return body if first else b"," + body


def render_ocsf(
    result: ScanResult,
    path: Path,
    options: OcsfOptions | None = None,
    *,
    view: ReportView | None = None,
) -> Path:
    options = options if isinstance(options, OcsfOptions) else OcsfOptions()
    view = view or ReportView(result)
    with byte_sink(path) as sink:
        for block in _blocks(result, view, options):
            sink.write(block)
    return path
