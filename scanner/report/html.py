"""The auditor's HTML report: one self-contained file, no network.

The evidence header, summary, compliance, policy, waiver, coverage and
remediation sections are rendered server-side by Jinja with autoescape on
(AWS tag values are attacker-controlled).  Findings and resources, which can
number half a million, travel as compact JSON in a
``<script type="application/json">`` block and are paginated by inline JS, so
the browser never holds 500k DOM rows.  The JSON is streamed into the file in
chunks: the report is never one huge string in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from operator import attrgetter
from pathlib import Path
from typing import Any

from markupsafe import Markup

from scanner.model import Finding, ScanResult, Severity, Status
from scanner.redact import redact
from scanner.report._env import html_env, render_stream, script_json, write_chunks
from scanner.report._evidence import EvidenceLines
from scanner.report._text import one_line
from scanner.report._view import (
    SEVERITY_ORDER,
    STATUS_ORDER,
    PolicyView,
    ReportView,
    RequirementView,
    error_text,
    framework_titles,
    waiver_lists,
    waiver_soon_days,
    waiver_text,
)

_CHUNK_ROWS = 2000
STATUS_COLOURS = {
    Status.FAIL: "#c62828",
    Status.UNKNOWN: "#ef8f00",
    Status.WAIVED: "#5c6bc0",
    Status.PASS: "#2e7d32",
    Status.NOT_APPLICABLE: "#9e9e9e",
}


def _chart(counts: Mapping[str, Any]) -> dict[str, Any]:
    """Horizontal stacked bars, one per severity, as inline SVG geometry."""
    by_sev = counts["by_severity"]
    rows = []
    widest = max((sum(by_sev[s.value].values()) for s in SEVERITY_ORDER), default=0) or 1
    bar_width, label_width, row_height = 520.0, 90.0, 28
    for i, sev in enumerate(SEVERITY_ORDER):
        x = label_width
        segments = []
        for status in STATUS_ORDER:
            n = by_sev[sev.value][status.value]
            if not n:
                continue
            w = bar_width * n / widest
            segments.append(
                {
                    "x": round(x, 2),
                    "w": round(max(w, 1.0), 2),
                    "n": n,
                    "status": status.value,
                    "colour": STATUS_COLOURS[status],
                }
            )
            x += w
        total = sum(by_sev[sev.value].values())
        rows.append(
            {
                "y": i * row_height + 8,
                "label": sev.value,
                "segments": segments,
                "total": total,
                "total_x": round(x + 6, 2),
            }
        )
    return {
        "rows": rows,
        "height": len(SEVERITY_ORDER) * row_height + 40,
        "width": label_width + bar_width + 80,
        "legend_y": len(SEVERITY_ORDER) * row_height + 22,
        "legend": [
            {"status": s.value, "colour": STATUS_COLOURS[s], "x": label_width + i * 105}
            for i, s in enumerate(STATUS_ORDER)
        ],
    }


_PLACE = attrgetter("account", "region", "resource_type")
_FIRST_SEEN, _LAST_STATUS_CHANGE = attrgetter("first_seen"), attrgetter("last_status_change")


class _Data:
    """Builds the compact JSON the page's script reads.

    Strings that repeat (policy ids, accounts, regions, types) are stored once
    in tables and referenced by index; each finding is a short array.
    """

    def __init__(
        self,
        result: ScanResult,
        policies: Mapping[str, PolicyView],
        frameworks: Mapping[str, list[RequirementView]],
        view: ReportView,
    ) -> None:
        self.result = result
        self.policy_ids = list(policies)
        self.policy_index = {pid: i for i, pid in enumerate(self.policy_ids)}
        self.policies = policies
        self.frameworks = frameworks
        self.findings = view.sorted_findings
        findings = self.findings
        resources: dict[str, tuple[str, str, str, str]] = {}
        for f in findings:
            if f.resource_id not in resources:  # the first finding names the resource
                resources[f.resource_id] = (
                    f.resource_name or f.resource_id,
                    f.resource_type,
                    f.account,
                    f.region,
                )
        # One C-level pass for the three filter lists (not three).
        places = set(map(_PLACE, findings))
        self.accounts = sorted({account for account, _, _ in places})
        self.regions = sorted({region for _, region, _ in places})
        self.types = sorted({rtype for _, _, rtype in places})
        # Since when: the few distinct scan times, stored once; rows hold indexes,
        # and only when they differ from "seen": first seen in this scan and
        # unchanged since (every row of a scan without history adds nothing).
        self.times = sorted(
            set(map(_FIRST_SEEN, findings)) | set(map(_LAST_STATUS_CHANGE, findings))
        )
        stamped = bool(findings) and bool(findings[0].first_seen)
        self.seen = str(result.scan.get("collected_at") or "") if stamped else ""
        self.resource_ids = sorted(resources)
        self.resource_index = {rid: i for i, rid in enumerate(self.resource_ids)}
        self.resources = resources

    def chunks(self) -> Iterator[Markup]:
        acc = {a: i for i, a in enumerate(self.accounts)}
        reg = {r: i for i, r in enumerate(self.regions)}
        typ = {t: i for i, t in enumerate(self.types)}
        sev = {s: i for i, s in enumerate(SEVERITY_ORDER)}
        sta = {s: i for i, s in enumerate(STATUS_ORDER)}
        fw_names = sorted(self.frameworks)
        fw_rows: list[list[Any]] = []
        policy_fws: dict[str, list[int]] = {pid: [] for pid in self.policy_ids}
        for fw_i, name in enumerate(fw_names):
            for req in self.frameworks[name]:
                req_i = len(fw_rows)
                fw_rows.append([fw_i, req.requirement, req.title])
                for pid in sorted(req.policies):
                    policy_fws[pid].append(req_i)
        head = {
            "statuses": [s.value for s in STATUS_ORDER],
            "severities": [s.value for s in SEVERITY_ORDER],
            "accounts": self.accounts,
            "regions": self.regions,
            "types": self.types,
            "frameworks": fw_names,
            "times": self.times,
            "seen": self.seen,
            "requirements": fw_rows,
            "policies": [
                [p.id, p.title, sev[p.severity], policy_fws[p.id]] for p in self.policies.values()
            ],
            "resources": [
                [rid, name, typ[t], acc[a], reg[r]]
                for rid, (name, t, a, r) in (
                    (rid, self.resources[rid]) for rid in self.resource_ids
                )
            ],
        }
        head_text = script_json(head)
        yield Markup(head_text[:-1] + ',"findings":[')
        # Encode rows a chunk at a time: one C-level json.dumps per chunk is
        # far cheaper than one per row, and the file still streams.
        row = self._row_maker(sev, sta)
        for start in range(0, len(self.findings), _CHUNK_ROWS):
            rows = list(map(row, self.findings[start : start + _CHUNK_ROWS]))
            yield Markup(("," if start else "") + script_json(rows)[1:-1])
        yield Markup("]}")

    def _row_maker(
        self, sev: Mapping[Severity, int], sta: Mapping[Status, int]
    ) -> Callable[[Finding], list[Any]]:
        """The function that turns one finding into its row (run a million times
        at 10,000 clusters: lookups bound to locals, nothing built when empty)."""
        policy_index, resource_index = self.policy_index, self.resource_index
        time_index = {t: i for i, t in enumerate(self.times)}
        seen = self.seen
        lines = EvidenceLines()

        def row(f: Finding) -> list[Any]:
            evidence, waiver = f.evidence, f.waiver
            out = [
                policy_index[f.policy_id],
                resource_index[f.resource_id],
                sta[f.status],
                sev[f.severity],
                f.message,
                f.reason,
                lines(evidence, f.policy_id) if evidence else [],
                waiver_text(waiver) if waiver else "",
                str(f.remediation.get("cli", "")),
            ]
            first, last = f.first_seen, f.last_status_change
            if first != seen or last != first:
                # [9] first seen, [10] since when it has its status: into "times".
                out += (time_index[first], time_index[last])
            return out

        return row


def _context(result: ScanResult, view: ReportView) -> dict[str, Any]:
    policies = view.policies
    frameworks = view.frameworks
    data = _Data(result, policies, frameworks, view)
    counts = view.counts
    unknown_by_policy = sorted(
        (
            (p.id, p.counts[Status.UNKNOWN.value])
            for p in policies.values()
            if p.counts[Status.UNKNOWN.value]
        ),
        key=lambda kv: (-kv[1], kv[0]),
    )
    failing = [p for p in policies.values() if p.counts[Status.FAIL.value]]
    failing.sort(key=lambda p: (-p.severity.rank, p.id))
    by_status = counts["by_status"]
    if by_status[Status.FAIL.value]:
        verdict = ("fail", f"{by_status[Status.FAIL.value]} failing findings")
    elif view.incomplete:
        verdict = ("unknown", "Incomplete: nothing failed, but some checks could not be evaluated")
    else:
        verdict = ("pass", "No failing findings")
    return {
        "header": view.header,
        "verdict": verdict,
        "counts": counts,
        "statuses": [s.value for s in STATUS_ORDER],
        "severities": [s.value for s in SEVERITY_ORDER],
        "chart": _chart(counts),
        "policies": list(policies.values()),
        "frameworks": frameworks,
        "fw_titles": framework_titles(result),
        "waivers": waiver_lists(result),
        "waiver_soon_days": waiver_soon_days(result),
        "errors": [
            {
                "account": e.account,
                "region": e.region,
                "service": e.service,
                "operation": e.operation,
                "code": e.error_code,
                "message": one_line(redact(str(e.message))),
                "types": ", ".join(e.resource_types),
                "text": error_text(e),
            }
            for e in result.errors
        ],
        "unknown_by_policy": unknown_by_policy,
        "failing_policies": failing,
        "accounts": data.accounts,
        "regions": data.regions,
        "data_chunks": data.chunks(),
        "resource_count": len(data.resource_ids),
    }


def render_html(
    result: ScanResult, path: Path, options: Any = None, *, view: ReportView | None = None
) -> Path:
    context = _context(result, view or ReportView(result))
    write_chunks(path, render_stream(html_env(), "report.html.j2", context))
    return path


def extract_data(html: str) -> dict[str, Any]:
    """(for tests) the JSON data block of a rendered report."""
    start = html.index('id="report-data">') + len('id="report-data">')
    end = html.index("</script>", start)
    parsed: dict[str, Any] = json.loads(html[start:end])
    return parsed
