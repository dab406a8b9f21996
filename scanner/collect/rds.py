"""RDS: clusters, instances, manual cluster snapshots, subnet and parameter groups,
global clusters, event subscriptions and CA certificates."""

from __future__ import annotations

from scanner.collect.spec import CallContext, CallFailed, Record, ResourceSpec

SNAPSHOT = "aws.rds.db_cluster_snapshot"
PARAMETER_GROUP = "aws.rds.db_cluster_parameter_group"

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


def add_snapshot_attributes(ctx: CallContext, records: list[Record]) -> None:
    """DescribeDBClusterSnapshotAttributes per manual snapshot (the ``restore`` sharing list).

    Stored raw as ``DBClusterSnapshotAttributes``; ``x_restore`` is derived at
    graph-build time.  AWS has no batch form, so this is the one unavoidable
    call per resource; the runner spreads batches of snapshots over its pool.
    The first failure stops: the type is already incomplete in this account
    and region, and retrying every snapshot against an AccessDenied would only
    multiply calls.
    """
    client = ctx.client("rds")
    for record in records:
        try:
            result = client.describe_db_cluster_snapshot_attributes(
                DBClusterSnapshotIdentifier=record["DBClusterSnapshotIdentifier"]
            )
        except Exception as exc:
            raise CallFailed("rds", "DescribeDBClusterSnapshotAttributes", exc) from exc
        body = result.get("DBClusterSnapshotAttributesResult") or {}
        record["DBClusterSnapshotAttributes"] = body.get("DBClusterSnapshotAttributes", [])


def add_parameters(ctx: CallContext, records: list[Record]) -> None:
    """DescribeDBClusterParameters for every listed group, paginated.

    Only parameters that have a ParameterValue are kept: an engine default
    group lists hundreds of parameters, most without a value, and policies only
    ever read values.  A group without ``Parameters`` is one whose parameters
    could not be read (the error is recorded), never an empty group.
    """
    client = ctx.client("rds")
    paginator = client.get_paginator("describe_db_cluster_parameters")
    for record in records:
        params: list[Record] = []
        try:
            pages = paginator.paginate(
                DBClusterParameterGroupName=record["DBClusterParameterGroupName"],
                PaginationConfig={"PageSize": 100},
            )
            for page in pages:
                for p in page.get("Parameters", []):
                    if p.get("ParameterValue") is not None:
                        params.append({k: p[k] for k in PARAMETER_FIELDS if k in p})
        except Exception as exc:
            raise CallFailed("rds", "DescribeDBClusterParameters", exc) from exc
        record["Parameters"] = params


SPECS = (
    ResourceSpec(
        type="aws.rds.db_cluster",
        service="rds",
        operation="DescribeDBClusters",
        items_key="DBClusters",
        arn_field="DBClusterArn",
        accepts_page_size=True,
        feeds=("aws.kms.key", "aws.secretsmanager.secret"),
    ),
    ResourceSpec(
        type="aws.rds.db_instance",
        service="rds",
        operation="DescribeDBInstances",
        items_key="DBInstances",
        arn_field="DBInstanceArn",
        accepts_page_size=True,
        feeds=("aws.kms.key",),
    ),
    ResourceSpec(
        type=SNAPSHOT,
        service="rds",
        operation="DescribeDBClusterSnapshots",
        items_key="DBClusterSnapshots",
        arn_field="DBClusterSnapshotArn",
        # Automated snapshots cannot be shared or made public: manual only.
        params={"SnapshotType": "manual"},
        accepts_page_size=True,
        augment=add_snapshot_attributes,
        augment_actions=("rds:DescribeDBClusterSnapshotAttributes",),
        feeds=("aws.kms.key",),
    ),
    ResourceSpec(
        type="aws.rds.db_subnet_group",
        service="rds",
        operation="DescribeDBSubnetGroups",
        items_key="DBSubnetGroups",
        arn_field="DBSubnetGroupArn",
        accepts_page_size=True,
    ),
    ResourceSpec(
        type=PARAMETER_GROUP,
        service="rds",
        operation="DescribeDBClusterParameterGroups",
        items_key="DBClusterParameterGroups",
        arn_field="DBClusterParameterGroupArn",
        accepts_page_size=True,
        augment=add_parameters,
        augment_actions=("rds:DescribeDBClusterParameters",),
    ),
    ResourceSpec(
        type="aws.rds.global_cluster",
        service="rds",
        operation="DescribeGlobalClusters",
        items_key="GlobalClusters",
        arn_field="GlobalClusterArn",
        # A global database spans regions and each regional endpoint may list
        # it: the runner keeps one resource per ARN.
        accepts_page_size=True,
    ),
    ResourceSpec(
        type="aws.rds.event_subscription",
        service="rds",
        operation="DescribeEventSubscriptions",
        items_key="EventSubscriptionsList",
        arn_field="EventSubscriptionArn",
        accepts_page_size=True,
    ),
    ResourceSpec(
        type="aws.rds.certificate",
        service="rds",
        operation="DescribeCertificates",
        items_key="Certificates",
        arn_field="CertificateArn",
        accepts_page_size=True,
    ),
)
