"""Helpers for the policy engine tests: a valid base policy, writing policy dirs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

BASE_POLICY: dict[str, Any] = {
    "id": "test.cluster.deletion_protection",
    "title": "Cluster has deletion protection",
    "severity": "medium",
    "resource": "aws.rds.db_cluster",
    "scope": {"attr": "Engine", "op": "in", "value": ["aurora-mysql", "aurora-postgresql"]},
    "require": {"attr": "DeletionProtection", "op": "eq", "value": True},
    "message": "Cluster {DBClusterIdentifier} has DeletionProtection {DeletionProtection}",
    "remediation": {
        "text": "Turn it on.",
        "cli": "aws rds modify-db-cluster --db-cluster-identifier {DBClusterIdentifier} "
        "--deletion-protection",
    },
    "tests": [
        {
            "name": "protected passes",
            "resources": [
                {
                    "type": "aws.rds.db_cluster",
                    "id": "c1",
                    "DBClusterIdentifier": "c1",
                    "Engine": "aurora-mysql",
                    "DeletionProtection": True,
                }
            ],
            "expect": {"c1": "pass"},
        }
    ],
}


def write_policy(
    root: Path, doc: dict[str, Any] | str, *, area: str = "backup", name: str | None = None
) -> Path:
    """Write a policy file as <root>/<area>/<name or id>.yaml; ``doc`` may be raw text."""
    if name is None:
        name = doc["id"] if isinstance(doc, dict) else "test.cluster.deletion_protection"
    path = root / area / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


CliResult = tuple[int, str, str]
