"""A synthetic Aurora estate of any size, as a Snapshot (no AWS, no moto).

``synthetic_snapshot(clusters=N)`` gives N Aurora clusters, each with 3 member
instances (one writer, two readers) and 2 manual cluster snapshots, on one
shared network per account/region (VPC, 3 subnets in 3 AZs, a DB subnet group,
a main route table with a NAT default route, a public route table with an
internet gateway, security groups, a NAT gateway), plus the KMS keys, cluster
parameter groups, master secrets, AWS Backup records, CA certificates and an
event subscription those clusters reference.  Records use boto3's field names.

Settings vary deterministically with the cluster index so every policy sees
both PASS and FAIL (roughly one cluster in five fails something), which makes
the findings and evidence realistic in size.  Other engineers reuse it for
report and scale benchmarks::

    from benchmarks.synthetic import synthetic_snapshot
    snapshot = synthetic_snapshot(clusters=1000, accounts=2, regions=("us-east-1",))

Run it as a script to write a snapshot file:
``python benchmarks/synthetic.py --clusters 1000 --output snap.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.model import Resource, Snapshot

COLLECTED_AT = "2026-11-28T00:00:00Z"
AZS = ("a", "b", "c")


def _arn(service: str, region: str, account: str, kind: str, name: str, sep: str = ":") -> str:
    return f"arn:aws:{service}:{region}:{account}:{kind}{sep}{name}"


def _network(account: str, region: str) -> tuple[list[Resource], dict[str, Any]]:
    """The shared network of one account/region and the ids clusters refer to."""
    vpc_id = f"vpc-{account[-4:]}{region[-1]}"
    out: list[Resource] = []

    def add(rtype: str, rid: str, attrs: dict[str, Any]) -> None:
        out.append(Resource(id=rid, type=rtype, account=account, region=region, attrs=attrs))

    add(
        "aws.ec2.vpc",
        _arn("ec2", region, account, "vpc", vpc_id, "/"),
        {"VpcId": vpc_id, "CidrBlock": "10.0.0.0/16", "IsDefault": False, "OwnerId": account},
    )
    subnets = []
    for i, az in enumerate(AZS):
        subnet_id = f"subnet-{vpc_id[4:]}{i}"
        subnets.append((subnet_id, f"{region}{az}"))
        add(
            "aws.ec2.subnet",
            _arn("ec2", region, account, "subnet", subnet_id, "/"),
            {
                "SubnetId": subnet_id,
                "VpcId": vpc_id,
                "AvailabilityZone": f"{region}{az}",
                "CidrBlock": f"10.0.{i}.0/24",
                "MapPublicIpOnLaunch": False,
            },
        )
    public_subnet = f"subnet-{vpc_id[4:]}p"
    add(
        "aws.ec2.subnet",
        _arn("ec2", region, account, "subnet", public_subnet, "/"),
        {
            "SubnetId": public_subnet,
            "VpcId": vpc_id,
            "AvailabilityZone": f"{region}a",
            "CidrBlock": "10.0.100.0/24",
            "MapPublicIpOnLaunch": True,
        },
    )
    igw = f"igw-{vpc_id[4:]}"
    nat = f"nat-{vpc_id[4:]}"
    add(
        "aws.ec2.internet_gateway",
        _arn("ec2", region, account, "internet-gateway", igw, "/"),
        {"InternetGatewayId": igw, "Attachments": [{"VpcId": vpc_id, "State": "available"}]},
    )
    add(
        "aws.ec2.nat_gateway",
        _arn("ec2", region, account, "natgateway", nat, "/"),
        {"NatGatewayId": nat, "VpcId": vpc_id, "SubnetId": public_subnet, "State": "available"},
    )
    add(
        "aws.ec2.route_table",
        _arn("ec2", region, account, "route-table", f"rtb-{vpc_id[4:]}m", "/"),
        {
            "RouteTableId": f"rtb-{vpc_id[4:]}m",
            "VpcId": vpc_id,
            "Associations": [{"Main": True, "RouteTableId": f"rtb-{vpc_id[4:]}m"}],
            "Routes": [
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
                {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat, "State": "active"},
            ],
        },
    )
    add(
        "aws.ec2.route_table",
        _arn("ec2", region, account, "route-table", f"rtb-{vpc_id[4:]}p", "/"),
        {
            "RouteTableId": f"rtb-{vpc_id[4:]}p",
            "VpcId": vpc_id,
            "Associations": [{"Main": False, "SubnetId": public_subnet}],
            "Routes": [
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
                {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "State": "active"},
            ],
        },
    )
    groups = {}
    for name, cidr, port in (
        ("db-private", "10.0.0.0/16", (3306, 5432)),
        ("db-open", "0.0.0.0/0", (0, 65535)),
    ):
        group_id = f"sg-{vpc_id[4:]}{name[-4:]}"
        groups[name] = group_id
        add(
            "aws.ec2.security_group",
            _arn("ec2", region, account, "security-group", group_id, "/"),
            {
                "GroupId": group_id,
                "GroupName": name,
                "VpcId": vpc_id,
                "OwnerId": account,
                "IpPermissions": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": port[0],
                        "ToPort": port[1],
                        "IpRanges": [{"CidrIp": cidr}],
                        "Ipv6Ranges": [],
                        "UserIdGroupPairs": [],
                    }
                ],
            },
        )
    sng = "aurora-private"
    add(
        "aws.rds.db_subnet_group",
        _arn("rds", region, account, "subgrp", sng),
        {
            "DBSubnetGroupName": sng,
            "DBSubnetGroupArn": _arn("rds", region, account, "subgrp", sng),
            "VpcId": vpc_id,
            "SubnetGroupStatus": "Complete",
            "Subnets": [
                {
                    "SubnetIdentifier": s,
                    "SubnetAvailabilityZone": {"Name": az},
                    "SubnetStatus": "Active",
                }
                for s, az in subnets
            ],
        },
    )
    cmk = f"{account[-4:]}0000-1111-2222-3333-{region[-1]}44444444444"
    aws_key = f"{account[-4:]}9999-1111-2222-3333-{region[-1]}44444444444"
    for key_id, manager in ((cmk, "CUSTOMER"), (aws_key, "AWS")):
        arn = _arn("kms", region, account, "key", key_id, "/")
        add(
            "aws.kms.key",
            arn,
            {
                "KeyId": key_id,
                "Arn": arn,
                "KeyManager": manager,
                "KeyState": "Enabled",
                "Enabled": True,
            },
        )
    for family, params in (
        (
            "aurora-mysql8.0",
            {
                "require_secure_transport": "ON",
                "tls_version": "TLSv1.2",
                "server_audit_logging": "1",
                "server_audit_events": "CONNECT,QUERY",
            },
        ),
        (
            "aurora-postgresql16",
            {
                "rds.force_ssl": "1",
                "log_statement": "ddl",
                "shared_preload_libraries": "pg_stat_statements,pgaudit",
            },
        ),
    ):
        name = f"custom-{family.replace('.', '-')}"
        add(
            "aws.rds.db_cluster_parameter_group",
            _arn("rds", region, account, "cluster-pg", name),
            {
                "DBClusterParameterGroupName": name,
                "DBClusterParameterGroupArn": _arn("rds", region, account, "cluster-pg", name),
                "DBParameterGroupFamily": family,
                "Parameters": [
                    {"ParameterName": k, "ParameterValue": v, "Source": "user"}
                    for k, v in params.items()
                ],
            },
        )
    cert = "rds-ca-rsa2048-g1"
    add(
        "aws.rds.certificate",
        _arn("rds", region, account, "cert", cert),
        {
            "CertificateIdentifier": cert,
            "CertificateType": "CA",
            "ValidFrom": "2021-05-25T23:34:57Z",
            "ValidTill": "2061-05-25T23:34:57Z",
        },
    )
    sub = "aurora-events"
    add(
        "aws.rds.event_subscription",
        _arn("rds", region, account, "es", sub),
        {
            "CustSubscriptionId": sub,
            "EventSubscriptionArn": _arn("rds", region, account, "es", sub),
            "SourceType": "db-cluster",
            "SourceIdsList": [],
            "EventCategoriesList": [],
            "Enabled": True,
            "Status": "active",
            "SnsTopicArn": _arn("sns", region, account, "", "ops"),
        },
    )
    refs = {
        "vpc_id": vpc_id,
        "subnets": subnets,
        "sng": sng,
        "sg_private": groups["db-private"],
        "sg_open": groups["db-open"],
        "cmk": _arn("kms", region, account, "key", cmk, "/"),
        "aws_key": _arn("kms", region, account, "key", aws_key, "/"),
        "cert": cert,
    }
    return out, refs


def _cluster(index: int, account: str, region: str, net: dict[str, Any]) -> list[Resource]:
    name = f"aurora-{index:06d}"
    bad = index % 5 == 0  # one cluster in five fails a handful of policies
    mysql = index % 2 == 0
    engine = "aurora-mysql" if mysql else "aurora-postgresql"
    version = "8.0.mysql_aurora.3.08.0" if mysql else ("16.4" if not bad else "11.9")
    cluster_arn = _arn("rds", region, account, "cluster", name)
    secret_arn = _arn("secretsmanager", region, account, "secret", f"rds!cluster-{name}-AbCdEf")
    pg = "custom-aurora-mysql8-0" if mysql else "custom-aurora-postgresql16"
    members = []
    instances = []
    for i in range(3):
        iname = f"{name}-{i}"
        az = net["subnets"][i % 3][1] if not (bad and i == 1) else net["subnets"][0][1]
        members.append(
            {
                "DBInstanceIdentifier": iname,
                "IsClusterWriter": i == 0,
                "DBClusterParameterGroupStatus": "in-sync",
                "PromotionTier": 1,
            }
        )
        instances.append(
            Resource(
                id=_arn("rds", region, account, "db", iname),
                type="aws.rds.db_instance",
                account=account,
                region=region,
                attrs={
                    "DBInstanceIdentifier": iname,
                    "DBInstanceArn": _arn("rds", region, account, "db", iname),
                    "DBClusterIdentifier": name,
                    "Engine": engine,
                    "EngineVersion": version,
                    "DBInstanceClass": "db.r6g.large" if not (bad and i == 2) else "db.t4g.medium",
                    "AvailabilityZone": az,
                    "PubliclyAccessible": bad and i == 0,
                    "MonitoringInterval": 60 if not bad else 0,
                    "PerformanceInsightsEnabled": not bad,
                    "PerformanceInsightsKMSKeyId": net["cmk"] if not bad else None,
                    "CACertificateIdentifier": net["cert"],
                    "AutoMinorVersionUpgrade": True,
                    "PromotionTier": 1,
                    "StorageEncrypted": True,
                    "KmsKeyId": net["cmk"],
                    "DBSubnetGroup": {"DBSubnetGroupName": net["sng"], "VpcId": net["vpc_id"]},
                    "VpcSecurityGroups": [
                        {
                            "VpcSecurityGroupId": net["sg_open" if bad else "sg_private"],
                            "Status": "active",
                        }
                    ],
                    "DBInstanceStatus": "available",
                    "TagList": [{"Key": "env", "Value": "production" if index % 3 else "dev"}],
                },
            )
        )
    cluster = Resource(
        id=cluster_arn,
        type="aws.rds.db_cluster",
        account=account,
        region=region,
        attrs={
            "DBClusterIdentifier": name,
            "DBClusterArn": cluster_arn,
            "Engine": engine,
            "EngineVersion": version,
            "EngineMode": "provisioned",
            "EngineLifecycleSupport": "open-source-rds-extended-support-disabled",
            "Port": 3306 if mysql else 5432,
            "Status": "available",
            "StorageEncrypted": not bad,
            "KmsKeyId": net["cmk"] if index % 7 else net["aws_key"],
            "DeletionProtection": not bad,
            "BackupRetentionPeriod": 14 if not bad else 1,
            "IAMDatabaseAuthenticationEnabled": not bad,
            "CopyTagsToSnapshot": True,
            "MasterUsername": "admin" if bad else "app_owner",
            "MasterUserSecret": {
                "SecretArn": secret_arn,
                "SecretStatus": "active",
                "KmsKeyId": net["cmk"],
            },
            "DBSubnetGroup": net["sng"],
            "VpcSecurityGroups": [
                {"VpcSecurityGroupId": net["sg_open" if bad else "sg_private"], "Status": "active"}
            ],
            "DBClusterParameterGroup": pg,
            "DBClusterMembers": members,
            "AvailabilityZones": [az for _, az in net["subnets"]],
            "MultiAZ": True,
            "EnabledCloudwatchLogsExports": (
                (["audit", "error", "slowquery"] if mysql else ["postgresql"]) if not bad else []
            ),
            "BacktrackWindow": 86400 if mysql and not bad else 0,
            "ActivityStreamStatus": "stopped",
            "AutoMinorVersionUpgrade": True,
            "TagList": [
                {"Key": "env", "Value": "production" if index % 3 else "dev"},
                {"Key": "owner", "Value": f"team-{index % 17}"},
            ],
        },
    )
    secret = Resource(
        id=secret_arn,
        type="aws.secretsmanager.secret",
        account=account,
        region=region,
        attrs={
            "ARN": secret_arn,
            "Name": f"rds!cluster-{name}",
            "RotationEnabled": not bad,
            "LastRotatedDate": "2026-11-01T00:00:00Z",
            "OwningService": "rds",
        },
    )
    out = [cluster, secret, *instances]
    if index % 4:
        out.append(
            Resource(
                id=f"{cluster_arn}#backup",
                type="aws.backup.protected_resource",
                account=account,
                region=region,
                attrs={
                    "ResourceArn": cluster_arn,
                    "ResourceType": "Aurora",
                    "ResourceName": name,
                    "LastBackupTime": "2026-11-27T03:00:00Z",
                },
            )
        )
    for s in range(2):
        sname = f"{name}-snap-{s}"
        sarn = _arn("rds", region, account, "cluster-snapshot", sname)
        restore = ["all"] if bad and s == 0 else ([] if s == 0 else ["210987654321"])
        out.append(
            Resource(
                id=sarn,
                type="aws.rds.db_cluster_snapshot",
                account=account,
                region=region,
                attrs={
                    "DBClusterSnapshotIdentifier": sname,
                    "DBClusterSnapshotArn": sarn,
                    "DBClusterIdentifier": name,
                    "Engine": engine,
                    "EngineVersion": version,
                    "SnapshotType": "manual",
                    "Status": "available",
                    "StorageEncrypted": not bad,
                    "KmsKeyId": net["cmk"] if not bad else None,
                    "SnapshotCreateTime": "2026-11-20T00:00:00Z",
                    "DBClusterSnapshotAttributes": [
                        {"AttributeName": "restore", "AttributeValues": restore}
                    ],
                    "TagList": [{"Key": "env", "Value": "production"}],
                },
            )
        )
    return out


def synthetic_snapshot(
    clusters: int,
    *,
    accounts: int = 1,
    regions: Sequence[str] = ("us-east-1",),
) -> Snapshot:
    """``clusters`` Aurora clusters spread round-robin over accounts x regions."""
    account_ids = [f"{100000000000 + i * 111111111:012d}" for i in range(accounts)]
    cells = [(a, r) for a in account_ids for r in regions]
    resources: list[Resource] = []
    nets = {}
    for account, region in cells:
        network, refs = _network(account, region)
        resources.extend(network)
        nets[(account, region)] = refs
    for index in range(clusters):
        account, region = cells[index % len(cells)]
        resources.extend(_cluster(index, account, region, nets[(account, region)]))
    return Snapshot(
        collected_at=COLLECTED_AT,
        accounts=tuple(account_ids),
        regions=tuple(regions),
        resources=tuple(resources),
        context={
            "started_at": "2026-11-27T23:58:00Z",
            "finished_at": COLLECTED_AT,
            "caller_identity": {
                "Account": account_ids[0],
                "Arn": f"arn:aws:sts::{account_ids[0]}:assumed-role/scanner/ci",
            },
            "regions_skipped": [],
            "synthetic": True,
        },
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, default=100, help="number of clusters")
    parser.add_argument("--accounts", type=int, default=1, help="number of accounts")
    parser.add_argument("--regions", default="us-east-1", help="comma-separated regions")
    parser.add_argument("--output", type=Path, required=True, help="snapshot file to write")
    args = parser.parse_args(argv)
    snapshot = synthetic_snapshot(
        args.clusters, accounts=args.accounts, regions=tuple(args.regions.split(","))
    )
    args.output.write_text(json.dumps(snapshot.to_dict(), sort_keys=True) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {args.output}: {len(snapshot.resources)} resources\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
