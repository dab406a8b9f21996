"""ScanResults built straight from model objects, for the report tests and
benchmarks: no collector, engine or moto involved.

``rich_result`` covers every status and severity, frameworks, waivers in all
three states, collection errors, attribute and graph evidence, and hostile
strings (markup, quotes, newlines, control characters, unicode, 10,000-char
values) in every field a renderer prints.
"""

from __future__ import annotations

import hashlib
from typing import Any

from scanner.model import CollectionError, Finding, ScanResult, Severity, Status

XSS = "<script>alert(1)</script>"
LONG = "L" * 9_990 + "-end-of-10k"
PLACE_TAG = "Zürich – 東京"  # a tag value that must keep its UTF-8
HOSTILE_NAMES = [
    f"prod {XSS}",
    "quote\"d 'single' & <amp>",
    "new\nline\r\ttab",
    "ctrl\x00\x01\x07\x1b\x7f\x85chars",
    "кластер-日本-🚀",
    LONG,
    "..",
    ".",
    "",
    "has/slash?and#hash%percent",
    "plain-cluster-1",
]
ACCOUNT = "111122223333"
ACCOUNT2 = "444455556666"
REGION = "us-east-1"
REGION2 = "eu-west-1"

FRAMEWORKS = {
    "aurora.cluster.encrypted": [
        {"framework": "AWS FSBP", "requirement": "RDS.27", "title": "clusters encrypted at rest"},
        {"framework": "PCI DSS 4.0", "requirement": "3.5.1", "title": "PAN unreadable"},
    ],
    "aurora.cluster.deletion_protection": [
        {"framework": "AWS FSBP", "requirement": "RDS.7", "title": "deletion protection"},
    ],
    "aurora.cluster.not_public": [
        {"framework": "CIS AWS Foundations", "requirement": "2.3.3", "title": f"not public {XSS}"},
        {"framework": "NIST 800-53 rev 5", "requirement": "AC-3", "title": "access enforcement"},
    ],
}


def _policy(pid: str, severity: Severity, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "title": title,
        "description": extra.pop("description", f"Checks {title.lower()}."),
        "severity": severity.value,
        "resource": ["aws.rds.db_cluster"],
        "area": extra.pop("area", "rds"),
        "remediation": {
            "text": f"Fix {title}.",
            "cli": "aws rds modify-db-cluster --db-cluster-identifier {DBClusterIdentifier}",
        },
        "references": [
            "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/",
            "CIS 2.3.3",
        ],
        "frameworks": FRAMEWORKS.get(pid, []),
        "params": {},
        **extra,
    }


POLICIES: list[dict[str, Any]] = [
    _policy("aurora.cluster.encrypted", Severity.CRITICAL, "Cluster storage is encrypted"),
    _policy("aurora.cluster.not_public", Severity.HIGH, f"Cluster is not public {XSS}"),
    _policy("aurora.cluster.deletion_protection", Severity.MEDIUM, "Deletion protection"),
    _policy(
        "aurora.cluster.backtrack",
        Severity.LOW,
        "Backtrack enabled " + LONG,
        description="Long & <b>hostile</b> description\n" + LONG,
        area="resilience area with spaces",
    ),
    _policy("aurora.cluster.tags", Severity.INFO, 'Owner tag "present"', area="tagging"),
]


def arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:rds:{region}:{account}:cluster:{name}"


def finding(
    policy: dict[str, Any],
    name: str,
    status: Status,
    *,
    account: str = ACCOUNT,
    region: str = REGION,
    tag_value: str = XSS,
    **extra: Any,
) -> Finding:
    rid = arn(account, region, name)
    severity = Severity(policy["severity"])
    evidence: list[dict[str, Any]] = [
        {
            "kind": "attr",
            "attr": "StorageEncrypted",
            "op": "eq",
            "expected": True,
            "observed": False,
        },
        {
            "kind": "attr",
            "attr": "x_tags.Owner",
            "op": "exists",
            "expected": True,
            "observed": tag_value,
        },
    ]
    evidence.append(
        {
            "kind": "any_item",
            "attr": "x_ingress",
            "matched": [{"cidr": "0.0.0.0/0", "from_port": 3306}],
            "matched_count": 1,
            "count": 3,
            "result": True,
        }
    )
    if status is Status.PASS:
        evidence.append(
            {
                "kind": "no_path",
                "from": rid,
                "via": ["in_subnet", "routed_by"],
                "to": "aws.ec2.internet_gateway",
            }
        )
    if status is Status.FAIL:
        evidence.append(
            {
                "kind": "path",
                "nodes": [rid, f"arn:aws:ec2:{region}:{account}:security-group/sg-1", "0.0.0.0/0"],
                "relations": ["protected_by", "open_to"],
            }
        )
    fp = hashlib.sha256(f"{policy['id']}|{rid}".encode("utf-8", "surrogatepass")).hexdigest()
    return Finding(
        policy_id=policy["id"],
        resource_id=rid,
        resource_type="aws.rds.db_cluster",
        resource_name=name,
        account=account,
        region=region,
        status=status,
        severity=severity,
        message=extra.pop("message", f"Cluster {name} is {status.value} for {policy['title']}"),
        evidence=tuple(evidence),
        remediation={"text": "do it", "cli": f"aws rds modify-db-cluster --id '{name}'"},
        fingerprint=fp,
        **extra,
    )


