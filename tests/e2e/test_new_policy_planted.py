"""Adding a built-in policy touches the policy file and its framework mapping, nothing else.

A new policy is planted in a copy of the built-in catalogue: its YAML file
(with its own test cases) and one line in a framework mapping.  Nothing else
is edited, and everything that checks the catalogue takes it in:

- the meta-tests (tests/catalogue/test_meta.py, run on the copy);
- its embedded cases and `aurora-scan policies validate/test/show`;
- evaluation of the demo estate's snapshot, with the same end-to-end checks
  test_catalogue_on_moto.py runs on the built-in catalogue (the estate's
  annotations, NOT_APPLICABLE members of a cluster-owned setting, a PASS and a
  FAIL for every policy);
- every report format.

(The resource-type half of the same promise is tested with the type
declarations.)
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from e2e_support import E2E, REPO, run_cli
from expectations import (
    EXPECTATIONS,
    annotation_problems,
    coverage_problems,
    inherited_problems,
    verdict_problems,
)

from scanner import report
from scanner.demo.estate_file import demo_estate
from scanner.demo.run import ALL_FORMATS, demo_config
from scanner.policy.engine import evaluate
from scanner.policy.loader import PolicySet, load_policies
from scanner.policy.testing import run_case
from scanner.result_file import read_result
from scanner.snapshot_file import read_snapshot

PLANTED = "aurora.cluster.backup_retention_two_weeks"
# The new policy, as a contributor would write it (tests/e2e/planted/).
POLICY = (Path(__file__).parent / "planted" / f"{PLANTED}.yaml").read_text(encoding="utf-8")
POLICY_FILE = Path("backup") / f"{PLANTED}.yaml"
GUIDE_FILE = Path("frameworks") / "aurora-guide.yaml"


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built-in catalogue with the new policy and its framework mapping."""
    root = tmp_path_factory.mktemp("planted") / "policies"
    shutil.copytree(REPO / "policies", root)
    (root / POLICY_FILE).write_text(POLICY, encoding="utf-8")
    guide = root / GUIDE_FILE
    text = guide.read_text(encoding="utf-8")
    anchor = "  - id: backup-and-recovery\n    title: Backup and Recovery\n    policies:\n"
    assert text.count(anchor) == 1
    guide.write_text(text.replace(anchor, f"{anchor}      - {PLANTED}\n"), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def policy_set(planted: Path) -> PolicySet:
    return load_policies([planted], include_builtin=False)


def _changed(left: Path, right: Path, under: Path = Path()) -> list[Path]:
    """Files that differ or exist on one side only, relative to the roots."""
    cmp = filecmp.dircmp(left / under, right / under)
    out = [under / n for n in cmp.left_only + cmp.right_only + cmp.diff_files]
    for sub in cmp.common_dirs:
        out += _changed(left, right, under / sub)
    return sorted(out)


def test_only_the_policy_file_and_its_framework_mapping_differ(planted: Path) -> None:
    assert _changed(REPO / "policies", planted) == sorted([POLICY_FILE, GUIDE_FILE])


def test_the_planted_policy_loads_and_its_cases_pass(policy_set: PolicySet) -> None:
    policy = policy_set.get(PLANTED)
    assert policy is not None and len(policy.tests) == 4
    problems = [
        problem
        for case in policy.tests
        for problem in run_case(policy, case, policy_set.frameworks_of(PLANTED))
    ]
    assert problems == []


def test_the_cli_validates_tests_and_documents_it(planted: Path) -> None:
    scope = ["--policies", str(planted), "--no-builtin"]
    validate = run_cli(["policies", "validate", *scope])
    assert validate.code == 0, validate.stderr
    assert "48 policies" in validate.stdout
    tested = run_cli(["policies", "test", PLANTED, *scope])
    assert (tested.code, tested.stdout.strip()) == (0, "4 of 4 test cases passed")
    shown = run_cli(["policies", "show", PLANTED, *scope])
    assert shown.code == 0
    assert "aurora-guide backup-and-recovery: Backup and Recovery" in shown.stdout


def test_the_catalogue_meta_tests_pass_on_the_planted_catalogue(planted: Path) -> None:
    # The checks on the new policy's file and the catalogue-wide ones (catalogue
    # ledger, framework mappings, guide sections, loader, embedded cases).
    selection = "two_weeks or catalogue or released or ids_are or framework or guide or loader"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", selection, "-rA"],
        cwd=REPO / "tests" / "catalogue",
        env={**os.environ, "AURORA_SCAN_META_POLICIES": str(planted)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:]
    checked = [
        line for line in run.stdout.splitlines() if line.startswith("PASSED") and PLANTED in line
    ]
    assert len(checked) >= 10, run.stdout[-4000:]


@pytest.fixture(scope="module")
def planted_scan(
    e2e: E2E, policy_set: PolicySet, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path]:
    """The demo estate's snapshot evaluated with the planted catalogue, every format rendered."""
    snapshot = read_snapshot(e2e.full_dir / "snapshot.json")
    result = evaluate(snapshot, policy_set, config=demo_config())
    out = tmp_path_factory.mktemp("planted-reports")
    report.render(result, ALL_FORMATS, out)
    return read_result(out / "results.json").to_dict(), out


def test_the_demo_gives_it_pass_and_fail_without_touching_the_estate(
    e2e: E2E, policy_set: PolicySet, planted_scan: tuple[dict[str, Any], Path]
) -> None:
    results, _ = planted_scan
    ids = policy_set.ids()
    inheriting = [p.id for p in policy_set.policies if p.inherited_by == "member"]
    assert PLANTED in inheriting
    # The very checks of test_catalogue_on_moto.py, now with the planted policy in.
    assert annotation_problems(demo_estate(), ids) == []
    assert verdict_problems(results, EXPECTATIONS, e2e.arn) == []
    assert inherited_problems(results, inheriting, demo_estate()) == []
    assert coverage_problems(results, ids) == []
    verdicts = {
        f["resource_name"]: f["status"] for f in results["findings"] if f["policy_id"] == PLANTED
    }
    assert verdicts["orders-prod"] == "PASS"  # 14 days
    assert verdicts["inventory-prod"] == "FAIL"  # 7 days
    assert verdicts["orders-prod-1"] == "NOT_APPLICABLE"  # member
    assert verdicts["knowledge-graph"] == "NOT_APPLICABLE"  # Neptune


def test_every_report_format_carries_it(planted_scan: tuple[dict[str, Any], Path]) -> None:
    results, out = planted_scan
    assert PLANTED in {p["id"] for p in results["policies"]}
    sarif = json.loads((out / "results.sarif").read_text(encoding="utf-8"))
    assert PLANTED in {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    for name in ("report.html", "junit.xml"):
        assert PLANTED in (out / name).read_text(encoding="utf-8"), name
    # Markdown escapes the id's . and _ (it lists the policy among the failing ones).
    assert PLANTED in (out / "summary.md").read_text(encoding="utf-8").replace("\\", "")
    guide = yaml.safe_load((REPO / "policies" / GUIDE_FILE).read_text(encoding="utf-8"))
    assert all(PLANTED not in r["policies"] for r in guide["requirements"])  # a copy, really
