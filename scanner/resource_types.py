"""Every resource type the scanner collects, one declaration each (``scanner/typeinfo.py``).

Adding a resource type is adding a ``ResourceType`` here (and its tests):
the collectors list it, the graph indexes it by its ``keys`` and derives
its ``relations``, policies may name it, ``aurora-scan permissions`` asks
for its ``iam_actions`` and ``docs/resource-types.md`` lists it.  Only
behaviour a declaration cannot state is code elsewhere: an augment call's
function or a fetched type's reference finder (``scanner/collect/``, by
type name), a relation computed by a function (``scanner/edges.py``
``SPECIAL``), a derived ``x_`` fact (``scanner/derive.py``).

Field names are exactly as boto3 returns them.  The order of the types is
the order collectors are scheduled in, and the order of each type's
relations the order the graph adds its edges.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner.typeinfo import AugmentCall, Record, Rel, ResourceType, TypeRegistry, render_markdown

CLUSTER = "aws.rds.db_cluster"
INSTANCE = "aws.rds.db_instance"
CLUSTER_SNAPSHOT = "aws.rds.db_cluster_snapshot"
SUBNET_GROUP = "aws.rds.db_subnet_group"
CLUSTER_PARAMETER_GROUP = "aws.rds.db_cluster_parameter_group"
DB_PARAMETER_GROUP = "aws.rds.db_parameter_group"
GLOBAL_CLUSTER = "aws.rds.global_cluster"
EVENT_SUBSCRIPTION = "aws.rds.event_subscription"
CERTIFICATE = "aws.rds.certificate"
MAJOR_ENGINE_VERSION = "aws.rds.major_engine_version"
SECURITY_GROUP = "aws.ec2.security_group"
SUBNET = "aws.ec2.subnet"
ROUTE_TABLE = "aws.ec2.route_table"
INTERNET_GATEWAY = "aws.ec2.internet_gateway"
NAT_GATEWAY = "aws.ec2.nat_gateway"
VPC = "aws.ec2.vpc"
KMS_KEY = "aws.kms.key"
SECRET = "aws.secretsmanager.secret"
PROTECTED_RESOURCE = "aws.backup.protected_resource"

# DescribeDBMajorEngineVersions answers for these engines (its Engine member
# lists the valid values); the legacy `aurora` (MySQL 5.6) engine is not one.
AURORA_ENGINES = frozenset({"aurora-mysql", "aurora-postgresql"})

# Parameter fields kept in the snapshot; Description and AllowedValues are
# static engine documentation that would multiply the file size.
PARAMETER_FIELDS = (
    "ParameterName",
    "ParameterValue",
    "Source",
    "ApplyType",
    "ApplyMethod",
    "DataType",
    "IsModifiable",
    "MinimumEngineVersion",
    "SupportedEngineModes",
)

# ----- relations several types start ------------------------------------------------

_IN_SUBNET_GROUP = "cluster or instance -> its DB subnet group"
_PROTECTED_BY = "cluster or instance -> its VPC security groups"
_ENCRYPTED_WITH = "storage encryption key (KmsKeyId)"
_MASTER_PASSWORD = (("PendingModifiedValues", "MasterUserPassword"),)


def _in_vpc() -> Rel:
    return Rel("in_vpc", VPC, "VpcId", "network object -> its VPC")


def _protected_by() -> Rel:
    return Rel(
        "protected_by", SECURITY_GROUP, "VpcSecurityGroups[].VpcSecurityGroupId", _PROTECTED_BY
    )


# ----- RDS -----------------------------------------------------------------------------


def _rds(
    name: str, operation: str, items_key: str, arn_field: str | None, **more: Any
) -> ResourceType:
    """An RDS listing: every RDS Describe* pages with MaxRecords and names its ARN field."""
    return ResourceType(
        name=name,
        service="rds",
        operation=operation,
        items_key=items_key,
        arn_field=arn_field,
        page_size=True,
        **more,
    )


def _aurora_engine(record: Record) -> bool:
    return bool(record.get("Engine") in AURORA_ENGINES)


def _is_rds(record: Record) -> bool:
    # ListProtectedResources covers every service (EBS, S3, DynamoDB...); only
    # RDS-family ARNs (Aurora, Neptune and DocumentDB clusters) matter here.
    parts = str(record.get("ResourceArn", "")).split(":")
    return len(parts) > 2 and parts[2] == "rds"


_PARAMETERS = ("Parameters", "Parameters")

RDS: tuple[ResourceType, ...] = (
    _rds(
        CLUSTER,
        "DescribeDBClusters",
        "DBClusters",
        "DBClusterArn",
        description="RDS DB cluster (DescribeDBClusters); Aurora, Neptune and DocumentDB",
        keys=("DBClusterIdentifier", "DBClusterArn"),
        name_fields=("DBClusterIdentifier",),
        tag_field="TagList",
        sensitive=_MASTER_PASSWORD,
        relations=(
            Rel(
                "member",
                INSTANCE,
                "DBClusterMembers[].DBInstanceIdentifier",
                "cluster -> its member instances",
            ),
            # A cluster names its subnet group as a string, an instance as an object.
            Rel("in_subnet_group", SUBNET_GROUP, "DBSubnetGroup", _IN_SUBNET_GROUP),
            _protected_by(),
            Rel("encrypted_with", KMS_KEY, "KmsKeyId", _ENCRYPTED_WITH),
            Rel(
                "activity_stream_key",
                KMS_KEY,
                "ActivityStreamKmsKeyId",
                "cluster -> database activity stream key (ActivityStreamKmsKeyId)",
            ),
            Rel(
                "uses_parameter_group",
                CLUSTER_PARAMETER_GROUP,
                "DBClusterParameterGroup",
                "cluster -> its DB cluster parameter group",
            ),
            Rel("master_secret", SECRET, "MasterUserSecret.SecretArn", "MasterUserSecret"),
            Rel(
                "backed_up_by",
                PROTECTED_RESOURCE,
                "DBClusterArn",
                "cluster -> its AWS Backup protected-resource record",
                lookup=True,
            ),
            Rel(
                "major_engine_version",
                MAJOR_ENGINE_VERSION,
                "x_engine_major",
                "cluster -> the support dates of its Engine and major version (x_engine_major); "
                "optional: the lifecycle table is the fallback",
                optional=True,
            ),
            Rel(
                "notified_by",
                EVENT_SUBSCRIPTION,
                None,
                "cluster -> event subscriptions that cover it (same account and region): "
                "source type db-cluster with an empty SourceIdsList or one naming the cluster, "
                "or no SourceType at all (every source of the account and region)",
                lookup=True,
            ),
        ),
    ),
    _rds(
        INSTANCE,
        "DescribeDBInstances",
        "DBInstances",
        "DBInstanceArn",
        description="RDS DB instance (DescribeDBInstances)",
        keys=("DBInstanceIdentifier", "DBInstanceArn"),
        name_fields=("DBInstanceIdentifier",),
        tag_field="TagList",
        sensitive=_MASTER_PASSWORD,
        relations=(
            Rel("member_of", CLUSTER, "DBClusterIdentifier", "member instance -> its cluster"),
            Rel(
                "in_subnet_group",
                SUBNET_GROUP,
                "DBSubnetGroup.DBSubnetGroupName",
                _IN_SUBNET_GROUP,
            ),
            _protected_by(),
            Rel("encrypted_with", KMS_KEY, "KmsKeyId", _ENCRYPTED_WITH),
            Rel(
                "performance_insights_key",
                KMS_KEY,
                "PerformanceInsightsKMSKeyId",
                "instance -> Performance Insights key (PerformanceInsightsKMSKeyId)",
            ),
            Rel(
                "uses_certificate",
                CERTIFICATE,
                "CACertificateIdentifier",
                "instance -> its CA certificate (CACertificateIdentifier)",
            ),
            Rel(
                "uses_db_parameter_group",
                DB_PARAMETER_GROUP,
                "DBParameterGroups[].DBParameterGroupName",
                "instance -> its DB parameter group (DBParameterGroups[].DBParameterGroupName)",
            ),
        ),
    ),
    _rds(
        CLUSTER_SNAPSHOT,
        "DescribeDBClusterSnapshots",
        "DBClusterSnapshots",
        "DBClusterSnapshotArn",
        description="Manual DB cluster snapshot with its restore attributes",
        keys=("DBClusterSnapshotIdentifier", "DBClusterSnapshotArn"),
        name_fields=("DBClusterSnapshotIdentifier",),
        tag_field="TagList",
        # Automated snapshots cannot be shared or made public: manual only.
        params={"SnapshotType": "manual"},
        augments=(
            AugmentCall(
                "DescribeDBClusterSnapshotAttributes",
                "DBClusterSnapshotAttributes",
                "DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes",
            ),
        ),
        relations=(
            Rel("encrypted_with", KMS_KEY, "KmsKeyId", _ENCRYPTED_WITH),
            Rel(
                "snapshot_of", CLUSTER, "DBClusterIdentifier", "cluster snapshot -> source cluster"
            ),
        ),
    ),
    _rds(
        SUBNET_GROUP,
        "DescribeDBSubnetGroups",
        "DBSubnetGroups",
        "DBSubnetGroupArn",
        description="DB subnet group (DescribeDBSubnetGroups)",
        keys=("DBSubnetGroupName", "DBSubnetGroupArn"),
        name_fields=("DBSubnetGroupName",),
        relations=(
            Rel("in_subnet", SUBNET, "Subnets[].SubnetIdentifier", "subnet group -> subnets"),
            _in_vpc(),
        ),
    ),
    _rds(
        CLUSTER_PARAMETER_GROUP,
        "DescribeDBClusterParameterGroups",
        "DBClusterParameterGroups",
        "DBClusterParameterGroupArn",
        description="DB cluster parameter group with its Parameters",
        keys=("DBClusterParameterGroupName", "DBClusterParameterGroupArn"),
        name_fields=("DBClusterParameterGroupName",),
        augments=(AugmentCall("DescribeDBClusterParameters", *_PARAMETERS, keep=PARAMETER_FIELDS),),
    ),
    _rds(
        DB_PARAMETER_GROUP,
        "DescribeDBParameterGroups",
        "DBParameterGroups",
        "DBParameterGroupArn",
        description=(
            "DB (instance) parameter group with its user-set Parameters (Source user), "
            "which override the cluster parameter group on the instances that use it"
        ),
        keys=("DBParameterGroupName", "DBParameterGroupArn"),
        name_fields=("DBParameterGroupName",),
        augments=(AugmentCall("DescribeDBParameters", *_PARAMETERS, keep=PARAMETER_FIELDS),),
    ),
    # A global database spans regions and each regional endpoint may list it:
    # the runner keeps one resource per ARN.
    _rds(
        GLOBAL_CLUSTER,
        "DescribeGlobalClusters",
        "GlobalClusters",
        "GlobalClusterArn",
        description="Aurora global database (DescribeGlobalClusters)",
        keys=("GlobalClusterIdentifier", "GlobalClusterArn"),
        name_fields=("GlobalClusterIdentifier",),
        tag_field="TagList",
        relations=(
            Rel(
                "global_member",
                CLUSTER,
                "GlobalClusterMembers[].DBClusterArn",
                "global -> member clusters",
            ),
        ),
    ),
    _rds(
        EVENT_SUBSCRIPTION,
        "DescribeEventSubscriptions",
        "EventSubscriptionsList",
        "EventSubscriptionArn",
        description="RDS event notification subscription",
        keys=("CustSubscriptionId", "EventSubscriptionArn"),
        name_fields=("CustSubscriptionId",),
    ),
    # Every account gets the same CA certificates, and the CertificateArn AWS
    # returns leaves the account field empty (arn:aws:rds:us-east-1::cert:rds-ca-2019),
    # so that ARN names one certificate in all accounts: one resource per id
    # would keep a single account's copy, and the other accounts' instances,
    # which resolve CACertificateIdentifier in their own account, would find
    # none.  The id is the RDS ARN syntax with the scanned account filled in;
    # the record keeps CertificateArn as returned.
    _rds(
        CERTIFICATE,
        "DescribeCertificates",
        "Certificates",
        None,
        description="RDS CA certificate (DescribeCertificates)",
        keys=("CertificateIdentifier", "CertificateArn"),
        name_fields=("CertificateIdentifier",),
        arn_format="arn:{partition}:rds:{region}:{account}:cert:{CertificateIdentifier}",
    ),
    # Standard and Extended Support dates per engine major version, the source
    # the lifecycle policies read before their shipped table.  Without Engine
    # the call lists every engine's major versions (a few dozen records) in
    # one listing; only Aurora's are kept.  The records have no ARN and are
    # the same in every account and region, so the id names both (one resource
    # per id must not drop another account's or region's copy).
    _rds(
        MAJOR_ENGINE_VERSION,
        "DescribeDBMajorEngineVersions",
        "DBMajorEngineVersions",
        None,
        description=(
            "Aurora engine major version with its support dates (DescribeDBMajorEngineVersions)"
        ),
        keys=("x_engine_major",),
        name_fields=("x_engine_major",),
        arn_format="major-engine-version/{account}/{region}/{Engine}/{MajorEngineVersion}",
        keep=_aurora_engine,
    ),
)

# ----- EC2 networking ---------------------------------------------------------------
# EC2 returns every item in one response when no MaxResults is given, so these
# listings are one call per region unless AWS itself paginates.  Most EC2
# objects carry no ARN field; their ids are built from the documented format.


def _ec2(
    name: str,
    operation: str,
    items_key: str,
    arn_resource: str,
    *,
    description: str,
    key: str,
    arn_field: str | None = None,
    owned: bool = True,
    relations: tuple[Rel, ...] = (),
) -> ResourceType:
    """An EC2 listing: ``arn_resource`` is the ARN's resource part over record fields."""
    return ResourceType(
        name=name,
        description=description,
        service="ec2",
        operation=operation,
        items_key=items_key,
        keys=(key, arn_field) if arn_field else (key,),
        name_fields=(key,),
        arn_field=arn_field,
        arn_format="arn:{partition}:ec2:{region}:{account}:" + arn_resource,
        # OwnerId puts a shared subnet or VPC in its owner's account, not the viewer's.
        account_field="OwnerId" if owned else None,
        tag_field="Tags",
        relations=relations,
        shared_ids=True,
    )


