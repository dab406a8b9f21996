"""The read-only guard refuses mutating calls before anything is sent."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from scanner.collect import guard
from scanner.collect.registry import all_operations


@pytest.mark.parametrize(("service", "operation"), all_operations())
def test_every_declared_operation_is_allowed(service: str, operation: str) -> None:
    assert guard.is_read_only(service, operation)


@pytest.mark.parametrize(
    ("service", "operation", "allowed"),
    [
        ("rds", "DeleteDBCluster", False),
        ("rds", "ModifyDBClusterSnapshotAttribute", False),
        ("ec2", "AuthorizeSecurityGroupIngress", False),
        ("kms", "ScheduleKeyDeletion", False),
        ("secretsmanager", "GetSecretValue", False),  # reads secret material
        ("sts", "AssumeRole", True),
        ("sts", "GetCallerIdentity", True),
        ("sts", "GetSessionToken", False),
        ("organizations", "ListAccounts", True),
        ("rds", "DescribeDBClusters", True),
    ],
)
def test_allow_list(service: str, operation: str, allowed: bool) -> None:
    assert guard.is_read_only(service, operation) is allowed


def test_mutating_call_is_refused_before_it_is_sent(mocked_aws: None) -> None:
    client = guard.install(boto3.client("rds", region_name="us-east-1"))
    sent: list[str] = []

    def record(request: Any, **_: Any) -> None:
        sent.append(request.body.decode() if isinstance(request.body, bytes) else request.body)

    # First in line, so it sees every request before moto's in-process handler answers it.
    client.meta.events.register_first("before-send", record)
    assert client.describe_db_clusters()["DBClusters"] == []
    with pytest.raises(guard.MutatingCallRefused, match="refused rds:DeleteDBCluster"):
        client.delete_db_cluster(DBClusterIdentifier="prod", SkipFinalSnapshot=True)
    assert len(sent) == 1 and "DescribeDBClusters" in sent[0]


def test_mutating_call_never_reaches_the_server(moto_server: object, aws_env: None) -> None:
    from moto_helpers import ServerCallCounter

    url = moto_server.url  # type: ignore[attr-defined]
    client = guard.install(boto3.client("ec2", region_name="us-east-1", endpoint_url=url))
    with ServerCallCounter() as counter:
        client.describe_vpcs()
        with pytest.raises(guard.MutatingCallRefused):
            client.create_vpc(CidrBlock="10.9.0.0/16")
    assert counter.by_operation() == {"ec2:DescribeVpcs": 1}
