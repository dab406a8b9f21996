"""Small builders for ScanResult data used by the product tests (diff, merge)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from scanner.model import CollectionError, Finding, ScanResult, Severity, Status

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"


def finding(
    fp: str,
    status: Status | str,
    severity: Severity | str = Severity.HIGH,
    *,
    policy_id: str = "aurora.cluster.test",
    account: str = ACCOUNT_A,
    region: str = "us-east-1",
    evidence: tuple[dict[str, Any], ...] = (),
    message: str = "m",
) -> Finding:
    rid = f"arn:aws:rds:{region}:{account}:cluster:{fp}"
    return Finding(
        policy_id=policy_id,
        resource_id=rid,
        resource_type="aws.rds.db_cluster",
        resource_name=fp,
        account=account,
        region=region,
        status=Status(status),
        severity=Severity(severity),
        message=message,
        evidence=evidence,
        fingerprint=fp,
    )


def hex_fp(fp: str) -> str:
    """A short test fingerprint as the 64 hex digits the results schema requires."""
    return fp if re.fullmatch("[0-9a-f]{64}", fp) else hashlib.sha256(fp.encode()).hexdigest()


def file_form(res: ScanResult) -> dict[str, Any]:
    """``res`` as written to results.json, with schema-valid fingerprints (see hex_fp)."""
    data = res.to_dict()
    for f in data["findings"]:
        f["fingerprint"] = hex_fp(f["fingerprint"])
    return data


def policy(
    pid: str = "aurora.cluster.test", severity: str = "high", **extra: Any
) -> dict[str, Any]:
    return {"id": pid, "title": f"title of {pid}", "severity": severity, **extra}


def result(
    findings: list[Finding],
    *,
    accounts: tuple[str, ...] = (ACCOUNT_A,),
    regions: tuple[str, ...] = ("us-east-1",),
    started: str = "2026-11-28T00:00:00Z",
    finished: str = "2026-11-28T00:01:00Z",
    policies: list[dict[str, Any]] | None = None,
    errors: tuple[CollectionError, ...] = (),
    snapshot_sha256: str = "a" * 64,
    policies_sha256: str = "b" * 64,
) -> ScanResult:
    return ScanResult(
        scan={
            "accounts": list(accounts),
            "regions": list(regions),
            "started_at": started,
            "finished_at": finished,
            "snapshot_sha256": snapshot_sha256,
            "policy_set_sha256": policies_sha256,
        },
        policies=tuple(policies if policies is not None else [policy()]),
        findings=tuple(findings),
        errors=errors,
    )
