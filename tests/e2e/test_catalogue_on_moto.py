"""The whole catalogue, end to end: moto estate -> `aurora-scan scan` -> results.json.

The estate (scanner/demo/estate.py) is seeded once per run on a moto server
(see conftest.py); ``aurora-scan scan`` collects and evaluates it through the
real code.  Every (policy, resource, status) in expectations.py must come out,
and every policy of the catalogue must have a PASS and a FAIL expectation.

Policies moto can reach only through a gap helper (scanner/demo/moto_gaps.py),
with the helper, as asserted below (``GAP_HELPERS_BY_POLICY``):

- aurora.cluster.kms_customer_managed_key, aurora.cluster_snapshot.kms_customer_managed_key:
  make_aws_managed_rds_key (moto's aws/rds key says KeyManager CUSTOMER)
- aurora.cluster.activity_stream: set_activity_stream
- aurora.cluster.activity_stream_kms_cmk: set_activity_stream, make_aws_managed_rds_key
- aurora.instance.performance_insights: set_performance_insights
- aurora.instance.performance_insights_kms_cmk: set_performance_insights, make_aws_managed_rds_key
- aurora.cluster.no_extended_support: set_engine_lifecycle_support
- aurora.cluster.parameter_group_in_sync: set_member_parameter_group_status
- aurora.instance.ca_certificate_current: add_rds_describe_certificates
- aurora.cluster.engine_version_supported: add_rds_describe_db_major_engine_versions (the
  support dates AWS reports; the shipped table would give the same verdicts)
- aurora.cluster.backup_plan: add_backup_list_protected_resources, protect_resource
- aurora.cluster.multi_az, aurora.cluster.failover_capacity: make_global_secondary_readers_only
  (moto gives the global database secondary reports-eu a writer; AWS does not)
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from e2e_support import E2E
from expectations import EXPECTATIONS, INHERITED, NA

from scanner.demo import moto_gaps
from scanner.demo.estate import NEPTUNE_CLUSTER
from scanner.demo.gaps import GAP_HELPERS_BY_POLICY
from scanner.model import ExitCode
from scanner.policy.loader import load_policies

FIVE_FILES = ("results.json", "results.sarif", "report.html", "junit.xml", "summary.md")


def catalogue_ids() -> set[str]:
    return {p.id for p in load_policies().policies}


def test_every_policy_has_a_pass_and_a_fail_expectation() -> None:
    statuses: dict[str, set[str]] = defaultdict(set)
    for policy, _, status in EXPECTATIONS:
        statuses[policy].add(status)
    ids = catalogue_ids()
    assert len(ids) == 47
    assert set(statuses) == ids
    missing = sorted(p for p in ids if not {"PASS", "FAIL"} <= statuses[p])
    assert not missing, f"policies without a PASS and a FAIL expectation: {missing}"


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
    found = {(f["policy_id"], f["resource_id"]): f for f in e2e.results["findings"]}
    wrong = []
    for policy, name, status in EXPECTATIONS + INHERITED:
        finding = found.get((policy, e2e.arn(name)))
        got = finding["status"] if finding else "no finding"
        if got != status:
            message = finding["message"] if finding else ""
            wrong.append(f"{policy} on {name}: expected {status}, got {got} ({message})")
    assert not wrong, f"{len(wrong)} wrong verdicts:\n" + "\n".join(wrong)


def test_every_policy_and_severity_has_pass_and_fail_in_the_scan(e2e: E2E) -> None:
    by_policy: dict[str, set[str]] = defaultdict(set)
    by_severity: dict[str, set[str]] = defaultdict(set)
    for f in e2e.results["findings"]:
        by_policy[f["policy_id"]].add(f["status"])
        by_severity[f["severity"]].add(f["status"])
    assert not [p for p in catalogue_ids() if not {"PASS", "FAIL"} <= by_policy[p]]
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
