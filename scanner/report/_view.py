"""Read-only views over a ScanResult that several renderers need.

Everything here tolerates missing optional keys: a result written by an older
scanner, or merged from shards, may lack parts of the evidence header.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from typing import Any

from scanner.model import Finding, ScanResult, Severity, Status
from scanner.redact import redact as redact_text
from scanner.redact import redact_command_line

STATUS_ORDER = (Status.FAIL, Status.UNKNOWN, Status.WAIVED, Status.PASS, Status.NOT_APPLICABLE)
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


def as_str(value: Any) -> str:
    return "" if value is None else str(value)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def scanner_version(result: ScanResult) -> str:
    return as_str(result.scanner.get("version"))


def redact(command_line: str) -> str:
    """Mask secret-looking values again at render time.

    The engine already redacts; a result merged or written by other tooling
    may not have been, and the header is shown to every reader of the report.
    """
    return redact_command_line(command_line)


def _not_assessed(value: Any) -> list[dict[str, str]]:
    """``scan.not_assessed`` of a partial merge: (policy, account) pairs nobody evaluated."""
    return [
        {"policy_id": as_str(item.get("policy_id")), "account": as_str(item.get("account"))}
        for item in as_list(value)
        if isinstance(item, Mapping)
    ]


def _config(value: Any) -> dict[str, Any]:
    """``scan.config`` for the scope panel: the file, its sha256, the selection and params."""
    config = value if isinstance(value, Mapping) else {}
    selection = config.get("policies")
    selection = selection if isinstance(selection, Mapping) else {}
    params = config.get("params")
    params = params if isinstance(params, Mapping) else {}
    return {
        "file": as_str(config.get("file")),
        "sha256": as_str(config.get("sha256")),
        "include": [as_str(g) for g in as_list(selection.get("include"))],
        "exclude": [as_str(g) for g in as_list(selection.get("exclude"))],
        "areas": [as_str(a) for a in as_list(selection.get("areas"))],
        "min_severity": as_str(selection.get("min_severity")),
        # policy id -> its overrides as compact JSON text
        "params": {
            as_str(pid): json.dumps(v, sort_keys=True, ensure_ascii=False, default=str)
            for pid, v in sorted(params.items(), key=lambda kv: str(kv[0]))
        },
        "fail_on": as_str(config.get("fail_on")),
        "regions": [as_str(r) for r in as_list(config.get("regions"))],
    }


def requirements_not_assessed(value: Any) -> list[dict[str, Any]]:
    """``scan.requirements_not_assessed``: requirements not (or partly) assessed, and why."""
    return [
        {
            "framework": as_str(item.get("framework")),
            "requirement": as_str(item.get("requirement")),
            "title": as_str(item.get("title")),
            "status": as_str(item.get("status")),
            "reason": as_str(item.get("reason")),
            "policies_left_out": [as_str(p) for p in as_list(item.get("policies_left_out"))],
        }
        for item in as_list(value)
        if isinstance(item, Mapping)
    ]


def verify_command(result: ScanResult) -> str:
    """How to check this report's hashes (``aurora-scan verify``), as the report says."""
    parts = ["aurora-scan verify results.json"]
    if result.scan.get("snapshot_sha256"):
        parts.append("--snapshot SNAPSHOT.json")
    parts.append("[--policies DIR ...]")
    waivers_file = as_str(result.waivers.get("file"))
    if result.scan.get("waivers_sha256"):
        parts.append(f"--waivers {waivers_file or 'WAIVERS.yml'}")
    config = _config(result.scan.get("config"))
    if config["sha256"]:
        parts.append(f"--config {config['file'] or 'CONFIG.yml'}")
    return " ".join(parts)


