"""Item 9: no secret leaves the scanner.

Canaries: an access key id, a secret access key and a session token in the
environment of a real ``aurora-scan scan`` process, and a secret VALUE stored
in the cluster's managed master-user secret in moto.  The scan runs with
``--verbose`` (three times: botocore debug too) and ``--log-format json``, keeps
its snapshot, and writes every format; none of it may contain a canary.  The
server-side call log proves secret values were never fetched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from moto_helpers import REGION, ServerCallCounter, seed_estate

ACCESS_KEY = "AKIACANARY7QX3ZK2M4P"
SECRET_KEY = "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"
SESSION_TOKEN = "IQoJcanarySessionToken//////////wEaCXVzLWVhc3QtMSJHMEUCIQD"
SECRET_VALUE = "canary-master-password-Zq81!vN"
CANARIES = {
    "access key id": ACCESS_KEY,
    "secret key": SECRET_KEY,
    "session token": SESSION_TOKEN,
    "secret value": SECRET_VALUE,
}


@pytest.fixture
def canary_estate(moto_server: Any, aws_env: None) -> Any:
    from rel_support import forget_estate

    moto_server.reset()
    forget_estate()
    seeded = seed_estate(moto_server.client, clusters=2)
    rds = moto_server.client("rds")
    cluster = rds.describe_db_clusters(DBClusterIdentifier="aurora-000")["DBClusters"][0]
    secret_arn = cluster["MasterUserSecret"]["SecretArn"]
    moto_server.client("secretsmanager").put_secret_value(
        SecretId=secret_arn,
        SecretString=json.dumps({"username": "admin", "password": SECRET_VALUE}),
    )
    yield seeded, secret_arn
    forget_estate()


def _leaks(text: str) -> list[str]:
    return [name for name, value in CANARIES.items() if value in text]


def test_no_canary_in_snapshot_logs_or_reports(
    canary_estate: Any, moto_server: Any, tmp_path: Path, run_cli: Any
) -> None:
    _seeded, secret_arn = canary_estate
    out = tmp_path / "out"
    snapshot = tmp_path / "snapshot.json"
    env = {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
    }
    with ServerCallCounter() as calls:
        run = run_cli(
            [
                "scan",
                "--region",
                REGION,
                "--endpoint-url",
                moto_server.url,
                "--output-dir",
                str(out),
                "--format",
                "json,sarif,html,junit,md",
                "--snapshot-out",
                str(snapshot),
                "-vvv",
                "--log-format",
                "json",
                "--no-progress",
            ],
            env=env,
            cwd=tmp_path,
        )
    assert run.code in (0, 1, 3), run.stderr[-3000:]
    assert "Traceback" not in run.stderr

    # Secret values were never asked for; the secret was described by ARN.
    operations = {op for (_svc, op), n in calls.calls.items() if n}
    assert "GetSecretValue" not in operations, sorted(operations)
    assert "DescribeSecret" in operations
    reads = [op for op in operations if op.startswith(("Describe", "List"))]
    assert set(reads) | {"GetCallerIdentity"} >= operations, sorted(operations)

    # The logs are JSON lines and say something (verbose), without canaries.
    log_lines = [line for line in run.stderr.splitlines() if line.startswith("{")]
    assert log_lines, run.stderr[-2000:]
    for line in log_lines:
        json.loads(line)
    assert not _leaks(run.stdout + run.stderr), _leaks(run.stdout + run.stderr)

    written = [snapshot, *sorted(out.iterdir())]
    assert {p.name for p in written} >= {
        "snapshot.json",
        "results.json",
        "results.sarif",
        "report.html",
        "junit.xml",
        "summary.md",
    }
    for path in written:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not _leaks(text), (path.name, _leaks(text))

    # MasterUserSecret is referenced by ARN only; no secret material is stored.
    data = json.loads(snapshot.read_text())
    raw = json.dumps(data)
    for field in ("SecretString", "SecretBinary", "MasterUserPassword"):
        assert f'"{field}"' not in raw, field
    clusters = [r for r in data["resources"] if r["type"] == "aws.rds.db_cluster"]
    secret_refs = [
        c["attrs"]["MasterUserSecret"] for c in clusters if "MasterUserSecret" in c["attrs"]
    ]
    assert secret_refs and all(
        set(ref) <= {"SecretArn", "SecretStatus", "KmsKeyId"} for ref in secret_refs
    )
    secrets = [r for r in data["resources"] if r["type"] == "aws.secretsmanager.secret"]
    assert [s["id"] for s in secrets] == [secret_arn]
