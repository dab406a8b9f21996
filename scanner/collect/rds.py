"""RDS: clusters, instances, manual cluster snapshots, subnet groups, cluster and
instance parameter groups, global clusters, event subscriptions, CA certificates
and the support dates of Aurora engine major versions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore import xform_name

from scanner.collect.spec import CallContext, CallFailed, InUse, Record, ResourceSpec

SNAPSHOT = "aws.rds.db_cluster_snapshot"
PARAMETER_GROUP = "aws.rds.db_cluster_parameter_group"
DB_PARAMETER_GROUP = "aws.rds.db_parameter_group"
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


def _read_parameters(
    ctx: CallContext,
    records: list[Record],
    *,
    operation: str,
    group_key: str,
    params: dict[str, Any],
    keep: Callable[[Record], bool] = lambda p: True,
) -> None:
    """``Parameters`` of each group: every paginated page of ``operation``, kept parameters only.

    Only parameters that have a ParameterValue are kept: an engine default
    group lists hundreds of parameters, most without a value, and policies only
    ever read values.  A group without ``Parameters`` is one whose parameters
    could not be read (the error is recorded), never an empty group.
    """
    client = ctx.client("rds")
    method = str(xform_name(operation))
    for record in records:
        kept: list[Record] = []
        try:
            pages = ctx.paginate(
                client,
                method,
                **{group_key: record[group_key]},
                **params,
                PaginationConfig={"PageSize": 100},
            )
            for page in pages:
                for p in page.get("Parameters", []):
                    if p.get("ParameterValue") is not None and keep(p):
                        kept.append({k: p[k] for k in PARAMETER_FIELDS if k in p})
        except Exception as exc:
            raise CallFailed("rds", operation, exc) from exc
        record["Parameters"] = kept


def add_parameters(ctx: CallContext, records: list[Record]) -> None:
    """DescribeDBClusterParameters for each group, paginated.

    The runner passes only the groups collected clusters use (``InUse``):
    policies reach parameters through ``uses_parameter_group``, and the
    ``default.*`` group every engine family lists has hundreds of them.  Every
    source is read: a cluster group's engine defaults are what its instances run
    with unless their own DB parameter group overrides them.
    """
    _read_parameters(
        ctx,
        records,
        operation="DescribeDBClusterParameters",
        group_key="DBClusterParameterGroupName",
        params={},
    )


def _user_set(parameter: Record) -> bool:
    # An answer to Source=user that carries no Source is taken at its word.
    return bool(parameter.get("Source", "user") == "user")


def add_db_parameters(ctx: CallContext, records: list[Record]) -> None:
    """DescribeDBParameters with ``Source=user`` for each DB (instance) parameter group.

    In Aurora a DB parameter group overrides the cluster parameter group only
    for the parameters a user modified in it, which DescribeDBParameters
    reports with Source ``user`` (Aurora User Guide, "Amazon Aurora DB cluster
    and DB instance parameters"); its other parameters are engine defaults the
    cluster group's values win over.  So only those are read, and parameters
    with another Source are dropped here too: were the filter not applied by
    the service, engine defaults would pass for overrides.  Only the groups
    collected instances use are read (``InUse``).
    """
    _read_parameters(
        ctx,
        records,
        operation="DescribeDBParameters",
        group_key="DBParameterGroupName",
        params={"Source": "user"},
        keep=_user_set,
    )


def _cluster_parameter_group(cluster: Record) -> Iterator[str]:
    # A cluster names its cluster parameter group by name; the members'
    # DBClusterParameterGroupStatus is a sync state, not a group.
    name = cluster.get("DBClusterParameterGroup")
    if name:
        yield str(name)


def _db_parameter_groups(instance: Record) -> Iterator[str]:
    # An instance names its DB parameter group(s) in DBParameterGroups; the
    # ParameterApplyStatus beside each name is a sync state, not a group.
    for group in instance.get("DBParameterGroups") or ():
        name = group.get("DBParameterGroupName")
        if name:
            yield str(name)


def _aurora_engine(record: Record) -> bool:
    return bool(record.get("Engine") in AURORA_ENGINES)


def _rds(
    rtype: str, operation: str, items_key: str, arn_field: str | None, **extra: Any
) -> ResourceSpec:
    """One RDS listing: every RDS Describe* pages with MaxRecords and names its ARN field."""
    return ResourceSpec(
        type=rtype,
        service="rds",
        operation=operation,
        items_key=items_key,
        arn_field=arn_field,
        accepts_page_size=True,
        **extra,
    )


SPECS = (
    _rds(
        "aws.rds.db_cluster",
        "DescribeDBClusters",
        "DBClusters",
        "DBClusterArn",
        feeds=("aws.kms.key", "aws.secretsmanager.secret"),
    ),
    _rds(
        "aws.rds.db_instance",
        "DescribeDBInstances",
        "DBInstances",
        "DBInstanceArn",
        feeds=("aws.kms.key",),
    ),
    _rds(
        SNAPSHOT,
        "DescribeDBClusterSnapshots",
        "DBClusterSnapshots",
        "DBClusterSnapshotArn",
        # Automated snapshots cannot be shared or made public: manual only.
        params={"SnapshotType": "manual"},
        augment=add_snapshot_attributes,
        augment_actions=("rds:DescribeDBClusterSnapshotAttributes",),
        feeds=("aws.kms.key",),
    ),
    _rds("aws.rds.db_subnet_group", "DescribeDBSubnetGroups", "DBSubnetGroups", "DBSubnetGroupArn"),
    _rds(
        PARAMETER_GROUP,
        "DescribeDBClusterParameterGroups",
        "DBClusterParameterGroups",
        "DBClusterParameterGroupArn",
        augment=add_parameters,
        augment_actions=("rds:DescribeDBClusterParameters",),
        augment_in_use=InUse(
            "aws.rds.db_cluster", _cluster_parameter_group, "DBClusterParameterGroupName"
        ),
    ),
    _rds(
        DB_PARAMETER_GROUP,
        "DescribeDBParameterGroups",
        "DBParameterGroups",
        "DBParameterGroupArn",
        augment=add_db_parameters,
        augment_actions=("rds:DescribeDBParameters",),
        augment_in_use=InUse("aws.rds.db_instance", _db_parameter_groups, "DBParameterGroupName"),
    ),
    # A global database spans regions and each regional endpoint may list it:
    # the runner keeps one resource per ARN.
    _rds("aws.rds.global_cluster", "DescribeGlobalClusters", "GlobalClusters", "GlobalClusterArn"),
    _rds(
        "aws.rds.event_subscription",
        "DescribeEventSubscriptions",
        "EventSubscriptionsList",
        "EventSubscriptionArn",
    ),
    # Every account gets the same CA certificates, and the CertificateArn AWS
    # returns leaves the account field empty (arn:aws:rds:us-east-1::cert:rds-ca-2019),
    # so that ARN names one certificate in all accounts: one resource per id
    # would keep a single account's copy, and the other accounts' instances,
    # which resolve CACertificateIdentifier in their own account, would find
    # none.  The id is the RDS ARN syntax with the scanned account filled in;
    # the record keeps CertificateArn as returned.
    _rds(
        "aws.rds.certificate",
        "DescribeCertificates",
        "Certificates",
        None,
        arn_format="arn:{partition}:rds:{region}:{account}:cert:{CertificateIdentifier}",
    ),
    # Standard and Extended Support dates per engine major version, the source
    # the lifecycle policies read before their shipped table.  Without Engine
    # the call lists every engine's major versions (a few dozen records) in
    # one listing; only Aurora's are kept.  The records have no ARN and are
    # the same in every account and region, so the id names both (one resource
    # per id must not drop another account's or region's copy).
    _rds(
        "aws.rds.major_engine_version",
        "DescribeDBMajorEngineVersions",
        "DBMajorEngineVersions",
        None,
        arn_format="major-engine-version/{account}/{region}/{Engine}/{MajorEngineVersion}",
        keep=_aurora_engine,
    ),
)
