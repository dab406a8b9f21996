"""Issue 14 item 3: a selection that matches nothing is exit 2, never a silent pass.

A typo'd include (``aurora.clsuter.*``) or an ``aurora-scan.yml`` written for
another tool and dropped into the working directory selected zero policies:
the scan evaluated nothing, found nothing and exited 0.  Now every include and
exclude glob must match at least one loaded policy (else exit 2 naming the
file, the pattern's JSON path and a "did you mean"), and a selection that
leaves no policy at all is exit 2 -- for ``evaluate``, ``scan`` (before any
API call) and ``permissions``.  Each case runs the CLI under an outer timeout.
"""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest
from sec_support import cli_subprocess

OUTER_TIMEOUT = 60


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    testing = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    return cli_subprocess(args, cwd, OUTER_TIMEOUT, extra_env=testing)


def _error_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return [
        line for line in proc.stderr.splitlines() if line.strip() and not line.endswith(" problems")
    ]


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    from scanner.model import Snapshot

    data = Snapshot(
        collected_at="2026-11-28T00:00:00Z",
        accounts=("123456789012",),
        regions=("us-east-1",),
        resources=(),
    ).to_dict()
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _config(tmp_path: Path, text: str, name: str = "selection.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _evaluate(tmp_path: Path, snapshot: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return _cli(["evaluate", str(snapshot), "--output-dir", "out", *extra], tmp_path)


def test_a_selection_that_matches_evaluates(tmp_path: Path, snapshot: Path) -> None:
    """The control: a correct include runs and writes results."""
    config = _config(tmp_path, 'policies:\n  include: ["aurora.cluster.*"]\n')
    proc = _evaluate(tmp_path, snapshot, "--config", str(config))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "results.json").exists()


def test_a_typo_in_include_is_an_error_with_did_you_mean(tmp_path: Path, snapshot: Path) -> None:
    config = _config(tmp_path, 'policies:\n  include: ["aurora.clsuter.*"]\n')
    proc = _evaluate(tmp_path, snapshot, "--config", str(config))
    (line,) = _error_lines(proc)
    assert f"{config} at $.policies.include[0]" in line
    assert "pattern 'aurora.clsuter.*' matches none of the" in line
    assert "did you mean 'aurora.cluster.*'?" in line
    assert not (tmp_path / "out").exists()


def test_a_typo_in_exclude_is_an_error(tmp_path: Path, snapshot: Path) -> None:
    config = _config(
        tmp_path,
        'policies:\n  include: ["aurora.cluster.*"]\n'
        '  exclude: ["aurora.cluster.iam_auht", "aurora.cluster.deletion_protection"]\n',
    )
    proc = _evaluate(tmp_path, snapshot, "--config", str(config))
    (line,) = _error_lines(proc)
    assert f"{config} at $.policies.exclude[0]" in line
    assert "did you mean 'aurora.cluster.iam_auth'?" in line


def test_a_foreign_config_dropped_in_the_working_directory_is_an_error(
    tmp_path: Path, snapshot: Path
) -> None:
    # Read automatically from the working directory; written for another scanner.
    _config(tmp_path, 'policies:\n  include: ["CKV_AWS_*"]\n', name="aurora-scan.yml")
    proc = _evaluate(tmp_path, snapshot)
    (line,) = _error_lines(proc)
    assert line.startswith("aurora-scan: error: aurora-scan.yml at $.policies.include[0]")


def test_a_selection_of_zero_policies_is_an_error(tmp_path: Path, snapshot: Path) -> None:
    # Each glob matches a policy, but together with the area they leave none.
    config = _config(
        tmp_path,
        'policies:\n  include: ["aurora.cluster.backup_retention"]\n  areas: [network]\n',
    )
    proc = _evaluate(tmp_path, snapshot, "--config", str(config))
    (line,) = _error_lines(proc)
    assert f"{config} at $.policies: the policy selection leaves none of the" in line
    assert not (tmp_path / "out").exists()


def test_scan_refuses_an_empty_selection_before_collecting(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        'policies:\n  include: ["aurora.cluster.iam_auth"]\n  exclude: ["aurora.cluster.*"]\n',
    )
    # A port nothing listens on: the refusal must come before any API call.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = _cli(
        [
            "scan",
            "--endpoint-url",
            f"http://127.0.0.1:{port}",
            "--region",
            "us-east-1",
            "--no-progress",
            "--config",
            str(config),
            "--output-dir",
            "out",
        ],
        tmp_path,
    )
    (line,) = _error_lines(proc)
    assert f"{config} at $.policies: the policy selection leaves none of the" in line
    assert not (tmp_path / "out").exists()


def test_permissions_refuses_a_typo(tmp_path: Path) -> None:
    config = _config(tmp_path, 'policies:\n  include: ["aurora.instance.publicly_accesible"]\n')
    proc = _cli(["permissions", "--config", str(config)], tmp_path)
    (line,) = _error_lines(proc)
    assert f"{config} at $.policies.include[0]" in line
    assert "did you mean 'aurora.instance.not_publicly_accessible'?" in line
    assert proc.stdout == ""
