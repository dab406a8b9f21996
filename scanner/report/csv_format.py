"""CSV: one row per finding, with the columns Prowler users filter on.

Written by the standard library's ``csv`` writer (RFC 4180 quoting), UTF-8
with a header row.  Cells that a spreadsheet would run as a formula (text
starting with ``=``, ``+``, ``-``, ``@``, TAB or CR — a tag value is
attacker-controlled) get a leading ``'``, as OWASP recommends for CSV
injection; every other value is written exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scanner.model import Finding, ScanResult
from scanner.report._env import write_chunks
from scanner.report._export import PolicyExport, TagReader, first_seen, policy_exports
from scanner.report._view import ReportView

COLUMNS = (
    "account",
    "region",
    "resource_arn",
    "resource_type",
    "resource_name",
    "policy_id",
    "policy_title",
    "severity",
    "status",
    "requirements",
    "message",
    "reason",
    "remediation",
    "first_seen",
    "tags",
    "fingerprint",
)
_FORMULA_START = frozenset("=+-@\t\r")
_ROWS_PER_CHUNK = 5000


def _row(f: Finding, policy: PolicyExport | None, tags: Mapping[str, str]) -> list[str]:
    values = (
        f.account,
        f.region,
        f.resource_id,
        f.resource_type,
        f.resource_name,
        f.policy_id,
        policy.title if policy else f.policy_id,
        f.severity.value,
        f.status.value,
        "; ".join(policy.requirements) if policy else "",
        f.message,
        f.reason,
        str(f.remediation.get("cli") or "") or (policy.remediation_text if policy else ""),
        first_seen(f),
        "; ".join(f"{k}={v}" for k, v in sorted(tags.items())),
        f.fingerprint,
    )
    # A cell a spreadsheet would run as a formula gets a leading "'".
    return [("'" + v) if v[:1] in _FORMULA_START else v for v in values]


def _chunks(result: ScanResult, view: ReportView) -> Iterator[str]:
    policies = policy_exports(view.policies)
    tags_of = TagReader(result)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = []
    for f in view.sorted_findings:
        rows.append(_row(f, policies.get(f.policy_id), tags_of(f)))
        if len(rows) >= _ROWS_PER_CHUNK:
            writer.writerows(rows)
            rows.clear()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(rows)
    yield buffer.getvalue()


def render_csv(
    result: ScanResult, path: Path, options: Any = None, *, view: ReportView | None = None
) -> Path:
    write_chunks(path, _chunks(result, view or ReportView(result)))
    return path
