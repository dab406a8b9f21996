"""Helpers shared by the security tests (issue 14): a small snapshot, CLI runners.

A unique module name (every test directory has a ``conftest``): tests import
helpers from here; ``conftest.py`` only exposes the fixtures.

* ``snapshot_data()``: a schema-valid snapshot of one Aurora cluster, its
  writer instance and its security group, with the fields as botocore
  documents them; tests mutate a copy and write it with ``write_json``.
* ``run_cli``: ``aurora-scan ARGS`` in a fresh Python process with an outer
  ``timeout=`` (a hang fails the test instead of hanging it), so a traceback
  shows on stderr exactly as a user would see it.
* ``cli``: the same in-process (``scanner.cli.main``), for matrices.
"""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).parent.parent.parent
ACCOUNT = "123456789012"
REGION = "us-east-1"
CLUSTER_ARN = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:orders"
INSTANCE_ARN = f"arn:aws:rds:{REGION}:{ACCOUNT}:db:orders-1"
SG_ID = "sg-0123456789abcdef0"
SG_ARN = f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{SG_ID}"

_CLUSTER: dict[str, Any] = {
    "DBClusterIdentifier": "orders",
    "DBClusterArn": CLUSTER_ARN,
    "Engine": "aurora-postgresql",
    "EngineVersion": "16.4",
    "EngineMode": "provisioned",
    "Status": "available",
    "StorageEncrypted": True,
    "DeletionProtection": True,
    "BackupRetentionPeriod": 7,
    "IAMDatabaseAuthenticationEnabled": True,
    "MultiAZ": True,
    "AvailabilityZones": ["us-east-1a", "us-east-1b"],
    "DBClusterMembers": [
        {
            "DBInstanceIdentifier": "orders-1",
            "IsClusterWriter": True,
            "DBClusterParameterGroupStatus": "in-sync",
            "PromotionTier": 1,
        }
    ],
    "VpcSecurityGroups": [{"VpcSecurityGroupId": SG_ID, "Status": "active"}],
    "TagList": [{"Key": "Name", "Value": "orders"}],
}
_INSTANCE: dict[str, Any] = {
    "DBInstanceIdentifier": "orders-1",
    "DBInstanceArn": INSTANCE_ARN,
    "DBClusterIdentifier": "orders",
    "DBInstanceClass": "db.r6g.large",
    "Engine": "aurora-postgresql",
    "EngineVersion": "16.4",
    "DBInstanceStatus": "available",
    "PubliclyAccessible": False,
    "AvailabilityZone": "us-east-1a",
    "PromotionTier": 1,
    "VpcSecurityGroups": [{"VpcSecurityGroupId": SG_ID, "Status": "active"}],
    "TagList": [],
}
_SG: dict[str, Any] = {
    "GroupId": SG_ID,
    "GroupName": "orders-db",
    "OwnerId": ACCOUNT,
    "VpcId": "vpc-0123456789abcdef0",
    "Description": "orders database",
    "IpPermissions": [
        {
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
            "Ipv6Ranges": [],
            "UserIdGroupPairs": [],
            "PrefixListIds": [],
        }
    ],
    "Tags": [{"Key": "team", "Value": "orders"}],
}


def snapshot_data() -> dict[str, Any]:
    """A fresh copy of the small snapshot (tests mutate it freely)."""

    def res(rid: str, rtype: str, attrs: dict[str, Any]) -> dict[str, Any]:
        return {"id": rid, "type": rtype, "account": ACCOUNT, "region": REGION, "attrs": attrs}

    return copy.deepcopy(
        {
            "schema_version": "1.0",
            "scanner": {"name": "aurora-scan", "version": "0.0.0"},
            "collected_at": "2026-11-28T00:00:00Z",
            "accounts": [ACCOUNT],
            "regions": [REGION],
            "context": {},
            "resources": [
                res(CLUSTER_ARN, "aws.rds.db_cluster", _CLUSTER),
                res(INSTANCE_ARN, "aws.rds.db_instance", _INSTANCE),
                res(SG_ARN, "aws.ec2.security_group", _SG),
            ],
            "errors": [],
        }
    )


def cluster_attrs(data: Mapping[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = data["resources"][0]["attrs"]
    return attrs


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8", errors="surrogatepass")
    return path


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no AWS profile or endpoint of the machine leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env.update(extra or {})
    return env


def make_run_cli(tmp_path: Path) -> Any:
    """``run_cli(args, timeout=60)``: the CLI in a subprocess; a hang is a failure."""

    def run(
        args: Sequence[str],
        *,
        timeout: float = 60,
        cwd: Path | None = None,
        preexec: Callable[[], None] | None = None,
    ) -> Run:
        try:
            proc = subprocess.run(
                [sys.executable, "-c", "from scanner.cli import entry; entry()", *args],
                cwd=cwd or tmp_path,
                env=clean_env(),
                capture_output=True,
                text=True,
                errors="backslashreplace",
                timeout=timeout,
                preexec_fn=preexec,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"aurora-scan {' '.join(args)} did not finish within {timeout} s")
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run


def run_in_process(args: Sequence[str]) -> Run:
    """``scanner.cli.main(args)``; an uncaught exception propagates (fails the test)."""
    from scanner.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return Run(code, out.getvalue(), err.getvalue())


def one_clear_error(run: Run, *needles: str) -> None:
    """Exit 2, no traceback, one ``aurora-scan: error:`` line naming each needle."""
    assert run.code == 2, (run.code, run.stderr[-2000:])
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    lines = [line for line in run.stderr.splitlines() if "error" in line]
    assert len(lines) == 1, run.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def cli_subprocess(
    args: Sequence[str],
    cwd: Path,
    timeout: float,
    preexec_fn: Callable[[], None] | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``aurora-scan ARGS`` in a child process under an outer timeout, without the
    caller's AWS_* variables (``extra_env`` adds some back)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-c", "from scanner.cli import entry; entry()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )
