"""moto helpers for the product tests: a private server, IAM enforcement, a small estate.

IAM enforcement (fault recipe C, docs/testing.md) is process-wide in moto: every request
to any moto server in this process is then authenticated, so it is switched
on only inside ``iam_enforced`` and always switched off again.  The
"testing" keys stop working while it is on: create IAM users and their keys
before.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3

ACCOUNT = "123456789012"
# Other tests seed us-east-1 in the same moto process; this region is ours.
REGION = "ap-southeast-2"
FAKE = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def client(url: str, service: str, region: str = REGION, **creds: str) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=url, **(creds or FAKE))


def _reset_auth(url: str, body: str) -> None:
    # moto needs text/plain here: a form-encoded body crashes it (float('')).
    request = urllib.request.Request(
        f"{url}/moto-api/reset-auth",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@contextlib.contextmanager
def iam_enforced(url: str) -> Iterator[None]:
    """Recipe C (docs/testing.md): body ``0`` authenticates every request, ``inf`` stops."""
    skip_backup_signature_check_under_iam_enforcement()
    _reset_auth(url, "0")
    try:
        yield
    finally:
        _reset_auth(url, "inf")


def skip_backup_signature_check_under_iam_enforcement() -> None:
    """moto gap: with IAM enforcement on, moto rejects *every* AWS Backup REST call
    (ListBackupPlans included, not only our patched ListProtectedResources) with
    SignatureDoesNotMatch, although botocore signed it correctly.  Skip only the
    SigV4 check for service ``backup``; the IAM policy is still evaluated, so a
    missing backup:ListProtectedResources is still AccessDenied.  Idempotent."""
    from moto.iam.access_control import IAMRequest

    if getattr(IAMRequest, "_aurora_scan_backup_sig_gap", False):
        return
    original = IAMRequest.check_signature

    def check_signature(self: Any) -> None:
        if getattr(self, "_service", "") == "backup":
            return
        original(self)

    IAMRequest.check_signature = check_signature  # type: ignore[method-assign]
    IAMRequest._aurora_scan_backup_sig_gap = True  # type: ignore[attr-defined]


def create_user_with_policy(url: str, name: str, document: dict[str, Any]) -> dict[str, str]:
    """An IAM user whose only permissions are ``document``; returns its access key."""
    iam = client(url, "iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(
        UserName=name, PolicyName="aurora-scan", PolicyDocument=json.dumps(document)
    )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }


@dataclass
class SmallEstate:
    cluster_arn: str = ""
    types: set[str] = field(default_factory=set)  # resource types seeded


def seed_small_estate(
    url: str, region: str = REGION, prefix: str = "perm", **creds: str
) -> SmallEstate:
    """One of every Aurora-related thing a policy can reach, in one account and region."""
    rds, ec2, kms = (client(url, s, region, **creds) for s in ("rds", "ec2", "kms"))
    key = kms.create_key(Description=f"{prefix} key")["KeyMetadata"]["Arn"]
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{region}{az}")[
            "Subnet"
        ]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnets[0])
    sg = ec2.create_security_group(GroupName=f"{prefix}-db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3306,
                "ToPort": 3306,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    rds.create_db_subnet_group(
        DBSubnetGroupName=f"{prefix}-subnets", DBSubnetGroupDescription="db", SubnetIds=subnets
    )
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName=f"{prefix}-params",
        DBParameterGroupFamily="aurora-mysql8.0",
        Description="tls",
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=f"{prefix}-params",
        Parameters=[
            {
                "ParameterName": "require_secure_transport",
                "ParameterValue": "ON",
                "ApplyMethod": "immediate",
            }
        ],
    )
    cluster = rds.create_db_cluster(
        DBClusterIdentifier=f"{prefix}-c1",
        Engine="aurora-mysql",
        EngineVersion="8.0.mysql_aurora.3.05.2",
        MasterUsername="dbadmin",
        ManageMasterUserPassword=True,
        StorageEncrypted=True,
        KmsKeyId=key,
        DBSubnetGroupName=f"{prefix}-subnets",
        VpcSecurityGroupIds=[sg],
        DBClusterParameterGroupName=f"{prefix}-params",
        Tags=[{"Key": "env", "Value": "prod"}],
    )["DBCluster"]
    rds.create_db_instance(
        DBInstanceIdentifier=f"{prefix}-c1-a",
        DBClusterIdentifier=f"{prefix}-c1",
        Engine="aurora-mysql",
        DBInstanceClass="db.r6g.large",
        AvailabilityZone=f"{region}a",
        # moto's default (rds-ca-default) is no CA that DescribeCertificates lists.
        CACertificateIdentifier="rds-ca-rsa2048-g1",
    )
    rds.create_db_cluster_snapshot(
        DBClusterIdentifier=f"{prefix}-c1", DBClusterSnapshotIdentifier=f"{prefix}-snap"
    )
    rds.create_event_subscription(
        SubscriptionName=f"{prefix}-events",
        SnsTopicArn=f"arn:aws:sns:{region}:{ACCOUNT}:ops",
        SourceType="db-cluster",
    )
    # Without SourceDBClusterIdentifier: moto looks the source up outside this region.
    rds.create_global_cluster(
        GlobalClusterIdentifier=f"{prefix}-global", Engine="aurora-mysql", StorageEncrypted=True
    )
    return SmallEstate(
        cluster_arn=cluster["DBClusterArn"],
        types={
            "aws.kms.key",
            "aws.ec2.vpc",
            "aws.ec2.subnet",
            "aws.ec2.internet_gateway",
            "aws.ec2.route_table",
            "aws.ec2.security_group",
            "aws.rds.db_subnet_group",
            "aws.rds.db_cluster_parameter_group",
            "aws.rds.db_cluster",
            "aws.rds.db_instance",
            "aws.rds.db_cluster_snapshot",
            "aws.rds.event_subscription",
            "aws.rds.global_cluster",
            "aws.secretsmanager.secret",
        },
    )
