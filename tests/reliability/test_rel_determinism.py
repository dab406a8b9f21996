"""Item 8: the same snapshot, evaluated in two processes with a different TZ and
locale, gives byte-identical results.json and results.sarif."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest


def _locales() -> list[str]:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ["C"]
    found = {line.strip() for line in out.splitlines()}
    utf8 = next((n for n in ("C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8") if n in found), None)
    return ["C", utf8] if utf8 else ["C"]


ENVIRONMENTS = [
    {"TZ": "UTC", "LC_ALL": "C", "LANG": "C", "PYTHONHASHSEED": "1"},
    # UTC+14 and a UTF-8 locale: a wall-clock or locale-dependent byte would show.
    {
        "TZ": "Pacific/Kiritimati",
        "LC_ALL": _locales()[-1],
        "LANG": _locales()[-1],
        "PYTHONHASHSEED": "2",
    },
]


def test_results_are_byte_identical_across_tz_and_locale(
    snapshot_file: Path, tmp_path: Path, run_cli: Any
) -> None:
    outputs = []
    for n, env in enumerate(ENVIRONMENTS):
        # The same command line in each run (it is recorded): a separate cwd each.
        cwd = tmp_path / f"run{n}"
        cwd.mkdir()
        out = cwd / "out"
        run = run_cli(
            ["evaluate", str(snapshot_file), "--output-dir", "out", "--format", "json,sarif"],
            env=env,
            cwd=cwd,
        )
        assert run.code in (0, 1, 3), run.stderr
        assert "Traceback" not in run.stderr
        outputs.append(out)
    for name in ("results.json", "results.sarif"):
        first, second = (o / name for o in outputs)
        assert first.read_bytes() == second.read_bytes(), f"{name} differs between runs"
    if ENVIRONMENTS[0]["LC_ALL"] == ENVIRONMENTS[1]["LC_ALL"]:
        pytest.skip("only the C locale is installed: TZ varied, locale could not")
