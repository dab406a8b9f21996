"""The graph's vocabulary: resource types and the relations between them.

Collectors fill the graph with these types and the edge specs derive these
relations; policies are validated against them.  Both depend on this module
and never on each other.
"""

from __future__ import annotations

from dataclasses import dataclass

# type name -> what it is (shown by `aurora-scan policies` and in errors)
RESOURCE_TYPES: dict[str, str] = {
    "aws.rds.db_cluster": "RDS DB cluster (DescribeDBClusters); Aurora, Neptune and DocumentDB",
    "aws.rds.db_instance": "RDS DB instance (DescribeDBInstances)",
    "aws.rds.db_cluster_snapshot": "Manual DB cluster snapshot with its restore attributes",
    "aws.rds.db_subnet_group": "DB subnet group (DescribeDBSubnetGroups)",
    "aws.rds.db_cluster_parameter_group": "DB cluster parameter group with its Parameters",
    "aws.rds.db_parameter_group": (
        "DB (instance) parameter group with its user-set Parameters (Source user), "
        "which override the cluster parameter group on the instances that use it"
    ),
    "aws.rds.global_cluster": "Aurora global database (DescribeGlobalClusters)",
    "aws.rds.event_subscription": "RDS event notification subscription",
    "aws.rds.certificate": "RDS CA certificate (DescribeCertificates)",
    "aws.rds.major_engine_version": (
        "Aurora engine major version with its support dates (DescribeDBMajorEngineVersions)"
    ),
    "aws.ec2.security_group": "VPC security group, with x_ingress flattened rules",
    "aws.ec2.subnet": "VPC subnet",
    "aws.ec2.route_table": "VPC route table",
    "aws.ec2.internet_gateway": "Internet gateway",
    "aws.ec2.nat_gateway": "NAT gateway",
    "aws.ec2.vpc": "VPC",
    "aws.kms.key": "KMS key referenced by a scanned resource (DescribeKey)",
    "aws.secretsmanager.secret": "Secrets Manager secret named by a cluster's MasterUserSecret",
    "aws.backup.protected_resource": "Resource protected by AWS Backup (ListProtectedResources)",
}


@dataclass(frozen=True)
class Relation:
    name: str
    sources: tuple[str, ...]
    target: str
    description: str


def _rel(name: str, sources: tuple[str, ...], target: str, description: str) -> Relation:
    return Relation(name, sources, target, description)


_CLUSTER = "aws.rds.db_cluster"
_INSTANCE = "aws.rds.db_instance"
_SNAPSHOT = "aws.rds.db_cluster_snapshot"

RELATIONS: dict[str, Relation] = {
    r.name: r
    for r in (
        _rel("member", (_CLUSTER,), _INSTANCE, "cluster -> its member instances"),
        _rel("member_of", (_INSTANCE,), _CLUSTER, "member instance -> its cluster"),
        _rel(
            "in_subnet_group",
            (_CLUSTER, _INSTANCE),
            "aws.rds.db_subnet_group",
            "cluster or instance -> its DB subnet group",
        ),
        _rel(
            "in_subnet", ("aws.rds.db_subnet_group",), "aws.ec2.subnet", "subnet group -> subnets"
        ),
        _rel(
            "routed_by",
            ("aws.ec2.subnet",),
            "aws.ec2.route_table",
            "subnet -> its route table (explicit association, else the VPC's main table)",
        ),
        _rel(
            "routes_to",
            ("aws.ec2.route_table",),
            "aws.ec2.internet_gateway",
            "route table -> internet gateway; edge attrs DestinationCidrBlock or "
            "DestinationIpv6CidrBlock (one edge per route)",
        ),
        _rel(
            "routes_via_nat",
            ("aws.ec2.route_table",),
            "aws.ec2.nat_gateway",
            "route table -> NAT gateway; same edge attrs as routes_to",
        ),
        _rel(
            "protected_by",
            (_CLUSTER, _INSTANCE),
            "aws.ec2.security_group",
            "cluster or instance -> its VPC security groups",
        ),
        _rel(
            "encrypted_with",
            (_CLUSTER, _SNAPSHOT, _INSTANCE, "aws.rds.global_cluster"),
            "aws.kms.key",
            "storage encryption key (KmsKeyId)",
        ),
        _rel(
            "performance_insights_key",
            (_INSTANCE,),
            "aws.kms.key",
            "instance -> Performance Insights key (PerformanceInsightsKMSKeyId)",
        ),
        _rel(
            "activity_stream_key",
            (_CLUSTER,),
            "aws.kms.key",
            "cluster -> database activity stream key (ActivityStreamKmsKeyId)",
        ),
        _rel("snapshot_of", (_SNAPSHOT,), _CLUSTER, "cluster snapshot -> source cluster"),
        _rel(
            "uses_parameter_group",
            (_CLUSTER,),
            "aws.rds.db_cluster_parameter_group",
            "cluster -> its DB cluster parameter group",
        ),
        _rel(
            "uses_db_parameter_group",
            (_INSTANCE,),
            "aws.rds.db_parameter_group",
            "instance -> its DB parameter group (DBParameterGroups[].DBParameterGroupName)",
        ),
        _rel(
            "major_engine_version",
            (_CLUSTER,),
            "aws.rds.major_engine_version",
            "cluster -> the support dates of its Engine and major version (x_engine_major)",
        ),
        _rel("global_member", ("aws.rds.global_cluster",), _CLUSTER, "global -> member clusters"),
        _rel("master_secret", (_CLUSTER,), "aws.secretsmanager.secret", "MasterUserSecret"),
        _rel(
            "in_vpc",
            (
                "aws.rds.db_subnet_group",
                "aws.ec2.subnet",
                "aws.ec2.security_group",
                "aws.ec2.route_table",
            ),
            "aws.ec2.vpc",
            "network object -> its VPC",
        ),
        _rel(
            "backed_up_by",
            (_CLUSTER,),
            "aws.backup.protected_resource",
            "cluster -> its AWS Backup protected-resource record",
        ),
        _rel(
            "notified_by",
            (_CLUSTER,),
            "aws.rds.event_subscription",
            "cluster -> event subscriptions of source type db-cluster that cover it "
            "(same account and region; empty SourceIdsList covers all clusters)",
        ),
        _rel(
            "uses_certificate",
            (_INSTANCE,),
            "aws.rds.certificate",
            "instance -> its CA certificate (CACertificateIdentifier)",
        ),
    )
}


def relation_names() -> list[str]:
    return sorted(RELATIONS)


def resource_type_names() -> list[str]:
    return sorted(RESOURCE_TYPES)
