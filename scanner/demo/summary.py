"""The plain-text summary the demo prints: counts by severity x status, top failures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from scanner.model import ScanResult, Severity, Status

_COLUMNS = (Status.FAIL, Status.PASS, Status.NOT_APPLICABLE, Status.UNKNOWN, Status.WAIVED)
_HEADINGS = {Status.NOT_APPLICABLE: "N/A"}
_SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


def severity_table(result: ScanResult) -> list[str]:
    """Rows of finding counts: one per severity that has findings, and a total."""
    counts = result.counts()["by_severity"]
    headings = [_HEADINGS.get(s, s.value) for s in _COLUMNS]
    lines = ["severity  " + "".join(f"{h:>9}" for h in headings)]
    totals = Counter[str]()
    for severity in _SEVERITIES:
        row = counts[severity.value]
        if not any(row.values()):
            continue
        totals.update(row)
        lines.append(f"{severity.value:<10}" + "".join(f"{row[s.value]:>9}" for s in _COLUMNS))
    lines.append(f"{'total':<10}" + "".join(f"{totals[s.value]:>9}" for s in _COLUMNS))
    return lines


def top_failing(result: ScanResult, limit: int = 10) -> list[tuple[str, Severity, int]]:
    """Policies with the most FAIL findings, most severe first."""
    failing = Counter(f.policy_id for f in result.findings if f.status is Status.FAIL)
    severity = {f.policy_id: f.severity for f in result.findings}
    ranked = sorted(failing.items(), key=lambda kv: (-severity[kv[0]].rank, -kv[1], kv[0]))
    return [(policy, severity[policy], n) for policy, n in ranked[:limit]]


def render_summary(
    result: ScanResult,
    reports: Mapping[str, Path],
    *,
    heading: str,
    timings: Mapping[str, float],
) -> str:
    lines = [heading, ""]
    lines.extend(severity_table(result))
    top = top_failing(result)
    if top:
        width = max(len(p) for p, _, _ in top)
        lines += ["", "top failing policies"]
        lines.extend(f"  {p:<{width}}  {s.value:<8}  {n} failing" for p, s, n in top)
    lines += ["", "reports"]
    lines.extend(f"  {fmt:<6} {path}" for fmt, path in reports.items())
    stages = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in timings.items())
    lines += ["", f"done in {sum(timings.values()):.1f}s ({stages})"]
    return "\n".join(lines) + "\n"
