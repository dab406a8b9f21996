"""The Markdown summary for ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.model import ScanResult, Status
from scanner.report._env import render_stream, text_env, write_chunks
from scanner.report._text import one_line, truncate
from scanner.report._view import (
    SEVERITY_ORDER,
    ReportView,
    error_text,
    framework_titles,
    waiver_lists,
    waiver_soon_days,
)

MAX_ROWS = 50


def _failing_since(result: ScanResult) -> dict[str, str]:
    """policy id -> the earliest 'failing since' (last_status_change) of its FAIL findings."""
    out: dict[str, str] = {}
    for f in result.findings:
        if f.status is Status.FAIL and f.last_status_change:
            known = out.get(f.policy_id)
            if known is None or f.last_status_change < known:
                out[f.policy_id] = f.last_status_change
    return out


def _history(result: ScanResult) -> dict[str, Any] | None:
    """What changed since the previous results the history came from (None without one)."""
    previous = result.scan.get("previous_results")
    if not previous:
        return None
    now = result.scan.get("collected_at") or ""
    failing = [f for f in result.findings if f.status is Status.FAIL]
    started = sum(f.last_status_change == now for f in failing)
    return {
        "file": str(previous.get("file", "")),
        "collected_at": str(previous.get("collected_at", "")),
        "started": started,
        "older": len(failing) - started,
    }


def _context(result: ScanResult, view: ReportView) -> dict[str, Any]:
    counts = view.counts
    since = _failing_since(result)
    policies = view.policies
    titles = framework_titles(result)
    failing = sorted(
        (p for p in policies.values() if p.counts[Status.FAIL.value]),
        key=lambda p: (-p.severity.rank, -p.counts[Status.FAIL.value], p.id),
    )
    unknown = sorted(
        (p for p in policies.values() if p.counts[Status.UNKNOWN.value]),
        key=lambda p: (-p.counts[Status.UNKNOWN.value], p.id),
    )
    errors = [truncate(one_line(error_text(e)), 300) for e in result.errors]
    by_status = counts["by_status"]
    if by_status[Status.FAIL.value]:
        verdict = (
            f"❌ **{by_status[Status.FAIL.value]} failing finding(s)** in {len(failing)} policies."
        )
    elif view.incomplete:
        verdict = "⚠️ **Incomplete scan:** nothing failed, but some checks could not be evaluated."
    else:
        verdict = "✅ **No failing findings.**"
    return {
        "verdict": verdict,
        "header": view.header,
        "severity_rows": [
            {"severity": sev.value, **counts["by_severity"][sev.value]} for sev in SEVERITY_ORDER
        ],
        "totals": by_status,
        "failing": [
            {
                "id": p.id,
                "severity": p.severity.value,
                "fail": p.counts[Status.FAIL.value],
                "title": truncate(p.title, 200),
                "since": since.get(p.id, ""),
            }
            for p in failing[:MAX_ROWS]
        ],
        "failing_more": max(0, len(failing) - MAX_ROWS),
        "error_count": len(errors),
        "errors": sorted(errors)[:MAX_ROWS],
        "errors_more": max(0, len(errors) - MAX_ROWS),
        "unknown": [
            {"id": p.id, "unknown": p.counts[Status.UNKNOWN.value]} for p in unknown[:MAX_ROWS]
        ],
        "unknown_more": max(0, len(unknown) - MAX_ROWS),
        "history": _history(result),
        "waivers": waiver_lists(result),
        "waiver_soon_days": waiver_soon_days(result),
        "max_rows": MAX_ROWS,
        "frameworks": [
            {
                "name": titles.get(name, name),
                "total": len(reqs),
                "fail": sum(r.verdict == "FAIL" for r in reqs),
                "unknown": sum(r.verdict == "UNKNOWN" for r in reqs),
                "pass": sum(r.verdict in ("PASS", "WAIVED") for r in reqs),
                "not_assessed": sum(r.verdict == "NOT ASSESSED" for r in reqs),
            }
            for name, reqs in view.frameworks.items()
        ],
        "not_assessed": [
            {**r, "framework": titles.get(r["framework"], r["framework"])}
            # Not assessed at all first, then partly assessed.
            for r in sorted(
                view.header["requirements_not_assessed"],
                key=lambda r: r["status"] != "NOT_ASSESSED",
            )
        ],
    }


def render_markdown(
    result: ScanResult, path: Path, options: Any = None, *, view: ReportView | None = None
) -> Path:
    context = _context(result, view or ReportView(result))
    write_chunks(path, render_stream(text_env(), "summary.md.j2", context))
    return path
