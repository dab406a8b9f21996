"""Field-level provenance with the built-in catalogue, on real record shapes, offline.

Data the snapshot does not hold must make exactly the findings that read it
UNKNOWN (issue 13, defects 4, 14 and 15): a narrowed collection, records
removed from a snapshot, references to objects in accounts that were not
scanned, a failed augment call.  Every case goes through ``evaluate`` (and
one through the CLI) on records shaped as DescribeDBClusters,
DescribeSecurityGroups, ... return them on a real account.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import CliResult

from scanner.model import CollectionError, Resource, ScanResult, Snapshot, Status
from scanner.policy.engine import evaluate
from scanner.policy.loader import load_policies
from scanner.result_file import read_result

ACCOUNT = "111122223333"
OTHER = "444455556666"  # the VPC owner's account in a shared VPC; never scanned here
REGION = "ca-central-1"
ARN = f"arn:aws:rds:{REGION}:{ACCOUNT}"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0a1b2c3d-1111-2222-3333-444455556666"
FOREIGN_KEY = f"arn:aws:kms:{REGION}:{OTHER}:key/9f8e7d6c-1111-2222-3333-444455556666"
EVERY_TYPE = [
    "aws.backup.protected_resource",
    "aws.ec2.internet_gateway",
    "aws.ec2.nat_gateway",
    "aws.ec2.route_table",
    "aws.ec2.security_group",
    "aws.ec2.subnet",
    "aws.ec2.vpc",
    "aws.kms.key",
    "aws.rds.certificate",
    "aws.rds.db_cluster",
    "aws.rds.db_cluster_parameter_group",
    "aws.rds.db_cluster_snapshot",
    "aws.rds.db_instance",
    "aws.rds.db_subnet_group",
    "aws.rds.event_subscription",
    "aws.rds.global_cluster",
    "aws.secretsmanager.secret",
]

CATALOGUE = load_policies([])


def _r(rid: str, rtype: str, account: str = ACCOUNT, **attrs: Any) -> Resource:
    return Resource(id=rid, type=rtype, account=account, region=REGION, attrs=attrs)


def cluster(**overrides: Any) -> Resource:
    """A DescribeDBClusters record as a real account returns it (the fields policies read)."""
    attrs: dict[str, Any] = {
        "DBClusterIdentifier": "orders",
        "DBClusterArn": f"{ARN}:cluster:orders",
        "Engine": "aurora-postgresql",
        "EngineVersion": "15.4",
        "EngineMode": "provisioned",
        "Status": "available",
        "Port": 5432,
        "MasterUsername": "orders_admin",
        "DBSubnetGroup": "orders-db",
        "DBClusterParameterGroup": "orders-pg15",
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0a1b2c3d4e5f60001", "Status": "active"}],
        "StorageEncrypted": True,
        "StorageEncryptionType": "sse-kms",
        "KmsKeyId": KEY_ARN,
        "DeletionProtection": True,
        "BackupRetentionPeriod": 14,
        "DBClusterMembers": [],
        "TagList": [],
    }
    attrs.update(overrides)
    return _r(attrs["DBClusterArn"], "aws.rds.db_cluster", **attrs)


def network(group_account: str = ACCOUNT) -> list[Resource]:
    """Subnet group, a private subnet routed locally, and a closed security group."""
    return [
        _r(
            f"{ARN}:subgrp:orders-db",
            "aws.rds.db_subnet_group",
            DBSubnetGroupName="orders-db",
            VpcId="vpc-0a1b2c3d",
            SubnetGroupStatus="Complete",
            Subnets=[
                {
                    "SubnetIdentifier": "subnet-0aaa1111",
                    "SubnetAvailabilityZone": {"Name": f"{REGION}a"},
                    "SubnetOutpost": {},
                    "SubnetStatus": "Active",
                }
            ],
        ),
        _r(
            f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/subnet-0aaa1111",
            "aws.ec2.subnet",
            SubnetId="subnet-0aaa1111",
            VpcId="vpc-0a1b2c3d",
            AvailabilityZone=f"{REGION}a",
            MapPublicIpOnLaunch=False,
        ),
        _r(
            f"arn:aws:ec2:{REGION}:{ACCOUNT}:route-table/rtb-0main",
            "aws.ec2.route_table",
            RouteTableId="rtb-0main",
            VpcId="vpc-0a1b2c3d",
            Associations=[
                {
                    "Main": True,
                    "RouteTableAssociationId": "rtbassoc-0main",
                    "RouteTableId": "rtb-0main",
                    "AssociationState": {"State": "associated"},
                }
            ],
            Routes=[
                {
                    "DestinationCidrBlock": "10.20.0.0/16",
                    "GatewayId": "local",
                    "Origin": "CreateRouteTable",
                    "State": "active",
                }
            ],
        ),
        _r(
            f"arn:aws:ec2:{REGION}:{group_account}:security-group/sg-0a1b2c3d4e5f60001",
            "aws.ec2.security_group",
            account=group_account,
            GroupId="sg-0a1b2c3d4e5f60001",
            GroupName="orders-db",
            OwnerId=group_account,
            VpcId="vpc-0a1b2c3d",
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "IpRanges": [{"CidrIp": "10.20.0.0/16"}],
                    "UserIdGroupPairs": [],
                    "PrefixListIds": [],
                }
            ],
        ),
    ]


def key(arn: str = KEY_ARN, manager: str = "CUSTOMER") -> Resource:
    account = arn.split(":")[4]
    return _r(
        arn,
        "aws.kms.key",
        account=account,
        KeyId=arn.rsplit("/", 1)[-1],
        Arn=arn,
        AWSAccountId=account,
        KeyManager=manager,
        KeyState="Enabled",
        KeyUsage="ENCRYPT_DECRYPT",
        Enabled=True,
    )


def snapshot(
    *resources: Resource,
    errors: tuple[CollectionError, ...] = (),
    collected: list[str] | None = None,
) -> Snapshot:
    context: dict[str, Any] = {"caller_identity": {"Account": ACCOUNT}}
    if collected is not None:
        context["resource_types"] = collected
    return Snapshot(
        collected_at="2026-12-01T00:00:00Z",
        accounts=(ACCOUNT,),
        regions=(REGION,),
        resources=resources,
        errors=errors,
        context=context,
    )


def verdicts(result: ScanResult, *policies: str) -> dict[str, Status]:
    return {
        f.policy_id: f.status
        for f in result.findings
        if f.policy_id in policies and f.resource_type == "aws.rds.db_cluster"
    }


def reason(result: ScanResult, policy: str) -> str:
    (found,) = (
        f
        for f in result.findings
        if f.policy_id == policy and f.resource_type == "aws.rds.db_cluster"
    )
    return found.reason


NETWORK_POLICIES = (
    "aurora.cluster.sg_no_world_ingress",
    "aurora.cluster.no_public_subnet",
    "aurora.cluster.not_default_security_group",
)


def test_complete_snapshot_decides_the_network_policies() -> None:
    result = evaluate(snapshot(cluster(), *network(), key(), collected=EVERY_TYPE), CATALOGUE)
    assert verdicts(result, *NETWORK_POLICIES) == dict.fromkeys(NETWORK_POLICIES, Status.PASS)


def test_types_that_were_not_collected_are_unknown_not_pass() -> None:
    """Defect 15: scan --resource-types aws.rds.db_cluster,aws.rds.db_instance."""
    narrowed = ["aws.rds.db_cluster", "aws.rds.db_instance"]
    result = evaluate(snapshot(cluster(), collected=narrowed), CATALOGUE)
    assert verdicts(result, *NETWORK_POLICIES) == dict.fromkeys(NETWORK_POLICIES, Status.UNKNOWN)
    assert "aws.ec2.security_group was not collected" in reason(
        result, "aurora.cluster.sg_no_world_ingress"
    )
    # What the cluster record itself answers stays decided.
    assert verdicts(result, "aurora.cluster.deletion_protection") == {
        "aurora.cluster.deletion_protection": Status.PASS
    }
    # A lookup into a type that was not collected: not "unprotected".
    assert verdicts(result, "aurora.cluster.backup_plan") == {
        "aurora.cluster.backup_plan": Status.UNKNOWN
    }
    assert result.incomplete


def test_records_removed_from_a_snapshot_are_unknown_not_pass() -> None:
    """Defect 15: a snapshot with its security-group records removed."""
    kept = [r for r in network() if r.type != "aws.ec2.security_group"]
    result = evaluate(snapshot(cluster(), *kept, key()), CATALOGUE)
    assert verdicts(result, "aurora.cluster.sg_no_world_ingress") == {
        "aurora.cluster.sg_no_world_ingress": Status.UNKNOWN
    }
    assert "sg-0a1b2c3d4e5f60001" in reason(result, "aurora.cluster.sg_no_world_ingress")


def test_a_security_group_shared_from_an_unscanned_account_is_unknown() -> None:
    """Defect 4: a shared-VPC security group owned by the VPC owner's account."""
    shared = cluster(VpcSecurityGroups=[{"VpcSecurityGroupId": "sg-0fff", "Status": "active"}])
    result = evaluate(snapshot(shared, *network(), key()), CATALOGUE)
    assert verdicts(
        result, "aurora.cluster.sg_no_world_ingress", "aurora.cluster.no_public_subnet"
    ) == {
        "aurora.cluster.sg_no_world_ingress": Status.UNKNOWN,
        "aurora.cluster.no_public_subnet": Status.PASS,
    }
    assert "protected_by names sg-0fff" in reason(result, "aurora.cluster.sg_no_world_ingress")


