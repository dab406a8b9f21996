"""JUnit XML: CI systems show each policy as a suite and each resource as a case.

FAIL is a failure, UNKNOWN an error (the check could not run), WAIVED and
NOT_APPLICABLE are skipped, PASS passes.

The document frame and each suite's header come from ``junit.xml.j2``; the
test cases (one per finding, a million at 10,000 clusters) are built here as
text, escaped exactly as the XML environment escapes a template value
(``_xml``): a Jinja loop per case was most of the cost of this format.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from scanner.model import Finding, ScanResult, Status
from scanner.report._env import (
    CheckedXml,
    render_stream,
    strip_xml_invalid,
    write_chunks,
    xml_env,
)
from scanner.report._evidence import EvidenceLines
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


def _xml(text: str) -> str:
    """``markupsafe.escape`` then ``strip_xml_invalid``, as the XML environment
    does for a template value, with str.replace (no Markup object per value)."""
    if not text.isprintable():  # printable text holds nothing XML 1.0 forbids
        text = strip_xml_invalid(text)
    return _escape(text)


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


def _case_xml(f: Finding, classname: str, evidence_lines: EvidenceLines) -> str:
    """One ``<testcase>``, escaped as the XML environment escapes a value.

    FAIL is a failure and UNKNOWN an error, both with the resource, evidence
    and remediation as body; WAIVED and NOT_APPLICABLE are skipped with the
    reason; PASS is an empty case.
    """
    status = f.status
    name = _xml(f"{f.resource_name or f.resource_id} [{f.account}/{f.region}]")
    head = f'    <testcase classname="{classname}" name="{name}" time="0">\n'
    if status is Status.PASS:
        return head + "    </testcase>\n"
    if status is Status.WAIVED:
        message = "waived: " + waiver_text(f.waiver)
    elif status is Status.FAIL:
        message = f.message
    else:
        message = f.reason or f.message
    message_xml = _xml(truncate(one_line(message), 1000))
    if status is Status.WAIVED or status is Status.NOT_APPLICABLE:
        return f'{head}      <skipped message="{message_xml}"/>\n    </testcase>\n'
    lines = [f"resource: {f.resource_id}", f"account: {f.account}", f"region: {f.region}"]
    if status is Status.UNKNOWN and f.reason:
        lines.append(f"reason: {f.reason}")
    lines.extend(evidence_lines(f.evidence))
    cli = f.remediation.get("cli")
    if cli:
        lines.append(f"remediation: {cli}")
    body = "\n".join(lines)
    # One escape pass for the whole body; the regex only if a line needs it.
    body = _escape(body if all(map(str.isprintable, lines)) else strip_xml_invalid(body))
    if status is Status.FAIL:
        element = (
            f'<failure type="{_xml(f.severity.value)}" message="{message_xml}">{body}</failure>'
        )
    else:
        element = f'<error type="UNKNOWN" message="{message_xml}">{body}</error>'
    return f"{head}      {element}\n    </testcase>\n"


class _Suite:
    def __init__(
        self,
        name: str,
        title: str,
        severity: str,
        findings: Sequence[Finding],
    ) -> None:
        self.name = name
        # Evidence tuples are shared within one policy only: a memo per suite.
        self._evidence_lines = EvidenceLines()
        self.title = title
        self.severity = severity
        self._findings = findings
        kinds = [_KIND[f.status] for f in findings]
        self.tests = len(findings)
        self.failures = kinds.count("failure")
        self.errors = kinds.count("error")
        self.skipped = kinds.count("skipped")

    @property
    def chunks(self) -> Iterator[CheckedXml]:
        # Built lazily so a 500k-finding result never holds every case at once.
        classname = _xml(self.name)
        cases = iter(self._findings)
        evidence_lines = self._evidence_lines
        while batch := list(islice(cases, _CASES_PER_CHUNK)):
            cases_xml = "".join([_case_xml(f, classname, evidence_lines) for f in batch])
            yield CheckedXml.checked(cases_xml)


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