def scan_header(result: ScanResult) -> dict[str, Any]:
    """The auditor's evidence header, every field a plain string or list."""
    scan = result.scan
    identity = scan.get("caller_identity") or {}
    if not isinstance(identity, Mapping):
        identity = {"Arn": str(identity)}
    skipped = []
    for item in as_list(scan.get("regions_skipped")):
        if isinstance(item, Mapping):
            skipped.append(
                {"region": as_str(item.get("region")), "reason": as_str(item.get("reason"))}
            )
        else:
            skipped.append({"region": as_str(item), "reason": ""})
    command_line = scan.get("command_line")
    if isinstance(command_line, list | tuple):
        command_line = " ".join(str(c) for c in command_line)
    command_line = redact(as_str(command_line))
    return {
        "accounts": sorted({as_str(a) for a in as_list(scan.get("accounts"))}),
        "regions": sorted({as_str(r) for r in as_list(scan.get("regions"))}),
        "regions_skipped": skipped,
        "not_assessed": _not_assessed(scan.get("not_assessed")),
        "caller_identity": {
            "Account": as_str(identity.get("Account")),
            "Arn": as_str(identity.get("Arn")),
            "UserId": as_str(identity.get("UserId")),
        },
        "started_at": as_str(scan.get("started_at")),
        "finished_at": as_str(scan.get("finished_at")),
        "collected_at": as_str(scan.get("collected_at")),
        "command_line": as_str(command_line),
        "snapshot_sha256": as_str(scan.get("snapshot_sha256")),
        "policy_set_sha256": as_str(scan.get("policy_set_sha256")),
        "waivers_sha256": as_str(scan.get("waivers_sha256")),
        "scanner_name": as_str(result.scanner.get("name")) or "aurora-scan",
        "scanner_version": scanner_version(result),
        "config": _config(scan.get("config")),
        "requirements_not_assessed": requirements_not_assessed(
            scan.get("requirements_not_assessed")
        ),
        "verify_command": verify_command(result),
    }


@dataclass
class PolicyView:
    id: str
    title: str
    description: str
    severity: Severity
    resource: str
    area: str
    remediation_text: str
    remediation_cli: str
    references: list[str]
    frameworks: list[dict[str, str]]
    counts: Counter[str] = field(default_factory=Counter)
    failing: set[str] = field(default_factory=set)  # resource ids with a FAIL


def _severity(value: Any, default: Severity = Severity.MEDIUM) -> Severity:
    try:
        return Severity(str(value).lower())
    except ValueError:
        return default


def _frameworks(value: Any) -> list[dict[str, str]]:
    out = []
    for item in as_list(value):
        if isinstance(item, Mapping):
            out.append(
                {
                    "framework": as_str(item.get("framework")),
                    "requirement": as_str(item.get("requirement")),
                    "title": as_str(item.get("title")),
                }
            )
    return out


_POLICY_SEVERITY_STATUS = attrgetter("policy_id", "severity", "status")
# (policy_id, severity, status) -> findings: what both the summary counts and
# the policy views are counted from.
Tally = Counter[tuple[str, Severity, Status]]


def tally(result: ScanResult) -> Tally:
    """Counted in C (a Counter over attrgetter tuples), not a Python loop per finding."""
    return Counter(map(_POLICY_SEVERITY_STATUS, result.findings))


# Finding.sort_key as one C-level getter: sorting a million findings by a
# Python property was a second per format at 10,000 clusters.
SORT_KEY = attrgetter("policy_id", "account", "region", "resource_id")


