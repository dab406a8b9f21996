"""The graph's vocabulary: resource types and the relations between them.

Collectors fill the graph with these types and the edge specs derive these
relations; policies are validated against them.  Both depend on this module
and never on each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.model import Resource

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


# Fields an extra call adds to a listed record (type -> operation -> fields).
# When that call fails the records it did not reach lack these fields, and a
# policy reading them is UNKNOWN for those records only: the listing itself
# answered everything else (a failed DescribeDBClusterSnapshotAttributes says
# nothing about a snapshot's StorageEncrypted).
AUGMENTED_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "aws.rds.db_cluster_snapshot": {
        "DescribeDBClusterSnapshotAttributes": ("DBClusterSnapshotAttributes",),
    },
    "aws.rds.db_cluster_parameter_group": {"DescribeDBClusterParameters": ("Parameters",)},
    "aws.rds.db_parameter_group": {"DescribeDBParameters": ("Parameters",)},
}


@dataclass(frozen=True)
class Relation:
    name: str
    sources: tuple[str, ...]
    target: str
    description: str
    # A lookup finds its targets by searching the target type (AWS Backup's
    # protected resources for a cluster's ARN), not by an id the source
    # names: finding none is an answer only when the target type was
    # collected completely in the source's account and region.
    lookup: bool = False
    # An optional enrichment: policies fall back to their own data when it
    # finds nothing (a major version's support dates, where DescribeDB-
    # MajorEngineVersions was denied or does not list a retired major), so
    # neither a missing target nor an incomplete type makes a path UNKNOWN.
    optional: bool = False


def _rel(
    name: str,
    sources: tuple[str, ...],
    target: str,
    description: str,
    *,
    lookup: bool = False,
    optional: bool = False,
) -> Relation:
    return Relation(name, sources, target, description, lookup, optional)


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
            lookup=True,
        ),
        _rel(
            "routes_to",
            ("aws.ec2.route_table",),
            "aws.ec2.internet_gateway",
            "route table -> internet gateway, one edge per route whatever its destination; "
            "edge attrs DestinationCidrBlock, DestinationIpv6CidrBlock or DestinationPrefixListId",
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
            (_CLUSTER, _SNAPSHOT, _INSTANCE),
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
            "cluster -> the support dates of its Engine and major version (x_engine_major); "
            "optional: the lifecycle table is the fallback",
            optional=True,
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
            lookup=True,
        ),
        _rel(
            "notified_by",
            (_CLUSTER,),
            "aws.rds.event_subscription",
            "cluster -> event subscriptions that cover it (same account and region): "
            "source type db-cluster with an empty SourceIdsList or one naming the cluster, "
            "or no SourceType at all (every source of the account and region)",
            lookup=True,
        ),
        _rel(
            "uses_certificate",
            (_INSTANCE,),
            "aws.rds.certificate",
            "instance -> its CA certificate (CACertificateIdentifier)",
        ),
    )
}


# The field that names each resource for people (ids and ARNs are for machines).
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "aws.rds.db_cluster": ("DBClusterIdentifier",),
    "aws.rds.db_instance": ("DBInstanceIdentifier",),
    "aws.rds.db_cluster_snapshot": ("DBClusterSnapshotIdentifier",),
    "aws.rds.db_subnet_group": ("DBSubnetGroupName",),
    "aws.rds.db_cluster_parameter_group": ("DBClusterParameterGroupName",),
    "aws.rds.global_cluster": ("GlobalClusterIdentifier",),
    "aws.rds.event_subscription": ("CustSubscriptionId",),
    "aws.rds.certificate": ("CertificateIdentifier",),
    "aws.rds.db_parameter_group": ("DBParameterGroupName",),
    "aws.rds.major_engine_version": ("x_engine_major",),
    "aws.ec2.security_group": ("GroupId",),
    "aws.ec2.subnet": ("SubnetId",),
    "aws.ec2.route_table": ("RouteTableId",),
    "aws.ec2.internet_gateway": ("InternetGatewayId",),
    "aws.ec2.nat_gateway": ("NatGatewayId",),
    "aws.ec2.vpc": ("VpcId",),
    "aws.kms.key": ("KeyId",),
    "aws.secretsmanager.secret": ("Name",),
    "aws.backup.protected_resource": ("ResourceName", "ResourceArn"),
}


def resource_name(resource: Resource) -> str:
    """What people call the resource: its name field, else the tail of its id."""
    for key in NAME_FIELDS.get(resource.type, ()):
        value = resource.attrs.get(key)
        if isinstance(value, str) and value:
            return value
    tail = resource.id.rsplit(":", 1)[-1]
    return tail.rsplit("/", 1)[-1] or resource.id
