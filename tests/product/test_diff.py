"""`aurora-scan diff`: categories, the new-failure gate and both renderings."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from product_fixtures import ACCOUNT_B, file_form, finding, hex_fp, policy, result

from scanner.cli import main
from scanner.diff import diff_results, render_json, render_text
from scanner.model import CollectionError, ScanResult, Severity, Status

F, P, U, W, N = "FAIL", "PASS", "UNKNOWN", "WAIVED", "NOT_APPLICABLE"

# (old status or None = absent, new status or None = absent, category, counts as a new failure)
CASES = [
    (None, F, "new", True),
    (None, P, "new", False),
    (None, U, "new", False),
    (F, None, "fixed", False),
    (P, None, "removed", False),
    (U, None, "removed", False),
    (F, P, "fixed", False),
    (F, N, "fixed", False),
    (F, U, "changed", False),  # a partial scan never closes a failure
    (F, W, "changed", False),
    (P, F, "changed", True),
    (W, F, "changed", True),  # the waiver expired
    (U, F, "changed", True),
    (N, F, "changed", True),
    (P, U, "changed", False),
    (F, F, "unchanged", False),
    (P, P, "unchanged", False),
    (U, U, "unchanged", False),
]


@pytest.mark.parametrize(("old", "new", "category", "new_failure"), CASES)
def test_each_transition_lands_in_one_category(
    old: str | None, new: str | None, category: str, new_failure: bool
) -> None:
    before = result([finding("x", old)] if old else [])
    after = result([finding("x", new)] if new else [])
    d = diff_results(before, after)
    assert [(e.category, e.fingerprint) for e in d.entries] == [(category, "x")]
    assert [e.fingerprint for e in d.new_failures()] == (["x"] if new_failure else [])
    counts = d.counts()
    assert counts[category] == 1
    assert sum(counts[c] for c in ("new", "fixed", "changed", "unchanged", "removed")) == 1


GATE_CASES = [
    # (severity of the new FAIL, --fail-on-new, gate trips)
    ("critical", "high", True),
    ("high", "high", True),
    ("medium", "high", False),
    ("info", "info", True),
    ("low", "medium", False),
]


@pytest.mark.parametrize(("severity", "threshold", "trips"), GATE_CASES)
def test_gate_counts_new_failures_at_or_above_the_threshold(
    severity: str, threshold: str, trips: bool
) -> None:
    before = result([finding("old", F, "critical")])  # a known failure never trips the gate
    after = result([finding("old", F, "critical"), finding("n", F, severity)])
    d = diff_results(before, after)
    assert bool(d.new_failures(Severity(threshold))) is trips


def test_order_is_category_then_severity_then_policy_and_deterministic() -> None:
    before = result([finding("f1", F, "low"), finding("u1", P)])
    after = result(
        [
            finding("u1", P),
            finding("n2", F, "low", policy_id="b"),
            finding("n1", F, "critical", policy_id="z"),
            finding("n3", F, "low", policy_id="a"),
        ]
    )
    d = diff_results(before, after)
    assert [e.fingerprint for e in d.entries] == ["n1", "n3", "n2", "f1", "u1"]
    assert render_json(d) == render_json(diff_results(before, after))


def test_duplicate_fingerprints_in_one_result_keep_the_failing_verdict() -> None:
    before = result([finding("x", P)])
    after = result([finding("x", P), finding("x", F)])
    [entry] = diff_results(before, after).entries
    assert entry.category == "changed"
    assert entry.new_status is Status.FAIL


def test_findings_without_fingerprints_fall_back_to_policy_and_resource() -> None:
    old = finding("x", F)
    new = finding("x", P)
    stripped_old = msgspec.structs.replace(old, fingerprint="")
    stripped_new = msgspec.structs.replace(new, fingerprint="")
    [entry] = diff_results(result([stripped_old]), result([stripped_new])).entries
    assert entry.category == "fixed"


def test_scope_changes_and_incomplete_scans_are_noted() -> None:
    err = CollectionError(
        ACCOUNT_B, "*", "sts", "AssumeRole", "AccessDenied", "denied", ("aws.rds.db_cluster",)
    )
    before = result([finding("x", F)], policies=[policy(), policy("gone")])
    after = result(
        [finding("x", F)],
        accounts=("111111111111", ACCOUNT_B),
        policies=[policy(severity="critical")],
        errors=(err,),
    )
    notes = diff_results(before, after).notes
    assert any(n.startswith("accounts differ") and ACCOUNT_B in n for n in notes)
    assert any(n.startswith("policy sets differ") for n in notes)
    assert any("policies changed between scans: aurora.cluster.test" in n for n in notes)
    assert any("incomplete" in n for n in notes)


def test_json_rendering_lists_every_category_with_both_statuses() -> None:
    before = result([finding("a", F), finding("b", P), finding("c", P)])
    after = result([finding("a", P), finding("b", F), finding("c", P), finding("d", F, "low")])
    data = json.loads(render_json(diff_results(before, after), fail_on_new=Severity.HIGH))
    assert data["summary"] == {
        "new": 1,
        "fixed": 1,
        "changed": 1,
        "unchanged": 1,
        "removed": 0,
        "new_failures": 2,
    }
    assert data["findings"]["fixed"][0]["old_status"] == "FAIL"
    assert data["findings"]["fixed"][0]["new_status"] == "PASS"
    assert data["findings"]["new"][0]["old_status"] is None
    assert data["gate"] == {"fail_on_new": "high", "new_failures": ["b"]}
    assert data["old"]["accounts"] == ["111111111111"]


def test_text_rendering_lists_changes_and_counts_the_rest() -> None:
    before = result([finding("still-bad", F), finding("fine", P), finding("gone", P)])
    after = result(
        [finding("still-bad", F), finding("fine", P), finding("fresh", F), finding("ok", P)]
    )
    d = diff_results(before, after)
    text = render_text(d, fail_on_new=Severity.HIGH)
    assert text.splitlines()[0].startswith("aurora-scan diff: new 2  fixed 0")
    assert "fresh" in text and "- -> FAIL" in text
    assert "... and 1 passing or not applicable" in text  # "ok" is counted, not listed
    assert "Unchanged, still failing or not assessable: 1 (list them with --show-unchanged)" in text
    assert "still-bad" not in text and "fine" not in text and "gone" not in text
    assert "gate FAILED: 1 new FAIL finding(s) at or above high" in text
    full = render_text(d, show_unchanged=True)
    assert "still-bad" in full and "fine" not in full


# ----- the verb ---------------------------------------------------------------


def _write(tmp_path: Path, name: str, res: ScanResult) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(file_form(res)))
    return str(path)


def test_cli_gate_exit_codes_and_json_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _write(tmp_path, "old.json", result([finding("a", F)]))
    new = _write(tmp_path, "new.json", result([finding("a", P), finding("b", F, "medium")]))
    assert main(["diff", old, new]) == 0
    assert "fixed 1" in capsys.readouterr().out
    assert main(["diff", old, new, "--fail-on-new", "medium", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["gate"]["new_failures"] == [hex_fp("b")]
    assert main(["diff", old, new, "--fail-on-new", "HIGH"]) == 0
    out = tmp_path / "d" / "diff.txt"
    assert main(["diff", old, new, "--output", str(out)]) == 0
    assert out.read_text().startswith("aurora-scan diff:")


def test_cli_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    good = _write(tmp_path, "good.json", result([]))
    assert main(["diff", str(bad), good]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.json" in err
    with pytest.raises(SystemExit) as exc:
        main(["diff", good, good, "--fail-on-new", "severe"])
    assert exc.value.code == 2
