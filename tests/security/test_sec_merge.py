"""Item 5: merging shards evaluated with different policy sets is refused.

A shard run with fewer policies simply lacks findings for its accounts, which
reads as clean.  ``merge`` refuses (exit 2, naming the shards and the policies
that differ) unless ``--allow-partial``; then every (policy, account) pair no
shard evaluated is listed in ``scan.not_assessed``, shown by the reports, and
the merged result is incomplete (exit 3 under --fail-on).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from product_fixtures import ACCOUNT_A, ACCOUNT_B, file_form, finding, policy, result

from scanner.result_file import read_result


@pytest.fixture
def narrow_and_wide(tmp_path: Path) -> tuple[Path, Path]:
    """Shard A (account A) ran p1 and p2; shard B (account B) ran only p1."""
    wide = result(
        [finding("a1", "FAIL", policy_id="p1"), finding("a2", "FAIL", policy_id="p2")],
        policies=[policy("p1"), policy("p2")],
    )
    narrow = result(
        [finding("b1", "PASS", policy_id="p1", account=ACCOUNT_B)],
        accounts=(ACCOUNT_B,),
        policies=[policy("p1")],
    )
    a, b = tmp_path / "shard-a.json", tmp_path / "shard-b.json"
    a.write_text(json.dumps(file_form(wide)))
    b.write_text(json.dumps(file_form(narrow)))
    return a, b


def test_different_policy_sets_are_refused_naming_shards_and_policies(
    run_cli: Any, narrow_and_wide: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b = narrow_and_wide
    out = tmp_path / "merged"
    run = run_cli(["merge", str(a), str(b), "--output-dir", str(out)], timeout=60)
    assert run.code == 2, run.stderr
    assert "Traceback" not in run.stderr
    [line] = run.stderr.splitlines()
    assert "different policy sets" in line
    assert "shard-b.json lacks p2" in line
    assert "--allow-partial" in line
    assert not out.exists()


def test_allow_partial_reports_the_pairs_not_assessed(
    run_cli: Any, narrow_and_wide: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b = narrow_and_wide
    out = tmp_path / "merged"
    run = run_cli(
        [
            "merge",
            str(a),
            str(b),
            "--allow-partial",
            "--output-dir",
            str(out),
            "--format",
            "json,html,md",
            "--fail-on",
            "critical",
        ],
        timeout=60,
    )
    # nothing critical failed, but a pair was not assessed: incomplete, exit 3
    assert run.code == 3, run.stderr
    assert "not assessed: 1" in run.stderr
    merged = read_result(out / "results.json")  # schema-valid
    assert merged.scan["not_assessed"] == [{"policy_id": "p2", "account": ACCOUNT_B}]
    assert merged.scan["accounts"] == [ACCOUNT_A, ACCOUNT_B]
    summary = (out / "summary.md").read_text()
    assert "NOT ASSESSED" in summary and "p2 in 222222222222" in summary
    html = (out / "report.html").read_text()
    assert "NOT ASSESSED (1)" in html


def test_same_policy_sets_merge_without_not_assessed(run_cli: Any, tmp_path: Path) -> None:
    one = result([finding("a1", "PASS")])
    two = result([finding("b1", "PASS", account=ACCOUNT_B)], accounts=(ACCOUNT_B,))
    paths = []
    for name, res in (("x.json", one), ("y.json", two)):
        (tmp_path / name).write_text(json.dumps(file_form(res)))
        paths.append(str(tmp_path / name))
    run = run_cli(["merge", *paths, "--output-dir", str(tmp_path / "m")], timeout=60)
    assert run.code == 0, run.stderr
    assert "not_assessed" not in read_result(tmp_path / "m" / "results.json").scan
