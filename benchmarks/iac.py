"""`aurora-scan iac` on 1,000 resources' worth of CloudFormation or Terraform plans, beside Checkov.

    python benchmarks/iac.py                  # ~1,000 resources, medians of 3
    python benchmarks/iac.py --stacks 20 --runs 1 --no-checkov
    python benchmarks/iac.py --format-source terraform   # the same estates as plans

Writes stacks of 9 resources each (VPC, two subnets, security group and a
separate ingress rule, DB subnet group, KMS key, cluster, instance), every
other stack insecure, then times separate processes of the installed
`aurora-scan iac DIR --format json,sarif` and of Checkov on the same
directory (`checkov -d DIR --framework cloudformation -o json`), installed
into its own virtual environment under .bench/venvs/ on first use (as the
peers of benchmarks/peers.py).

With ``--format-source terraform`` each stack is a `terraform show -json`
plan of the same nine resources instead (written by tests/iac/make_plans.py's
``plan``, as a real plan looks: constant and reference expressions in
``configuration``, ids and omitted Optional+Computed arguments "known after
apply"), and Checkov runs with ``--framework terraform_plan``.  Prints the median wall times and the
agreement table for the checks both tools have: per (check, resource) the
two verdicts, counted as agree / disagree.

No timed assertion anywhere: this prints figures (docs/testing.md).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import BENCH_DIR, Peer, PeerUnavailable  # noqa: E402

sys.path.insert(0, str(HERE.parent / "tests" / "iac"))
from make_plans import Row, plan, ref  # noqa: E402

CHECKOV = Peer("checkov", "checkov", "checkov")
RESOURCES_PER_STACK = 9
# Checkov check id -> the aurora-scan policy judging the same property.
PAIRS = {
    "CKV_AWS_96": "aurora.cluster.storage_encrypted",
    "CKV_AWS_139": "aurora.cluster.deletion_protection",
    "CKV_AWS_162": "aurora.cluster.iam_auth",
    "CKV_AWS_313": "aurora.cluster.copy_tags_to_snapshot",
    "CKV_AWS_327": "aurora.cluster.kms_customer_managed_key",
    "CKV_AWS_17": "aurora.instance.not_publicly_accessible",
    "CKV_AWS_118": "aurora.instance.enhanced_monitoring",
}

STACK = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {{CidrBlock: 10.{n}.0.0/16}}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {{VpcId: !Ref Vpc, CidrBlock: 10.{n}.1.0/24, AvailabilityZone: us-east-1a}}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {{VpcId: !Ref Vpc, CidrBlock: 10.{n}.2.0/24, AvailabilityZone: us-east-1b}}
  DbSg:
    Type: AWS::EC2::SecurityGroup
    Properties: {{GroupDescription: db, VpcId: !Ref Vpc}}
  Ingress:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {{GroupId: !GetAtt DbSg.GroupId, IpProtocol: tcp, FromPort: 3306, ToPort: 3306,
                 CidrIp: {cidr}}}
  Subnets:
    Type: AWS::RDS::DBSubnetGroup
    Properties: {{DBSubnetGroupDescription: db, SubnetIds: [!Ref SubnetA, !Ref SubnetB]}}
  Key:
    Type: AWS::KMS::Key
    Properties: {{Description: data, EnableKeyRotation: true}}
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-mysql
      StorageEncrypted: {secure}
{key}      DeletionProtection: {secure}
      EnableIAMDatabaseAuthentication: {secure}
      CopyTagsToSnapshot: {secure}
      BackupRetentionPeriod: {retention}
      DBSubnetGroupName: !Ref Subnets
      VpcSecurityGroupIds: [!Ref DbSg]
  Writer:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: aurora-mysql
      DBClusterIdentifier: !Ref Cluster
      DBInstanceClass: db.r6g.large
      PubliclyAccessible: {public}
"""


def write_stacks(folder: Path, count: int) -> None:
    for n in range(count):
        secure = n % 2 == 0
        text = STACK.format(
            n=n % 250,
            cidr="10.0.0.0/8" if secure else "0.0.0.0/0",
            secure=str(secure).lower(),
            key="      KmsKeyId: !GetAtt Key.Arn\n" if secure else "",
            retention=14 if secure else 1,
            public=str(not secure).lower(),
        )
        (folder / f"stack-{n:04d}.yaml").write_text(text, encoding="utf-8")


