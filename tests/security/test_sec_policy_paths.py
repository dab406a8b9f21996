"""Issue 14 item 7: policy paths that cannot be used are reported (exit 2), never skipped.

``pathlib.Path.rglob`` drops a directory it cannot list, a symlink loop and a
dangling symlink without a word, and a ``--policies`` directory with nothing
in it added nothing: each printed "ok: 47 policies" and exited 0, so a typo'd
or unreadable custom policy set went unnoticed.  Each case runs the CLI under
an outer timeout (a loop must not hang it) and checks one line naming the path.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sec_support import cli_subprocess

OUTER_TIMEOUT = 60

POLICY = """\
id: {id}
title: Custom deletion protection
description: A custom policy beside the built-in catalogue, for the path tests.
severity: low
resource: aws.rds.db_cluster
require: {{attr: DeletionProtection, op: eq, value: true}}
message: Cluster {{DBClusterIdentifier}}
remediation: {{text: Turn deletion protection on.}}
"""


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return cli_subprocess(args, cwd, OUTER_TIMEOUT)


def _error_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert "ok:" not in proc.stdout
    return [line for line in proc.stderr.splitlines() if line.strip()]


def _policy_dir(root: Path) -> Path:
    area = root / "custom"
    area.mkdir(parents=True)
    policy_id = "custom.cluster.deletion_protection"
    (area / f"{policy_id}.yaml").write_text(POLICY.format(id=policy_id), encoding="utf-8")
    return root


def test_a_good_policy_directory_validates(tmp_path: Path) -> None:
    """The control: the same directory without the hostile entry is fine."""
    _policy_dir(tmp_path / "mine")
    proc = _cli(["policies", "validate", "--policies", "mine"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: ")


def test_an_empty_policy_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "mine" / "docs").mkdir(parents=True)
    (tmp_path / "mine" / "README.md").write_text("my policies\n")
    proc = _cli(["policies", "validate", "--policies", "mine"], tmp_path)
    (line,) = _error_lines(proc)
    assert line.startswith("aurora-scan: error: mine: no policy files in this directory")


def test_a_symlink_loop_inside_the_directory_is_an_error(tmp_path: Path) -> None:
    root = _policy_dir(tmp_path / "mine")
    (root / "custom" / "again").symlink_to("..")
    proc = _cli(["policies", "validate", "--policies", "mine"], tmp_path)
    (line,) = _error_lines(proc)
    assert "mine/custom/again: symlink loop" in line


def test_a_self_referencing_symlink_is_an_error(tmp_path: Path) -> None:
    root = _policy_dir(tmp_path / "mine")
    (root / "custom" / "custom.cluster.loop.yaml").symlink_to("custom.cluster.loop.yaml")
    proc = _cli(["policies", "validate", "--policies", "mine"], tmp_path)
    (line,) = _error_lines(proc)
    assert "mine/custom/custom.cluster.loop.yaml: cannot read the policy path: symlink loop" in line


def test_a_dangling_policy_symlink_is_an_error(tmp_path: Path) -> None:
    root = _policy_dir(tmp_path / "mine")
    (root / "custom" / "custom.cluster.gone.yaml").symlink_to("../../moved/gone.yaml")
    proc = _cli(["policies", "validate", "--policies", "mine"], tmp_path)
    (line,) = _error_lines(proc)
    assert "mine/custom/custom.cluster.gone.yaml: cannot read the policy path: dangling" in line


def test_a_policies_argument_that_is_a_symlink_loop_says_so(tmp_path: Path) -> None:
    (tmp_path / "mine").symlink_to("mine")
    proc = _cli(["policies", "validate", "--policies", "mine"], tmp_path)
    (line,) = _error_lines(proc)
    assert line == (
        "aurora-scan: error: mine at --policies: symlink loop, not a policy directory; "
        "hint: --policies takes a directory of <area>/<id>.yaml files"
    )


def test_no_builtin_and_no_policies_is_an_error(tmp_path: Path) -> None:
    proc = _cli(["policies", "validate", "--no-builtin"], tmp_path)
    (line,) = _error_lines(proc)
    assert "--no-builtin: no policies to load" in line


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A sub-directory that cannot be listed (chmod 000 does not stop root, who runs CI here).

    ``os.scandir`` is what both ``Path.rglob`` (before) and the loader (now)
    list directories with; it raises as it would for a mode-000 directory.
    """
    root = _policy_dir(tmp_path / "mine")
    locked = root / "locked"
    locked.mkdir()
    (locked / "custom.cluster.hidden.yaml").write_text("id: custom.cluster.hidden\n")
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if Path(os.fsdecode(path)).resolve() == locked.resolve():  # type: ignore[arg-type]
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))  # type: ignore[arg-type]
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    locked.chmod(0o000)
    yield locked
    locked.chmod(0o755)


@pytest.mark.timeout(OUTER_TIMEOUT)
def test_an_unreadable_sub_directory_is_an_error(
    unreadable: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scanner.cli import main

    code = main(["policies", "validate", "--policies", "mine"])
    out = capsys.readouterr()
    assert code == 2, out
    assert "ok:" not in out.out
    assert out.err.strip() == (
        "aurora-scan: error: mine/locked: cannot read the policy path: Permission denied; "
        "hint: fix or remove it; a policy that cannot be read is never skipped"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a mode-000 directory")
def test_an_unreadable_sub_directory_is_an_error_as_a_process(tmp_path: Path) -> None:
    root = _policy_dir(tmp_path / "mine")
    locked = root / "locked"
    locked.mkdir()
    locked.chmod(0o000)
    try:
        proc = _cli(["policies", "validate", "--policies", "mine"], tmp_path)
    finally:
        locked.chmod(0o755)
    (line,) = _error_lines(proc)
    assert "mine/locked: cannot read the policy path: Permission denied" in line
