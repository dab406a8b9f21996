"""JUnit XML: CI systems show each policy as a suite and each resource as a case.

FAIL is a failure, UNKNOWN an error (the check could not run), WAIVED and
NOT_APPLICABLE are skipped, PASS passes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from scanner.model import Finding, ScanResult, Status
from scanner.report._env import render_stream, write_chunks, xml_env
from scanner.report._evidence import evidence_line
from scanner.report._text import one_line, truncate
from scanner.report._view import policy_views, waiver_text

_KIND = {
    Status.FAIL: "failure",
    Status.UNKNOWN: "error",
    Status.WAIVED: "skipped",
    Status.NOT_APPLICABLE: "skipped",
    Status.PASS: "",
}


def _case(f: Finding) -> dict[str, str]:
    kind = _KIND[f.status]
    if f.status is Status.WAIVED:
        message = "waived: " + waiver_text(f.waiver)
    elif f.status in (Status.NOT_APPLICABLE, Status.UNKNOWN):
        message = f.reason or f.message
    else:
        message = f.message
    body_lines = [f"resource: {f.resource_id}", f"account: {f.account}", f"region: {f.region}"]
    if f.status is Status.UNKNOWN and f.reason:
        body_lines.append(f"reason: {f.reason}")
    body_lines += [evidence_line(ev) for ev in f.evidence]
    if f.remediation.get("cli"):
        body_lines.append(f"remediation: {f.remediation['cli']}")
    return {
        "kind": kind,
        "name": f"{f.resource_name or f.resource_id} [{f.account}/{f.region}]",
        "severity": f.severity.value,
        "message": truncate(one_line(message), 1000),
        "body": "\n".join(body_lines),
    }


class _Suite:
    def __init__(self, name: str, title: str, severity: str, findings: Sequence[Finding]) -> None:
        self.name = name
        self.title = title
        self.severity = severity
        self._findings = findings
        kinds = [_KIND[f.status] for f in findings]
        self.tests = len(findings)
        self.failures = kinds.count("failure")
        self.errors = kinds.count("error")
        self.skipped = kinds.count("skipped")

    @property
    def cases(self) -> Iterator[dict[str, str]]:
        # Built lazily so a 500k-finding result never holds every case at once.
        return (_case(f) for f in self._findings)


def _suites(result: ScanResult) -> list[_Suite]:
    policies = policy_views(result)
    by_policy: dict[str, list[Finding]] = {pid: [] for pid in policies}
    for f in sorted(result.findings, key=lambda f: f.sort_key):
        by_policy[f.policy_id].append(f)
    return [
        _Suite(pid, policies[pid].title, policies[pid].severity.value, findings)
        for pid, findings in by_policy.items()
    ]


def render_junit(result: ScanResult, path: Path, options: Any = None) -> Path:
    suites = _suites(result)
    totals = {
        "tests": sum(s.tests for s in suites),
        "failures": sum(s.failures for s in suites),
        "errors": sum(s.errors for s in suites),
        "skipped": sum(s.skipped for s in suites),
    }
    write_chunks(
        path, render_stream(xml_env(), "junit.xml.j2", {"suites": suites, "totals": totals})
    )
    return path
