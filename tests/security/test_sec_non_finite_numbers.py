"""Issue 14 item 12: NaN and Infinity are refused where they are read, with exit 2.

Python's json reads the non-standard ``NaN``/``Infinity`` and PyYAML reads
``.nan``/``.inf``.  ``Port: Infinity`` is outside every port range, so a cluster
behind a world-open security group turned from FAIL to PASS, and results.json
then held bare ``NaN`` (not JSON).  Every reader -- snapshot, results, config,
waivers, policies -- now refuses them at parse time, naming the file and the
JSON path.  Each case runs the CLI in a subprocess under an outer timeout.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sec_support import cli_subprocess

from scanner.result_file import read_result

OUTER_TIMEOUT = 60
ACCOUNT, REGION = "123456789012", "us-east-1"


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return cli_subprocess(args, cwd, OUTER_TIMEOUT)


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def _snapshot(port: Any) -> dict[str, Any]:
    """One Aurora cluster behind a security group open to 0.0.0.0/0 on its port."""
    from scanner.model import Resource, Snapshot

    cluster = Resource(
        id=f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:c1",
        type="aws.rds.db_cluster",
        account=ACCOUNT,
        region=REGION,
        attrs={
            "DBClusterIdentifier": "c1",
            "DBClusterArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:c1",
            "Engine": "aurora-mysql",
            "Port": port,
            "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1", "Status": "active"}],
        },
    )
    group = Resource(
        id="sg-1",
        type="aws.ec2.security_group",
        account=ACCOUNT,
        region=REGION,
        attrs={
            "GroupId": "sg-1",
            "GroupName": "app-db",
            "VpcId": "vpc-1",
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 3306,
                    "ToPort": 3306,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                    "Ipv6Ranges": [],
                    "UserIdGroupPairs": [],
                }
            ],
        },
    )
    snapshot = Snapshot(
        collected_at="2026-11-28T00:00:00Z",
        accounts=(ACCOUNT,),
        regions=(REGION,),
        resources=(cluster, group),
    )
    return snapshot.to_dict()


def _write_snapshot(path: Path, port_text: str) -> Path:
    # json.dumps writes a float('inf') as the bare token Infinity, as a hostile
    # or hand-edited file would have it; the placeholder keeps the rest exact.
    text = json.dumps(_snapshot("__PORT__"), sort_keys=True)
    path.write_text(text.replace('"__PORT__"', port_text), encoding="utf-8")
    return path


POLICY = "aurora.cluster.sg_no_world_ingress"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "only-sg.yml"
    path.write_text(f'policies:\n  include: ["{POLICY}"]\n', encoding="utf-8")
    return path


def test_the_world_open_cluster_fails_with_a_real_port(tmp_path: Path, config: Path) -> None:
    """The control: the same snapshot with Port 3306 FAILs (exit 1)."""
    snap = _write_snapshot(tmp_path / "snapshot.json", "3306")
    proc = _cli(
        ["evaluate", str(snap), "--config", str(config), "--output-dir", "out", "--format", "json"],
        tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    results = read_result(tmp_path / "out" / "results.json").to_dict()
    assert [f["status"] for f in results["findings"] if f["policy_id"] == POLICY] == ["FAIL"]


@pytest.mark.parametrize("token", ["Infinity", "-Infinity", "NaN", "1e999"])
def test_a_snapshot_with_a_non_finite_port_is_refused(
    tmp_path: Path, config: Path, token: str
) -> None:
    snap = _write_snapshot(tmp_path / "snapshot.json", token)
    proc = _cli(
        ["evaluate", str(snap), "--config", str(config), "--output-dir", "out", "--format", "json"],
        tmp_path,
    )
    line = _one_error_line(proc)
    assert str(snap) in line
    assert "$.resources[1].attrs.Port" in line
    assert "not a finite number" in line
    assert not (tmp_path / "out" / "results.json").exists()


@pytest.mark.parametrize("token", ["NaN", "Infinity"])
def test_a_results_file_with_nan_is_refused(tmp_path: Path, config: Path, token: str) -> None:
    snap = _write_snapshot(tmp_path / "snapshot.json", "3306")
    _cli(["evaluate", str(snap), "--config", str(config), "--output-dir", "out"], tmp_path)
    results = tmp_path / "out" / "results.json"
    data = json.loads(results.read_text())
    data["findings"][0]["probe"] = "__NUMBER__"
    hostile = tmp_path / "hostile-results.json"
    hostile.write_text(json.dumps(data).replace('"__NUMBER__"', token), encoding="utf-8")
    proc = _cli(["report", str(hostile), "--output-dir", "rendered", "--format", "md"], tmp_path)
    line = _one_error_line(proc)
    assert str(hostile) in line
    assert "$.findings[0].probe" in line


CONFIG_CASES = {
    "nan-param": (
        f"params:\n  {POLICY}:\n    world_cidrs: .nan\n",
        f"$.params['{POLICY}'].world_cidrs",
    ),
    "inf-param": (
        "params:\n  aurora.cluster.backup_retention:\n    min_days: -.Inf\n",
        "$.params['aurora.cluster.backup_retention'].min_days",
    ),
    "overflowing-float": (
        "params:\n  aurora.cluster.backup_retention:\n    min_days: 1.0e+999\n",
        "$.params['aurora.cluster.backup_retention'].min_days",
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_a_config_with_nan_or_infinity_is_refused(tmp_path: Path, case: str) -> None:
    text, where = CONFIG_CASES[case]
    path = tmp_path / "aurora-scan.yml"
    path.write_text(text, encoding="utf-8")
    snap = _write_snapshot(tmp_path / "snapshot.json", "3306")
    proc = _cli(["evaluate", str(snap), "--config", str(path), "--output-dir", "out"], tmp_path)
    line = _one_error_line(proc)
    assert str(path) in line
    assert where in line
    assert "not a finite number" in line


def test_a_waiver_file_with_infinity_is_refused(tmp_path: Path, config: Path) -> None:
    path = tmp_path / "waivers.yml"
    path.write_text(
        "waivers:\n"
        f"  - policy: {POLICY}\n"
        "    resource: c1\n"
        "    reason: .inf\n"
        "    owner: dba@example.com\n"
        "    expires: 2099-01-01\n",
        encoding="utf-8",
    )
    snap = _write_snapshot(tmp_path / "snapshot.json", "3306")
    proc = _cli(
        ["evaluate", str(snap), "--config", str(config), "--waivers", str(path)],
        tmp_path,
    )
    line = _one_error_line(proc)
    assert str(path) in line
    assert "$.waivers[0].reason" in line
    assert "not a finite number" in line


def test_a_policy_with_nan_is_refused(tmp_path: Path) -> None:
    policies = tmp_path / "mine" / "network"
    policies.mkdir(parents=True)
    (policies / "custom.cluster.port_nan.yaml").write_text(
        "id: custom.cluster.port_nan\n"
        "title: Port is not NaN\n"
        "description: A hostile policy comparing with NaN, which is never equal to anything.\n"
        "severity: low\n"
        "resource: aws.rds.db_cluster\n"
        "require: {attr: Port, op: ne, value: .NaN}\n"
        "message: Cluster {DBClusterIdentifier}\n"
        "remediation: {text: none}\n",
        encoding="utf-8",
    )
    proc = _cli(["policies", "validate", "--policies", "mine"], tmp_path)
    line = _one_error_line(proc)
    assert "mine/network/custom.cluster.port_nan.yaml" in line
    assert "$.require.value" in line