def _plan_rows(n: int, secure: bool) -> tuple[list[Row], dict[str, dict[str, Any]]]:
    """STACK as Terraform: rows (address, planned values, after_unknown) and references."""
    vpc = ref("aws_vpc.main.id", "aws_vpc.main")
    rows: list[Row] = [
        ("aws_vpc.main", {"cidr_block": f"10.{n % 250}.0.0/16"}, {"id": True, "arn": True}),
        *(
            (
                f"aws_subnet.{zone}",
                {"cidr_block": f"10.{n % 250}.{i}.0/24", "availability_zone": f"us-east-1{zone}"},
                {"id": True, "arn": True, "vpc_id": True},
            )
            for i, zone in ((1, "a"), (2, "b"))
        ),
        (
            "aws_security_group.db",
            {"name": f"db-{n:04d}", "description": "db"},
            # No inline rules: a real plan shows both blocks "known after apply".
            {"id": True, "arn": True, "vpc_id": True, "ingress": True, "egress": True},
        ),
        (
            "aws_security_group_rule.ingress",
            {
                "type": "ingress",
                "protocol": "tcp",
                "from_port": 3306,
                "to_port": 3306,
                "cidr_blocks": ["10.0.0.0/8" if secure else "0.0.0.0/0"],
            },
            {"id": True, "security_group_id": True},
        ),
        (
            "aws_db_subnet_group.db",
            {"name": f"subnets-{n:04d}", "description": "db"},
            {"id": True, "arn": True, "subnet_ids": True},
        ),
        (
            "aws_kms_key.key",
            {"description": "data", "enable_key_rotation": True},
            {"id": True, "arn": True, "key_id": True, "policy": True},
        ),
        (
            "aws_rds_cluster.db",
            {
                "cluster_identifier": f"db-{n:04d}",
                "engine": "aurora-mysql",
                "storage_encrypted": secure,
                "deletion_protection": secure,
                "iam_database_authentication_enabled": secure,
                "copy_tags_to_snapshot": secure,
                "backup_retention_period": 14 if secure else 1,
            },
            {
                "id": True,
                "arn": True,
                "endpoint": True,
                "db_subnet_group_name": True,
                "vpc_security_group_ids": True,
                **({"kms_key_id": True} if secure else {}),
            },
        ),
        (
            "aws_rds_cluster_instance.writer",
            {
                "identifier": f"db-{n:04d}-1",
                "engine": "aurora-mysql",
                "instance_class": "db.r6g.large",
                "publicly_accessible": not secure,
            },
            {"id": True, "arn": True, "endpoint": True, "cluster_identifier": True},
        ),
    ]
    expressions: dict[str, dict[str, Any]] = {
        "aws_subnet.a": {"vpc_id": vpc},
        "aws_subnet.b": {"vpc_id": vpc},
        "aws_security_group.db": {"vpc_id": vpc},
        "aws_security_group_rule.ingress": {
            "security_group_id": ref("aws_security_group.db.id", "aws_security_group.db")
        },
        "aws_db_subnet_group.db": {
            "subnet_ids": ref("aws_subnet.a.id", "aws_subnet.a", "aws_subnet.b.id", "aws_subnet.b")
        },
        "aws_rds_cluster.db": {
            "db_subnet_group_name": ref("aws_db_subnet_group.db.name", "aws_db_subnet_group.db"),
            "vpc_security_group_ids": ref("aws_security_group.db.id", "aws_security_group.db"),
            **({"kms_key_id": ref("aws_kms_key.key.arn", "aws_kms_key.key")} if secure else {}),
        },
        "aws_rds_cluster_instance.writer": {
            "cluster_identifier": ref("aws_rds_cluster.db.id", "aws_rds_cluster.db")
        },
    }
    return rows, expressions


def write_plans(folder: Path, count: int) -> None:
    """STACK's estates as `terraform show -json` plans, one per file."""
    for n in range(count):
        rows, expressions = _plan_rows(n, secure=n % 2 == 0)
        text = json.dumps(plan(rows, expressions), indent=1)
        (folder / f"plan-{n:04d}.json").write_text(text + "\n", encoding="utf-8")


