"""Issue 14 item 10: ``diff --output`` writes through the one atomic writer.

A symlink planted at the output name (pointing at a file the attacker wants
overwritten) is replaced by the diff, never followed; the write leaves no
temporary behind, and an output that cannot be written is one line, exit 2.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sec_outputs_support import hidden_leftovers, run_cli, write_result

from scanner.model import Status


@pytest.fixture
def results(tmp_path: Path) -> tuple[Path, Path]:
    from product_fixtures import finding, result

    return (
        write_result(tmp_path / "old.json", result([finding("c1", Status.PASS)])),
        write_result(tmp_path / "new.json", result([finding("c1", Status.FAIL)])),
    )


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, Path]:
    """out/diff.txt -> victim.conf, a file outside the output directory."""
    victim = tmp_path / "victim.conf"
    victim.write_text("precious\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    link = out / "diff.txt"
    link.symlink_to(victim)
    return link, victim


def test_planted_symlink_is_replaced_not_followed(
    results: tuple[Path, Path], planted: tuple[Path, Path]
) -> None:
    old, new = results
    link, victim = planted
    run = run_cli(["diff", str(old), str(new), "--output", str(link)], timeout=60)
    assert run.code == 0, run.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not link.is_symlink()
    assert "aurora-scan diff:" in link.read_text(encoding="utf-8")
    # Findings of the account: written like results.json, owner-only.
    assert stat.S_IMODE(link.stat().st_mode) == 0o600
    assert hidden_leftovers(link.parent) == []


def test_unwritable_output_is_one_line_naming_the_flag(
    results: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = results
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    run = run_cli(["diff", str(old), str(new), "--output", str(blocker / "d.txt")], timeout=60)
    assert run.code == 2, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "--output" in lines[0] and str(blocker) in lines[0], run.stderr
