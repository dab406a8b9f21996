"""Framework requirements a scan did not assess (issue 16 item 4): no policy
covers them, or the config left out every policy (or some) mapped to them."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from policy_helpers import BASE_POLICY, write_policy

from scanner.model import Resource, Severity, Snapshot
from scanner.policy.config import Config, load_config
from scanner.policy.engine import evaluate
from scanner.policy.loader import load_policies
from scanner.report import render
from scanner.report._view import ReportView
from scanner.result_file import read_result, write_result


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    root = tmp_path / "policies"
    write_policy(root, copy.deepcopy(BASE_POLICY))
    low = copy.deepcopy(BASE_POLICY)
    low.update(id="test.cluster.low_check", severity="low")
    write_policy(root, low)
    framework = {
        "id": "acme",
        "title": "ACME controls",
        "requirements": [
            {"id": "A.1", "title": "Deletion", "policies": ["test.cluster.deletion_protection"]},
            {"id": "A.2", "title": "Low only", "policies": ["test.cluster.low_check"]},
            {
                "id": "A.3",
                "title": "Both",
                "policies": ["test.cluster.deletion_protection", "test.cluster.low_check"],
            },
            {"id": "A.4", "title": "Manual review", "policies": []},
        ],
    }
    (root / "frameworks").mkdir()
    (root / "frameworks" / "acme.yaml").write_text(yaml.safe_dump(framework))
    return root


def snap() -> Snapshot:
    cluster = Resource(
        id="arn:aws:rds:us-east-1:123456789012:cluster:c1",
        type="aws.rds.db_cluster",
        account="123456789012",
        region="us-east-1",
        attrs={"DBClusterIdentifier": "c1", "Engine": "aurora-mysql", "DeletionProtection": True},
    )
    return Snapshot(
        collected_at="2026-06-01T00:00:00Z",
        accounts=("123456789012",),
        regions=("us-east-1",),
        resources=(cluster,),
    )


def test_why_not_selected_names_the_rule() -> None:
    config = Config(
        include=("aurora.*",), exclude=("aurora.mysql.*",), min_severity=Severity.MEDIUM
    )
    assert (
        config.why_not_selected("x.y", "a", Severity.HIGH) == "matches no policies.include pattern"
    )
    assert (
        config.why_not_selected("aurora.mysql.t", "a", Severity.HIGH)
        == "excluded by policies.exclude 'aurora.mysql.*'"
    )
    assert (
        config.why_not_selected("aurora.c", "a", Severity.LOW)
        == "severity low is below policies.min_severity medium"
    )
    assert config.why_not_selected("aurora.c", "a", Severity.HIGH) is None
    areas = Config(areas=("network",))
    assert areas.why_not_selected("p", "backup", Severity.LOW) == (
        "area 'backup' is not in policies.areas"
    )


def test_requirements_not_assessed_with_reasons(policies: Path, tmp_path: Path) -> None:
    ps = load_policies([policies], include_builtin=False)
    result = evaluate(snap(), ps, config=Config(min_severity=Severity.MEDIUM))
    listed = {r["requirement"]: r for r in result.scan["requirements_not_assessed"]}
    assert set(listed) == {"A.2", "A.3", "A.4"}
    assert listed["A.2"]["status"] == "NOT_ASSESSED"
    assert listed["A.2"]["reason"] == (
        "every mapped policy left out by the config "
        "(test.cluster.low_check: severity low is below policies.min_severity medium)"
    )
    assert listed["A.3"]["status"] == "PARTLY_ASSESSED"
    assert listed["A.3"]["policies_left_out"] == ["test.cluster.low_check"]
    assert listed["A.4"]["status"] == "NOT_ASSESSED"
    assert listed["A.4"]["reason"] == "no policy in the loaded policy set covers this requirement"

    # Saved and read back, the report views show them.
    path = write_result(result, tmp_path / "results.json")
    view = ReportView(read_result(path))
    verdicts = {r.requirement: r.verdict for r in view.frameworks["acme"]}
    assert verdicts == {"A.1": "PASS", "A.2": "NOT ASSESSED", "A.3": "PASS", "A.4": "NOT ASSESSED"}
    partly = next(r for r in view.frameworks["acme"] if r.requirement == "A.3")
    assert "test.cluster.low_check" in partly.partly_assessed


def test_nothing_left_out_lists_only_uncovered_requirements(policies: Path) -> None:
    ps = load_policies([policies], include_builtin=False)
    result = evaluate(snap(), ps)
    assert [r["requirement"] for r in result.scan["requirements_not_assessed"]] == ["A.4"]


def test_scope_panel_shows_the_config(policies: Path, tmp_path: Path) -> None:
    config_path = tmp_path / "aurora-scan.yml"
    config_path.write_text(
        yaml.safe_dump(
            {
                "policies": {"min_severity": "medium", "exclude": ["test.cluster.low_*"]},
                "params": {},
            }
        )
    )
    config = load_config(config_path)
    ps = load_policies([policies], include_builtin=False)
    result = evaluate(snap(), ps, config=config)
    out = tmp_path / "out"
    render(result, ["html", "md"], out)
    html = (out / "report.html").read_text()
    scope = html[html.index('id="scope-config"') :]
    scope = scope[: scope.index("</table>")]
    assert str(config_path) in scope
    assert config.sha256 is not None and config.sha256 in scope
    assert "<code>test.cluster.low_*</code>" in scope
    assert "<th>policies.min_severity</th><td>medium</td>" in scope
    assert "A.4" in scope and "Manual review" in scope
    md = (out / "summary.md").read_text().replace("\\", "")
    assert "min_severity medium" in md and "exclude test.cluster.low_*" in md
    assert "| A.4 Manual review | NOT ASSESSED |" in md.replace("ACME controls | ", "")
