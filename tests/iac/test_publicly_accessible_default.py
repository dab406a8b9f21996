"""An omitted PubliclyAccessible is AWS's choice from the VPC, not "private".

CreateDBInstance: with a DB subnet group and PubliclyAccessible not given, the
instance is public when the subnets' VPC has an internet gateway attached and
private otherwise; without a subnet group the default VPC's gateway decides,
which a template does not show (UNKNOWN, never PASS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.cli import main
from scanner.model import Status
from scanner.result_file import read_result

NETWORK = """\
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.9.0.0/16}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.9.1.0/24, AvailabilityZone: us-east-1a}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.9.2.0/24, AvailabilityZone: us-east-1b}
  Subnets:
    Type: AWS::RDS::DBSubnetGroup
    Properties:
      DBSubnetGroupDescription: private subnets
      SubnetIds: [!Ref SubnetA, !Ref SubnetB]
  Gateway:
    Type: AWS::EC2::InternetGateway
"""
ATTACHMENT = """\
  Attach:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Gateway}
"""
DATABASE = """\
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      StorageEncrypted: true
      {subnet_group}
  Writer:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: aurora-postgresql
      DBClusterIdentifier: !Ref Cluster
      DBInstanceClass: db.r6g.large
"""
POLICY = "aurora.instance.not_publicly_accessible"


def _verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str) -> Status:
    (tmp_path / "stack.yaml").write_text('AWSTemplateFormatVersion: "2010-09-09"\n' + template)
    monkeypatch.chdir(tmp_path)
    main(["iac", "stack.yaml", "--output-dir", "out", "--format", "json", "--quiet"])
    (status,) = {
        f.status
        for f in read_result(tmp_path / "out" / "results.json").findings
        if f.policy_id == POLICY and f.resource_id == "stack.yaml#Writer"
    }
    return status


def _template(*, attached: bool, subnet_group: bool) -> str:
    group = "DBSubnetGroupName: !Ref Subnets" if subnet_group else ""
    return (
        "Resources:\n"
        + NETWORK
        + (ATTACHMENT if attached else "")
        + DATABASE.format(subnet_group=group)
    )


def test_a_vpc_with_an_internet_gateway_makes_the_instance_public(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = _template(attached=True, subnet_group=True)
    assert _verdict(tmp_path, monkeypatch, template) is Status.FAIL


def test_a_vpc_without_one_keeps_it_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The gateway exists but is attached to nothing.
    template = _template(attached=False, subnet_group=True)
    assert _verdict(tmp_path, monkeypatch, template) is Status.PASS


def test_without_a_subnet_group_the_default_vpc_decides_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = _template(attached=True, subnet_group=False)
    assert _verdict(tmp_path, monkeypatch, template) is Status.UNKNOWN


def test_an_explicit_false_is_private_whatever_the_vpc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    explicit = "DBInstanceClass: db.r6g.large\n      PubliclyAccessible: false"
    template = _template(attached=True, subnet_group=True).replace(
        "DBInstanceClass: db.r6g.large", explicit
    )
    assert _verdict(tmp_path, monkeypatch, template) is Status.PASS
