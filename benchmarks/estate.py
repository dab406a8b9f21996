"""Seed a moto server with an Aurora estate of N clusters for the benchmarks.

Shape (deterministic for a given N):

- N clusters, alternating aurora-mysql 8.0 / aurora-postgresql 15.4, two
  instances each (the writer in AZ a, the reader in AZ b, or both in a on
  every fourth cluster so multi-AZ fails somewhere);
- half of them with one manual cluster snapshot, one in ten of those
  shared publicly and one in ten shared with an outside account;
- the network around them: max(2, N/25) VPCs, each with three subnets, an
  internet gateway on the main route table, a private route table, a DB
  subnet group and three security groups (one open to the world);
- max(2, N/10) customer KMS keys plus the AWS-managed aws/rds key;
- max(4, N/20) cluster parameter groups (half of them enforce TLS and audit);
- managed master passwords (Secrets Manager) on half the clusters, one event
  subscription, and activity streams / Performance Insights on some (moto
  never emits those fields; scanner/demo/moto_gaps.py fills them in the backend).

Settings vary with the cluster index so every policy sees passes and
failures. Everything goes through the HTTP API of the server except the two
backend fills (§5b, §5c), which need the server to run in this process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import boto3

ACCOUNT = "123456789012"
REGION = "us-east-1"
FAKE_CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
MYSQL = ("aurora-mysql", "8.0.mysql_aurora.3.05.2", "aurora-mysql8.0", 3306)
POSTGRES = ("aurora-postgresql", "15.4", "aurora-postgresql15", 5432)


@dataclass
class Estate:
    clusters: int
    instances: int = 0
    manual_snapshots: int = 0
    vpcs: int = 0
    subnets: int = 0
    security_groups: int = 0
    kms_keys: int = 0
    parameter_groups: int = 0
    secrets: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"{self.clusters} clusters, {self.instances} instances, "
            f"{self.manual_snapshots} manual snapshots, {self.vpcs} VPCs, {self.subnets} subnets, "
            f"{self.security_groups} SGs, {self.kms_keys} KMS keys, "
            f"{self.parameter_groups} parameter groups, {self.secrets} secrets"
        )


def _client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name=REGION, **FAKE_CREDS)


def seed(url: str, n: int) -> Estate:
    started = time.perf_counter()
    ec2, rds, kms = _client("ec2", url), _client("rds", url), _client("kms", url)
    estate = Estate(clusters=n)

    networks = [_network(ec2, rds, v) for v in range(max(2, n // 25))]
    estate.vpcs = len(networks)
    estate.subnets = 3 * len(networks)
    estate.security_groups = 3 * len(networks)

    keys = [
        kms.create_key(Description=f"bench aurora key {k}")["KeyMetadata"]["Arn"]
        for k in range(max(2, n // 10))
    ]
    managed_key = _aws_managed_rds_key(kms)
    estate.kms_keys = len(keys) + 1

    groups: dict[str, list[str]] = {MYSQL[2]: [], POSTGRES[2]: []}
    for g in range(max(4, n // 20)):
        family = MYSQL[2] if g % 2 == 0 else POSTGRES[2]
        name = f"bench-{family.replace('.', '-')}-{g}"
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=name, DBParameterGroupFamily=family, Description=name
        )
        if g % 4 < 2:  # every other group per family enforces TLS and auditing
            rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName=name, Parameters=_hardened(family)
            )
        groups[family].append(name)
    estate.parameter_groups = sum(len(v) for v in groups.values())

    for i in range(n):
        engine, version, family, port = MYSQL if i % 2 == 0 else POSTGRES
        net = networks[i % len(networks)]
        cid = f"bench-{i:04d}"
        params: dict[str, Any] = {
            "DBClusterIdentifier": cid,
            "Engine": engine,
            "EngineVersion": version,
            "MasterUsername": "admin" if i % 5 == 0 else f"dba{i}",
            "DBSubnetGroupName": net["subnet_group"],
            "VpcSecurityGroupIds": [net["open_sg"] if i % 6 == 0 else net["app_sg"]],
            "DBClusterParameterGroupName": groups[family][(i // 2) % len(groups[family])],
            "StorageEncrypted": i % 7 != 3,
            "DeletionProtection": i % 3 != 0,
            "BackupRetentionPeriod": 14 if i % 4 else 1,
            "EnableIAMDatabaseAuthentication": i % 2 == 1,
            "CopyTagsToSnapshot": i % 3 != 1,
            "Port": port if i % 3 else port + 1,
            "EnableCloudwatchLogsExports": _logs(engine, i),
            "Tags": [
                {"Key": "env", "Value": "prod" if i % 3 == 0 else "dev"},
                {"Key": "owner", "Value": f"team-{i % 7}"},
            ],
        }
        if params["StorageEncrypted"]:
            params["KmsKeyId"] = managed_key if i % 5 == 0 else keys[i % len(keys)]
        if engine == "aurora-mysql" and i % 4 == 0:
            params["BacktrackWindow"] = 3600
        if i % 2 == 0:
            params["ManageMasterUserPassword"] = True
            estate.secrets += 1
        else:
            params["MasterUserPassword"] = "not-a-real-password-1"
        rds.create_db_cluster(**params)
        for member in (1, 2):
            az = "a" if member == 1 or i % 4 == 1 else "b"
            rds.create_db_instance(
                DBInstanceIdentifier=f"{cid}-{member}",
                DBClusterIdentifier=cid,
                Engine=engine,
                DBInstanceClass="db.t4g.medium" if i % 9 == 0 else "db.r6g.large",
                AvailabilityZone=f"{REGION}{az}",
                DBSubnetGroupName=net["subnet_group"],
                PubliclyAccessible=i % 8 == 0,
                **_monitoring(i),
                AutoMinorVersionUpgrade=i % 10 != 0,
                PromotionTier=member,
                CACertificateIdentifier="rds-ca-rsa2048-g1",
            )
            estate.instances += 1
        if i % 2 == 0:
            sid = f"{cid}-manual"
            rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=sid, DBClusterIdentifier=cid)
            estate.manual_snapshots += 1
            if i % 20 == 0:
                rds.modify_db_cluster_snapshot_attribute(
                    DBClusterSnapshotIdentifier=sid, AttributeName="restore", ValuesToAdd=["all"]
                )
            elif i % 20 == 10:
                rds.modify_db_cluster_snapshot_attribute(
                    DBClusterSnapshotIdentifier=sid,
                    AttributeName="restore",
                    ValuesToAdd=["111122223333"],
                )

    rds.create_event_subscription(
        SubscriptionName="bench-cluster-events",
        SnsTopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:bench-events",
        SourceType="db-cluster",
        EventCategories=["failure", "maintenance"],
        Enabled=True,
    )
    estate.notes.append(_fill_backend_gaps(n, keys))
    estate.notes.append(_protect_with_backup(n))
    estate.seconds = time.perf_counter() - started
    return estate


def _network(ec2: Any, rds: Any, v: int) -> dict[str, str]:
    vpc = ec2.create_vpc(CidrBlock=f"10.{v}.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.{v}.{s}.0/24", AvailabilityZone=f"{REGION}{'abc'[s]}"
        )["Subnet"]["SubnetId"]
        for s in range(3)
    ]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    private = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    # Odd VPCs leave their third subnet on the (public) main table.
    for s in subnets if v % 2 == 0 else subnets[:2]:
        ec2.associate_route_table(RouteTableId=private, SubnetId=s)
    name = f"bench-sng-{v}"
    rds.create_db_subnet_group(
        DBSubnetGroupName=name, DBSubnetGroupDescription=name, SubnetIds=subnets
    )
    client = ec2.create_security_group(GroupName=f"client-{v}", Description="app", VpcId=vpc)
    app = ec2.create_security_group(GroupName=f"aurora-{v}", Description="db", VpcId=vpc)
    ec2.authorize_security_group_ingress(
        GroupId=app["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3306,
                "ToPort": 5433,
                "UserIdGroupPairs": [{"GroupId": client["GroupId"]}],
            }
        ],
    )
    open_sg = ec2.create_security_group(GroupName=f"open-{v}", Description="open", VpcId=vpc)
    ec2.authorize_security_group_ingress(
        GroupId=open_sg["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3306,
                "ToPort": 3307,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        ],
    )
    return {
        "vpc": vpc,
        "subnet_group": name,
        "app_sg": app["GroupId"],
        "open_sg": open_sg["GroupId"],
    }


def _hardened(family: str) -> list[dict[str, str]]:
    if family.startswith("aurora-mysql"):
        pairs = {
            "require_secure_transport": "ON",
            "tls_version": "TLSv1.2,TLSv1.3",
            "server_audit_logging": "1",
            "server_audit_events": "CONNECT,QUERY_DDL",
        }
    else:
        pairs = {"rds.force_ssl": "1", "log_statement": "ddl", "log_min_duration_statement": "1000"}
    return [
        {
            "ParameterName": k,
            "ParameterValue": v,
            "ApplyMethod": "pending-reboot",
            "DataType": "string",
        }
        for k, v in pairs.items()
    ]


def _monitoring(i: int) -> dict[str, Any]:
    if i % 2:
        return {"MonitoringInterval": 0}
    role = f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring-role"
    return {"MonitoringInterval": 60, "MonitoringRoleArn": role}


def _logs(engine: str, i: int) -> list[str]:
    if i % 3 == 2:
        return []
    if engine == "aurora-postgresql":
        return ["postgresql"]
    return ["audit", "error", "slowquery"] if i % 3 == 0 else ["error"]


def _aws_managed_rds_key(kms: Any) -> str:
    """The aws/rds key, marked AWS-managed as real AWS reports it (see moto_gaps)."""
    from moto.kms.models import kms_backends

    meta = kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]
    kms_backends[ACCOUNT][REGION].keys[meta["KeyId"]].key_manager = "AWS"
    return str(meta["Arn"])


def _fill_backend_gaps(n: int, keys: list[str]) -> str:
    """Activity streams and Performance Insights: fields moto never emits (see moto_gaps)."""
    from moto.rds.models import rds_backends

    backend = rds_backends[ACCOUNT][REGION]
    for i in range(0, n, 4):
        cluster = backend.clusters[f"bench-{i:04d}"]
        cluster.activity_stream_status = "started"
        cluster.activity_stream_mode = "async"
        cluster.activity_stream_kms_key_id = keys[(i // 4) % len(keys)]
    for i in range(0, n, 3):
        instance = backend.databases[f"bench-{i:04d}-1"]
        instance.performance_insights_enabled = True
        instance.performance_insights_kms_key_id = keys[(i // 3) % len(keys)]
    return "activity streams on every 4th cluster, Performance Insights on every 3rd writer"


def _protect_with_backup(n: int) -> str:
    """Every other cluster protected by AWS Backup (moto has no backend for it)."""
    try:
        from scanner.demo import moto_gaps
    except ImportError:
        return "no AWS Backup data (scanner/demo/moto_gaps.py missing)"
    for i in range(1, n, 2):
        arn = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:bench-{i:04d}"
        moto_gaps.protect_resource(ACCOUNT, REGION, arn)
    return "odd clusters protected by AWS Backup"


if __name__ == "__main__":
    import argparse

    from server import CountingMotoServer

    parser = argparse.ArgumentParser(description="seed a counting moto server and print its shape")
    parser.add_argument("-n", type=int, default=16, help="number of clusters, e.g. -n 200")
    args = parser.parse_args()
    with CountingMotoServer() as srv:
        result = seed(srv.url, args.n)
        print(
            f"{result.describe()} in {result.seconds:.1f} s; {srv.counts()['total']} seeding calls"
        )
