"""The sample Aurora estate that `aurora-scan demo` and the end-to-end tests scan.

The estate is declared as data (``CLUSTERS``, ``SUBNET_GROUPS``, ...) and
seeded through the public AWS API with boto3 against one endpoint (a moto
server).  It is built so that every policy of the catalogue meets at least one
resource that passes and one that fails, and so that every severity shows up
with both verdicts.  What each resource is meant to show is written next to it;
``tests/e2e/expectations.py`` states the resulting (policy, resource, status)
triples.

Some facts cannot be set through moto's API (activity streams, Performance
Insights, AWS-managed keys, ...).  The specs state them too (e.g.
``ClusterSpec.activity_stream_key``) and ``scanner.demo.gaps.apply_estate_gaps``
writes them into the in-process moto backends after seeding.  Nothing here talks to real AWS:
every client gets fake credentials and the explicit endpoint.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
DR_REGION = "eu-west-1"
REGIONS = (REGION, DR_REGION)
FOREIGN_ACCOUNT = "999999999999"  # not part of the scanned organisation

# Fake credentials: moto accepts anything, and the demo never reads the
# user's own credentials or profile.
FAKE_CREDENTIALS = {
    "aws_access_key_id": "AKIAAURORASCANDEMO00",
    "aws_secret_access_key": "aurora-scan-demo-not-a-secret",
}

# Key references used in the specs below.
CMK = "cmk"  # customer-managed key (KeyManager CUSTOMER)
AWS_KEY = "aws"  # the aws/rds AWS-managed key

MYSQL_8 = "8.0.mysql_aurora.3.05.2"
MYSQL_57 = "5.7.mysql_aurora.2.11.2"  # past end of standard support (2024-10-31)
MYSQL_57_SERVERLESS = "5.7.mysql_aurora.2.08.3"
PG_15 = "15.4"
PG_16 = "16.4"
PG_11 = "11.9"  # past end of standard support (2024-02-29)

CA_CURRENT = "rds-ca-rsa2048-g1"  # valid until 2061
CA_EXPIRED = "rds-ca-2019"  # expired 2024-08-22


@dataclass(frozen=True)
class InstanceSpec:
    name: str
    az: str
    instance_class: str = "db.r6g.large"
    tier: int = 1
    public: bool = False
    monitoring_interval: int = 60
    performance_insights: str | None = CMK  # key ref, or None for off
    ca: str = CA_CURRENT
    auto_minor_version_upgrade: bool = True
    # DBClusterParameterGroupStatus reported for this member (moto: always in-sync)
    parameter_group_status: str = "in-sync"
    # The instance's own DB parameter group (DB_PARAMETER_GROUPS); None -> the
    # engine's default.* group, which overrides nothing.
    db_parameter_group: str | None = None


@dataclass(frozen=True)
class ClusterSpec:
    name: str
    engine: str
    version: str
    subnet_group: str
    security_groups: tuple[str, ...]
    port: int
    instances: tuple[InstanceSpec, ...] = ()
    region: str = REGION
    parameter_group: str | None = None
    key: str | None = CMK  # None -> not encrypted
    deletion_protection: bool = True
    backup_retention: int = 14
    backtrack: int = 0
    copy_tags: bool = True
    iam_auth: bool = True
    master_username: str = "dbmaster"
    managed_secret: bool = True
    rotate_secret: bool = True
    log_exports: tuple[str, ...] = ()
    auto_minor_version_upgrade: bool = True
    engine_mode: str = "provisioned"
    serverless_v2: bool = False
    global_cluster: str | None = None
    # A secondary of global_cluster: on AWS it has no writer member (gap helper).
    global_secondary: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    # Filled in by gap helpers (moto cannot represent them through its API).
    activity_stream_key: str | None = None  # key ref; None -> no activity stream
    lifecycle_support: str = "open-source-rds-extended-support-disabled"
    backup_protected: bool = False


@dataclass(frozen=True)
class SubnetSpec:
    name: str
    vpc: str
    cidr: str
    az: str
    route_table: str | None  # None -> no explicit association (main table applies)
    ipv6: bool = False


@dataclass(frozen=True)
class SecurityGroupSpec:
    name: str
    vpc: str
    # (protocol, from_port, to_port, source): source is a CIDR (IPv4 or IPv6)
    # or "sg:<name>" for a group reference.
    ingress: tuple[tuple[str, int, int, str], ...]
    description: str = ""


@dataclass(frozen=True)
class ParameterGroupSpec:
    name: str
    family: str
    parameters: Mapping[str, str]
    region: str = REGION


@dataclass(frozen=True)
class SnapshotSpec:
    name: str
    cluster: str
    shared_with: tuple[str, ...] = ()  # restore attribute values ("all" = public)
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass
class SeededEstate:
    """What the seeder created, with the facts the gap helpers still have to add."""

    endpoint_url: str
    account: str = ACCOUNT
    regions: tuple[str, ...] = REGIONS
    clusters: dict[str, str] = field(default_factory=dict)  # name -> ARN
    instances: dict[str, str] = field(default_factory=dict)  # name -> ARN
    snapshots: dict[str, str] = field(default_factory=dict)
    parameter_groups: dict[str, str] = field(default_factory=dict)
    db_parameter_groups: dict[str, str] = field(default_factory=dict)  # name@region -> ARN
    keys: dict[str, str] = field(default_factory=dict)  # key ref -> key ARN
    key_ids: dict[str, str] = field(default_factory=dict)  # key ref -> key id
    security_groups: dict[str, str] = field(default_factory=dict)  # name -> sg id
    subnets: dict[str, str] = field(default_factory=dict)
    vpcs: dict[str, str] = field(default_factory=dict)
    global_clusters: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------

# name -> (region, CIDR, internet gateway?, IPv6?)
VPCS: dict[str, tuple[str, str, bool, bool]] = {
    "prod": (REGION, "10.0.0.0/16", True, True),
    "legacy": (REGION, "172.20.0.0/16", True, False),
    "dr": (DR_REGION, "10.50.0.0/16", False, False),
}

# name -> (vpc, routes); a route is (destination, target) with target "igw"
# or "nat".  "main:<vpc>" names a VPC's main route table.
ROUTE_TABLES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "prod-public": ("prod", (("0.0.0.0/0", "igw"),)),
    "prod-private": ("prod", (("0.0.0.0/0", "nat"),)),
    # IPv4 leaves through the NAT, but IPv6 goes straight to the internet gateway.
    "prod-dualstack": ("prod", (("0.0.0.0/0", "nat"), ("::/0", "igw"))),
    # The legacy VPC's main table routes to the internet: every subnet without
    # an explicit association is public.
    "main:legacy": ("legacy", (("0.0.0.0/0", "igw"),)),
}

SUBNETS: tuple[SubnetSpec, ...] = (
    SubnetSpec("prod-public-a", "prod", "10.0.0.0/24", "us-east-1a", "prod-public"),
    SubnetSpec("prod-public-b", "prod", "10.0.1.0/24", "us-east-1b", "prod-public"),
    SubnetSpec("prod-private-a", "prod", "10.0.10.0/24", "us-east-1a", "prod-private"),
    SubnetSpec("prod-private-b", "prod", "10.0.11.0/24", "us-east-1b", "prod-private"),
    SubnetSpec("prod-private-c", "prod", "10.0.12.0/24", "us-east-1c", "prod-private"),
    SubnetSpec("prod-private-a2", "prod", "10.0.13.0/24", "us-east-1a", "prod-private"),
    SubnetSpec("prod-dualstack-a", "prod", "10.0.20.0/24", "us-east-1a", "prod-dualstack", True),
    SubnetSpec("prod-dualstack-b", "prod", "10.0.21.0/24", "us-east-1b", "prod-dualstack", True),
    # No explicit association: the prod VPC's main table (local route only).
    SubnetSpec("prod-internal-a", "prod", "10.0.30.0/24", "us-east-1a", None),
    SubnetSpec("prod-internal-b", "prod", "10.0.31.0/24", "us-east-1b", None),
    # No explicit association: the legacy VPC's main table routes to the igw.
    SubnetSpec("legacy-a", "legacy", "172.20.1.0/24", "us-east-1a", None),
    SubnetSpec("legacy-b", "legacy", "172.20.2.0/24", "us-east-1b", None),
    SubnetSpec("dr-a", "dr", "10.50.1.0/24", "eu-west-1a", None),
    SubnetSpec("dr-b", "dr", "10.50.2.0/24", "eu-west-1b", None),
)

# name -> (region, subnets); "default:<region>" subnets are the default VPC's.
SUBNET_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "prod-private": (REGION, ("prod-private-a", "prod-private-b", "prod-private-c")),
    # Two subnets, one AZ: a zone outage takes the whole cluster down.
    "prod-private-one-az": (REGION, ("prod-private-a", "prod-private-a2")),
    "prod-public": (REGION, ("prod-public-a", "prod-public-b")),
    "prod-dualstack": (REGION, ("prod-dualstack-a", "prod-dualstack-b")),
    "prod-internal": (REGION, ("prod-internal-a", "prod-internal-b")),
    "legacy-public": (REGION, ("legacy-a", "legacy-b")),
    "default-vpc": (REGION, ("default:us-east-1",)),
    "dr-private": (DR_REGION, ("dr-a", "dr-b")),
}

SECURITY_GROUPS: tuple[SecurityGroupSpec, ...] = (
    SecurityGroupSpec("app-tier", "prod", (("tcp", 443, 443, "0.0.0.0/0"),), "application servers"),
    SecurityGroupSpec(
        "orders-db",
        "prod",
        (("tcp", 3307, 3307, "sg:app-tier"), ("tcp", 3307, 3307, "10.0.0.0/16")),
        "MySQL from the app tier and the VPC only",
    ),
    SecurityGroupSpec(
        "payments-db", "prod", (("tcp", 5433, 5433, "sg:app-tier"),), "PostgreSQL from the app tier"
    ),
    SecurityGroupSpec(
        "billing-db", "prod", (("tcp", 3306, 3306, "10.0.0.0/16"),), "MySQL from the VPC"
    ),
    # A port range from anywhere that happens to cover 3306.
    SecurityGroupSpec(
        "crm-db-wide", "prod", (("tcp", 3000, 4000, "0.0.0.0/0"),), "temporary vendor access"
    ),
    # IPv6 world ingress on the PostgreSQL port.
    SecurityGroupSpec("analytics-db-v6", "prod", (("tcp", 5432, 5432, "::/0"),), "BI tools"),
    # World access on SSH only: not world access to the database port.
    SecurityGroupSpec(
        "audit-db-ssh",
        "prod",
        (("tcp", 22, 22, "0.0.0.0/0"), ("tcp", 3307, 3307, "10.0.0.0/16")),
        "bastion SSH and MySQL from the VPC",
    ),
    # Protocol -1 (every port) from anywhere.
    SecurityGroupSpec("legacy-open", "legacy", (("-1", 0, 0, "0.0.0.0/0"),), "legacy, open"),
    SecurityGroupSpec("dr-db", "dr", (("tcp", 3306, 3306, "10.50.0.0/16"),), "MySQL from the VPC"),
)


# ---------------------------------------------------------------------------
# Parameter groups
# ---------------------------------------------------------------------------

PARAMETER_GROUPS: tuple[ParameterGroupSpec, ...] = (
    # TLS enforced with ON, modern TLS only, advanced auditing on.
    ParameterGroupSpec(
        "mysql8-hardened",
        "aurora-mysql8.0",
        {
            "require_secure_transport": "ON",
            "tls_version": "TLSv1.2,TLSv1.3",
            "server_audit_logging": "1",
            "server_audit_events": "CONNECT,QUERY_DCL,QUERY_DDL",
        },
    ),
    # TLS enforced with 1 (same meaning as ON), auditing on.
    ParameterGroupSpec(
        "mysql8-tls-numeric",
        "aurora-mysql8.0",
        {
            "require_secure_transport": "1",
            "tls_version": "TLSv1.2",
            "server_audit_logging": "1",
            "server_audit_events": "CONNECT",
        },
    ),
    # TLS enforced but TLSv1/1.1 still allowed; audit logging on with no events.
    ParameterGroupSpec(
        "mysql8-legacy-tls",
        "aurora-mysql8.0",
        {
            "require_secure_transport": "ON",
            "tls_version": "TLSv1,TLSv1.1,TLSv1.2",
            "server_audit_logging": "1",
            "server_audit_events": "",
        },
    ),
    # TLS not enforced, auditing off.
    ParameterGroupSpec(
        "mysql8-permissive",
        "aurora-mysql8.0",
        {
            "require_secure_transport": "OFF",
            "tls_version": "TLSv1.2",
            "server_audit_logging": "0",
        },
    ),
    ParameterGroupSpec(
        "pg15-hardened",
        "aurora-postgresql15",
        {
            "rds.force_ssl": "1",
            "shared_preload_libraries": "pg_stat_statements,pgaudit",
            "log_statement": "ddl",
        },
    ),
    ParameterGroupSpec(
        "pg16-hardened",
        "aurora-postgresql16",
        {"rds.force_ssl": "1", "log_min_duration_statement": "1000"},
    ),
    ParameterGroupSpec(
        "pg15-permissive",
        "aurora-postgresql15",
        {"rds.force_ssl": "0", "log_statement": "none", "log_min_duration_statement": "-1"},
    ),
    # AWS ships default.* groups in every account; moto has none, so the
    # estate creates the ones its clusters use (with no parameter set,
    # like an untouched default group).
    ParameterGroupSpec("default.aurora-mysql5.7", "aurora-mysql5.7", {}),
    ParameterGroupSpec("default.aurora-mysql5.7", "aurora-mysql5.7", {}, region=DR_REGION),
    ParameterGroupSpec("default.aurora-postgresql11", "aurora-postgresql11", {}),
    ParameterGroupSpec("default.neptune1.3", "neptune1.3", {}),
)


# Instance-level DB parameter groups: a parameter a user sets here overrides the
# cluster parameter group on the instances that use the group.
DB_PARAMETER_GROUPS: tuple[ParameterGroupSpec, ...] = (
    # A reader tuned on its own, whose statement logging was switched off with it.
    ParameterGroupSpec(
        "pg15-reader-quiet",
        "aurora-postgresql15",
        {"log_statement": "none", "work_mem": "65536"},
    ),
)


# ---------------------------------------------------------------------------
# Clusters
# ---------------------------------------------------------------------------

MYSQL_LOGS = ("audit", "error", "slowquery")


def _tags(env: str, owner: str | None, **extra: str) -> dict[str, str]:
    tags = {"environment": env, **extra}
    if owner is not None:
        tags["owner"] = owner
    return tags


CLUSTERS: tuple[ClusterSpec, ...] = (
    # The reference cluster: every control passes.
    ClusterSpec(
        name="orders-prod",
        engine="aurora-mysql",
        version=MYSQL_8,
        subnet_group="prod-private",
        security_groups=("orders-db",),
        port=3307,
        parameter_group="mysql8-hardened",
        backtrack=86400,
        log_exports=("audit", "error", "general", "slowquery"),
        master_username="orders_owner",
        tags=_tags("production", "team-orders", **{"cost-center": "cc-101"}),
        instances=(
            InstanceSpec("orders-prod-1", "us-east-1a", tier=0),
            InstanceSpec("orders-prod-2", "us-east-1b", tier=1),
        ),
        activity_stream_key=CMK,
        backup_protected=True,
    ),
    # PostgreSQL reference cluster, primary of an encrypted global database.
    ClusterSpec(
        name="payments-prod",
        engine="aurora-postgresql",
        version=PG_15,
        subnet_group="prod-private",
        security_groups=("payments-db",),
        port=5433,
        parameter_group="pg15-hardened",
        log_exports=("postgresql",),
        master_username="payments_owner",
        global_cluster="payments-global",
        tags=_tags("production", "team-payments"),
        instances=(
            InstanceSpec("payments-prod-1", "us-east-1a", tier=0),
            InstanceSpec("payments-prod-2", "us-east-1b", tier=0),
            InstanceSpec("payments-prod-3", "us-east-1c", "db.r6g.medium", tier=15),
        ),
        activity_stream_key=CMK,
        backup_protected=True,
    ),
    # Good settings, but everything is encrypted with the AWS-managed key and
    # the reader sits in the writer's AZ.
    ClusterSpec(
        name="inventory-prod",
        engine="aurora-mysql",
        version=MYSQL_8,
        subnet_group="prod-private",
        security_groups=("orders-db",),
        port=3307,
        parameter_group="mysql8-tls-numeric",
        key=AWS_KEY,
        backup_retention=7,
        backtrack=3600,
        log_exports=MYSQL_LOGS,
        master_username="inventory_owner",
        tags=_tags("production", "team-inventory"),
        instances=(
            InstanceSpec("inventory-prod-1", "us-east-1a", tier=0, performance_insights=AWS_KEY),
            InstanceSpec("inventory-prod-2", "us-east-1a", tier=1, performance_insights=AWS_KEY),
        ),
        activity_stream_key=AWS_KEY,
        backup_protected=True,
    ),
    # Staging PostgreSQL left wide open: IPv6 route to the internet, ::/0
    # ingress on 5432, public instance, TLS off, default admin name.
    ClusterSpec(
        name="analytics-staging",
        engine="aurora-postgresql",
        version=PG_15,
        subnet_group="prod-dualstack",
        security_groups=("analytics-db-v6",),
        port=5432,
        parameter_group="pg15-permissive",
        deletion_protection=False,
        backup_retention=6,
        master_username="postgres",
        managed_secret=False,
        log_exports=(),
        tags=_tags("staging", None, team="analytics"),
        instances=(
            InstanceSpec("analytics-staging-1", "us-east-1a", "db.r6g.xlarge", tier=0, public=True),
            InstanceSpec("analytics-staging-2", "us-east-1b", "db.r6g.large", tier=1),
        ),
    ),
    # A forgotten 5.7 cluster: unencrypted, internet-reachable, default
    # parameter group, expired CA, on extended support.  Primary of an
    # unencrypted global database.
    ClusterSpec(
        name="legacy-reporting",
        engine="aurora-mysql",
        version=MYSQL_57,
        subnet_group="legacy-public",
        security_groups=("legacy-open",),
        port=3306,
        parameter_group="default.aurora-mysql5.7",
        key=None,
        deletion_protection=False,
        backup_retention=1,
        copy_tags=False,
        iam_auth=False,
        master_username="admin",
        managed_secret=False,
        auto_minor_version_upgrade=False,
        global_cluster="reporting-global",
        tags={"team": "bi"},
        instances=(
            InstanceSpec(
                "legacy-reporting-1",
                "us-east-1a",
                "db.r5.large",
                tier=1,
                public=True,
                monitoring_interval=0,
                performance_insights=None,
                ca=CA_EXPIRED,
                auto_minor_version_upgrade=False,
            ),
        ),
        lifecycle_support="open-source-rds-extended-support",
    ),
    # Dev PostgreSQL 11 in the default VPC with the default security group.
    ClusterSpec(
        name="search-dev",
        engine="aurora-postgresql",
        version=PG_11,
        subnet_group="default-vpc",
        security_groups=("default:us-east-1",),
        port=5432,
        parameter_group="default.aurora-postgresql11",
        key=AWS_KEY,
        deletion_protection=False,
        backup_retention=1,
        master_username="root",
        managed_secret=False,
        iam_auth=False,
        tags=_tags("dev", "team-search"),
        instances=(
            InstanceSpec(
                "search-dev-1",
                "us-east-1a",
                "db.t4g.medium",
                tier=1,
                monitoring_interval=0,
                performance_insights=None,
            ),
        ),
        lifecycle_support="open-source-rds-extended-support",
    ),
    # Production on burstable instances in one AZ, a member waiting for a
    # reboot to pick up its parameter group, one member without minor upgrades.
    ClusterSpec(
        name="billing-prod",
        engine="aurora-mysql",
        version=MYSQL_8,
        subnet_group="prod-private-one-az",
        security_groups=("billing-db",),
        port=3306,
        parameter_group="mysql8-legacy-tls",
        backtrack=0,
        log_exports=("error",),
        master_username="billing_owner",
        tags=_tags("production", "team-billing"),
        instances=(
            InstanceSpec("billing-prod-1", "us-east-1a", "db.t3.medium", tier=0),
            InstanceSpec(
                "billing-prod-2",
                "us-east-1a",
                "db.t3.medium",
                tier=1,
                auto_minor_version_upgrade=False,
                parameter_group_status="pending-reboot",
            ),
        ),
    ),
    # Aurora Serverless v1 (retired).
    ClusterSpec(
        name="sessions-serverless",
        engine="aurora-mysql",
        version=MYSQL_57_SERVERLESS,
        subnet_group="prod-private",
        security_groups=("orders-db",),
        port=3307,
        parameter_group="default.aurora-mysql5.7",
        engine_mode="serverless",
        master_username="sessions_owner",
        tags=_tags("production", "team-web"),
    ),
    # Serverless v2 with writer and reader in two AZs; subnets take the VPC's
    # (private) main route table.
    ClusterSpec(
        name="catalog-v2",
        engine="aurora-postgresql",
        version=PG_16,
        subnet_group="prod-internal",
        security_groups=("payments-db",),
        port=5433,
        parameter_group="pg16-hardened",
        serverless_v2=True,
        log_exports=("postgresql",),
        master_username="catalog_owner",
        tags=_tags("production", "team-catalog"),
        instances=(
            InstanceSpec("catalog-v2-1", "us-east-1a", "db.serverless", tier=0),
            InstanceSpec("catalog-v2-2", "us-east-1b", "db.serverless", tier=1),
        ),
        backup_protected=True,
    ),
    # Managed password whose rotation was never turned on; no backup plan;
    # the only reader is in promotion tier 5, and its own DB parameter group
    # turns off the statement logging the cluster parameter group sets.
    ClusterSpec(
        name="ledger-prod",
        engine="aurora-postgresql",
        version=PG_15,
        subnet_group="prod-private",
        security_groups=("payments-db",),
        port=5433,
        parameter_group="pg15-hardened",
        rotate_secret=False,
        log_exports=("postgresql",),
        master_username="ledger_owner",
        tags=_tags("production", "team-finance"),
        instances=(
            InstanceSpec("ledger-prod-1", "us-east-1a", tier=0),
            InstanceSpec(
                "ledger-prod-2", "us-east-1b", tier=5, db_parameter_group="pg15-reader-quiet"
            ),
        ),
    ),
    # Private, but its security group opens 3000-4000 to the world.
    ClusterSpec(
        name="crm-prod",
        engine="aurora-mysql",
        version=MYSQL_8,
        subnet_group="prod-private",
        security_groups=("crm-db-wide",),
        port=3306,
        parameter_group="mysql8-permissive",
        log_exports=MYSQL_LOGS,
        master_username="master",
        tags=_tags("production", "team-crm"),
        instances=(
            InstanceSpec("crm-prod-1", "us-east-1a", tier=0),
            InstanceSpec("crm-prod-2", "us-east-1b", tier=1),
        ),
    ),
    # Publicly accessible in a public subnet, but only SSH is open to the world.
    ClusterSpec(
        name="audit-prod",
        engine="aurora-mysql",
        version=MYSQL_8,
        subnet_group="prod-public",
        security_groups=("audit-db-ssh",),
        port=3307,
        parameter_group="mysql8-hardened",
        backtrack=86400,
        log_exports=MYSQL_LOGS,
        master_username="audit_owner",
        tags=_tags("production", "team-security"),
        instances=(
            InstanceSpec("audit-prod-1", "us-east-1a", tier=0, public=True),
            InstanceSpec("audit-prod-2", "us-east-1b", tier=1),
        ),
    ),
    # Secondary region of the unencrypted reporting global database: two
    # readers in two AZs and, as on AWS, no writer member.
    ClusterSpec(
        name="reports-eu",
        engine="aurora-mysql",
        version=MYSQL_57,
        region=DR_REGION,
        subnet_group="dr-private",
        security_groups=("dr-db",),
        port=3306,
        parameter_group="default.aurora-mysql5.7",
        key=None,
        managed_secret=False,
        global_cluster="reporting-global",
        global_secondary=True,
        master_username="reports_owner",
        tags=_tags("production", "team-bi"),
        instances=(
            InstanceSpec("reports-eu-1", "eu-west-1a", tier=0),
            InstanceSpec("reports-eu-2", "eu-west-1b", tier=1),
        ),
        lifecycle_support="open-source-rds-extended-support",
    ),
)

# Not Aurora: DescribeDBClusters returns it too, every policy must say NOT_APPLICABLE.
NEPTUNE_CLUSTER = "knowledge-graph"

# name -> (encrypted, engine, version)
GLOBAL_CLUSTERS: dict[str, tuple[bool, str, str]] = {
    "payments-global": (True, "aurora-postgresql", PG_15),
    "reporting-global": (False, "aurora-mysql", MYSQL_57),
}

SNAPSHOTS: tuple[SnapshotSpec, ...] = (
    SnapshotSpec("orders-prod-manual", "orders-prod", tags=_tags("production", "team-orders")),
    # Public: anyone can restore it.
    SnapshotSpec("legacy-reporting-final", "legacy-reporting", shared_with=("all",)),
    # Shared with an account outside the organisation, AWS-managed key.
    SnapshotSpec(
        "inventory-prod-pre-upgrade",
        "inventory-prod",
        shared_with=(FOREIGN_ACCOUNT,),
        tags=_tags("production", "team-inventory"),
    ),
    # Shared with the scanned account itself (trusted).
    SnapshotSpec(
        "payments-prod-audit-copy",
        "payments-prod",
        shared_with=(ACCOUNT,),
        tags=_tags("production", "team-payments"),
    ),
)

# (name, categories, source ids, enabled)
EVENT_SUBSCRIPTIONS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], bool], ...] = (
    (
        "dba-oncall",
        ("failure", "maintenance", "failover"),
        ("orders-prod", "payments-prod", "inventory-prod", "catalog-v2", "audit-prod", "crm-prod"),
        True,
    ),
    # Every cluster, every category, but switched off.
    ("all-clusters-muted", (), (), False),
    # Every cluster, but only notifications.
    ("release-notes", ("notification",), (), True),
)


# ---------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------


@contextmanager
def isolated_aws_config() -> Iterator[None]:
    """Hide the user's AWS profile and config files from boto3 for a while.

    A stray ``AWS_PROFILE`` naming a profile that does not exist would make
    boto3 fail before any request; the demo needs none of it.  Only this
    process's environment changes, and it is restored on exit.
    """
    overrides = {
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    removed = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL")
    # The embedded server is on 127.0.0.1: never send its traffic to a proxy.
    for name in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(name, "")
        overrides[name] = ",".join(p for p in (current, "127.0.0.1", "localhost") if p)
    saved = {k: os.environ.get(k) for k in (*overrides, *removed)}
    os.environ.update(overrides)
    for name in removed:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Clients:
    """boto3 clients for one endpoint, one per (service, region), fake credentials."""

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        core = botocore.session.Session()
        # Never read the user's config or credentials files.
        core.set_config_variable("config_file", os.devnull)
        core.set_config_variable("credentials_file", os.devnull)
        self._session = boto3.session.Session(botocore_session=core, **FAKE_CREDENTIALS)
        self._cache: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str = REGION) -> Any:
        key = (service, region)
        if key not in self._cache:
            self._cache[key] = self._session.client(
                service, region_name=region, endpoint_url=self.endpoint_url
            )
        return self._cache[key]


def client_factory(endpoint_url: str) -> _Clients:
    """Clients for ``endpoint_url`` with fake credentials: ``clients("rds", region)``."""
    return _Clients(endpoint_url)


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


# Called after each seeding step with (step, steps done, steps in all): the
# demo's progress line.  Any seeder keeps the same contract.
SeedProgress = Callable[[str, int, int], None]


def seed_estate(endpoint_url: str, on_step: SeedProgress | None = None) -> SeededEstate:
    """Create the whole sample estate on the moto server at ``endpoint_url``."""
    clients = _Clients(endpoint_url)
    estate = SeededEstate(endpoint_url=endpoint_url)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("keys", lambda: _seed_keys(clients, estate)),
        ("network", lambda: _seed_network(clients, estate)),
        ("parameter groups", lambda: _seed_parameter_groups(clients, estate)),
        ("subnet groups", lambda: _seed_subnet_groups(clients, estate)),
        ("global clusters", lambda: _seed_global_clusters(clients, estate)),
        *(
            (f"cluster {spec.name}", functools.partial(_seed_cluster, clients, estate, spec))
            for spec in CLUSTERS
        ),
        ("neptune", lambda: _seed_neptune(clients, estate)),
        ("snapshots", lambda: _seed_snapshots(clients, estate)),
        ("event subscriptions", lambda: _seed_event_subscriptions(clients, estate)),
    ]
    for number, (name, step) in enumerate(steps, start=1):
        step()
        if on_step is not None:
            on_step(name, number, len(steps))
    return estate


def _seed_keys(clients: _Clients, estate: SeededEstate) -> None:
    for region in REGIONS:
        kms = clients("kms", region)
        key = kms.create_key(
            Description="Aurora production data key",
            Tags=[{"TagKey": "owner", "TagValue": "platform-security"}],
        )["KeyMetadata"]
        kms.create_alias(AliasName="alias/aurora-prod", TargetKeyId=key["KeyId"])
        kms.enable_key_rotation(KeyId=key["KeyId"])
        # aws/rds exists lazily in AWS and in moto: describing it creates it.
        aws = kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]
        suffix = "" if region == REGION else f"@{region}"
        estate.keys[CMK + suffix] = key["Arn"]
        estate.key_ids[CMK + suffix] = key["KeyId"]
        estate.keys[AWS_KEY + suffix] = aws["Arn"]
        estate.key_ids[AWS_KEY + suffix] = aws["KeyId"]


def _key_arn(estate: SeededEstate, ref: str | None, region: str) -> str | None:
    if ref is None:
        return None
    return estate.keys[ref if region == REGION else f"{ref}@{region}"]


def _seed_network(clients: _Clients, estate: SeededEstate) -> None:
    igws: dict[str, str] = {}
    nats: dict[str, str] = {}
    for name, (region, cidr, with_igw, ipv6) in VPCS.items():
        ec2 = clients("ec2", region)
        vpc = ec2.create_vpc(
            CidrBlock=cidr,
            AmazonProvidedIpv6CidrBlock=ipv6,
            TagSpecifications=[{"ResourceType": "vpc", "Tags": _tag_list({"Name": name})}],
        )["Vpc"]
        estate.vpcs[name] = vpc["VpcId"]
        if with_igw:
            igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
            ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc["VpcId"])
            igws[name] = igw

    for spec in SUBNETS:
        region = VPCS[spec.vpc][0]
        ec2 = clients("ec2", region)
        subnet = ec2.create_subnet(
            VpcId=estate.vpcs[spec.vpc],
            CidrBlock=spec.cidr,
            AvailabilityZone=spec.az,
            TagSpecifications=[{"ResourceType": "subnet", "Tags": _tag_list({"Name": spec.name})}],
        )["Subnet"]
        estate.subnets[spec.name] = subnet["SubnetId"]

    # The NAT gateway lives in the first public subnet of the prod VPC.
    ec2 = clients("ec2", REGION)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nats["prod"] = ec2.create_nat_gateway(
        SubnetId=estate.subnets["prod-public-a"], AllocationId=eip
    )["NatGateway"]["NatGatewayId"]

    tables: dict[str, str] = {}
    for table_name, (vpc_name, routes) in ROUTE_TABLES.items():
        ec2 = clients("ec2", VPCS[vpc_name][0])
        vpc_id = estate.vpcs[vpc_name]
        if table_name.startswith("main:"):
            table_id = ec2.describe_route_tables(
                Filters=[
                    {"Name": "vpc-id", "Values": [vpc_id]},
                    {"Name": "association.main", "Values": ["true"]},
                ]
            )["RouteTables"][0]["RouteTableId"]
        else:
            table_id = ec2.create_route_table(
                VpcId=vpc_id,
                TagSpecifications=[
                    {"ResourceType": "route-table", "Tags": _tag_list({"Name": table_name})}
                ],
            )["RouteTable"]["RouteTableId"]
        tables[table_name] = table_id
        for destination, target in routes:
            route: dict[str, str] = {"RouteTableId": table_id}
            route["DestinationIpv6CidrBlock" if ":" in destination else "DestinationCidrBlock"] = (
                destination
            )
            if target == "igw":
                route["GatewayId"] = igws[vpc_name]
            else:
                route["NatGatewayId"] = nats[vpc_name]
            ec2.create_route(**route)

    for spec in SUBNETS:
        if spec.route_table is not None:
            clients("ec2", VPCS[spec.vpc][0]).associate_route_table(
                RouteTableId=tables[spec.route_table], SubnetId=estate.subnets[spec.name]
            )

    for region in REGIONS:
        ec2 = clients("ec2", region)
        default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])[
            "Vpcs"
        ][0]["VpcId"]
        estate.vpcs[f"default:{region}"] = default_vpc
        default_sg = ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [default_vpc]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        )["SecurityGroups"][0]["GroupId"]
        estate.security_groups[f"default:{region}"] = default_sg

    for sg in SECURITY_GROUPS:
        region = VPCS[sg.vpc][0]
        ec2 = clients("ec2", region)
        group_id = ec2.create_security_group(
            GroupName=sg.name,
            Description=sg.description or sg.name,
            VpcId=estate.vpcs[sg.vpc],
        )["GroupId"]
        estate.security_groups[sg.name] = group_id
        permissions = [_permission(estate, rule) for rule in sg.ingress]
        if permissions:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=permissions)


def _permission(estate: SeededEstate, rule: tuple[str, int, int, str]) -> dict[str, Any]:
    protocol, from_port, to_port, source = rule
    permission: dict[str, Any] = {"IpProtocol": protocol}
    if protocol != "-1":
        permission.update(FromPort=from_port, ToPort=to_port)
    if source.startswith("sg:"):
        permission["UserIdGroupPairs"] = [
            {"GroupId": estate.security_groups[source[3:]], "UserId": ACCOUNT}
        ]
    elif ":" in source:
        permission["Ipv6Ranges"] = [{"CidrIpv6": source}]
    else:
        permission["IpRanges"] = [{"CidrIp": source}]
    return permission


def _seed_parameter_groups(clients: _Clients, estate: SeededEstate) -> None:
    # A cluster group's parameters apply at reboot; an instance group's at once.
    _seed_groups(clients, PARAMETER_GROUPS, "DBCluster", "pending-reboot", estate.parameter_groups)
    _seed_groups(clients, DB_PARAMETER_GROUPS, "DB", "immediate", estate.db_parameter_groups)


def _seed_groups(
    clients: _Clients,
    specs: tuple[ParameterGroupSpec, ...],
    kind: str,
    apply_method: str,
    arns: dict[str, str],
) -> None:
    """Create and fill one kind of parameter group: ``kind`` is the API's prefix
    (``DBCluster``: create_db_cluster_parameter_group, ``DB``: create_db_parameter_group)."""
    operation = "db_cluster_parameter_group" if kind == "DBCluster" else "db_parameter_group"
    name_key = f"{kind}ParameterGroupName"
    for spec in specs:
        rds = clients("rds", spec.region)
        group = getattr(rds, f"create_{operation}")(
            **{name_key: spec.name},
            DBParameterGroupFamily=spec.family,
            Description=f"aurora-scan demo: {spec.name}",
        )[f"{kind}ParameterGroup"]
        arns[f"{spec.name}@{spec.region}"] = group[f"{kind}ParameterGroupArn"]
        if spec.parameters:
            getattr(rds, f"modify_{operation}")(
                **{name_key: spec.name},
                Parameters=[
                    {"ParameterName": k, "ParameterValue": v, "ApplyMethod": apply_method}
                    for k, v in spec.parameters.items()
                ],
            )


def _seed_subnet_groups(clients: _Clients, estate: SeededEstate) -> None:
    for name, (region, subnets) in SUBNET_GROUPS.items():
        ec2 = clients("ec2", region)
        subnet_ids: list[str] = []
        for subnet in subnets:
            if subnet.startswith("default:"):
                default_vpc = estate.vpcs[subnet]
                found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default_vpc]}])
                subnet_ids.extend(s["SubnetId"] for s in found["Subnets"][:3])
            else:
                subnet_ids.append(estate.subnets[subnet])
        clients("rds", region).create_db_subnet_group(
            DBSubnetGroupName=name,
            DBSubnetGroupDescription=f"aurora-scan demo: {name}",
            SubnetIds=subnet_ids,
        )


def _seed_global_clusters(clients: _Clients, estate: SeededEstate) -> None:
    rds = clients("rds", REGION)
    for name, (encrypted, engine, version) in GLOBAL_CLUSTERS.items():
        created = rds.create_global_cluster(
            GlobalClusterIdentifier=name,
            Engine=engine,
            EngineVersion=version,
            StorageEncrypted=encrypted,
            DeletionProtection=encrypted,
        )["GlobalCluster"]
        estate.global_clusters[name] = created["GlobalClusterArn"]


def _seed_cluster(clients: _Clients, estate: SeededEstate, spec: ClusterSpec) -> None:
    rds = clients("rds", spec.region)
    sgs = [estate.security_groups[sg] for sg in spec.security_groups]
    params: dict[str, Any] = {
        "DBClusterIdentifier": spec.name,
        "Engine": spec.engine,
        "EngineVersion": spec.version,
        "EngineMode": spec.engine_mode,
        "DBSubnetGroupName": spec.subnet_group,
        "VpcSecurityGroupIds": sgs,
        "Port": spec.port,
        "MasterUsername": spec.master_username,
        "DeletionProtection": spec.deletion_protection,
        "BackupRetentionPeriod": spec.backup_retention,
        "CopyTagsToSnapshot": spec.copy_tags,
        "EnableIAMDatabaseAuthentication": spec.iam_auth,
        "AutoMinorVersionUpgrade": spec.auto_minor_version_upgrade,
        "Tags": _tag_list(spec.tags),
    }
    key = _key_arn(estate, spec.key, spec.region)
    params["StorageEncrypted"] = key is not None
    if key is not None:
        params["KmsKeyId"] = key
    if spec.parameter_group is not None:
        params["DBClusterParameterGroupName"] = spec.parameter_group
    if spec.managed_secret:
        params["ManageMasterUserPassword"] = True
    else:
        params["MasterUserPassword"] = "demo-password-not-secret"
    if spec.log_exports:
        params["EnableCloudwatchLogsExports"] = list(spec.log_exports)
    if spec.engine == "aurora-mysql" and spec.engine_mode == "provisioned":
        params["BacktrackWindow"] = spec.backtrack
    if spec.engine_mode == "serverless":
        params["ScalingConfiguration"] = {
            "MinCapacity": 1,
            "MaxCapacity": 8,
            "AutoPause": True,
            "SecondsUntilAutoPause": 300,
        }
    if spec.serverless_v2:
        params["ServerlessV2ScalingConfiguration"] = {"MinCapacity": 0.5, "MaxCapacity": 16.0}
    if spec.global_cluster is not None:
        params["GlobalClusterIdentifier"] = spec.global_cluster
    cluster = rds.create_db_cluster(**params)["DBCluster"]
    estate.clusters[spec.name] = cluster["DBClusterArn"]

    if spec.managed_secret and spec.rotate_secret:
        secret_arn = cluster["MasterUserSecret"]["SecretArn"]
        clients("secretsmanager", spec.region).rotate_secret(
            SecretId=secret_arn, RotationRules={"AutomaticallyAfterDays": 7}
        )

    # Instances are created in order: moto (like AWS at creation) makes the
    # first one the writer.
    for inst in spec.instances:
        created = rds.create_db_instance(
            DBInstanceIdentifier=inst.name,
            DBClusterIdentifier=spec.name,
            Engine=spec.engine,
            DBInstanceClass=inst.instance_class,
            AvailabilityZone=inst.az,
            PromotionTier=inst.tier,
            PubliclyAccessible=inst.public,
            MonitoringInterval=inst.monitoring_interval,
            CACertificateIdentifier=inst.ca,
            AutoMinorVersionUpgrade=inst.auto_minor_version_upgrade,
            # AWS copies the cluster's subnet group to its members; moto only
            # reports it when the instance names it too.
            DBSubnetGroupName=spec.subnet_group,
            Tags=_tag_list(spec.tags),
            **(
                {"MonitoringRoleArn": f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring-role"}
                if inst.monitoring_interval
                else {}
            ),
            **(
                {"DBParameterGroupName": inst.db_parameter_group} if inst.db_parameter_group else {}
            ),
        )["DBInstance"]
        estate.instances[inst.name] = created["DBInstanceArn"]


def _seed_neptune(clients: _Clients, estate: SeededEstate) -> None:
    rds = clients("rds", REGION)
    cluster = rds.create_db_cluster(
        DBClusterIdentifier=NEPTUNE_CLUSTER,
        Engine="neptune",
        StorageEncrypted=False,
        DBClusterParameterGroupName="default.neptune1.3",
        DBSubnetGroupName="prod-private",
        Tags=_tag_list({"environment": "production", "owner": "team-graph"}),
    )["DBCluster"]
    estate.clusters[NEPTUNE_CLUSTER] = cluster["DBClusterArn"]


def _seed_snapshots(clients: _Clients, estate: SeededEstate) -> None:
    specs = {c.name: c for c in CLUSTERS}
    for snap in SNAPSHOTS:
        rds = clients("rds", specs[snap.cluster].region)
        created = rds.create_db_cluster_snapshot(
            DBClusterSnapshotIdentifier=snap.name,
            DBClusterIdentifier=snap.cluster,
            Tags=_tag_list(snap.tags),
        )["DBClusterSnapshot"]
        estate.snapshots[snap.name] = created["DBClusterSnapshotArn"]
        if snap.shared_with:
            rds.modify_db_cluster_snapshot_attribute(
                DBClusterSnapshotIdentifier=snap.name,
                AttributeName="restore",
                ValuesToAdd=list(snap.shared_with),
            )


def _seed_event_subscriptions(clients: _Clients, estate: SeededEstate) -> None:
    sns = clients("sns", REGION)
    topic = sns.create_topic(Name="aurora-events")["TopicArn"]
    rds = clients("rds", REGION)
    for name, categories, sources, enabled in EVENT_SUBSCRIPTIONS:
        params: dict[str, Any] = {
            "SubscriptionName": name,
            "SnsTopicArn": topic,
            "SourceType": "db-cluster",
            "Enabled": enabled,
        }
        if categories:
            params["EventCategories"] = list(categories)
        if sources:
            params["SourceIds"] = list(sources)
        rds.create_event_subscription(**params)
