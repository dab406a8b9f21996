"""Compare two scan results finding by finding (``aurora-scan diff``).

Findings are matched by fingerprint, which the engine derives from the
policy and the resource but never from the verdict, so the same check on the
same resource keeps its key from one scan to the next.  Every fingerprint of
either scan falls into exactly one category:

``new``
    only in NEW (a new resource, or a new policy);
``fixed``
    FAIL in OLD, and PASS or NOT_APPLICABLE in NEW, or gone from NEW (the
    resource was deleted: the failure is gone with it);
``changed``
    in both with another status change (PASS→FAIL, FAIL→UNKNOWN, FAIL→WAIVED…);
``unchanged``
    in both with the same status;
``removed``
    only in OLD and not failing there (a passing resource that was deleted).

FAIL→UNKNOWN is deliberately ``changed``, never ``fixed``: a partial scan
must not report a failure as fixed because it could not look.

The gate (``--fail-on-new``) counts *new failures*: findings that FAIL in NEW
and did not FAIL in OLD (new ones, and changed ones such as PASS→FAIL or an
expired waiver WAIVED→FAIL).  Everything here is a pure function of two
``ScanResult`` objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from scanner.history import since
from scanner.model import Finding, ScanHeader, ScanResult, Severity, Status
from scanner.terminal import visible

CATEGORIES: tuple[str, ...] = ("new", "fixed", "changed", "unchanged", "removed")

# Statuses that say "this resource is fine for this policy" (a FAIL that turns
# into one of these is fixed).
_GOOD = (Status.PASS, Status.NOT_APPLICABLE)

# When one result holds the same fingerprint twice (merged shards that
# overlapped, or a hand-edited file) keep the most telling verdict: a failure
# beats a waiver, which beats a verdict made on data, which beats UNKNOWN.
STATUS_PRECEDENCE: Mapping[Status, int] = {
    Status.FAIL: 4,
    Status.WAIVED: 3,
    Status.PASS: 2,
    Status.NOT_APPLICABLE: 1,
    Status.UNKNOWN: 0,
}


def finding_key(finding: Finding) -> str:
    """The fingerprint; results written before fingerprints existed fall back to ids."""
    if finding.fingerprint:
        return finding.fingerprint
    return f"{finding.policy_id}|{finding.account}|{finding.region}|{finding.resource_id}"


def _canonical(finding: Finding) -> str:
    return json.dumps(finding.to_dict(), sort_keys=True, separators=(",", ":"), default=str)


def preferred(a: Finding, b: Finding) -> Finding:
    """The more informative of two findings with one fingerprint; order-independent.

    Status precedence first, then severity, then the one with more evidence,
    and finally the canonical JSON so that the choice never depends on which
    file came first.
    """

    def rank(f: Finding) -> tuple[int, int, int, str]:
        return (STATUS_PRECEDENCE[f.status], f.severity.rank, len(f.evidence), _canonical(f))

    return a if rank(a) >= rank(b) else b


def index_findings(findings: Iterable[Finding]) -> dict[str, Finding]:
    """fingerprint -> finding, keeping the preferred one when a key repeats."""
    out: dict[str, Finding] = {}
    for f in findings:
        key = finding_key(f)
        seen = out.get(key)
        out[key] = f if seen is None else preferred(seen, f)
    return out


@dataclass(frozen=True)
class DiffEntry:
    """One fingerprint and its verdict in each scan (``None`` when absent)."""

    category: str
    fingerprint: str
    old: Finding | None
    new: Finding | None
    # Since when (scanner.history.since), worked out from both scans.
    first_seen: str = ""
    last_status_change: str = ""

    @property
    def current(self) -> Finding:
        """The finding to show: NEW's when it exists, else OLD's."""
        found = self.new if self.new is not None else self.old
        assert found is not None  # an entry always has at least one side
        return found

    @property
    def old_status(self) -> Status | None:
        return self.old.status if self.old is not None else None

    @property
    def new_status(self) -> Status | None:
        return self.new.status if self.new is not None else None

    @property
    def is_new_failure(self) -> bool:
        return self.new_status is Status.FAIL and self.old_status is not Status.FAIL

    @property
    def sort_key(self) -> tuple[int, str, str, str, str]:
        f = self.current
        return (-f.severity.rank, f.policy_id, f.account, f.region, f.resource_id)

    def to_dict(self) -> dict[str, Any]:
        f = self.current
        return {
            "category": self.category,
            "fingerprint": self.fingerprint,
            "policy_id": f.policy_id,
            "resource_id": f.resource_id,
            "resource_type": f.resource_type,
            "resource_name": f.resource_name,
            "account": f.account,
            "region": f.region,
            "severity": f.severity.value,
            "old_status": self.old_status.value if self.old_status else None,
            "new_status": self.new_status.value if self.new_status else None,
            "message": f.message,
            "first_seen": self.first_seen,
            "last_status_change": self.last_status_change,
        }


def _categorise(old: Finding | None, new: Finding | None) -> str:
    if old is None:
        return "new"
    if new is None:
        return "fixed" if old.status is Status.FAIL else "removed"
    if old.status is new.status:
        return "unchanged"
    if old.status is Status.FAIL and new.status in _GOOD:
        return "fixed"
    return "changed"


@dataclass(frozen=True)
class ResultDiff:
    entries: tuple[DiffEntry, ...]
    old_scan: ScanHeader
    new_scan: ScanHeader
    notes: tuple[str, ...]

    def category(self, name: str) -> list[DiffEntry]:
        return [e for e in self.entries if e.category == name]

    def new_failures(self, at_least: Severity = Severity.INFO) -> list[DiffEntry]:
        return [
            e for e in self.entries if e.is_new_failure and e.current.severity.at_least(at_least)
        ]

    def counts(self) -> dict[str, int]:
        out = {name: 0 for name in CATEGORIES}
        for e in self.entries:
            out[e.category] += 1
        out["new_failures"] = len(self.new_failures())
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": _scope(self.old_scan),
            "new": _scope(self.new_scan),
            "notes": list(self.notes),
            "summary": self.counts(),
            "findings": {name: [e.to_dict() for e in self.category(name)] for name in CATEGORIES},
        }


def _scope(scan: Mapping[str, object]) -> dict[str, object]:
    """The parts of a scan header that identify what it covered and when."""
    keys = ("accounts", "regions", "started_at", "finished_at", "snapshot_sha256")
    return {k: scan[k] for k in keys if k in scan}


def _policy_versions(result: ScanResult) -> dict[str, str]:
    return {str(p.get("id")): json.dumps(p, sort_keys=True, default=str) for p in result.policies}


def _scope_notes(old: ScanResult, new: ScanResult) -> list[str]:
    """Differences of scope that make 'fixed' or 'new' mean something else."""
    notes = []
    keys: tuple[Literal["accounts", "regions"], ...] = ("accounts", "regions")
    for key in keys:
        before = set(old.scan.get(key) or ())
        after = set(new.scan.get(key) or ())
        if before != after:
            gone = ", ".join(sorted(before - after)) or "none"
            added = ", ".join(sorted(after - before)) or "none"
            notes.append(f"{key} differ (only in OLD: {gone}; only in NEW: {added})")
    old_p, new_p = _policy_versions(old), _policy_versions(new)
    if old_p.keys() != new_p.keys():
        notes.append(
            f"policy sets differ ({len(old_p.keys() - new_p.keys())} only in OLD, "
            f"{len(new_p.keys() - old_p.keys())} only in NEW)"
        )
    edited = sorted(k for k in old_p.keys() & new_p.keys() if old_p[k] != new_p[k])
    if edited:
        notes.append(f"policies changed between scans: {', '.join(edited)}")
    if new.errors:
        notes.append(
            f"NEW scan is incomplete ({len(new.errors)} collection errors): "
            "affected findings are UNKNOWN, never fixed"
        )
    return notes


def diff_results(old: ScanResult, new: ScanResult) -> ResultDiff:
    before = index_findings(old.findings)
    after = index_findings(new.findings)
    old_at, new_at = (str(r.scan.get("collected_at") or "") for r in (old, new))
    # NEW made with --previous/--baseline carries its own history; else derive it from OLD.
    trust_new = bool(new.scan.get("previous_results"))
    entries = []
    for k in before.keys() | after.keys():
        was, now = before.get(k), after.get(k)
        if now is not None:
            first, last = since(was, old_at, now, new_at, trust_new=trust_new)
        else:
            assert was is not None
            first, last = since(None, old_at, was, old_at)
        entries.append(DiffEntry(_categorise(was, now), k, was, now, first, last))
    entries.sort(key=lambda e: (CATEGORIES.index(e.category), e.sort_key, e.fingerprint))
    return ResultDiff(
        entries=tuple(entries),
        old_scan=old.scan,
        new_scan=new.scan,
        notes=tuple(_scope_notes(old, new)),
    )


# ----- text rendering -------------------------------------------------------

_HEADINGS = {
    "new": "New (absent from OLD)",
    "fixed": "Fixed (FAIL in OLD, passing or gone in NEW)",
    "changed": "Changed status",
    "unchanged": "Unchanged, still failing or not assessable",
    "removed": "Removed (not failing in OLD, gone from NEW)",
}


def _status(s: Status | None) -> str:
    return s.value if s is not None else "-"


def _line(e: DiffEntry) -> str:
    f = e.current
    transition = f"{_status(e.old_status)} -> {_status(e.new_status)}"
    when = ""
    if e.new_status is Status.FAIL and e.last_status_change:
        when = f"  failing since {e.last_status_change}"
        if e.first_seen and e.first_seen != e.last_status_change:
            when += f" (first seen {e.first_seen})"
    elif e.first_seen:
        when = f"  first seen {e.first_seen}"
    return (
        f"  {f.severity.value:<8} {transition:<26} {f.policy_id}  "
        f"{f.account}/{f.region}  {f.resource_name or f.resource_id}{when}"
    )


def render_text(
    diff: ResultDiff, *, fail_on_new: Severity | None = None, show_unchanged: bool = False
) -> str:
    """A human summary of what changed.

    New and removed findings that pass (or do not apply) are only counted;
    unchanged findings are only counted unless ``show_unchanged``, which lists
    those still failing or UNKNOWN.
    """
    counts = diff.counts()
    lines = [
        "aurora-scan diff: "
        + "  ".join(f"{name} {counts[name]}" for name in CATEGORIES)
        + f"  (new failures {counts['new_failures']})"
    ]
    lines += [f"note: {n}" for n in diff.notes]
    for name in CATEGORIES:
        entries = diff.category(name)
        if name in ("new", "unchanged", "removed"):
            side = "old_status" if name == "removed" else "new_status"
            shown = [e for e in entries if getattr(e, side) not in _GOOD]
        else:
            shown = entries
        if name in ("unchanged", "removed") and not show_unchanged:
            if shown:
                lines += ["", f"{_HEADINGS[name]}: {len(shown)} (list them with --show-unchanged)"]
            continue
        if not shown:
            continue
        lines += ["", f"{_HEADINGS[name]}: {len(shown)}"]
        lines += [_line(e) for e in shown]
        hidden = len(entries) - len(shown)
        if hidden:
            lines.append(f"  ... and {hidden} passing or not applicable")
    if fail_on_new is not None:
        gate = diff.new_failures(fail_on_new)
        verdict = "FAILED" if gate else "passed"
        lines.append("")
        lines.append(
            f"gate {verdict}: {len(gate)} new FAIL finding(s) at or above {fail_on_new.value}"
        )
    # Names, notes and ids come from the results: one visible line each.
    return "\n".join(visible(line) for line in lines) + "\n"


def render_json(diff: ResultDiff, *, fail_on_new: Severity | None = None) -> str:
    data = diff.to_dict()
    if fail_on_new is not None:
        data["gate"] = {
            "fail_on_new": fail_on_new.value,
            "new_failures": [e.fingerprint for e in diff.new_failures(fail_on_new)],
        }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