def test_a_key_in_another_account_that_was_not_described_is_unknown() -> None:
    """Defect 4: KmsKeyId names a key in an account the scan cannot describe."""
    foreign = cluster(KmsKeyId=FOREIGN_KEY)
    result = evaluate(snapshot(foreign, *network()), CATALOGUE)
    assert verdicts(result, "aurora.cluster.kms_customer_managed_key") == {
        "aurora.cluster.kms_customer_managed_key": Status.UNKNOWN
    }
    assert FOREIGN_KEY in reason(result, "aurora.cluster.kms_customer_managed_key")
    # Described (the key policy lets the scanner in): decided.
    result = evaluate(snapshot(foreign, *network(), key(FOREIGN_KEY)), CATALOGUE)
    assert verdicts(result, "aurora.cluster.kms_customer_managed_key") == {
        "aurora.cluster.kms_customer_managed_key": Status.PASS
    }


def test_a_failed_augment_leaves_what_the_listing_answered_decided() -> None:
    """Defect 14: AccessDenied on DescribeDBClusterSnapshotAttributes."""
    snap = _r(
        f"{ARN}:cluster-snapshot:orders-2026-12-01",
        "aws.rds.db_cluster_snapshot",
        DBClusterSnapshotIdentifier="orders-2026-12-01",
        DBClusterSnapshotArn=f"{ARN}:cluster-snapshot:orders-2026-12-01",
        DBClusterIdentifier="orders",
        Engine="aurora-postgresql",
        SnapshotType="manual",
        Status="available",
        Port=0,
        AllocatedStorage=0,
        VpcId="vpc-0a1b2c3d",
        StorageEncrypted=True,
        KmsKeyId=KEY_ARN,
    )
    denied = CollectionError(
        ACCOUNT,
        REGION,
        "rds",
        "DescribeDBClusterSnapshotAttributes",
        "AccessDenied",
        "not authorized",
        ("aws.rds.db_cluster_snapshot",),
    )
    result = evaluate(snapshot(cluster(), *network(), key(), snap, errors=(denied,)), CATALOGUE)
    by_policy = {
        f.policy_id: f for f in result.findings if f.resource_type == "aws.rds.db_cluster_snapshot"
    }
    assert by_policy["aurora.cluster_snapshot.encrypted"].status is Status.PASS
    assert by_policy["aurora.cluster_snapshot.kms_customer_managed_key"].status is Status.PASS
    for policy in (
        "aurora.cluster_snapshot.not_public",
        "aurora.cluster_snapshot.no_untrusted_share",
    ):
        assert by_policy[policy].status is Status.UNKNOWN
        assert "DescribeDBClusterSnapshotAttributes" in by_policy[policy].reason
        kinds = {e["kind"] for e in by_policy[policy].evidence}
        assert "missing" in kinds