def policy_views(result: ScanResult, counted: Tally | None = None) -> dict[str, PolicyView]:
    """Every policy of the catalogue plus any that only appears in findings."""
    views: dict[str, PolicyView] = {}
    for p in result.policies:
        pid = as_str(p.get("id"))
        if not pid:
            continue
        remediation = p.get("remediation") or {}
        if not isinstance(remediation, Mapping):
            remediation = {"text": str(remediation)}
        views[pid] = PolicyView(
            id=pid,
            title=as_str(p.get("title")) or pid,
            description=as_str(p.get("description")),
            severity=_severity(p.get("severity")),
            # The catalogue lists the types a policy applies to; older results a string.
            resource=", ".join(as_str(t) for t in as_list(p.get("resource"))),
            area=as_str(p.get("area")),
            remediation_text=as_str(remediation.get("text")),
            remediation_cli=as_str(remediation.get("cli")),
            references=[as_str(r) for r in as_list(p.get("references"))],
            frameworks=_frameworks(p.get("frameworks")),
        )
    if counted is None:
        counted = tally(result)
    failing: dict[str, set[str]] = defaultdict(set)
    for f in result.findings:
        if f.status is Status.FAIL:
            failing[f.policy_id].add(f.resource_id)
    unknown = {pid for pid, _, _ in counted} - views.keys()
    for f in result.findings if unknown else ():
        if f.policy_id not in unknown:
            continue
        unknown.discard(f.policy_id)
        views[f.policy_id] = PolicyView(
            id=f.policy_id,
            title=f.policy_id,
            description="",
            severity=f.severity,
            resource=f.resource_type,
            area=f.resource_type.split(".")[1] if f.resource_type.count(".") >= 1 else "",
            remediation_text=as_str(f.remediation.get("text")),
            remediation_cli="",
            references=[],
            frameworks=[],
        )
    for (pid, _, status), n in counted.items():
        views[pid].counts[Status(status).value] += n
    for pid, ids in failing.items():
        views[pid].failing = ids
    return dict(sorted(views.items()))


def counts(result: ScanResult, counted: Tally | None = None) -> dict[str, Any]:
    """``result.counts()`` from a tally the policy views share (one pass, not two)."""
    by_status = {s.value: 0 for s in Status}
    by_severity = {sev.value: {s.value: 0 for s in Status} for sev in Severity}
    if counted is None:
        counted = tally(result)
    for (_, severity, status), n in counted.items():
        by_status[Status(status).value] += n
        by_severity[Severity(severity).value][Status(status).value] += n
    return {
        "total": len(result.findings),
        "by_status": by_status,
        "by_severity": by_severity,
        "errors": len(result.errors),
    }


class ReportView:
    """What several renderers derive from one result, each part computed once.

    ``render`` builds one per call and hands it to every format it writes;
    a renderer called alone builds its own.  Parts are computed on first use,
    so a run that only writes JSON never builds the policy views.
    """

    def __init__(self, result: ScanResult) -> None:
        self.result = result

    @cached_property
    def sorted_findings(self) -> list[Finding]:
        return sorted(self.result.findings, key=SORT_KEY)

    @cached_property
    def tally(self) -> Tally:
        return tally(self.result)

    @cached_property
    def counts(self) -> dict[str, Any]:
        return counts(self.result, self.tally)

    @cached_property
    def incomplete(self) -> bool:
        """``result.incomplete`` from the counts (no pass over the findings)."""
        return (
            bool(self.result.errors)
            or bool(self.header["not_assessed"])
            or self.counts["by_status"][Status.UNKNOWN.value] > 0
        )

    @cached_property
    def policies(self) -> dict[str, PolicyView]:
        return policy_views(self.result, self.tally)

    @cached_property
    def frameworks(self) -> dict[str, list[RequirementView]]:
        return compliance(self.result, self.policies)

    @cached_property
    def header(self) -> dict[str, Any]:
        return scan_header(self.result)


@dataclass
class RequirementView:
    framework: str
    requirement: str
    title: str
    policies: set[str] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)
    failing: set[str] = field(default_factory=set)
    # Why the scan did not assess it ("NOT ASSESSED"), or assessed it only in part.
    not_assessed: str = ""
    partly_assessed: str = ""

    @property
    def verdict(self) -> str:
        """NOT ASSESSED when no evaluated policy covers it; else FAIL if any
        finding fails, else UNKNOWN if any could not be judged."""
        if self.not_assessed:
            return "NOT ASSESSED"
        for status in (Status.FAIL, Status.UNKNOWN, Status.PASS, Status.WAIVED):
            if self.counts[status.value]:
                return status.value
        return "NOT_APPLICABLE" if self.counts[Status.NOT_APPLICABLE.value] else "NO DATA"


