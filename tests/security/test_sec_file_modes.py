"""Issue 14 item 13: file modes and SIGTERM while writing.

Reports follow the umask like any file the user creates; results.json,
snapshots and diffs hold account data and are 0600 whatever the umask.  A
SIGTERM (a scheduler's timeout) in the middle of writing the outputs leaves
no hidden temporary file behind.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sec_outputs_support import clean_env, cli_argv, hidden_leftovers, write_result

from scanner.model import Status

HERE = Path(__file__).resolve().parent
REPORTS = ("results.sarif", "report.html", "junit.xml", "summary.md")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run_with_umask(args: list[str], umask: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_argv(args),
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=HERE,
        timeout=120,
        preexec_fn=lambda: os.umask(umask),
    )


@pytest.fixture
def results_file(tmp_path: Path) -> Path:
    from product_fixtures import finding, result

    return write_result(tmp_path / "in.json", result([finding("c1", Status.FAIL)]))


@pytest.mark.parametrize(("umask", "report_mode"), [(0o027, 0o640), (0o077, 0o600), (0o022, 0o644)])
def test_reports_follow_the_umask_and_results_are_private(
    results_file: Path, tmp_path: Path, umask: int, report_mode: int
) -> None:
    out = tmp_path / "out"
    run = _run_with_umask(
        [
            "report",
            str(results_file),
            "--output-dir",
            str(out),
            "--format",
            "json,sarif,html,junit,md",
            "--fail-on",
            "none",
        ],
        umask,
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert _mode(out / "results.json") == 0o600
    for name in REPORTS:
        assert _mode(out / name) == report_mode, (name, oct(_mode(out / name)))
    assert hidden_leftovers(out) == []


def test_snapshot_is_private_whatever_the_umask(tmp_path: Path) -> None:
    from benchmarks.synthetic import synthetic_snapshot
    from scanner.snapshot_file import write_snapshot

    old = os.umask(0o000)
    try:
        path = write_snapshot(synthetic_snapshot(clusters=1), tmp_path / "snapshot.json")
    finally:
        os.umask(old)
    assert _mode(path) == 0o600


@pytest.fixture(scope="module")
def large_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Large enough that writing results.json takes a while (~40 MB)."""
    from benchmarks.synthetic import synthetic_snapshot
    from scanner.snapshot_file import write_snapshot

    path = tmp_path_factory.mktemp("large") / "snapshot.json"
    yield write_snapshot(synthetic_snapshot(clusters=500), path)


def test_sigterm_while_writing_leaves_no_temporaries(large_snapshot: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        cli_argv(
            [
                "evaluate",
                str(large_snapshot),
                "--output-dir",
                str(out),
                "--format",
                "json,sarif,html",
                "--fail-on",
                "none",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=clean_env(),
        cwd=HERE,
    )
    try:
        # Wait for a temporary to exist: the process is writing an output now.
        deadline = time.monotonic() + 120
        while not hidden_leftovers(out):
            assert proc.poll() is None, "finished before a temporary was seen; enlarge the estate"
            assert time.monotonic() < deadline, "no output was ever being written"
            time.sleep(0.002)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)  # the outer bound: SIGTERM ends it promptly
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGTERM, proc.stderr.read() if proc.stderr else ""
    assert hidden_leftovers(out) == []