def timed(argv: list[str], runs: int, cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    times, done = [], None
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, cwd=cwd)
        times.append(time.perf_counter() - start)
    assert done is not None
    return statistics.median(times), done


def ours(out: Path) -> dict[tuple[str, str, str], str]:
    """(policy, file name, logical id or Terraform address) -> status."""
    data = json.loads((out / "results.json").read_text())
    policies, resources = data["policies"], data["resources"]
    found = {}
    for f in data["findings"]:
        file, _, logical = resources[f["resource"]]["id"].partition("#")
        found[(policies[f["policy"]]["id"], Path(file).name, logical)] = f["status"]
    return found


def checkov_verdicts(text: str, terraform: bool = False) -> dict[tuple[str, str, str], str]:
    """(our policy, file name, logical id or address) -> PASS/FAIL from Checkov's JSON."""
    reports = json.loads(text)
    found = {}
    for report in reports if isinstance(reports, list) else [reports]:
        results = report.get("results") or {}
        for status, key in (("PASS", "passed_checks"), ("FAIL", "failed_checks")):
            for check in results.get(key) or ():
                policy = PAIRS.get(check.get("check_id"))
                if policy:
                    resource = str(check.get("resource", ""))
                    # CloudFormation: AWS::RDS::DBCluster.Cluster; a plan: the address.
                    logical = resource if terraform else resource.rsplit(".", 1)[-1]
                    found[(policy, Path(check.get("file_path", "")).name, logical)] = status
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=1000 // RESOURCES_PER_STACK + 1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-checkov", action="store_true")
    parser.add_argument(
        "--format-source",
        choices=("cloudformation", "terraform"),
        default="cloudformation",
        help="what each stack is written as: a CloudFormation template or a Terraform plan",
    )
    args = parser.parse_args()
    terraform = args.format_source == "terraform"
    exe = shutil.which("aurora-scan") or str(Path(sys.executable).parent / "aurora-scan")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stacks = work / "stacks"
        stacks.mkdir()
        (write_plans if terraform else write_stacks)(stacks, args.stacks)
        resources = args.stacks * RESOURCES_PER_STACK
        argv = [exe, "iac", "stacks", "--output-dir", "out", "--format", "json,sarif", "--quiet"]
        median, done = timed(argv, args.runs, work)
        if done.returncode not in (0, 1):
            print(f"aurora-scan iac failed ({done.returncode}): {done.stderr[-2000:]}")
            return
        kind = "plans" if terraform else "templates"
        print(
            f"aurora-scan iac: {args.stacks} {kind}, {resources} resources: "
            f"median {median:.2f} s of {args.runs}"
        )
        if args.no_checkov:
            return
        try:
            checkov = CHECKOV.ensure_installed(BENCH_DIR / "checkov-install.log")
        except PeerUnavailable as exc:
            print(f"checkov: n/a ({exc})")
            return
        argv = [
            str(checkov),
            "-d",
            "stacks",
            "--framework",
            "terraform_plan" if terraform else "cloudformation",
            "-o",
            "json",
            "--compact",
            "--skip-download",
        ]
        median_c, done = timed(argv, args.runs, work)
        print(
            f"checkov {CHECKOV.version()}: median {median_c:.2f} s of {args.runs} "
            f"({median_c / median:.1f}x aurora-scan's time)"
        )
        theirs = checkov_verdicts(done.stdout, terraform)
        mine = ours(work / "out")
        table: Counter[tuple[str, str]] = Counter()
        for key, status in theirs.items():
            table[(key[0], "agree" if mine.get(key) == status else "disagree")] += 1
        print(f"{'check':<14} {'policy':<44} agree  disagree")
        for check, policy in PAIRS.items():
            agree, disagree = table[(policy, "agree")], table[(policy, "disagree")]
            if agree + disagree == 0:
                print(f"{check:<14} {policy:<44} n/a: Checkov reported no result for it")
                continue
            print(f"{check:<14} {policy:<44} {agree:>5}  {disagree:>8}")
        for key in sorted(k for k, status in theirs.items() if mine.get(k) != status)[:10]:
            print(f"  disagree: {key}: checkov {theirs[key]}, aurora-scan {mine.get(key)}")


if __name__ == "__main__":
    main()
