"""The same estate three ways - deployed to moto, a CloudFormation template, a Terraform
plan - gives the same verdict per policy on its cluster and instance.

The moto estate is seeded with the API calls that deploy what
``corpus/cloudformation/{secure.yaml,insecure.json}`` and
``corpus/terraform/secure.plan.json`` declare, then scanned with `aurora-scan scan`.
Only policies a template can decide are compared (not the runtime-only ones,
and not those that read what moto fills in on its own, such as log exports).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from scanner.result_file import read_result
from tests.moto_helpers import remove_default_vpc

CORPUS = Path(__file__).parent / "corpus"
COMPARED = (
    "aurora.cluster.storage_encrypted",
    "aurora.cluster.deletion_protection",
    "aurora.cluster.backup_retention",
    "aurora.cluster.iam_auth",
    "aurora.cluster.copy_tags_to_snapshot",
    "aurora.cluster.sg_no_world_ingress",
    "aurora.cluster.no_public_subnet",
    "aurora.cluster.subnet_group_multi_az",
    "aurora.cluster.kms_customer_managed_key",
    "aurora.instance.not_publicly_accessible",
)


def _deploy(server: Any, *, secure: bool) -> None:
    ec2, rds, kms = (server.client(s) for s in ("ec2", "rds", "kms"))
    remove_default_vpc(ec2)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    zones = ("a", "b") if secure else ("a",)
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24", AvailabilityZone=f"us-east-1{z}")[
            "Subnet"
        ]["SubnetId"]
        for n, z in enumerate(zones, 1)
    ]
    sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    port, cidr = (5432, "10.0.0.0/16") if secure else (3306, "0.0.0.0/0")
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
    engine = "aurora-postgresql" if secure else "aurora-mysql"
    options: dict[str, Any] = {
        "DBClusterIdentifier": "orders" if secure else "legacy",
        "Engine": engine,
        "MasterUsername": "dbadmin",
        "MasterUserPassword": "a-long-password-1",
        "DBSubnetGroupName": "db-subnets",
        "VpcSecurityGroupIds": [sg],
        "StorageEncrypted": secure,
        "DeletionProtection": secure,
        "BackupRetentionPeriod": 14 if secure else 1,
        "EnableIAMDatabaseAuthentication": secure,
        "CopyTagsToSnapshot": secure,
    }
    if secure:
        options["KmsKeyId"] = kms.create_key(Description="aurora")["KeyMetadata"]["Arn"]
    rds.create_db_cluster(**options)
    rds.create_db_instance(
        DBInstanceIdentifier="orders-1" if secure else "legacy-1",
        DBClusterIdentifier=options["DBClusterIdentifier"],
        Engine=engine,
        DBInstanceClass="db.r6g.large",
        PubliclyAccessible=not secure,
    )


COMPARED_TYPES = ("aws.rds.db_cluster", "aws.rds.db_instance")


def _verdicts(out: Path) -> dict[tuple[str, str], str]:
    """(policy, resource type) -> status, for the one cluster and instance of an estate."""
    found: dict[tuple[str, str], str] = {}
    for f in read_result(out / "results.json").findings:
        if f.policy_id in COMPARED and f.resource_type in (
            "aws.rds.db_cluster",
            "aws.rds.db_instance",
        ):
            found[(f.policy_id, f.resource_type)] = f.status.value
    return found


def _iac(path: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], str]:
    monkeypatch.chdir(CORPUS)
    main(["iac", path, "--output-dir", str(out), "--format", "json", "--quiet"])
    return _verdicts(out)


@pytest.mark.parametrize(
    "secure, templates",
    [
        (True, ["cloudformation/secure.yaml", "terraform/secure.plan.json"]),
        (False, ["cloudformation/insecure.json"]),
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
            "us-east-1",
            "--output-dir",
            str(deployed_out),
            "--format",
            "json",
            "--quiet",
        ]
    )
    deployed = _verdicts(deployed_out)
    assert {policy for policy, _type in deployed} == set(COMPARED), deployed
    for n, template in enumerate(templates):
        declared = _iac(template, tmp_path / f"iac-{n}", monkeypatch)
        differ = {
            k: (deployed[k], declared.get(k)) for k in deployed if deployed[k] != declared.get(k)
        }
        assert not differ, f"{template}: (deployed, declared) differ: {differ}"
