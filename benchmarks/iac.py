"""`aurora-scan iac` on 1,000 resources' worth of CloudFormation, beside Checkov.

    python benchmarks/iac.py                  # ~1,000 resources, medians of 3
    python benchmarks/iac.py --stacks 20 --runs 1 --no-checkov

Writes stacks of 9 resources each (VPC, two subnets, security group and a
separate ingress rule, DB subnet group, KMS key, cluster, instance), every
other stack insecure, then times separate processes of the installed
`aurora-scan iac DIR --format json,sarif` and of Checkov on the same
directory (`checkov -d DIR --framework cloudformation -o json`), installed
into its own virtual environment under .bench/venvs/ on first use (as the
peers of benchmarks/peers.py).  Prints the median wall times and the
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import BENCH_DIR, Peer, PeerUnavailable  # noqa: E402

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


def timed(argv: list[str], runs: int, cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    times, done = [], None
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, cwd=cwd)
        times.append(time.perf_counter() - start)
    assert done is not None
    return statistics.median(times), done


def ours(out: Path) -> dict[tuple[str, str, str], str]:
    """(policy, file name, logical id) -> status."""
    data = json.loads((out / "results.json").read_text())
    policies, resources = data["policies"], data["resources"]
    found = {}
    for f in data["findings"]:
        file, _, logical = resources[f["resource"]]["id"].partition("#")
        found[(policies[f["policy"]]["id"], Path(file).name, logical)] = f["status"]
    return found


def checkov_verdicts(text: str) -> dict[tuple[str, str, str], str]:
    """(our policy, file name, logical id) -> PASS/FAIL from Checkov's JSON."""
    reports = json.loads(text)
    found = {}
    for report in reports if isinstance(reports, list) else [reports]:
        results = report.get("results") or {}
        for status, key in (("PASS", "passed_checks"), ("FAIL", "failed_checks")):
            for check in results.get(key) or ():
                policy = PAIRS.get(check.get("check_id"))
                if policy:
                    logical = str(check.get("resource", "")).rsplit(".", 1)[-1]
                    found[(policy, Path(check.get("file_path", "")).name, logical)] = status
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=1000 // RESOURCES_PER_STACK + 1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-checkov", action="store_true")
    args = parser.parse_args()
    exe = shutil.which("aurora-scan") or str(Path(sys.executable).parent / "aurora-scan")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stacks = work / "stacks"
        stacks.mkdir()
        write_stacks(stacks, args.stacks)
        resources = args.stacks * RESOURCES_PER_STACK
        argv = [exe, "iac", "stacks", "--output-dir", "out", "--format", "json,sarif", "--quiet"]
        median, _done = timed(argv, args.runs, work)
        print(
            f"aurora-scan iac: {args.stacks} templates, {resources} resources: "
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
            "cloudformation",
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
        theirs = checkov_verdicts(done.stdout)
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
