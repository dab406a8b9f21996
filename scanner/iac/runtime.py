"""Policies a template or plan cannot answer: they judge what only a running estate has.

Their findings on IaC are NOT_APPLICABLE with the reason "runtime only"
(rather than a FAIL for a certificate a template never names, or an UNKNOWN
that would make every pull request look incomplete).
"""

from __future__ import annotations

RUNTIME_ONLY: dict[str, str] = {
    "aurora.instance.ca_certificate_current": "certificate expiry dates come from the RDS API",
    "aurora.cluster.backup_plan": "AWS Backup protection is recorded by AWS Backup, not declared",
    "aurora.cluster.activity_stream": "activity streams are started on a running cluster",
    "aurora.cluster.activity_stream_kms_cmk": "activity streams are started on a running cluster",
    "aurora.cluster.engine_version_supported": "engine support dates come from the RDS API",
    "aurora.cluster.parameter_group_in_sync": "parameter group status exists on members only",
    "aurora.cluster.failover_capacity": "member roles (writer, readers) are decided at runtime",
    "aurora.cluster_snapshot.no_untrusted_share": "snapshot sharing applies to existing snapshots",
    "aurora.cluster_snapshot.not_public": "snapshot sharing applies to existing snapshots",
    # A template asks RDS to manage the password (ManageMasterUserPassword), which
    # master_password_managed judges; the secret's rotation dates exist once
    # Secrets Manager has created and rotated it.
    "aurora.cluster.master_secret_rotation": "secret rotation dates come from Secrets Manager",
}

REASON = "runtime only"
