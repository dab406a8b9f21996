"""RDS: the augment calls of manual cluster snapshots and cluster and instance
parameter groups.  The RDS types themselves are declared in
``scanner/resource_types.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore import xform_name

from scanner.collect.spec import CallContext, CallFailed, Hooks, InUse, Record
from scanner.resource_types import (
    CLUSTER,
    CLUSTER_PARAMETER_GROUP,
    CLUSTER_SNAPSHOT,
    DB_PARAMETER_GROUP,
    INSTANCE,
    PARAMETER_FIELDS,
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


# Only the groups collected clusters and instances name are augmented.
HOOKS: dict[str, Hooks] = {
    CLUSTER_SNAPSHOT: Hooks(augment=add_snapshot_attributes),
    CLUSTER_PARAMETER_GROUP: Hooks(
        augment=add_parameters,
        augment_in_use=InUse(CLUSTER, _cluster_parameter_group, "DBClusterParameterGroupName"),
    ),
    DB_PARAMETER_GROUP: Hooks(
        augment=add_db_parameters,
        augment_in_use=InUse(INSTANCE, _db_parameter_groups, "DBParameterGroupName"),
    ),
}
