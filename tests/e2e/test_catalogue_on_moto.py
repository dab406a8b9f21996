"""The whole catalogue, end to end: moto estate -> `aurora-scan scan` -> results.json.

The estate (scanner/demo/estate.yaml) is seeded once per run on a moto server
(see conftest.py); ``aurora-scan scan`` collects and evaluates it through the
real code.  What must come out is derived (expectations.py): the estate's
``expect:`` annotations, the member instances of every cluster-owned setting
(``inherited_by: member``), and a PASS and a FAIL for every policy.

Policies moto can reach only through a gap helper (scanner/demo/moto_gaps.py)
are listed with the helper in ``GAP_HELPERS_BY_POLICY`` (scanner/demo/gaps.py);
the estate names the helpers it uses (``moto_gaps:``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from e2e_support import E2E
from expectations import (
    EXPECTATIONS,
    NA,
    annotation_problems,
    coverage_problems,
    estate_names,
    inherited_problems,
    verdict_problems,
)

from scanner.demo import moto_gaps
from scanner.demo.estate import NEPTUNE_CLUSTER
from scanner.demo.estate_file import demo_estate
from scanner.demo.gaps import GAP_HELPERS_BY_POLICY
from scanner.model import ExitCode
from scanner.policy.loader import load_policies

FIVE_FILES = ("results.json", "results.sarif", "report.html", "junit.xml", "summary.md")


def catalogue_ids() -> set[str]:
    return {p.id for p in load_policies().policies}


def inheriting_ids() -> list[str]:
    return sorted(p.id for p in load_policies().policies if p.inherited_by == "member")


def test_estate_annotations_name_real_policies_and_resources() -> None:
    estate = demo_estate()
    assert len(catalogue_ids()) >= 47
    assert not annotation_problems(estate, catalogue_ids())
    names = estate_names(estate)
    assert not sorted({e.resource for e in estate.expectations} - names)


def test_annotation_check_catches_a_typo() -> None:
    assert annotation_problems(demo_estate(), {"aurora.cluster.storage_encrypted"})
    assert not annotation_problems(demo_estate(), catalogue_ids())


def test_gap_helper_list_names_real_policies_and_helpers() -> None:
    assert set(GAP_HELPERS_BY_POLICY) <= catalogue_ids()
    for policy, helpers in GAP_HELPERS_BY_POLICY.items():
        for helper in helpers:
            assert callable(getattr(moto_gaps, helper, None)), (policy, helper)


def test_scan_is_complete_and_fails_as_designed(e2e: E2E) -> None:
    results = e2e.results
    assert results["errors"] == []
    assert results["summary"]["by_status"]["UNKNOWN"] == 0
    # The estate fails on purpose, so the default gate (--fail-on low) trips.
    assert e2e.full.code == ExitCode.FAILED
    assert e2e.quiet.code == ExitCode.FAILED


def test_every_expectation(e2e: E2E) -> None:
    wrong = verdict_problems(e2e.results, EXPECTATIONS, e2e.arn)
    assert not wrong, f"{len(wrong)} wrong verdicts:\n" + "\n".join(wrong)


def test_members_of_cluster_owned_settings_are_not_applicable(e2e: E2E) -> None:
    assert len(inheriting_ids()) >= 7
    wrong = inherited_problems(e2e.results, inheriting_ids(), demo_estate())
    assert not wrong, "\n".join(wrong)


def test_every_policy_and_severity_has_pass_and_fail_in_the_scan(e2e: E2E) -> None:
    assert not coverage_problems(e2e.results, catalogue_ids())
    by_severity: dict[str, set[str]] = defaultdict(set)
    for f in e2e.results["findings"]:
        by_severity[f["severity"]].add(f["status"])
    for severity in ("critical", "high", "medium", "low"):
        assert {"PASS", "FAIL"} <= by_severity[severity], severity


def test_neptune_is_never_judged(e2e: E2E) -> None:
    arn = e2e.arn(NEPTUNE_CLUSTER)
    verdicts = {f["status"] for f in e2e.results["findings"] if f["resource_id"] == arn}
    assert verdicts == {NA}


def test_member_instances_say_why_they_are_not_applicable(e2e: E2E) -> None:
    arn = e2e.arn("orders-prod-1")
    reasons = {
        f["reason"]
        for f in e2e.results["findings"]
        if f["resource_id"] == arn and f["policy_id"] == "aurora.cluster.storage_encrypted"
    }
    assert reasons == {"inherited from cluster orders-prod"}


def test_scan_writes_every_format_and_the_snapshot(e2e: E2E) -> None:
    for name in FIVE_FILES:
        assert (e2e.full_dir / name).stat().st_size > 0, name
    snapshot = json.loads((e2e.full_dir / "snapshot.json").read_text())
    assert sorted(snapshot["regions"]) == sorted(e2e.estate["regions"])
    # The results record the hash of the snapshot file that was kept.
    import hashlib

    digest = hashlib.sha256((e2e.full_dir / "snapshot.json").read_bytes()).hexdigest()
    assert digest in json.dumps(e2e.results["scan"])


def test_scan_keeps_stdout_clean_and_logs_json_on_stderr(e2e: E2E) -> None:
    assert e2e.full.stdout == ""
    lines = [line for line in e2e.full.stderr.splitlines() if line.strip()]
    assert lines, "expected log lines with -v"
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert any("collected" in r["message"] for r in records)
    # Only the engine's one-line summary is not a log record.
    others = [line for line in lines if not line.startswith("{")]
    assert all(line.startswith("aurora-scan: ") for line in others), others


def test_quiet_scan_prints_nothing(e2e: E2E) -> None:
    assert e2e.quiet.stdout == ""
    assert e2e.quiet.stderr == ""
    assert (e2e.quiet_dir / "results.json").exists()
    assert not (e2e.quiet_dir / "report.html").exists()


@pytest.mark.parametrize("name", FIVE_FILES)
def test_reports_name_the_estate(e2e: E2E, name: str) -> None:
    text = Path(e2e.full_dir / name).read_text()
    assert "legacy-reporting" in text or name == "summary.md"
