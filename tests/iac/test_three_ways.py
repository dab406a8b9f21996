"""The same estate three ways - deployed to moto, a CloudFormation template, a Terraform
plan - gives the same verdict per (policy, resource).

The moto estate is seeded with the API calls that deploy what
``corpus/cloudformation/{secure.yaml,insecure.json}`` and
``corpus/terraform/{secure,insecure}.plan.json`` declare, then scanned with
`aurora-scan scan`.  Every policy that applies to IaC is compared, without
exception, on every cluster, instance, global cluster and (Terraform: a
CloudFormation template cannot declare one) cluster snapshot of the estates.
Where moto does not report what AWS would, the deployment says so (moto gap)
and makes moto report it; the scanner is the same code either way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from scanner.demo import moto_gaps
from scanner.result_file import read_result
from tests.moto_helpers import remove_default_vpc

CORPUS = Path(__file__).parent / "corpus"
ACCOUNT, REGION = "123456789012", "us-east-1"

# The corpus configuration turns aurora.resources.required_tags on (owner).
CONFIG = str(CORPUS / "aurora-scan.yml")
# A CloudFormation template cannot declare a cluster snapshot (no resource type).
CFN_TYPES = ("aws.rds.db_cluster", "aws.rds.db_instance", "aws.rds.global_cluster")
TF_TYPES = (*CFN_TYPES, "aws.rds.db_cluster_snapshot")


def _iac_policies() -> set[str]:
    from scanner.iac.runtime import RUNTIME_ONLY
    from scanner.policy.loader import load_policies

    return {p.id for p in load_policies().policies} - set(RUNTIME_ONLY)


def _deploy(server: Any, *, secure: bool) -> None:
    ec2, rds, kms = (server.client(s) for s in ("ec2", "rds", "kms"))
    remove_default_vpc(ec2)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16" if secure else "10.1.0.0/16")["Vpc"]["VpcId"]
    zones = ("a", "b") if secure else ("a",)
    net = "10.0" if secure else "10.1"
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"{net}.{n}.0/24", AvailabilityZone=f"{REGION}{z}")[
            "Subnet"
        ]["SubnetId"]
        for n, z in enumerate(zones, 1)
    ]
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    port, cidr = (5433, "10.0.0.0/16") if secure else (3306, "0.0.0.0/0")
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}
        ],
    )
    if not secure:
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/1", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnets[0])
    rds.create_db_subnet_group(
        DBSubnetGroupName="db-subnets", DBSubnetGroupDescription="db", SubnetIds=subnets
    )
    name = "orders" if secure else "legacy"
    engine = "aurora-postgresql" if secure else "aurora-mysql"
    options: dict[str, Any] = {
        "DBClusterIdentifier": name,
        "Engine": engine,
        "DBSubnetGroupName": "db-subnets",
        "VpcSecurityGroupIds": [sg],
        "StorageEncrypted": secure,
        "DeletionProtection": secure,
        "BackupRetentionPeriod": 14 if secure else 1,
        "EnableIAMDatabaseAuthentication": secure,
        "CopyTagsToSnapshot": secure,
    }
    key = ""
    if secure:
        key = kms.create_key(Description="aurora")["KeyMetadata"]["Arn"]
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName="orders-params",
            DBParameterGroupFamily="aurora-postgresql16",
            Description="TLS only, DDL logged",
        )
        rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName="orders-params",
            Parameters=[
                {
                    "ParameterName": "rds.force_ssl",
                    "ParameterValue": "1",
                    "ApplyMethod": "immediate",
                },
                {
                    "ParameterName": "log_statement",
                    "ParameterValue": "ddl",
                    "ApplyMethod": "immediate",
                },
            ],
        )
        options.update(
            KmsKeyId=key,
            Port=5433,
            MasterUsername="orders_admin",
            ManageMasterUserPassword=True,
            EnableCloudwatchLogsExports=["postgresql"],
            DBClusterParameterGroupName="orders-params",
            Tags=[
                {"Key": "environment", "Value": "production"},
                {"Key": "owner", "Value": "payments"},
            ],
        )
    else:
        options.update(
            MasterUsername="admin",
            MasterUserPassword="a-long-password-1",
            Tags=[{"Key": "env", "Value": "prod"}],
        )
    rds.create_db_cluster(**options)
    # moto gap: EngineLifecycleSupport is never reported; AWS reports the
    # template's value, or open-source-rds-extended-support when it set none.
    moto_gaps.set_engine_lifecycle_support(
        ACCOUNT,
        REGION,
        name,
        "open-source-rds-extended-support-disabled"
        if secure
        else "open-source-rds-extended-support",
    )
    for n, zone in enumerate(zones, 1):
        instance: dict[str, Any] = {
            "DBInstanceIdentifier": f"{name}-{n}",
            "DBClusterIdentifier": name,
            "Engine": engine,
            "DBInstanceClass": "db.r6g.large" if secure else "db.t3.medium",
            "AvailabilityZone": f"{REGION}{zone}",
            "PubliclyAccessible": not secure,
            "AutoMinorVersionUpgrade": secure,
            # moto gap: an Aurora instance does not report its cluster's DB subnet
            # group unless given one; AWS reports the cluster's.
            "DBSubnetGroupName": "db-subnets",
        }
        if secure:
            instance.update(
                MonitoringInterval=60,
                MonitoringRoleArn=f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring",
            )
        rds.create_db_instance(**instance)
        if secure:
            # moto gap: Performance Insights settings are accepted but not shown.
            moto_gaps.set_performance_insights(ACCOUNT, REGION, f"{name}-{n}", key)
    rds.create_global_cluster(
        GlobalClusterIdentifier=f"{name}-global", Engine=engine, StorageEncrypted=secure
    )
    rds.create_db_cluster_snapshot(
        DBClusterSnapshotIdentifier=f"{name}-before-upgrade",
        DBClusterIdentifier=name,
        Tags=[{"Key": "owner", "Value": "payments"}] if secure else [],
    )
    if secure:
        rds.create_event_subscription(
            SubscriptionName="orders-alerts",
            SnsTopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:db-alerts",
            SourceType="db-cluster",
            SourceIds=[name],
            EventCategories=["failure", "maintenance"],
            Enabled=True,
        )


Key = tuple[str, str, str]  # policy, resource type, resource name


def _verdicts(out: Path, types: tuple[str, ...]) -> dict[Key, str]:
    compared = _iac_policies()
    return {
        (f.policy_id, f.resource_type, f.resource_name): f.status.value
        for f in read_result(out / "results.json").findings
        if f.policy_id in compared and f.resource_type in types
    }


def _iac(path: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[Key, str]:
    monkeypatch.chdir(CORPUS)
    main(["iac", path, "--config", CONFIG, "--output-dir", str(out), "--format", "json", "--quiet"])
    types = CFN_TYPES if path.startswith("cloudformation/") else TF_TYPES
    return _verdicts(out, types)


@pytest.mark.parametrize(
    "secure, templates",
    [
        (True, ["cloudformation/secure.yaml", "terraform/secure.plan.json"]),
        (False, ["cloudformation/insecure.json", "terraform/insecure.plan.json"]),
    ],
)
def test_moto_template_and_plan_agree(
    moto_server, aws_env, tmp_path, monkeypatch, secure, templates
) -> None:
    moto_server.reset()
    _deploy(moto_server, secure=secure)
    deployed_out = tmp_path / "deployed"
    main(
        [
            "scan",
            "--endpoint-url",
            moto_server.url,
            "--region",
            REGION,
            "--config",
            CONFIG,
            "--output-dir",
            str(deployed_out),
            "--format",
            "json",
            "--quiet",
        ]
    )
    deployed = _verdicts(deployed_out, TF_TYPES)
    # Every compared policy has a verdict on the estate (a policy that silently
    # dropped out of the comparison would make the test pass vacuously).
    assert {policy for policy, _t, _n in deployed} == _iac_policies(), deployed
    for n, template in enumerate(templates):
        declared = _iac(template, tmp_path / f"iac-{n}", monkeypatch)
        expected = {
            k: v
            for k, v in deployed.items()
            if k[1] in (CFN_TYPES if template.startswith("cloudformation/") else TF_TYPES)
        }
        differ = {
            k: (expected[k], declared.get(k)) for k in expected if expected[k] != declared.get(k)
        }
        extra = set(declared) - set(expected)
        shown = json.dumps(sorted(map(str, differ.items())), indent=1)
        assert not differ and not extra, (
            f"{template}: (deployed, declared) differ: {shown}; only declared: {sorted(extra)}"
        )