def resource_tags() -> dict[str, dict[str, str]]:
    """Tags of the first two hostile resources: a script as the owner, a place name."""
    tags = {
        arn(ACCOUNT, REGION, HOSTILE_NAMES[0]): {"Owner": XSS, "Environment": "prod", "x": "1"},
        arn(ACCOUNT, REGION, HOSTILE_NAMES[1]): {"owner": PLACE_TAG, "CostCenter": f"cc {XSS}"},
    }
    return dict(sorted(tags.items()))


def rich_result(*, errors: bool = True) -> ScanResult:
    findings: list[Finding] = []
    statuses = list(Status)
    for i, name in enumerate(HOSTILE_NAMES):
        for j, policy in enumerate(POLICIES):
            status = statuses[(i + j) % len(statuses)]
            extra: dict[str, Any] = {}
            if status is Status.WAIVED:
                extra["waiver"] = {
                    "policy": policy["id"],
                    "resource": name,
                    "reason": f"accepted {XSS}",
                    "owner": "dba-team@example.com",
                    "expires": "2027-01-31",
                }
            if status is Status.NOT_APPLICABLE:
                extra["reason"] = "inherited from cluster c1"
            if status is Status.UNKNOWN:
                extra["reason"] = "DescribeDBClusters AccessDenied in us-east-1"
            account, region = (ACCOUNT2, REGION2) if i % 3 == 2 else (ACCOUNT, REGION)
            findings.append(finding(policy, name, status, account=account, region=region, **extra))
    errs = (
        (
            CollectionError(
                account=ACCOUNT,
                region=REGION,
                service="rds",
                operation="DescribeDBClusterSnapshots",
                error_code="AccessDenied",
                message=f"User is not authorized {XSS}\nsecond line",
                resource_types=("aws.rds.db_cluster_snapshot",),
            ),
            CollectionError(
                account=ACCOUNT2,
                region="*",
                service="sts",
                operation="AssumeRole",
                error_code="AccessDenied",
                message="cannot assume role",
                resource_types=("aws.rds.db_cluster",),
            ),
        )
        if errors
        else ()
    )
    return ScanResult(
        scan={
            "accounts": [ACCOUNT, ACCOUNT2],
            "regions": [REGION, REGION2],
            "regions_skipped": [
                {"region": "ap-south-2", "reason": f"opt-in region not enabled {XSS}"}
            ],
            "caller_identity": {
                "Account": ACCOUNT,
                "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Scanner/session",
                "UserId": "AROAEXAMPLE:session",
            },
            "started_at": "2026-11-28T00:00:00Z",
            "finished_at": "2026-11-28T00:05:00Z",
            "collected_at": "2026-11-28T00:04:00Z",
            "command_line": "aurora-scan scan --region us-east-1 --output-dir out",
            "snapshot_sha256": "a" * 64,
            "policy_set_sha256": "b" * 64,
            "waivers_sha256": "c" * 64,
            "resource_tags": resource_tags(),
        },
        policies=tuple(POLICIES),
        findings=tuple(findings),
        errors=errs,
        waivers={
            "applied": [
                {
                    "policy": "aurora.cluster.encrypted",
                    "resource": HOSTILE_NAMES[0],
                    "reason": f"legacy {XSS}",
                    "owner": "dba-team",
                    "expires": "2027-01-31",
                }
            ],
            "expired": [
                {
                    "policy": "aurora.cluster.tags",
                    "resource": "old-cluster",
                    "reason": "was temporary",
                    "owner": "ops",
                    "expires": "2025-01-01",
                }
            ],
            "stale": [
                {
                    "policy": "aurora.cluster.backtrack",
                    "resource": "gone-cluster",
                    "reason": "cluster deleted",
                    "owner": "ops",
                    "expires": "2027-06-30",
                }
            ],
        },
    )


