"""Since when (issue 16 item 5): first_seen / last_status_change carried forward
by fingerprint from --previous (or --baseline) on evaluate and report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.history import since
from scanner.model import Finding, Resource, Severity, Snapshot, Status
from scanner.result_file import read_result
from scanner.snapshot_file import write_snapshot

Cli = Callable[[Sequence[str]], tuple[int, str, str]]
DAY1, DAY2, DAY3 = "2026-03-01T09:00:00Z", "2026-03-02T09:00:00Z", "2026-03-03T09:00:00Z"
POLICY = "aurora.cluster.deletion_protection"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(argv: Sequence[str]) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def finding(status: Status, first: str = "", last: str = "") -> Finding:
    return Finding(
        policy_id="p",
        resource_id="r",
        resource_type="aws.rds.db_cluster",
        resource_name="r",
        account="1",
        region="us-east-1",
        status=status,
        severity=Severity.HIGH,
        message="m",
        fingerprint="f",
        first_seen=first,
        last_status_change=last,
    )


def test_since_rules() -> None:
    fresh = finding(Status.FAIL, DAY3, DAY3)
    # New fingerprint: first seen now.
    assert since(None, DAY2, fresh, DAY3) == (DAY3, DAY3)
    # Same status: both carried.
    assert since(finding(Status.FAIL, DAY1, DAY1), DAY2, fresh, DAY3) == (DAY1, DAY1)
    # Changed status: first seen carried, changed now.
    assert since(finding(Status.PASS, DAY1, DAY1), DAY2, fresh, DAY3) == (DAY1, DAY3)
    # A previous result written before history existed: its scan time stands in.
    assert since(finding(Status.FAIL), DAY2, fresh, DAY3) == (DAY2, DAY2)
    # NEW already carries its history: kept.
    carried = finding(Status.FAIL, DAY1, DAY2)
    assert since(finding(Status.PASS, DAY1, DAY1), DAY2, carried, DAY3, trust_new=True) == (
        DAY1,
        DAY2,
    )


def cluster(name: str, protected: bool) -> Resource:
    return Resource(
        id=f"arn:aws:rds:us-east-1:123456789012:cluster:{name}",
        type="aws.rds.db_cluster",
        account="123456789012",
        region="us-east-1",
        attrs={
            "DBClusterIdentifier": name,
            "Engine": "aurora-mysql",
            "DeletionProtection": protected,
            "DBClusterMembers": [],
        },
    )


def snapshot_file(path: Path, when: str, *resources: Resource) -> Path:
    write_snapshot(
        Snapshot(
            collected_at=when,
            accounts=("123456789012",),
            regions=("us-east-1",),
            resources=resources,
        ),
        path,
    )
    return path


def evaluate(cli: Cli, snap: Path, out: Path, *extra: str) -> dict[str, dict[str, str]]:
    args = ["--format", "json,md", "--fail-on", "none", "--allow-incomplete", *extra]
    code, _, err = cli(["evaluate", str(snap), "--output-dir", str(out), *args])
    assert code == 0, err
    results = read_result(out / "results.json").to_dict()
    return {
        f["resource_id"].rsplit(":", 1)[-1]: f
        for f in results["findings"]
        if f["policy_id"] == POLICY
    }


@pytest.fixture
def three_days(tmp_path: Path) -> list[Path]:
    return [
        snapshot_file(tmp_path / "d1.json", DAY1, cluster("a", False), cluster("b", True)),
        snapshot_file(tmp_path / "d2.json", DAY2, cluster("a", False), cluster("b", False)),
        snapshot_file(
            tmp_path / "d3.json", DAY3, cluster("a", False), cluster("b", False), cluster("c", True)
        ),
    ]


def test_history_over_three_scans(three_days: list[Path], tmp_path: Path, cli: Cli) -> None:
    d1 = evaluate(cli, three_days[0], tmp_path / "o1")
    assert {(f["first_seen"], f["last_status_change"]) for f in d1.values()} == {(DAY1, DAY1)}
    r1, r2 = (str(tmp_path / o / "results.json") for o in ("o1", "o2"))
    d2 = evaluate(cli, three_days[1], tmp_path / "o2", "--previous", r1)
    assert (d2["a"]["first_seen"], d2["a"]["last_status_change"]) == (DAY1, DAY1)
    assert (d2["b"]["first_seen"], d2["b"]["last_status_change"]) == (DAY1, DAY2)
    # --baseline stands in for --previous.
    d3 = evaluate(cli, three_days[2], tmp_path / "o3", "--baseline", r2)
    assert (d3["a"]["first_seen"], d3["a"]["last_status_change"]) == (DAY1, DAY1)
    assert (d3["b"]["first_seen"], d3["b"]["last_status_change"]) == (DAY1, DAY2)
    assert (d3["c"]["first_seen"], d3["c"]["last_status_change"]) == (DAY3, DAY3)
    saved = read_result(tmp_path / "o3/results.json").to_dict()
    header = saved["scan"]
    assert header["previous_results"]["collected_at"] == DAY2
    assert header["previous_results"]["file"] == str(tmp_path / "o2/results.json")
    assert len(header["previous_results"]["sha256"]) == 64
    md = (tmp_path / "o3/summary.md").read_text().replace("\\", "")
    failing = [f for f in saved["findings"] if f["status"] == "FAIL"]
    started = sum(f["last_status_change"] == DAY3 for f in failing)
    assert started
    assert all(f["resource_id"].endswith(":c") for f in failing if f["last_status_change"] == DAY3)
    assert f"**{started}** finding(s) started failing in this scan, {len(failing) - started}" in md
    row = next(x for x in md.splitlines() if x.startswith(f"| {POLICY} |"))
    assert f"| {DAY1} |" in row


def test_report_previous_rerenders_with_history(
    three_days: list[Path], tmp_path: Path, cli: Cli
) -> None:
    evaluate(cli, three_days[0], tmp_path / "o1")
    evaluate(cli, three_days[1], tmp_path / "o2")
    plain = read_result(tmp_path / "o2/results.json").to_dict()
    assert {f["first_seen"] for f in plain["findings"]} == {DAY2}
    out = tmp_path / "re"
    code, _, err = cli(
        [
            "report",
            str(tmp_path / "o2/results.json"),
            "--format",
            "json",
            "--output-dir",
            str(out),
            "--previous",
            str(tmp_path / "o1/results.json"),
            "--fail-on",
            "none",
            "--allow-incomplete",
        ]
    )
    assert code == 0, err
    again = read_result(out / "results.json").to_dict()
    (b,) = [
        f for f in again["findings"] if f["policy_id"] == POLICY and f["resource_id"].endswith(":b")
    ]
    assert (b["first_seen"], b["last_status_change"]) == (DAY1, DAY2)


def test_previous_from_a_later_scan_is_refused(
    three_days: list[Path], tmp_path: Path, cli: Cli
) -> None:
    evaluate(cli, three_days[1], tmp_path / "o2")
    code, _, err = cli(
        [
            "evaluate",
            str(three_days[0]),
            "--output-dir",
            str(tmp_path / "o1"),
            "--previous",
            str(tmp_path / "o2/results.json"),
        ]
    )
    assert code == 2
    assert "collected at 2026-03-02T09:00:00Z, after this scan" in err
    assert "Traceback" not in err


def test_a_bad_previous_file_is_exit_2(three_days: list[Path], tmp_path: Path, cli: Cli) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    code, _, err = cli(
        [
            "evaluate",
            str(three_days[0]),
            "--output-dir",
            str(tmp_path / "o"),
            "--previous",
            str(bad),
        ]
    )
    assert code == 2 and "not an aurora-scan result" in err


def test_a_later_baseline_still_gates_but_gives_no_history(
    three_days: list[Path], tmp_path: Path, cli: Cli
) -> None:
    # Re-evaluating an old snapshot against a newer baseline is a gate, not history.
    evaluate(cli, three_days[1], tmp_path / "o2")
    out = tmp_path / "o1"
    code, _, err = cli(
        [
            "evaluate",
            str(three_days[0]),
            "--output-dir",
            str(out),
            "--format",
            "json",
            "--baseline",
            str(tmp_path / "o2/results.json"),
            "--allow-incomplete",
        ]
    )
    assert code == 0, err  # a's FAIL is in the baseline: it does not count
    assert "note: no first_seen history from --baseline" in err
    saved = read_result(out / "results.json").to_dict()
    assert "previous_results" not in saved["scan"]
    assert {f["first_seen"] for f in saved["findings"]} == {DAY1}
