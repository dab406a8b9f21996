"""`aurora-scan merge`: sharded results folded into one, deterministically."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import pytest
from product_fixtures import ACCOUNT_A, ACCOUNT_B, file_form, finding, policy, result

from scanner.cli import main
from scanner.errors import UserInputError
from scanner.merge import Shard, merge_results, read_shard
from scanner.model import CollectionError, ScanResult, Status


def _shards() -> list[Shard]:
    err = CollectionError(
        ACCOUNT_B, "eu-west-1", "rds", "DescribeDBInstances", "AccessDenied", "no", ("x",)
    )
    a = result(
        [finding("a1", "FAIL"), finding("shared", "PASS")],
        started="2026-11-28T00:00:10Z",
        finished="2026-11-28T00:05:00Z",
        snapshot_sha256="1" * 64,
    )
    b = result(
        [
            finding("b1", "PASS", account=ACCOUNT_B, region="eu-west-1"),
            finding("shared", "FAIL", "critical"),
        ],
        accounts=(ACCOUNT_B,),
        regions=("eu-west-1", "us-east-1"),
        started="2026-11-28T00:00:05Z",
        finished="2026-11-28T00:04:00Z",
        errors=(err,),
        snapshot_sha256="2" * 64,
    )
    return [Shard("a.json", a, "f" * 64), Shard("b.json", b, "e" * 64)]


def test_findings_are_deduplicated_and_the_most_telling_verdict_wins() -> None:
    merged = merge_results(_shards())
    by_fp = {f.fingerprint: f for f in merged.findings}
    assert sorted(by_fp) == ["a1", "b1", "shared"]
    assert by_fp["shared"].status is Status.FAIL
    assert merged.counts()["by_status"]["FAIL"] == 2
    assert merged.to_dict()["summary"]["total"] == 3


PRECEDENCE = [
    # two shards disagree on one fingerprint -> the status the merge keeps
    (("PASS", "FAIL"), "FAIL"),
    (("UNKNOWN", "PASS"), "PASS"),
    (("WAIVED", "FAIL"), "FAIL"),
    (("WAIVED", "PASS"), "WAIVED"),
    (("NOT_APPLICABLE", "UNKNOWN"), "NOT_APPLICABLE"),
    (("PASS", "NOT_APPLICABLE"), "PASS"),
]


@pytest.mark.parametrize(("statuses", "kept"), PRECEDENCE)
def test_status_precedence_does_not_depend_on_input_order(
    statuses: tuple[str, str], kept: str
) -> None:
    for order in itertools.permutations(statuses):
        shards = [Shard(f"s{i}", result([finding("x", s)])) for i, s in enumerate(order)]
        [f] = merge_results(shards).findings
        assert f.status.value == kept


def test_same_status_ties_break_on_severity_then_evidence() -> None:
    low = finding("x", "FAIL", "low", evidence=({"kind": "attr"}, {"kind": "attr"}))
    high = finding("x", "FAIL", "high")
    rich = finding("x", "FAIL", "high", evidence=({"kind": "path"},))
    for order in itertools.permutations([low, high, rich]):
        [f] = merge_results([Shard(str(i), result([x])) for i, x in enumerate(order)]).findings
        assert f == rich


def test_output_is_identical_whatever_the_order_of_the_shards() -> None:
    shards = _shards()
    forward = merge_results(shards).to_dict()
    backward = merge_results(list(reversed(shards))).to_dict()
    assert forward == backward


def test_scan_header_unions_scope_and_spans_time_and_lists_each_shard() -> None:
    scan = merge_results(_shards()).scan
    assert scan["accounts"] == [ACCOUNT_A, ACCOUNT_B]
    assert scan["regions"] == ["eu-west-1", "us-east-1"]
    assert scan["started_at"] == "2026-11-28T00:00:05Z"
    assert scan["finished_at"] == "2026-11-28T00:05:00Z"
    shards = {s["name"]: s for s in scan["shards"]}
    assert shards["a.json"]["snapshot_sha256"] == "1" * 64
    assert shards["a.json"]["result_sha256"] == "f" * 64
    assert shards["b.json"]["errors"] == 1
    # differing snapshot hashes -> digest of the sorted distinct values
    expected = hashlib.sha256(("1" * 64 + "\n" + "2" * 64).encode()).hexdigest()
    assert scan["snapshot_sha256"] == expected
    # a hash every shard shares is kept as it is
    assert scan["policy_set_sha256"] == "b" * 64
    assert shards["a.json"]["policy_set_sha256"] == "b" * 64


def test_errors_and_policies_are_unioned() -> None:
    a = result([], policies=[policy("p1")])
    b = result([], policies=[policy("p1"), policy("p2")])
    # different policy sets need --allow-partial (see tests/security/test_sec_merge.py)
    merged = merge_results([Shard("a", a), Shard("b", b), *_shards()], allow_partial=True)
    assert [p["id"] for p in merged.policies] == ["aurora.cluster.test", "p1", "p2"]
    assert len(merged.errors) == 1
    assert merged.incomplete


def test_conflicting_policy_versions_are_a_user_error() -> None:
    a = result([], policies=[policy("p1", severity="high")])
    b = result([], policies=[policy("p1", severity="low")])
    with pytest.raises(UserInputError, match=r"policy p1 differs between a\.json and b\.json"):
        merge_results([Shard("a.json", a), Shard("b.json", b)])


def test_nothing_to_merge_is_a_user_error() -> None:
    with pytest.raises(UserInputError):
        merge_results([])


def test_merged_result_round_trips_through_json() -> None:
    merged = merge_results(_shards())
    again = ScanResult.from_dict(merged.to_dict())
    assert again.to_dict() == merged.to_dict()


# ----- the verb ---------------------------------------------------------------


def _write_shards(tmp_path: Path) -> list[str]:
    paths = []
    for shard in _shards():
        path = tmp_path / shard.name
        path.write_text(json.dumps(file_form(shard.result)))
        paths.append(str(path))
    return paths


def test_cli_merges_and_renders_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "merged"
    code = main(
        [
            "merge",
            *_write_shards(tmp_path),
            "--output-dir",
            str(out),
            "--format",
            "json,sarif,html,junit,md",
        ]
    )
    assert code == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["junit.xml", "report.html", "results.json", "results.sarif", "summary.md"]
    assert sorted(capsys.readouterr().out.splitlines()) == sorted(str(out / n) for n in written)
    merged = read_shard(out / "results.json").result
    assert merged.scan["accounts"] == [ACCOUNT_A, ACCOUNT_B]
    assert {s["name"] for s in merged.scan["shards"]} == {
        str(tmp_path / "a.json"),
        str(tmp_path / "b.json"),
    }
    sarif = json.loads((out / "results.sarif").read_text())
    assert sarif["runs"][0]["automationDetails"]["id"].startswith(
        f"aurora-scan/{ACCOUNT_A}+{ACCOUNT_B}/"
    )


def test_cli_gate_baseline_and_incomplete(tmp_path: Path) -> None:
    paths = _write_shards(tmp_path)
    out = str(tmp_path / "m")
    assert main(["merge", *paths, "--output-dir", out, "--fail-on", "high"]) == 1
    # with every failure in the baseline, the shard's collection error makes it incomplete
    baseline = tmp_path / "m" / "results.json"
    assert (
        main(
            ["merge", *paths, "--output-dir", out, "--fail-on", "high", "--baseline", str(baseline)]
        )
        == 3
    )
    assert (
        main(
            [
                "merge",
                *paths,
                "--output-dir",
                out,
                "--fail-on",
                "high",
                "--baseline",
                str(baseline),
                "--allow-incomplete",
            ]
        )
        == 0
    )
    assert main(["merge", *paths, "--output-dir", out, "--fail-on", "critical"]) == 1


def test_cli_conflicting_shards_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(result([], policies=[policy("p1", severity="high")]).to_dict()))
    b.write_text(json.dumps(result([], policies=[policy("p1", severity="low")]).to_dict()))
    assert main(["merge", str(a), str(b), "--output-dir", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "policy p1 differs" in err
    assert main(["merge", str(a), "--output-dir", str(tmp_path / "o"), "--format", "pdf"]) == 2


def test_header_lists_counts_and_scalars_do_not_depend_on_argument_order() -> None:
    def shard(name: str, account: str, skipped: list[dict[str, str]], cmd: str) -> Shard:
        res = result([finding(f"{account}-x", "PASS", account=account)], accounts=(account,))
        scan = {**res.scan, "regions_skipped": skipped, "resource_count": 5, "command_line": cmd}
        return Shard(name, ScanResult(scan=scan, policies=res.policies, findings=res.findings))

    a = shard("a", ACCOUNT_A, [{"region": "ap-east-1", "reason": "opt-in"}], "scan a")
    b = shard("b", ACCOUNT_B, [{"region": "af-south-1", "reason": "opt-in"}], "scan b")
    one, two = merge_results([a, b]).scan, merge_results([b, a]).scan
    assert one == two
    assert one["resource_count"] == 10
    assert one["policy_count"] == 1
    assert [r["region"] for r in one["regions_skipped"]] == ["af-south-1", "ap-east-1"]
    assert one["command_line"] == "scan a"  # the first shard in account order


def test_resource_tags_of_every_shard_are_kept_per_resource() -> None:
    def shard(name: str, account: str, tags: dict[str, dict[str, str]]) -> Shard:
        res = result([finding(f"{account}-x", "PASS", account=account)], accounts=(account,))
        scan = {**res.scan, "resource_tags": tags}
        return Shard(name, ScanResult(scan=scan, policies=res.policies, findings=res.findings))

    a = shard("a", ACCOUNT_A, {"arn:a": {"Owner": "team-a"}})
    b = shard("b", ACCOUNT_B, {"arn:b": {"owner": "Zürich – 東京"}})
    one, two = merge_results([a, b]).scan, merge_results([b, a]).scan
    assert one == two
    assert one["resource_tags"] == {
        "arn:a": {"Owner": "team-a"},
        "arn:b": {"owner": "Zürich – 東京"},
    }
