"""Exit code 4: a bug is reported as a bug, never as findings or bad input (issue 17 item 2).

A renderer is made to raise (a planted exception, as a real bug would): the
CLI must exit 4, write a crash report holding the traceback and the versions,
print one line naming it, and leave no results.sarif (nor any other report)
that could be mistaken for a complete result.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from scanner import report
from scanner.cli import main
from scanner.model import Snapshot
from scanner.report import Renderer


class PlantedBug(RuntimeError):
    pass


def _snapshot(tmp_path: Path) -> Path:
    snap = Snapshot(
        collected_at="2026-11-28T00:00:00Z",
        accounts=("123456789012",),
        regions=("us-east-1",),
        resources=(),
    )
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snap.to_dict()))
    return path


def _plant(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    original = report.RENDERERS[fmt]

    def broken(*args: object, **kwargs: object) -> Path:
        raise PlantedBug("planted: the renderer failed half-way")

    monkeypatch.setitem(
        report.RENDERERS, fmt, Renderer(original.format, original.filename, "broken", broken)
    )


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


@pytest.mark.parametrize("broken_format", ["html", "sarif"])
def test_a_renderer_bug_is_exit_4_with_a_crash_report_and_no_sarif(
    broken_format: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plant(monkeypatch, broken_format)
    out = tmp_path / "out"
    code, err = _run(
        [
            "evaluate",
            str(_snapshot(tmp_path)),
            "--output-dir",
            str(out),
            "--format",
            "json,sarif,html",
        ]
    )
    assert code == 4, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "internal error" in lines[0] and "PlantedBug" in lines[0]
    assert "Traceback" not in err
    # No report at all: json and sarif rendered before html stay staged, never moved in.
    assert not (out / "results.sarif").exists()
    assert not (out / "results.json").exists()
    crash = list(out.glob("aurora-scan-crash-*.txt"))
    assert len(crash) == 1 and str(crash[0]) in lines[0]
    text = crash[0].read_text()
    assert "Traceback (most recent call last)" in text
    assert "planted: the renderer failed half-way" in text
    assert "aurora-scan 0.1.0" in text and "python 3." in text and "boto3 " in text
    assert "command: aurora-scan evaluate" in text
    assert crash[0].stat().st_mode & 0o777 == 0o600
    # Nothing staged is left behind either.
    assert not [p for p in out.iterdir() if p.name.startswith(".aurora-scan-staging-")]


def test_the_crash_report_falls_back_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _plant(monkeypatch, "md")
    code, err = _run(["report", str(tmp_path / "none.json"), "--format", "md"])
    assert code == 2, err  # bad input still wins: the renderer never ran
    from scanner.cli import _crash

    def explode(args: object) -> int:
        raise PlantedBug("in a verb")

    monkeypatch.setattr("scanner.cli.diff.run", explode)
    code, err = _run(["diff", "a.json", "b.json"])
    assert code == 4
    assert list(tmp_path.glob("aurora-scan-crash-*.txt")), err
    assert _crash.ISSUES_HINT in err


def test_credentials_in_the_traceback_are_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    secret = "AKIAABCDEFGHIJKLMNOP"

    def explode(args: object) -> int:
        raise PlantedBug(f"key {secret} leaked")

    monkeypatch.setattr("scanner.cli.diff.run", explode)
    code, err = _run(["diff", "a.json", "b.json"])
    assert code == 4
    assert secret not in err
    (crash,) = tmp_path.glob("aurora-scan-crash-*.txt")
    assert secret not in crash.read_text()
