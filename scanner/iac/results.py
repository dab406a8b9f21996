"""What an IaC scan changes in a result: runtime-only verdicts and source locations."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import msgspec

from scanner.iac.runtime import REASON, RUNTIME_ONLY
from scanner.model import ScanHeader, ScanResult, Status


def for_iac(result: ScanResult, sources: dict[str, dict[str, Any]], files: list[str]) -> ScanResult:
    """``result`` with runtime-only policies NOT_APPLICABLE and the resources' file and line.

    The locations go to the header (``scan.iac_sources``: resource id -> file,
    line), which the SARIF renderer reads for physical locations.
    """
    findings = tuple(
        msgspec.structs.replace(
            f, status=Status.NOT_APPLICABLE, reason=REASON, evidence=(), remediation={}
        )
        if f.policy_id in RUNTIME_ONLY and f.status is not Status.NOT_APPLICABLE
        else f
        for f in result.findings
    )
    scan: dict[str, Any] = dict(result.scan)
    scan["iac_sources"] = {rid: sources[rid] for rid in sorted(sources)}
    scan["iac_files"] = sorted(files)
    return replace(result, findings=findings, scan=cast(ScanHeader, scan))
