"""`aurora-scan demo`: the five reports, the summary, the exit codes, and no moto.

The full demo runs in a child process (moto's state is process-global and
must not leak into this pytest worker), once per test session.
"""

from __future__ import annotations

import builtins
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from scanner.demo.summary import render_summary, severity_table, top_failing
from scanner.model import ExitCode, Finding, ScanResult, Severity, Status
from scanner.result_file import read_result

REPO = Path(__file__).resolve().parents[2]
FIVE_FILES = ("results.json", "results.sarif", "report.html", "junit.xml", "summary.md")
DemoRun = tuple[subprocess.CompletedProcess[str], Path]


def _demo_env() -> dict[str, str]:
    """A hostile AWS environment: the demo must not read any of it."""
    env = dict(os.environ)
    env.update(
        AWS_PROFILE="profile-that-does-not-exist",
        AWS_ACCESS_KEY_ID="",
        AWS_SECRET_ACCESS_KEY="",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",  # nothing listens there
        AWS_CONFIG_FILE="/nonexistent/config",
    )
    return env


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    # No timing assertion here (benchmarks print figures, tests do not time):
    # the demo's own summary reports its duration per stage.
    out = tmp_path_factory.mktemp("demo") / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from scanner.cli import entry; entry()",
            "demo",
            "--output-dir",
            str(out),
            "-v",  # the seeding and collection steps as log lines (stderr is no terminal)
        ],
        cwd=REPO,
        env=_demo_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    return proc, out


def test_demo_writes_the_five_reports_and_exits_0(demo_run: DemoRun) -> None:
    proc, out = demo_run
    assert proc.returncode == ExitCode.CLEAN, proc.stderr
    for name in FIVE_FILES:
        assert (out / name).stat().st_size > 0, name
    results = read_result(out / "results.json").to_dict()
    assert results["errors"] == []
    # The whole built-in catalogue, however many policies it has.
    from scanner.policy.loader import load_policies

    assert len(results["policies"]) == len(load_policies().policies) >= 47


def test_demo_prints_the_summary_and_the_report_paths(demo_run: DemoRun) -> None:
    proc, out = demo_run
    assert "severity" in proc.stdout and "critical" in proc.stdout
    assert "top failing policies" in proc.stdout
    for name in FIVE_FILES:
        assert str(out / name) in proc.stdout
    # stderr is not a terminal here: no progress redraws.
    assert "\r" not in proc.stderr


def test_demo_seeding_reports_each_step(demo_run: DemoRun) -> None:
    """The seeder calls back after every step (on a terminal: a progress line with an
    estimate; here, with -v, one log line per step) up to the last of a known total."""
    proc, _ = demo_run
    steps = re.findall(r"seeded (.+) \((\d+)/(\d+)\)", proc.stderr)
    assert steps, proc.stderr[-2000:]
    totals = {int(total) for _, _, total in steps}
    assert len(totals) == 1
    assert [int(done) for _, done, _ in steps] == list(range(1, totals.pop() + 1))
    assert any(name.startswith("cluster ") for name, _, _ in steps)