def compliance(
    result: ScanResult, policies: Mapping[str, PolicyView]
) -> dict[str, list[RequirementView]]:
    """framework -> requirements (sorted), each with its policies and verdict counts."""
    reqs: dict[tuple[str, str], RequirementView] = {}
    for pid, policy in policies.items():
        entries = {(fw["framework"], fw["requirement"], fw["title"]) for fw in policy.frameworks}
        for framework, requirement, title in entries:
            if not framework:
                continue
            key = (framework, requirement)
            view = reqs.setdefault(key, RequirementView(framework, requirement, title))
            view.title = view.title or title
            if pid not in view.policies:
                view.policies.add(pid)
                view.counts.update(policy.counts)
                view.failing |= policy.failing
    for item in requirements_not_assessed(result.scan.get("requirements_not_assessed")):
        key = (item["framework"], item["requirement"])
        view = reqs.setdefault(key, RequirementView(key[0], key[1], item["title"]))
        if item["status"] == "NOT_ASSESSED" and not view.policies:
            view.not_assessed = item["reason"]
        else:
            view.partly_assessed = item["reason"]
    out: dict[str, list[RequirementView]] = defaultdict(list)
    for (framework, _), view in sorted(reqs.items(), key=lambda kv: (kv[0][0], _natural(kv[0][1]))):
        out[framework].append(view)
    return dict(out)


def _natural(text: str) -> tuple[Any, ...]:
    """Sort '2.10' after '2.9'."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text))


def waiver_lists(result: ScanResult) -> dict[str, list[dict[str, Any]]]:
    """applied / expired / stale waivers with their governance fields, the
    resources each waived, days to expiry and the expiring-soon flag; plus
    ``expiring_soon``: the active ones (applied or stale) that run out soon."""
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in ("applied", "expired", "stale"):
        items = []
        for w in as_list(result.waivers.get(kind)):
            if not isinstance(w, Mapping):
                continue
            days = w.get("days_to_expiry")
            items.append(
                {
                    **{
                        key: as_str(w.get(key))
                        for key in (
                            "policy",
                            "resource",
                            "reason",
                            "owner",
                            "expires",
                            "ticket",
                            "approved_by",
                            "granted",
                        )
                    },
                    "resources": [as_str(r) for r in as_list(w.get("resources"))],
                    "findings": w.get("findings") if isinstance(w.get("findings"), int) else 0,
                    # Absent in results written before waiver governance.
                    "days_to_expiry": days if isinstance(days, int) else None,
                    "expiring_soon": w.get("expiring_soon") is True,
                    "allow_wildcard": w.get("allow_wildcard") is True,
                }
            )
        out[kind] = sorted(items, key=lambda w: (w["policy"], w["resource"], w["expires"]))
    out["expiring_soon"] = [
        w for kind in ("applied", "stale") for w in out[kind] if w["expiring_soon"]
    ]
    return out


def waiver_soon_days(result: ScanResult) -> int:
    """The expiring-soon threshold the evaluation recorded (30 before it was recorded)."""
    days = result.waivers.get("expiring_soon_days")
    return days if isinstance(days, int) else 30


def error_text(e: Any) -> str:
    return (
        f"{e.account}/{e.region} {e.service}:{e.operation} {e.error_code}: "
        # Masked again: a snapshot written by an older scanner kept them raw.
        f"{redact_text(str(e.message))}"
        f" (affects {', '.join(e.resource_types) or 'nothing listed'})"
    )


def waiver_text(w: Mapping[str, Any] | None) -> str:
    if not w:
        return ""
    reason, owner, expires = (as_str(w.get(k)) for k in ("reason", "owner", "expires"))
    ticket, approved_by = as_str(w.get("ticket")), as_str(w.get("approved_by"))
    governance = (f", ticket {ticket}" if ticket else "") + (
        f", approved by {approved_by}" if approved_by else ""
    )
    return f"{reason} (owner {owner or '?'}{governance}, expires {expires or 'never'})"


def framework_titles(result: ScanResult) -> dict[str, str]:
    """Framework id -> its title, from the catalogue the engine records in ``scan``."""
    titles: dict[str, str] = {}
    for fw in as_list(result.scan.get("frameworks")):
        if isinstance(fw, Mapping) and fw.get("id"):
            titles[as_str(fw["id"])] = as_str(fw.get("title")) or as_str(fw["id"])
    return titles
