"""JUnit XML: CI systems show each policy as a suite and each resource as a case.

FAIL is a failure, UNKNOWN an error (the check could not run), WAIVED and
NOT_APPLICABLE are skipped, PASS passes.

The document frame and each suite's header come from ``junit.xml.j2``; the
test cases (one per finding, a million at 10,000 clusters) are built here as
text, escaped exactly as the XML environment escapes a template value
(``markupsafe.escape``, then characters XML 1.0 cannot carry dropped, once
per chunk): a Jinja loop per case was most of the cost of this format.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from scanner.model import Finding, ScanResult, Status
from scanner.report._env import render_stream, strip_xml_invalid, write_chunks, xml_env
from scanner.report._evidence import evidence_line
from scanner.report._text import one_line, truncate
from scanner.report._view import ReportView, waiver_text

_KIND = {
    Status.FAIL: "failure",
    Status.UNKNOWN: "error",
    Status.WAIVED: "skipped",
    Status.NOT_APPLICABLE: "skipped",
    Status.PASS: "",
}
_CASES_PER_CHUNK = 1000


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


def _case_xml(f: Finding, classname: str) -> str:
    """One ``<testcase>`` element as the template wrote it (before stripping)."""
    case = _case(f)
    head = f'    <testcase classname="{classname}" name="{escape(case["name"])}" time="0">\n'
    kind = case["kind"]
    if kind == "failure":
        inner = (
            f'      <failure type="{escape(case["severity"])}" message="{escape(case["message"])}">'
            f"{escape(case['body'])}</failure>\n"
        )
    elif kind == "error":
        inner = (
            f'      <error type="UNKNOWN" message="{escape(case["message"])}">'
            f"{escape(case['body'])}</error>\n"
        )
    elif kind == "skipped":
        inner = f'      <skipped message="{escape(case["message"])}"/>\n'
    else:
        inner = ""
    return f"{head}{inner}    </testcase>\n"


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
        return (_case(f) for f in self._findings)

    @property
    def chunks(self) -> Iterator[Markup]:
        # Built lazily so a 500k-finding result never holds every case at once.
        classname = str(escape(self.name))
        cases = iter(self._findings)
        while batch := list(islice(cases, _CASES_PER_CHUNK)):
            text = "".join([_case_xml(f, classname) for f in batch])
            yield Markup(strip_xml_invalid(text))


def _suites(result: ScanResult, view: ReportView) -> list[_Suite]:
    policies = view.policies
    by_policy: dict[str, list[Finding]] = {pid: [] for pid in policies}
    for f in view.sorted_findings:
        by_policy[f.policy_id].append(f)
    return [
        _Suite(pid, policies[pid].title, policies[pid].severity.value, findings)
        for pid, findings in by_policy.items()
    ]


def render_junit(
    result: ScanResult, path: Path, options: Any = None, *, view: ReportView | None = None
) -> Path:
    suites = _suites(result, view or ReportView(result))
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
