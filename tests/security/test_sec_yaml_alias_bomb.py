"""Issue 14 item 1: YAML alias bombs in a policy, config or waiver file -> exit 2, at once.

Nine levels of nine aliases ("billion laughs") are ~400 bytes that expand to
9**9 nodes.  The line-number walk followed every alias path: 7 levels took
27 s and 1.1 GB, 9 were killed.  Now each node is visited once and a document
whose aliases expand past ``MAX_EXPANDED_NODES`` is refused, naming the file.
The CLI runs in a subprocess under an outer timeout and an address-space cap,
so a regression fails the test instead of exhausting the machine.
"""

from __future__ import annotations

import json
import resource
import subprocess
from pathlib import Path

import pytest
from sec_support import cli_subprocess

OUTER_TIMEOUT = 60
MEMORY_CAP = 2 * 1024**3  # bytes of address space for the CLI process


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = [f"a0: &a0 [{','.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{','.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return cli_subprocess(args, cwd, OUTER_TIMEOUT, _cap_memory)


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "aliases expand" in lines[0]
    return lines[0]


@pytest.fixture
def empty_snapshot(tmp_path: Path) -> Path:
    from scanner.model import Snapshot

    snapshot = Snapshot(
        collected_at="2026-11-28T00:00:00Z",
        accounts=("123456789012",),
        regions=("us-east-1",),
        resources=(),
    )
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot.to_dict()), encoding="utf-8")
    return path


def test_the_bomb_is_small() -> None:
    assert len(_bomb().encode()) < 600


def test_a_policy_file_bomb_is_refused(tmp_path: Path) -> None:
    area = tmp_path / "mine" / "custom"
    area.mkdir(parents=True)
    (area / "custom.cluster.bomb.yaml").write_text(_bomb(), encoding="utf-8")
    proc = _cli(["policies", "validate", "--policies", "mine"], tmp_path)
    assert "mine/custom/custom.cluster.bomb.yaml" in _one_error_line(proc)


def test_a_config_file_bomb_is_refused(tmp_path: Path, empty_snapshot: Path) -> None:
    path = tmp_path / "aurora-scan.yml"
    path.write_text(_bomb(), encoding="utf-8")
    # Picked up from the working directory, as a dropped-in file would be.
    proc = _cli(["evaluate", str(empty_snapshot), "--output-dir", "out"], tmp_path)
    assert "aurora-scan.yml" in _one_error_line(proc)
    assert not (tmp_path / "out").exists()


def test_a_waiver_file_bomb_is_refused(tmp_path: Path, empty_snapshot: Path) -> None:
    path = tmp_path / "waivers.yml"
    path.write_text("waivers: " + _bomb().replace("\n", "\n  ").replace("a0:", "\n  a0:", 1))
    proc = _cli(
        ["evaluate", str(empty_snapshot), "--waivers", str(path), "--output-dir", "out"], tmp_path
    )
    assert str(path) in _one_error_line(proc)


def test_a_recursive_alias_is_refused(tmp_path: Path, empty_snapshot: Path) -> None:
    path = tmp_path / "aurora-scan.yml"
    path.write_text("policies: &p\n  include: [*p]\n", encoding="utf-8")
    proc = _cli(["evaluate", str(empty_snapshot), "--output-dir", "out"], tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "aurora-scan.yml at line 1: a YAML alias refers to a node that contains it" in (
        proc.stderr
    )


def test_modest_aliases_still_load_with_lines() -> None:
    """Aliases a person writes (a shared list reused) load, and errors still get lines."""
    from scanner.policy.yaml_io import MAX_EXPANDED_NODES, load_yaml_text

    doc = load_yaml_text("a: &x [1, 2, 3]\nb: *x\nc: [*x, *x]\n", "f.yml")
    assert doc.data == {"a": [1, 2, 3], "b": [1, 2, 3], "c": [[1, 2, 3], [1, 2, 3]]}
    assert doc.line(("b", 0)) == 2  # reached through an alias: the alias's line
    assert doc.line(("c", 1, 2)) == 3
    # A large file written out in full is never refused for its size in nodes.
    big = "\n".join(f"- {i}" for i in range(MAX_EXPANDED_NODES + 10))
    assert len(load_yaml_text(big, "big.yml").data) == MAX_EXPANDED_NODES + 10
