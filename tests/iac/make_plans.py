"""Write the Terraform plan JSON files of tests/iac/corpus/terraform/.

terraform is not available where the tests run, so the plans are written in
the form `terraform show -json plan.out` gives (format 1.2: planned_values,
resource_changes with after_unknown, configuration with references) for the
resources of corpus/terraform/main.tf.  Run: python tests/iac/make_plans.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "corpus" / "terraform"
Row = tuple[str, dict[str, Any], dict[str, Any]]  # address, planned values, after_unknown


def _split(address: str) -> dict[str, str]:
    kind, name = address.split(".")
    return {"address": address, "mode": "managed", "type": kind, "name": name}


def plan(resources: list[Row], expressions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {
            "root_module": {"resources": [{**_split(a), "values": v} for a, v, _ in resources]}
        },
        "resource_changes": [
            {**_split(a), "change": {"actions": ["create"], "after": v, "after_unknown": u}}
            for a, v, u in resources
        ],
        "configuration": {
            "root_module": {
                "resources": [
                    {**_split(a), "expressions": expressions.get(a, {})} for a, _, _ in resources
                ]
            }
        },
    }


def ref(*references: str) -> dict[str, list[str]]:
    return {"references": list(references)}


NETWORK: list[Row] = [
    ("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, {"id": True}),
    (
        "aws_subnet.a",
        {"cidr_block": "10.0.1.0/24", "availability_zone": "us-east-1a"},
        {"id": True, "vpc_id": True},
    ),
    (
        "aws_subnet.b",
        {"cidr_block": "10.0.2.0/24", "availability_zone": "us-east-1b"},
        {"id": True, "vpc_id": True},
    ),
    (
        "aws_security_group.db",
        {"name": "db", "description": "db", "ingress": [], "egress": []},
        {"id": True, "vpc_id": True},
    ),
    (
        "aws_db_subnet_group.db",
        {"name": "db-subnets", "description": "db"},
        {"id": True, "subnet_ids": True},
    ),
]
EXPRESSIONS = {
    "aws_subnet.a": {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")},
    "aws_subnet.b": {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")},
    "aws_security_group.db": {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")},
    "aws_db_subnet_group.db": {
        "subnet_ids": ref("aws_subnet.a.id", "aws_subnet.a", "aws_subnet.b.id", "aws_subnet.b")
    },
    "aws_rds_cluster.db": {
        "db_subnet_group_name": ref("aws_db_subnet_group.db.name", "aws_db_subnet_group.db"),
        "vpc_security_group_ids": ref("aws_security_group.db.id", "aws_security_group.db"),
        "kms_key_id": ref("aws_kms_key.db.arn", "aws_kms_key.db"),
    },
    "aws_rds_cluster_instance.writer": {
        "cluster_identifier": ref("aws_rds_cluster.db.id", "aws_rds_cluster.db")
    },
    "aws_security_group_rule.world": {
        "security_group_id": ref("aws_security_group.db.id", "aws_security_group.db")
    },
}
SECURE: list[Row] = [
    *NETWORK,
    (
        "aws_kms_key.db",
        {"description": "aurora", "is_enabled": True},
        {"arn": True, "key_id": True, "id": True},
    ),
    (
        "aws_rds_cluster.db",
        {
            "cluster_identifier": "orders",
            "engine": "aurora-postgresql",
            "storage_encrypted": True,
            "deletion_protection": True,
            "backup_retention_period": 14,
            "iam_database_authentication_enabled": True,
            "copy_tags_to_snapshot": True,
        },
        {
            "db_subnet_group_name": True,
            "vpc_security_group_ids": True,
            "kms_key_id": True,
            "arn": True,
        },
    ),
    (
        "aws_rds_cluster_instance.writer",
        {
            "identifier": "orders-1",
            "instance_class": "db.r6g.large",
            "engine": "aurora-postgresql",
            "publicly_accessible": False,
        },
        {"cluster_identifier": True},
    ),
]
INSECURE: list[Row] = [
    *NETWORK,
    (
        "aws_security_group_rule.world",
        {
            "type": "ingress",
            "protocol": "tcp",
            "from_port": 3306,
            "to_port": 3306,
            "cidr_blocks": ["0.0.0.0/0"],
        },
        {"security_group_id": True},
    ),
    (
        "aws_rds_cluster.db",
        {
            "cluster_identifier": "legacy",
            "engine": "aurora-mysql",
            "storage_encrypted": False,
            "deletion_protection": False,
            "backup_retention_period": 1,
            "iam_database_authentication_enabled": False,
            "db_subnet_group_name": "db-subnets",
        },
        {"vpc_security_group_ids": True, "arn": True},
    ),
    (
        "aws_rds_cluster_instance.writer",
        {
            "identifier": "legacy-1",
            "instance_class": "db.t3.medium",
            "engine": "aurora-mysql",
            "publicly_accessible": True,
        },
        {"cluster_identifier": True},
    ),
]
# storage_encrypted known only after apply (say, from a module output).
UNKNOWN: list[Row] = [
    (
        "aws_rds_cluster.db",
        {
            "cluster_identifier": "pending",
            "engine": "aurora-postgresql",
            "deletion_protection": True,
        },
        {"storage_encrypted": True},
    ),
]


def main() -> None:
    for name, rows in (("secure", SECURE), ("insecure", INSECURE), ("unknown", UNKNOWN)):
        text = json.dumps(plan(rows, EXPRESSIONS), indent=1, sort_keys=True)
        (HERE / f"{name}.plan.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
