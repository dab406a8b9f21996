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
from dataclasses import dataclass
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


def _guard(text: str) -> str:
    return "'" + text if text[:1] in _FORMULA_START else text


@dataclass(frozen=True)
class _PolicyCells:
    """The cells that depend only on the policy, joined once."""

    title: str
    requirements: str
    remediation: str

    @classmethod
    def of(cls, policy: PolicyExport) -> _PolicyCells:
        return cls(
            _guard(policy.title), "; ".join(policy.requirements), _guard(policy.remediation_text)
        )


def _row(f: Finding, policy: _PolicyCells, tags: Mapping[str, str]) -> list[str]:
    cli = f.remediation.get("cli")
    # Cells from resource data or policy text may start like a formula; the
    # others are ids, enums and dates.
    return [
        f.account,
        f.region,
        _guard(f.resource_id),
        f.resource_type,
        _guard(f.resource_name),
        f.policy_id,
        policy.title,
        f.severity.value,
        f.status.value,
        policy.requirements,
        _guard(f.message),
        _guard(f.reason),
        _guard(str(cli)) if cli else policy.remediation,
        first_seen(f),
        _guard("; ".join(f"{k}={v}" for k, v in sorted(tags.items()))) if tags else "",
        f.fingerprint,
    ]


def _chunks(result: ScanResult, view: ReportView) -> Iterator[str]:
    policies = {pid: _PolicyCells.of(p) for pid, p in policy_exports(view.policies).items()}
    tags_of = TagReader(result)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = []
    for f in view.sorted_findings:
        policy = policies.get(f.policy_id) or _PolicyCells(_guard(f.policy_id), "", "")
        rows.append(_row(f, policy, tags_of(f)))
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