def test_demo_without_moto_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    real_import = builtins.__import__

    def no_moto(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "moto" or name.startswith("moto."):
            raise ImportError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_moto)
    code = main(["demo", "--output-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == ExitCode.BAD_INPUT
    assert "aurora-scan[demo]" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def _finding(policy: str, status: Status, severity: Severity) -> Finding:
    return Finding(
        policy_id=policy,
        resource_id=f"arn:aws:rds:us-east-1:123456789012:cluster:{policy}",
        resource_type="aws.rds.db_cluster",
        resource_name=policy,
        account="123456789012",
        region="us-east-1",
        status=status,
        severity=severity,
        message="m",
    )


def _result() -> ScanResult:
    findings = (
        _finding("p.low", Status.FAIL, Severity.LOW),
        _finding("p.low", Status.FAIL, Severity.LOW),
        _finding("p.crit", Status.FAIL, Severity.CRITICAL),
        _finding("p.high", Status.PASS, Severity.HIGH),
        _finding("p.med", Status.NOT_APPLICABLE, Severity.MEDIUM),
    )
    return ScanResult(scan={}, policies=(), findings=findings)


def test_summary_table_counts_by_severity_and_status() -> None:
    lines = severity_table(_result())
    assert lines[0].split() == ["severity", "FAIL", "PASS", "N/A", "UNKNOWN", "WAIVED"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["critical"] == ["1", "0", "0", "0", "0"]
    assert rows["low"] == ["2", "0", "0", "0", "0"]
    assert rows["total"] == ["3", "1", "1", "0", "0"]
    assert "info" not in rows


def test_top_failing_puts_the_most_severe_first() -> None:
    assert top_failing(_result()) == [("p.crit", Severity.CRITICAL, 1), ("p.low", Severity.LOW, 2)]


def test_render_summary_lists_reports_and_timings(tmp_path: Path) -> None:
    text = render_summary(
        _result(),
        {"json": tmp_path / "results.json"},
        heading="demo",
        timings={"seed": 1.0, "collect": 2.5},
    )
    assert text.startswith("demo\n")
    assert str(tmp_path / "results.json") in text
    assert "done in 3.5s (seed 1.0s, collect 2.5s)" in text


@pytest.mark.parametrize(
    ("fail_on", "code"), [("none", ExitCode.CLEAN), ("critical", ExitCode.FAILED)]
)
def test_demo_gate_exit_code(fail_on: str, code: ExitCode) -> None:
    from scanner.cli.demo import gate_exit_code

    assert gate_exit_code(_result(), fail_on) == code


def test_demo_help_counts_the_clusters_the_estate_has() -> None:
    # The epilog is plain text (no estate import at --help time): keep it true.
    from scanner.cli.demo import EPILOG
    from scanner.demo.estate import CLUSTERS

    assert f"{len(CLUSTERS)} Aurora clusters" in " ".join(EPILOG.split())


def _readme_demo_block() -> list[str]:
    """The lines of the README's `$ make demo` sample output."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("$ make demo\n")
    end = text.index("```", start)
    return text[start:end].splitlines()


_TABLE_ROW = re.compile(r"^(severity|critical|high|medium|low|info|total) ")


def _comparable(lines: list[str]) -> list[str]:
    """The lines that must match a real run: heading (port masked), table, top failing."""
    keep = []
    for line in lines:
        line = " ".join(line.split())
        if line.startswith("aurora-scan demo:"):
            keep.append(line.rsplit(" at http://", 1)[0])
        elif _TABLE_ROW.match(line) or (line.startswith("aurora.") and "failing" in line):
            keep.append(line)
    return keep


def test_the_readme_sample_output_is_what_the_demo_prints(demo_run: DemoRun) -> None:
    """README's sample is a real run: resource count, policies, counts per severity and
    status, the top failing policies.  When the estate changes, paste a fresh
    `make demo` output into the README (the port and the timings may differ)."""
    proc, out = demo_run
    readme = _comparable(_readme_demo_block())
    printed = _comparable(proc.stdout.splitlines())
    assert readme == printed, "README.md's `make demo` sample is stale:\n" + proc.stdout
    # And the printed table is the results' own counts.
    results = read_result(out / "results.json").to_dict()
    by_severity = results["summary"]["by_severity"]
    for line in printed:
        name, *numbers = line.split()
        if name in by_severity:
            fail, passed, na, unknown, waived = (int(n) for n in numbers)
            counts = by_severity[name]
            assert (fail, passed, na, unknown, waived) == (
                counts.get("FAIL", 0),
                counts.get("PASS", 0),
                counts.get("NOT_APPLICABLE", 0),
                counts.get("UNKNOWN", 0),
                counts.get("WAIVED", 0),
            ), name
    resources = int(printed[0].split(" resources in ")[0].rsplit(" ", 1)[1])
    assert resources == results["scan"]["resource_count"]
    policies = int(printed[0].split("scanned with ")[1].split(" policies")[0])
    assert policies == results["scan"]["policy_count"] == len(results["policies"])
