"""Write the Terraform plan JSON files of tests/iac/corpus/terraform/.

terraform is not available where the tests run, so the plans are written in
the form `terraform show -json plan.out` gives (format 1.2: planned_values
with child_modules, resource_changes with after_unknown, configuration with
references and module_calls) for the resources of corpus/terraform/*.tf.
Run: python tests/iac/make_plans.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "corpus" / "terraform"
Row = tuple[str, dict[str, Any], dict[str, Any]]  # address, planned values, after_unknown
# Module call name -> its source (a local directory beside the plan).
MODULE_SOURCES = {
    "reporting": "./modules/reporting",
    # A registry module: no sources beside the plan.
    "fleet": "app.terraform.io/acme/aurora-fleet/aws",
}
PROVIDER = "registry.terraform.io/hashicorp/aws"
_INSTANCE_KEY = re.compile(r"\[[^\]]*\]$")
_MODULE = re.compile(r"module\.([^.\[]+)(\[[^\]]*\])?\.")

# Optional+Computed arguments of the AWS provider's schemas (those the mapping
# reads, plus a few it does not): omitted from the configuration, a real plan
# shows them "known after apply" (after_unknown true, absent from the planned
# values and from the configuration's expressions).
OPTIONAL_COMPUTED = {
    "aws_rds_cluster": (
        "availability_zones",
        "db_cluster_parameter_group_name",
        "db_subnet_group_name",
        "engine_lifecycle_support",
        "engine_version",
        "kms_key_id",
        "master_username",
        "port",
        "preferred_backup_window",
        "preferred_maintenance_window",
        "storage_encrypted",
        "vpc_security_group_ids",
    ),
    "aws_rds_cluster_instance": (
        "availability_zone",
        "ca_cert_identifier",
        "db_parameter_group_name",
        "db_subnet_group_name",
        "engine_version",
        "performance_insights_kms_key_id",
        "preferred_maintenance_window",
    ),
    "aws_rds_global_cluster": ("engine_lifecycle_support", "engine_version", "storage_encrypted"),
    "aws_subnet": ("availability_zone",),
}


def _split(address: str) -> dict[str, Any]:
    module = _module_address(address)
    local = address[len(module) + 1 :] if module else address
    type_, name = local.split(".", 1)
    out: dict[str, Any] = {"address": address, "mode": "managed", "type": type_, "name": name}
    key = _INSTANCE_KEY.search(name)
    if key:
        out["name"] = name[: key.start()]
        out["index"] = json.loads(key.group(0)[1:-1])
    if module:
        out["module_address"] = module
    return out


def _module_address(address: str) -> str:
    """``module.m["k"]`` of ``module.m["k"].aws_x.y`` (one level of modules here)."""
    match = _MODULE.match(address)
    return match.group(0)[:-1] if match else ""


def _module(address: str) -> str:
    match = _MODULE.match(address)
    return match.group(1) if match else ""


def _expressions(values: dict[str, Any]) -> dict[str, Any]:
    """The configuration expressions of literal arguments: ``constant_value``.

    Nested blocks (a parameter group's ``parameter``) are lists of expression
    objects, as `terraform show -json` writes them.
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out[name] = [_expressions(v) for v in value]
        else:
            out[name] = {"constant_value": value}
    return out


def _real_unknown(address: str, values: dict[str, Any], unknown: dict[str, Any]) -> dict[str, Any]:
    """``unknown`` plus the omitted Optional+Computed arguments a real plan marks unknown."""
    out = dict(unknown)
    for name in OPTIONAL_COMPUTED.get(_split(address)["type"], ()):
        if name not in values:
            out.setdefault(name, True)
    return out


def plan(
    resources: list[Row], expressions: dict[str, dict[str, Any]], configuration: bool = True
) -> dict[str, Any]:
    def planned(rows: list[Row]) -> list[dict[str, Any]]:
        return [
            {**_split(a), "provider_name": PROVIDER, "values": v, "sensitive_values": {}}
            for a, v, _ in rows
        ]

    def configured(rows: list[Row]) -> list[dict[str, Any]]:
        # One configuration block per resource, whatever count/for_each makes of it.
        out: dict[str, dict[str, Any]] = {}
        for a, v, _ in rows:
            module = _module_address(a)
            local = _INSTANCE_KEY.sub("", a[len(module) + 1 :] if module else a)
            config = _INSTANCE_KEY.sub("", _MODULE.sub(lambda m: f"module.{m.group(1)}.", a))
            block = {k: w for k, w in _split(local).items() if k != "index"}
            block["provider_config_key"] = "aws"
            block["expressions"] = {**_expressions(v), **expressions.get(config, {})}
            out.setdefault(local, block)
        return list(out.values())

    rows = [(a, v, _real_unknown(a, v, u)) for a, v, u in resources]
    root = [r for r in rows if not _module(r[0])]
    modules = sorted({_module_address(r[0]) for r in rows} - {""})
    calls = sorted({_module(r[0]) for r in rows} - {""})
    document: dict[str, Any] = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {
            "root_module": {
                "resources": planned(root),
                **(
                    {
                        "child_modules": [
                            {
                                "address": m,
                                "resources": planned(
                                    [r for r in rows if _module_address(r[0]) == m]
                                ),
                            }
                            for m in modules
                        ]
                    }
                    if modules
                    else {}
                ),
            }
        },
        "resource_changes": [
            {
                **_split(a),
                "provider_name": PROVIDER,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": v,
                    "after_unknown": u,
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
            for a, v, u in rows
        ],
    }
    if configuration:
        document["configuration"] = {
            "root_module": {
                "resources": configured(root),
                **(
                    {
                        "module_calls": {
                            m: {
                                "source": MODULE_SOURCES[m],
                                "module": {
                                    "resources": configured([r for r in rows if _module(r[0]) == m])
                                },
                            }
                            for m in calls
                        }
                    }
                    if calls
                    else {}
                ),
            }
        }
    return document


def ref(*references: str) -> dict[str, list[str]]:
    return {"references": list(references)}


def network(cidr: str, zones: tuple[str, ...], name: str) -> list[Row]:
    return [
        ("aws_vpc.main", {"cidr_block": f"{cidr}.0.0/16"}, {"id": True}),
        *(
            (
                f"aws_subnet.{zone}",
                {"cidr_block": f"{cidr}.{n}.0/24", "availability_zone": f"us-east-1{zone}"},
                {"id": True, "vpc_id": True},
            )
            for n, zone in enumerate(zones, 1)
        ),
        (
            "aws_security_group.db",
            {"name": "db", "description": "db", "ingress": [], "egress": []},
            {"id": True, "vpc_id": True},
        ),
        (
            "aws_db_subnet_group.db",
            {"name": f"{name}-subnets", "description": "db"},
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
        "db_cluster_parameter_group_name": ref(
            "aws_rds_cluster_parameter_group.db.name", "aws_rds_cluster_parameter_group.db"
        ),
    },
    "aws_rds_cluster_instance.writer": {
        "cluster_identifier": ref("aws_rds_cluster.db.id", "aws_rds_cluster.db"),
        "performance_insights_kms_key_id": ref("aws_kms_key.db.arn", "aws_kms_key.db"),
    },
    "aws_rds_cluster_instance.reader": {
        "cluster_identifier": ref("aws_rds_cluster.db.id", "aws_rds_cluster.db"),
        "performance_insights_kms_key_id": ref("aws_kms_key.db.arn", "aws_kms_key.db"),
    },
    "aws_security_group_rule.world": {
        "security_group_id": ref("aws_security_group.db.id", "aws_security_group.db")
    },
    "aws_security_group_rule.clients": {
        "security_group_id": ref("aws_security_group.db.id", "aws_security_group.db")
    },
    "aws_db_event_subscription.alerts": {
        "source_ids": ref("aws_rds_cluster.db.id", "aws_rds_cluster.db")
    },
    "aws_db_cluster_snapshot.before_upgrade": {
        "db_cluster_identifier": ref("aws_rds_cluster.db.id", "aws_rds_cluster.db")
    },
    "aws_route_table.public": {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")},
    "aws_route.half_default": {
        "route_table_id": ref("aws_route_table.public.id", "aws_route_table.public"),
        "gateway_id": ref("aws_internet_gateway.igw.id", "aws_internet_gateway.igw"),
    },
    "aws_route_table_association.public": {
        "route_table_id": ref("aws_route_table.public.id", "aws_route_table.public"),
        "subnet_id": ref("aws_subnet.a.id", "aws_subnet.a"),
    },
}
# The insecure estate's cluster names its subnet group literally and omits the
# rest (parameter group, key): only its security groups are references.
INSECURE_EXPRESSIONS = {
    **EXPRESSIONS,
    "aws_rds_cluster.db": {
        "vpc_security_group_ids": ref("aws_security_group.db.id", "aws_security_group.db")
    },
    "aws_rds_cluster_instance.writer": {
        "cluster_identifier": ref("aws_rds_cluster.db.id", "aws_rds_cluster.db")
    },
}
_INSTANCE = {"engine": "aurora-postgresql", "instance_class": "db.r6g.large"}
SECURE: list[Row] = [
    *network("10.0", ("a", "b"), "orders"),
    (
        "aws_security_group_rule.clients",
        {
            "type": "ingress",
            "protocol": "tcp",
            "from_port": 5433,
            "to_port": 5433,
            "cidr_blocks": ["10.0.0.0/16"],
        },
        {"security_group_id": True},
    ),
    (
        "aws_kms_key.db",
        {"description": "aurora", "is_enabled": True},
        {"arn": True, "key_id": True, "id": True},
    ),
    (
        "aws_rds_cluster_parameter_group.db",
        {
            "name": "orders-params",
            "family": "aurora-postgresql16",
            "description": "TLS only, DDL logged",
            "parameter": [
                {"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"},
                {"name": "log_statement", "value": "ddl", "apply_method": "immediate"},
            ],
        },
        {"id": True, "arn": True},
    ),
    (
        "aws_rds_cluster.db",
        {
            "cluster_identifier": "orders",
            "engine": "aurora-postgresql",
            "port": 5433,
            "master_username": "orders_admin",
            "manage_master_user_password": True,
            "storage_encrypted": True,
            "deletion_protection": True,
            "backup_retention_period": 14,
            "iam_database_authentication_enabled": True,
            "copy_tags_to_snapshot": True,
            "enabled_cloudwatch_logs_exports": ["postgresql"],
            "engine_lifecycle_support": "open-source-rds-extended-support-disabled",
            "tags": {"environment": "production", "owner": "payments"},
        },
        {
            "db_subnet_group_name": True,
            "vpc_security_group_ids": True,
            "kms_key_id": True,
            "db_cluster_parameter_group_name": True,
            "arn": True,
            "master_user_secret": True,
        },
    ),
    *(
        (
            f"aws_rds_cluster_instance.{role}",
            {
                **_INSTANCE,
                "identifier": f"orders-{n}",
                "availability_zone": f"us-east-1{zone}",
                "publicly_accessible": False,
                "auto_minor_version_upgrade": True,
                "monitoring_interval": 60,
                "performance_insights_enabled": True,
            },
            {"cluster_identifier": True, "performance_insights_kms_key_id": True},
        )
        for n, role, zone in ((1, "writer", "a"), (2, "reader", "b"))
    ),
    (
        "aws_db_event_subscription.alerts",
        {
            "name": "orders-alerts",
            "sns_topic": "arn:aws:sns:us-east-1:000000000000:db-alerts",
            "source_type": "db-cluster",
            "event_categories": ["failure", "maintenance"],
            "enabled": True,
        },
        {"source_ids": True, "arn": True},
    ),
    (
        "aws_rds_global_cluster.db",
        {
            "global_cluster_identifier": "orders-global",
            "engine": "aurora-postgresql",
            "storage_encrypted": True,
        },
        {"arn": True},
    ),
    (
        "aws_db_cluster_snapshot.before_upgrade",
        {"db_cluster_snapshot_identifier": "orders-before-upgrade", "tags": {"owner": "payments"}},
        {
            "db_cluster_identifier": True,
            "storage_encrypted": True,
            "kms_key_id": True,
            "engine": True,
        },
    ),
]
INSECURE: list[Row] = [
    *network("10.1", ("a",), "legacy"),
    ("aws_internet_gateway.igw", {}, {"id": True}),
    ("aws_route_table.public", {"route": []}, {"id": True, "vpc_id": True}),
    (
        "aws_route.half_default",
        {"destination_cidr_block": "0.0.0.0/1"},
        {"route_table_id": True, "gateway_id": True},
    ),
    ("aws_route_table_association.public", {}, {"route_table_id": True, "subnet_id": True}),
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
            "master_username": "admin",
            "storage_encrypted": False,
            "deletion_protection": False,
            "backup_retention_period": 1,
            "iam_database_authentication_enabled": False,
            "db_subnet_group_name": "legacy-subnets",
            "tags": {"env": "prod"},
        },
        {"vpc_security_group_ids": True, "arn": True},
    ),
    (
        "aws_rds_cluster_instance.writer",
        {
            "identifier": "legacy-1",
            "instance_class": "db.t3.medium",
            "engine": "aurora-mysql",
            "availability_zone": "us-east-1a",
            "publicly_accessible": True,
            "auto_minor_version_upgrade": False,
        },
        {"cluster_identifier": True},
    ),
    (
        "aws_rds_global_cluster.db",
        {"global_cluster_identifier": "legacy-global", "engine": "aurora-mysql"},
        {"arn": True},
    ),
    (
        "aws_db_cluster_snapshot.before_upgrade",
        {"db_cluster_snapshot_identifier": "legacy-before-upgrade"},
        {"db_cluster_identifier": True, "storage_encrypted": True, "engine": True},
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
        {"storage_encrypted": True, "port": True},
    ),
]
UNKNOWN_EXPRESSIONS = {
    "aws_rds_cluster.db": {
        "storage_encrypted": ref("module.kms.encrypted", "module.kms"),
        # Set, to a function of nothing the plan knows (no references).
        "port": {},
    }
}

