"""AWS Backup: which RDS-family resources a backup plan protects."""

from __future__ import annotations

from scanner.collect.spec import Record, ResourceSpec


def _is_rds(record: Record) -> bool:
    # ListProtectedResources covers every service (EBS, S3, DynamoDB...); only
    # RDS-family ARNs (Aurora, Neptune and DocumentDB clusters) matter here.
    parts = str(record.get("ResourceArn", "")).split(":")
    return len(parts) > 2 and parts[2] == "rds"


SPECS = (
    ResourceSpec(
        type="aws.backup.protected_resource",
        service="backup",
        operation="ListProtectedResources",
        items_key="Results",
        # The protected resource is the cluster itself: a distinct id keeps
        # the backup record from colliding with the cluster's ARN in the graph.
        arn_format="backup:protected-resource:{ResourceArn}",
        keep=_is_rds,
    ),
)
