"""JUnit XML: CI systems show each policy as a suite and each resource as a case.

FAIL is a failure, UNKNOWN an error (the check could not run), WAIVED and
NOT_APPLICABLE are skipped, PASS passes.

Written with lxml's incremental writer (``etree.xmlfile``): the document frame
is opened as nested elements and each test case (one per finding, half a
million at 10,000 clusters) is built as an element and serialised in C, so the
XML writer does all escaping and nothing is held in memory beyond one case.
The only thing we do to a value ourselves is drop the characters XML 1.0
cannot carry (``strip_xml_invalid``), which lxml would otherwise refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from scanner.model import Finding, ScanResult, Status
from scanner.report._env import byte_sink, strip_xml_invalid
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
# Layout: the whitespace between elements, so the file reads like the
# hand-indented one it replaced (one case per line block).
_CASE_TAIL = "\n    "
_LAST_CASE_TAIL = "\n  "


def _xml(text: str) -> str:
    """``text`` without what XML 1.0 forbids; printable text holds none of it."""
    return text if text.isprintable() else strip_xml_invalid(text)


class _Cases:
    """The ``<testcase>`` shapes of one suite, each one lxml element reused.

    FAIL is a failure and UNKNOWN an error, both with the resource, evidence
    and remediation as body; WAIVED and NOT_APPLICABLE are skipped with the
    reason; PASS is an empty case.  A case is written by setting its values on
    the element of its shape and handing that to the writer, which serialises
    and escapes it: creating an element per case cost about five times as much,
    and ``xf.element`` contexts twice as much (half a million cases at 10k).
    """

    def __init__(self, classname: str) -> None:
        self.passed = self._case(classname, "\n    ")
        self.skipped = self._case(classname, "\n      ")
        self.skip = etree.SubElement(self.skipped, "skipped", message="")
        self.failed = self._case(classname, "\n      ")
        self.failure = etree.SubElement(self.failed, "failure", type="", message="")
        self.errored = self._case(classname, "\n      ")
        self.error = etree.SubElement(self.errored, "error", type="UNKNOWN", message="")
        for child in (self.skip, self.failure, self.error):
            child.tail = "\n    "
        # Evidence tuples are shared within one policy only: a memo per suite.
        self.evidence_lines = EvidenceLines()

    @staticmethod
    def _case(classname: str, inner: str) -> Any:
        case = etree.Element("testcase", classname=classname, name="", time="0")
        case.text = inner
        return case

    def element(self, f: Finding) -> Any:
        """The element of ``f``'s shape, holding ``f``'s values."""
        status = f.status
        name = _xml(f"{f.resource_name or f.resource_id} [{f.account}/{f.region}]")
        if status is Status.PASS:
            self.passed.set("name", name)
            return self.passed
        if status is Status.WAIVED:
            message = "waived: " + waiver_text(f.waiver)
        elif status is Status.FAIL:
            message = f.message
        else:
            message = f.reason or f.message
        message = _xml(truncate(one_line(message), 1000))
        if status is Status.WAIVED or status is Status.NOT_APPLICABLE:
            self.skipped.set("name", name)
            self.skip.set("message", message)
            return self.skipped
        if status is Status.FAIL:
            case, outcome = self.failed, self.failure
            outcome.set("type", f.severity.value)
        else:
            case, outcome = self.errored, self.error
        case.set("name", name)
        outcome.set("message", message)
        outcome.text = self._body(f)
        return case

    def _body(self, f: Finding) -> str:
        lines = [f"resource: {f.resource_id}", f"account: {f.account}", f"region: {f.region}"]
        if f.status is Status.UNKNOWN and f.reason:
            lines.append(f"reason: {f.reason}")
        lines.extend(self.evidence_lines(f.evidence))
        cli = f.remediation.get("cli")
        if cli:
            lines.append(f"remediation: {cli}")
        body = "\n".join(lines)
        # One pass for the whole body; the regex only if a line needs it.
        return body if all(map(str.isprintable, lines)) else strip_xml_invalid(body)


class _Suite:
    def __init__(self, name: str, title: str, severity: str, findings: Sequence[Finding]) -> None:
        self.name = name
        self.title = title
        self.severity = severity
        self.findings = findings
        kinds = [_KIND[f.status] for f in findings]
        self.tests = len(findings)
        self.failures = kinds.count("failure")
        self.errors = kinds.count("error")
        self.skipped = kinds.count("skipped")

    def attributes(self) -> dict[str, str]:
        return {
            "name": _xml(self.name),
            "tests": str(self.tests),
            "failures": str(self.failures),
            "errors": str(self.errors),
            "skipped": str(self.skipped),
            "time": "0",
        }


def _suites(view: ReportView) -> list[_Suite]:
    policies = view.policies
    by_policy: dict[str, list[Finding]] = {pid: [] for pid in policies}
    for f in view.sorted_findings:
        by_policy[f.policy_id].append(f)
    return [
        _Suite(pid, policies[pid].title, policies[pid].severity.value, findings)
        for pid, findings in by_policy.items()
    ]


def _write_suite(xf: Any, suite: _Suite) -> None:
    xf.write("\n  ")
    with xf.element("testsuite", suite.attributes()):
        properties = etree.Element("properties")
        properties.text = "\n      "
        title = etree.SubElement(properties, "property", name="title", value=_xml(suite.title))
        title.tail = "\n      "
        severity = etree.SubElement(properties, "property", name="severity", value=suite.severity)
        severity.tail = "\n    "
        properties.tail = _CASE_TAIL if suite.findings else _LAST_CASE_TAIL
        xf.write("\n    ", properties)
        cases = _Cases(_xml(suite.name))
        last = len(suite.findings) - 1
        for i, f in enumerate(suite.findings):
            case = cases.element(f)
            case.tail = _CASE_TAIL if i < last else _LAST_CASE_TAIL
            xf.write(case)


def render_junit(
    result: ScanResult, path: Path, options: Any = None, *, view: ReportView | None = None
) -> Path:
    suites = _suites(view or ReportView(result))
    totals = {
        "name": "aurora-scan",
        "tests": str(sum(s.tests for s in suites)),
        "failures": str(sum(s.failures for s in suites)),
        "errors": str(sum(s.errors for s in suites)),
        "skipped": str(sum(s.skipped for s in suites)),
        "time": "0",
    }
    with byte_sink(path) as sink:
        with etree.xmlfile(sink, encoding="UTF-8") as xf:
            xf.write_declaration()  # ends with a newline
            with xf.element("testsuites", totals):
                for suite in suites:
                    _write_suite(xf, suite)
                xf.write("\n")
        # lxml writes nothing after the root element, and flushes on close.
        sink.write(b"\n")
    return path