# omitted.yaml as Terraform, three ways: a plain resource, one made by count,
# one in a registry module called with for_each.  Everything else omitted:
# a real plan shows the Optional+Computed arguments "known after apply".
_OMITTED = {"engine": "aurora-mysql"}
OMITTED: list[Row] = [
    ("aws_rds_cluster.omitted", {**_OMITTED, "cluster_identifier": "omitted"}, {"arn": True}),
    ("aws_rds_cluster.counted[0]", {**_OMITTED, "cluster_identifier": "counted-0"}, {"arn": True}),
    (
        'module.fleet["a"].aws_rds_cluster.this',
        {**_OMITTED, "cluster_identifier": "fleet-a"},
        {"arn": True},
    ),
]

# What neither estate above shows: the default VPC and its default security
# group, a MySQL cluster with auditing, TLS 1.2 and backtracking, Aurora
# Serverless v1, Performance Insights on the AWS managed key, a disabled event
# subscription, a global database taking its source's (lack of) encryption, a
# snapshot on the AWS managed key, and a cluster in a local child module.
EDGE_EXPRESSIONS = {
    "aws_default_subnet.a": {
        "vpc_id": ref("aws_default_vpc.default.id", "aws_default_vpc.default")
    },
    "aws_default_subnet.b": {
        "vpc_id": ref("aws_default_vpc.default.id", "aws_default_vpc.default")
    },
    "aws_db_subnet_group.default_vpc": {
        "subnet_ids": ref(
            "aws_default_subnet.a.id",
            "aws_default_subnet.a",
            "aws_default_subnet.b.id",
            "aws_default_subnet.b",
        )
    },
    "aws_rds_cluster.shared": {
        "db_subnet_group_name": ref(
            "aws_db_subnet_group.default_vpc.name", "aws_db_subnet_group.default_vpc"
        ),
        "vpc_security_group_ids": ref(
            "aws_default_vpc.default.default_security_group_id", "aws_default_vpc.default"
        ),
        "db_cluster_parameter_group_name": ref(
            "aws_rds_cluster_parameter_group.quiet.name", "aws_rds_cluster_parameter_group.quiet"
        ),
    },
    "aws_rds_cluster.audited": {
        "db_cluster_parameter_group_name": ref(
            "aws_rds_cluster_parameter_group.audited.name",
            "aws_rds_cluster_parameter_group.audited",
        ),
        "db_subnet_group_name": ref(
            "aws_db_subnet_group.default_vpc.name", "aws_db_subnet_group.default_vpc"
        ),
    },
    "aws_rds_cluster_instance.audited": {
        "cluster_identifier": ref("aws_rds_cluster.audited.id", "aws_rds_cluster.audited")
    },
    "aws_db_event_subscription.paused": {
        "source_ids": ref("aws_rds_cluster.audited.id", "aws_rds_cluster.audited")
    },
    "aws_rds_global_cluster.from_audited": {
        "source_db_cluster_identifier": ref(
            "aws_rds_cluster.audited.arn", "aws_rds_cluster.audited"
        )
    },
    "aws_db_cluster_snapshot.shared": {
        "db_cluster_identifier": ref("aws_rds_cluster.shared.id", "aws_rds_cluster.shared")
    },
    "aws_rds_cluster.weak": {
        "db_cluster_parameter_group_name": ref(
            "aws_rds_cluster_parameter_group.weak.name", "aws_rds_cluster_parameter_group.weak"
        ),
        "db_subnet_group_name": ref(
            "aws_db_subnet_group.prefix.name", "aws_db_subnet_group.prefix"
        ),
    },
    "aws_subnet.prefix": {"vpc_id": ref("aws_vpc.custom.id", "aws_vpc.custom")},
    "aws_route_table.prefix": {"vpc_id": ref("aws_vpc.custom.id", "aws_vpc.custom")},
    "aws_route.prefix": {
        "route_table_id": ref("aws_route_table.prefix.id", "aws_route_table.prefix"),
        "gateway_id": ref("aws_internet_gateway.igw.id", "aws_internet_gateway.igw"),
    },
    "aws_route_table_association.prefix": {
        "route_table_id": ref("aws_route_table.prefix.id", "aws_route_table.prefix"),
        "subnet_id": ref("aws_subnet.prefix.id", "aws_subnet.prefix"),
    },
    "aws_db_subnet_group.prefix": {"subnet_ids": ref("aws_subnet.prefix.id", "aws_subnet.prefix")},
    "aws_rds_cluster.tuned": {
        "db_cluster_parameter_group_name": ref(
            "aws_rds_cluster_parameter_group.quiet.name", "aws_rds_cluster_parameter_group.quiet"
        ),
    },
    "aws_rds_cluster_instance.tuned": {
        "cluster_identifier": ref("aws_rds_cluster.tuned.id", "aws_rds_cluster.tuned"),
        "db_parameter_group_name": ref(
            "aws_db_parameter_group.tuned.name", "aws_db_parameter_group.tuned"
        ),
    },
    "module.reporting.aws_rds_cluster.this": {},
}
EDGE: list[Row] = [
    ("aws_default_vpc.default", {"cidr_block": "172.31.0.0/16"}, {"id": True}),
    *(
        (
            f"aws_default_subnet.{zone}",
            {"availability_zone": f"us-east-1{zone}", "cidr_block": f"172.31.{n}.0/20"},
            {"id": True, "vpc_id": True},
        )
        for n, zone in ((0, "a"), (16, "b"))
    ),
    (
        "aws_db_subnet_group.default_vpc",
        {"name": "default-vpc-subnets", "description": "default VPC"},
        {"id": True, "subnet_ids": True},
    ),
    (
        "aws_rds_cluster_parameter_group.quiet",
        {
            "name": "quiet-params",
            "family": "aurora-postgresql16",
            "description": "no statement logging",
            "parameter": [{"name": "log_statement", "value": "none"}],
        },
        {"id": True, "arn": True},
    ),
    (
        "aws_rds_cluster.shared",
        {
            "cluster_identifier": "shared",
            "engine": "aurora-postgresql",
            "storage_encrypted": True,  # with the AWS managed key: no kms_key_id
        },
        {
            "db_subnet_group_name": True,
            "vpc_security_group_ids": True,
            "db_cluster_parameter_group_name": True,
            "arn": True,
        },
    ),
    (
        "aws_db_cluster_snapshot.shared",
        {"db_cluster_snapshot_identifier": "shared-manual"},
        {"db_cluster_identifier": True, "storage_encrypted": True, "kms_key_id": True},
    ),
    (
        "aws_rds_cluster_parameter_group.audited",
        {
            "name": "audited-params",
            "family": "aurora-mysql8.0",
            "description": "audit, TLS 1.2",
            "parameter": [
                {"name": "server_audit_logging", "value": "1", "apply_method": "immediate"},
                {"name": "server_audit_events", "value": "CONNECT,QUERY_DCL"},
                {"name": "tls_version", "value": "TLSv1.2"},
                {"name": "require_secure_transport", "value": "ON"},
            ],
        },
        {"id": True, "arn": True},
    ),
    (
        "aws_rds_cluster.audited",
        {
            "cluster_identifier": "audited",
            "engine": "aurora-mysql",
            "backtrack_window": 86400,
            "enabled_cloudwatch_logs_exports": ["audit", "error", "slowquery"],
        },
        {"db_cluster_parameter_group_name": True, "db_subnet_group_name": True, "arn": True},
    ),
    (
        "aws_rds_cluster_instance.audited",
        {
            "identifier": "audited-1",
            "engine": "aurora-mysql",
            "instance_class": "db.r6g.large",
            "performance_insights_enabled": True,  # no key: the AWS managed aws/rds key
        },
        {"cluster_identifier": True},
    ),
    (
        "aws_db_event_subscription.paused",
        {
            "name": "paused",
            "sns_topic": "arn:aws:sns:us-east-1:000000000000:db-alerts",
            "source_type": "db-cluster",
            "enabled": False,
        },
        {"source_ids": True, "arn": True},
    ),
    (
        "aws_rds_global_cluster.from_audited",
        {"global_cluster_identifier": "audited-global"},
        {"source_db_cluster_identifier": True, "storage_encrypted": True, "engine": True},
    ),
    (
        "aws_rds_cluster_parameter_group.weak",
        {
            "name": "weak-params",
            "family": "aurora-mysql8.0",
            "description": "TLS 1.1 allowed, no audit",
            "parameter": [
                {"name": "server_audit_logging", "value": "0"},
                {"name": "tls_version", "value": "TLSv1.1,TLSv1.2"},
            ],
        },
        {"id": True, "arn": True},
    ),
    # A custom VPC whose only internet route names a prefix list: still public.
    ("aws_vpc.custom", {"cidr_block": "10.3.0.0/16"}, {"id": True}),
    (
        "aws_subnet.prefix",
        {"cidr_block": "10.3.1.0/24", "availability_zone": "us-east-1a"},
        {"id": True, "vpc_id": True},
    ),
    ("aws_internet_gateway.igw", {}, {"id": True}),
    ("aws_route_table.prefix", {"route": []}, {"id": True, "vpc_id": True}),
    (
        "aws_route.prefix",
        {"destination_prefix_list_id": "pl-0123456789abcdef0"},
        {"route_table_id": True, "gateway_id": True},
    ),
    ("aws_route_table_association.prefix", {}, {"route_table_id": True, "subnet_id": True}),
    (
        "aws_db_subnet_group.prefix",
        {"name": "prefix-subnets", "description": "prefix list route"},
        {"id": True, "subnet_ids": True},
    ),
    (
        "aws_rds_cluster.weak",
        {"cluster_identifier": "weak", "engine": "aurora-mysql"},
        {"db_cluster_parameter_group_name": True, "db_subnet_group_name": True, "arn": True},
    ),
    # The cluster group logs nothing; the instance's DB parameter group overrides it.
    (
        "aws_db_parameter_group.tuned",
        {
            "name": "tuned-instance-params",
            "family": "aurora-postgresql16",
            "description": "DDL logged on this instance",
            "parameter": [{"name": "log_statement", "value": "ddl"}],
        },
        {"id": True, "arn": True},
    ),
    (
        "aws_rds_cluster.tuned",
        {"cluster_identifier": "tuned", "engine": "aurora-postgresql"},
        {"db_cluster_parameter_group_name": True, "arn": True},
    ),
    (
        "aws_rds_cluster_instance.tuned",
        {"identifier": "tuned-1", "engine": "aurora-postgresql", "instance_class": "db.r6g.large"},
        {"cluster_identifier": True, "db_parameter_group_name": True},
    ),
    (
        "aws_rds_cluster.v1",
        {"cluster_identifier": "v1", "engine": "aurora-mysql", "engine_mode": "serverless"},
        {"arn": True},
    ),
    (
        "module.reporting.aws_rds_cluster.this",
        {
            "cluster_identifier": "reporting",
            "engine": "aurora-postgresql",
            "storage_encrypted": True,
        },
        {"arn": True},
    ),
]


def main() -> None:
    for name, rows, expressions in (
        ("secure", SECURE, EXPRESSIONS),
        ("insecure", INSECURE, INSECURE_EXPRESSIONS),
        ("unknown", UNKNOWN, UNKNOWN_EXPRESSIONS),
        ("edge", EDGE, EDGE_EXPRESSIONS),
        ("omitted", OMITTED, {}),
    ):
        text = json.dumps(plan(rows, expressions), indent=1, sort_keys=True)
        (HERE / f"{name}.plan.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