def clean_result() -> ScanResult:
    """Every finding PASS, no errors."""
    base = rich_result(errors=False)
    findings = tuple(finding(POLICIES[0], f"c{i}", Status.PASS) for i in range(3))
    return ScanResult(scan=base.scan, policies=base.policies, findings=findings)


def verb(status: Status) -> str:
    return "fails" if status is Status.FAIL else "meets"


def synthetic_result(clusters: int, *, accounts: int = 10, regions: int = 4) -> ScanResult:
    """A scale fixture: ``clusters`` clusters, each with 2 instances, evaluated by
    20 cluster policies and, for each of 3 instances, 10 instance policies (50 findings per cluster,
    so 10,000 clusters is ~500k findings)."""
    cluster_policies = [
        _policy(f"aurora.cluster.p{k:02d}", list(Severity)[k % 5], f"Cluster check {k}")
        for k in range(20)
    ]
    instance_policies = [
        {
            **_policy(f"aurora.instance.p{k:02d}", list(Severity)[k % 5], f"Instance check {k}"),
            "resource": ["aws.rds.db_instance"],
        }
        for k in range(10)
    ]
    for k, p in enumerate(cluster_policies):
        p["frameworks"] = [
            {"framework": "AWS FSBP", "requirement": f"RDS.{k}", "title": f"control {k}"},
            {"framework": "CIS AWS Foundations", "requirement": f"2.3.{k % 4}", "title": "rds"},
        ]
    findings: list[Finding] = []
    for c in range(clusters):
        account = f"{100000000000 + c % accounts:012d}"
        region = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"][c % regions]
        name = f"cluster-{c:05d}"
        cid = arn(account, region, name)
        for k, p in enumerate(cluster_policies):
            roll = (c * 31 + k * 7) % 100
            status = (
                Status.FAIL
                if roll < 12
                else Status.UNKNOWN
                if roll < 14
                else Status.WAIVED
                if roll < 16
                else Status.NOT_APPLICABLE
                if roll < 20
                else Status.PASS
            )
            findings.append(
                Finding(
                    policy_id=p["id"],
                    resource_id=cid,
                    resource_type="aws.rds.db_cluster",
                    resource_name=name,
                    account=account,
                    region=region,
                    status=status,
                    severity=Severity(p["severity"]),
                    message=f"Cluster {name} {verb(status)} {p['title']}",
                    evidence=(
                        {
                            "kind": "attr",
                            "attr": f"Attr{k}",
                            "op": "eq",
                            "expected": True,
                            "observed": status is not Status.FAIL,
                        },
                    ),
                    fingerprint=hashlib.sha256(f"{p['id']}|{cid}".encode()).hexdigest(),
                    reason="data missing" if status is Status.UNKNOWN else "",
                )
            )
        for m in range(3):
            iname = f"{name}-instance-{m}"
            iid = f"arn:aws:rds:{region}:{account}:db:{iname}"
            for p in instance_policies:
                findings.append(
                    Finding(
                        policy_id=p["id"],
                        resource_id=iid,
                        resource_type="aws.rds.db_instance",
                        resource_name=iname,
                        account=account,
                        region=region,
                        status=Status.NOT_APPLICABLE if m else Status.PASS,
                        severity=Severity(p["severity"]),
                        message=f"Instance {iname} checked",
                        reason=f"inherited from cluster {name}" if m else "",
                        fingerprint=hashlib.sha256(f"{p['id']}|{iid}".encode()).hexdigest(),
                    )
                )
    return ScanResult(
        scan={
            "accounts": sorted({f.account for f in findings}),
            "regions": ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"][:regions],
            "started_at": "2026-11-28T00:00:00Z",
            "finished_at": "2026-11-28T01:00:00Z",
            "command_line": "aurora-scan scan --org",
            "snapshot_sha256": "d" * 64,
            "policy_set_sha256": "e" * 64,
        },
        policies=tuple(cluster_policies + instance_policies),
        findings=tuple(findings),
    )