EC2: tuple[ResourceType, ...] = (
    _ec2(
        SECURITY_GROUP,
        "DescribeSecurityGroups",
        "SecurityGroups",
        "security-group/{GroupId}",
        description="VPC security group, with x_ingress flattened rules",
        key="GroupId",
        arn_field="SecurityGroupArn",
        relations=(_in_vpc(),),
    ),
    _ec2(
        SUBNET,
        "DescribeSubnets",
        "Subnets",
        "subnet/{SubnetId}",
        description="VPC subnet",
        key="SubnetId",
        arn_field="SubnetArn",
        relations=(
            _in_vpc(),
            Rel(
                "routed_by",
                ROUTE_TABLE,
                None,
                "subnet -> its route table (explicit association, else the VPC's main table)",
                lookup=True,
            ),
        ),
    ),
    _ec2(
        ROUTE_TABLE,
        "DescribeRouteTables",
        "RouteTables",
        "route-table/{RouteTableId}",
        description="VPC route table",
        key="RouteTableId",
        relations=(
            _in_vpc(),
            Rel(
                "routes_to",
                INTERNET_GATEWAY,
                None,
                "route table -> internet gateway, one edge per route whatever its destination; "
                "edge attrs DestinationCidrBlock, DestinationIpv6CidrBlock or "
                "DestinationPrefixListId",
            ),
            Rel(
                "routes_via_nat",
                NAT_GATEWAY,
                None,
                "route table -> NAT gateway; same edge attrs as routes_to",
            ),
        ),
    ),
    _ec2(
        INTERNET_GATEWAY,
        "DescribeInternetGateways",
        "InternetGateways",
        "internet-gateway/{InternetGatewayId}",
        description="Internet gateway",
        key="InternetGatewayId",
    ),
    # NAT gateways carry no OwnerId: they belong to the account that lists them.
    _ec2(
        NAT_GATEWAY,
        "DescribeNatGateways",
        "NatGateways",
        "natgateway/{NatGatewayId}",
        description="NAT gateway",
        key="NatGatewayId",
        owned=False,
    ),
    _ec2(VPC, "DescribeVpcs", "Vpcs", "vpc/{VpcId}", description="VPC", key="VpcId"),
)

