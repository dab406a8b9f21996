"""`aurora-scan verify` (issue 16 item 10): recompute the policy-set, snapshot,
waiver and config hashes a results.json states and say whether they match."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import yaml

from scanner.cli import main
from scanner.model import Resource, Snapshot
from scanner.policy.engine import evaluate
from scanner.policy.loader import load_policies
from scanner.result_file import write_result
from scanner.snapshot_file import write_snapshot

POLICY = {
    "id": "test.cluster.deletion_protection",
    "title": "Cluster has deletion protection",
    "severity": "medium",
    "resource": "aws.rds.db_cluster",
    "require": {"attr": "DeletionProtection", "op": "eq", "value": True},
    "message": "Cluster {DBClusterIdentifier} has DeletionProtection {DeletionProtection}",
}


def write_policy(root: Path, doc: dict[str, object]) -> None:
    path = root / "backup" / f"{doc['id']}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


Cli = Callable[[Sequence[str]], tuple[int, str, str]]


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


def estate(protected: bool = False) -> Snapshot:
    cluster = Resource(
        id="arn:aws:rds:us-east-1:123456789012:cluster:c1",
        type="aws.rds.db_cluster",
        account="123456789012",
        region="us-east-1",
        attrs={
            "DBClusterIdentifier": "c1",
            "Engine": "aurora-mysql",
            "DeletionProtection": protected,
        },
    )
    return Snapshot(
        collected_at="2026-06-01T00:00:00Z",
        accounts=("123456789012",),
        regions=("us-east-1",),
        resources=(cluster,),
    )


@pytest.fixture
def scanned(tmp_path: Path, cli: Cli) -> dict[str, Path]:
    """A real evaluate run with a custom policy dir, a waiver file and a config."""
    policies = tmp_path / "policies"
    write_policy(policies, copy.deepcopy(POLICY))
    snapshot = tmp_path / "snapshot.json"
    write_snapshot(estate(), snapshot)
    waivers = tmp_path / "waivers.yml"
    waivers.write_text(
        yaml.safe_dump(
            [
                {
                    "policy": "test.cluster.deletion_protection",
                    "resource": "c1",
                    "reason": "legacy",
                    "owner": "dba@example.com",
                    "expires": "2026-12-31",
                }
            ]
        )
    )
    config = tmp_path / "aurora-scan.yml"
    config.write_text("fail_on: none\n")
    out = tmp_path / "out"
    code, _, err = cli(
        [
            "evaluate",
            str(snapshot),
            "--policies",
            str(policies),
            "--waivers",
            str(waivers),
            "--config",
            str(config),
            "--output-dir",
            str(out),
            "--format",
            "json,html,md",
        ]
    )
    assert code == 0, err
    return {
        "results": out / "results.json",
        "out": out,
        "snapshot": snapshot,
        "policies": policies,
        "waivers": waivers,
        "config": config,
    }


def _args(s: dict[str, Path]) -> list[str]:
    return [
        "verify",
        str(s["results"]),
        "--snapshot",
        str(s["snapshot"]),
        "--policies",
        str(s["policies"]),
        "--waivers",
        str(s["waivers"]),
        "--config",
        str(s["config"]),
    ]


def _outcomes(out: str) -> dict[str, str]:
    lines = [line for line in out.splitlines() if line and not line.startswith(("/", "."))]
    result = {}
    for line in lines[:4]:
        what, _, rest = line.partition("  ")
        result[what.strip()] = rest.strip().split("  ")[0]
    return result


def test_every_input_matches(scanned: dict[str, Path], cli: Cli) -> None:
    code, out, err = cli(_args(scanned))
    assert code == 0, err
    assert _outcomes(out) == {
        "policy set": "MATCH",
        "snapshot": "MATCH",
        "waivers": "MATCH",
        "config": "MATCH",
    }
    assert out.rstrip().endswith("4 match, 0 mismatch, 0 not checked")


@pytest.mark.parametrize("changed", ["snapshot", "policies", "waivers", "config"])
def test_a_changed_input_is_a_mismatch(scanned: dict[str, Path], cli: Cli, changed: str) -> None:
    if changed == "snapshot":
        write_snapshot(estate(protected=True), scanned["snapshot"])
    elif changed == "policies":
        other = copy.deepcopy(POLICY)
        other.update(id="test.cluster.other", severity="low")
        write_policy(scanned["policies"], other)
    elif changed == "waivers":
        text = scanned["waivers"].read_text().replace("legacy", "legacy app")
        scanned["waivers"].write_text(text)
    else:
        scanned["config"].write_text("fail_on: none\nallow_incomplete: true\n")
    code, out, _ = cli(_args(scanned))
    assert code == 1
    what = {"policies": "policy set"}.get(changed, changed)
    outcomes = _outcomes(out)
    assert outcomes[what] == "MISMATCH"
    assert [k for k, v in outcomes.items() if v != "MATCH"] == [what]
    assert "the report states" in out and "1 mismatch" in out


def test_recorded_files_are_used_and_missing_inputs_are_not_checked(
    scanned: dict[str, Path], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The report names the waiver and config files: found there, they are checked.
    code, out, _ = cli(["verify", str(scanned["results"]), "--policies", str(scanned["policies"])])
    assert code == 0
    outcomes = _outcomes(out)
    assert outcomes["waivers"] == "MATCH" and outcomes["config"] == "MATCH"
    assert "named in the report" in out
    assert outcomes["snapshot"] == "NOT CHECKED" and "pass --snapshot FILE" in out
    # Moved away: said, not guessed.
    scanned["waivers"].rename(scanned["waivers"].with_suffix(".moved"))
    code, out, _ = cli(["verify", str(scanned["results"]), "--policies", str(scanned["policies"])])
    assert code == 0
    assert _outcomes(out)["waivers"] == "NOT CHECKED" and "pass --waivers FILE" in out


def test_without_the_custom_policies_the_policy_set_differs(
    scanned: dict[str, Path], cli: Cli
) -> None:
    code, out, _ = cli(["verify", str(scanned["results"]), "--snapshot", str(scanned["snapshot"])])
    assert code == 1
    assert _outcomes(out)["policy set"] == "MISMATCH"
    assert "built-in policies hashes to" in out


def test_a_collected_snapshot_hashed_as_canonical_json_matches(tmp_path: Path, cli: Cli) -> None:
    # `scan` without --snapshot-out states the digest of the canonical JSON.
    result = evaluate(estate(), load_policies())
    results = write_result(result, tmp_path / "results.json")
    snapshot = tmp_path / "snap.json.gz"  # compressed: other bytes, same content
    write_snapshot(estate(), snapshot)
    code, out, _ = cli(["verify", str(results), "--snapshot", str(snapshot)])
    assert code == 0, out
    assert _outcomes(out)["snapshot"] == "MATCH" and "as canonical JSON" in out


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing-results", "results file not found"),
        ("bad-results", "not valid JSON"),
        ("missing-snapshot", "snapshot file not found"),
        ("bad-policies", "policy directory does not exist"),
    ],
)
def test_bad_input_is_exit_2(
    scanned: dict[str, Path], cli: Cli, tmp_path: Path, setup: str, message: str
) -> None:
    args = _args(scanned)
    if setup == "missing-results":
        args[1] = str(tmp_path / "nope.json")
    elif setup == "bad-results":
        scanned["results"].write_text("{not json")
    elif setup == "missing-snapshot":
        args[args.index("--snapshot") + 1] = str(tmp_path / "nope.json")
    else:
        args[args.index("--policies") + 1] = str(tmp_path / "no-such-dir")
    code, out, err = cli(args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert out == ""


def test_the_report_says_how_to_verify(scanned: dict[str, Path]) -> None:
    html = (scanned["out"] / "report.html").read_text()
    cell = html[html.index('id="verify-command"') :]
    cell = cell[: cell.index("</td>")]
    assert "aurora-scan verify results.json --snapshot SNAPSHOT.json" in cell
    assert f"--waivers {scanned['waivers']}" in cell
    assert f"--config {scanned['config']}" in cell
    md = (scanned["out"] / "summary.md").read_text()
    assert "`aurora-scan verify results.json --snapshot SNAPSHOT.json" in md
    results = json.loads(scanned["results"].read_text())
    assert results["scan"]["policy_set_sha256"] in (scanned["out"] / "report.html").read_text()