def test_evaluate_cli_on_a_narrowed_snapshot_is_incomplete(
    tmp_path: Path, cli: Callable[[list[str]], CliResult]
) -> None:
    snap = snapshot(cluster(), collected=["aws.rds.db_cluster", "aws.rds.db_instance"])
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snap.to_dict()))
    out = tmp_path / "out"
    code, _, _ = cli(
        ["evaluate", str(path), "--output-dir", str(out), "--format", "json", "--fail-on", "none"]
    )
    assert code == 3
    data = read_result(out / "results.json").to_dict()
    unknown = {
        f["policy_id"]
        for f in data["findings"]
        if f["status"] == "UNKNOWN" and f["resource_type"] == "aws.rds.db_cluster"
    }
    assert set(NETWORK_POLICIES) <= unknown


@pytest.mark.parametrize("relation_type", ["aws.ec2.subnet", "aws.ec2.route_table"])
def test_each_missing_network_link_makes_no_public_subnet_unknown(relation_type: str) -> None:
    kept = [r for r in network() if r.type != relation_type]
    result = evaluate(snapshot(cluster(), *kept, key()), CATALOGUE)
    assert verdicts(result, "aurora.cluster.no_public_subnet") == {
        "aurora.cluster.no_public_subnet": Status.UNKNOWN
    }