# ----- KMS, Secrets Manager, AWS Backup ----------------------------------------------

OTHERS: tuple[ResourceType, ...] = (
    # Fetched one DescribeKey per distinct key a scanned resource references.
    ResourceType(
        name=KMS_KEY,
        description="KMS key referenced by a scanned resource (DescribeKey)",
        service="kms",
        operation="DescribeKey",
        items_key=None,
        output_member="KeyMetadata",
        not_found_codes=frozenset({"NotFoundException"}),
        keys=("KeyId", "Arn"),
        name_fields=("KeyId",),
        tag_field=None,  # DescribeKey has no tags; ListResourceTags is not called
    ),
    # Only DescribeSecret: the scanner never reads a secret's value.
    ResourceType(
        name=SECRET,
        description="Secrets Manager secret named by a cluster's MasterUserSecret",
        service="secretsmanager",
        operation="DescribeSecret",
        items_key=None,
        not_found_codes=frozenset({"ResourceNotFoundException"}),
        keys=("ARN", "Name"),
        name_fields=("Name",),
        tag_field="Tags",
    ),
    ResourceType(
        name=PROTECTED_RESOURCE,
        description="Resource protected by AWS Backup (ListProtectedResources)",
        service="backup",
        operation="ListProtectedResources",
        items_key="Results",
        # The protected resource is the cluster itself: a distinct id keeps
        # the backup record from colliding with the cluster's ARN in the graph.
        arn_format="backup:protected-resource:{ResourceArn}",
        keep=_is_rds,
        keys=("ResourceArn",),
        name_fields=("ResourceName", "ResourceArn"),
    ),
)

TYPES = TypeRegistry((*RDS, *EC2, *OTHERS))


def write_generated(root: Path) -> list[Path]:
    """Write what is generated from the declarations in a checkout at ``root``:
    docs/resource-types.md and the resource type enum of the snapshot schema."""
    doc = root / "docs" / "resource-types.md"
    doc.write_text(render_markdown(TYPES.all()), encoding="utf-8")
    schema_path = root / "scanner" / "collect" / "snapshot.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["$defs"]["resource_type"]["enum"] = sorted(t.name for t in TYPES.all())
    schema_path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return [doc, schema_path]


if __name__ == "__main__":  # python -m scanner.resource_types [--write]
    import sys

    if sys.argv[1:] == ["--write"]:
        for written in write_generated(Path(__file__).resolve().parents[1]):
            sys.stdout.write(f"wrote {written}\n")
    else:
        sys.stdout.write(render_markdown(TYPES.all()))
