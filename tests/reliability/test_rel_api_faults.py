"""Items 1 and 2: throttling and AccessDenied injected at the moto server (recipe A).

Both compare a faulted scan of the seeded estate with the clean scan of the
same estate (``estate`` fixture): throttling must change nothing; AccessDenied
on one operation may only turn the findings that depend on it into UNKNOWN.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from faults import ServerFaults, deny, throttle_every
from moto_helpers import REGION
from rel_support import findings_by_key

from scanner.collect.runner import CollectOptions, collect
from scanner.model import ExitCode, Severity, Status
from scanner.policy.engine import evaluate

# moto warns that an injected error code is not in the service's error shapes.
pytestmark = pytest.mark.filterwarnings("ignore:Exception.*does not match an error shape")

SNAPSHOT = "aws.rds.db_cluster_snapshot"
KEY = "aws.kms.key"


def test_throttling_on_a_fifth_of_calls_changes_no_finding(estate: Any, policy_set: Any) -> None:
    with ServerFaults(throttle_every(5)) as faults:
        snapshot = collect(CollectOptions(regions=(REGION,), endpoint_url=estate.url))
    # Every operation was throttled at least once, ~20% of all requests or more.
    assert faults.total_injected() >= 0.2 * faults.total_calls(), faults.injected
    assert set(faults.injected) == set(faults.calls)
    codes = {s for s, _ in faults.injected}
    assert {"rds", "ec2", "kms"} <= codes
    assert snapshot.errors == (), [e.to_dict() for e in snapshot.errors]
    assert len(snapshot.resources) == len(estate.clean.resources)
    result = evaluate(snapshot, policy_set)
    assert not [f for f in result.findings if f.status is Status.UNKNOWN]
    assert findings_by_key(result) == findings_by_key(estate.clean_result)


def _reach(policy_set: Any) -> dict[str, frozenset[str]]:
    out = {}
    for policy in policy_set.policies:
        program, problems = policy.compile(None)
        assert not problems
        out[policy.id] = frozenset(program.reach)
    return out


def test_access_denied_on_one_operation_only_blinds_what_depends_on_it(
    estate: Any, policy_set: Any, cli: Any, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    denied = deny("rds:DescribeDBClusterSnapshotAttributes", "kms:DescribeKey")
    with ServerFaults(denied) as faults:
        run = cli(
            [
                "scan",
                "--region",
                REGION,
                "--endpoint-url",
                estate.url,
                "--output-dir",
                str(out),
                "--format",
                "json,sarif,html,junit,md",
                "--fail-on",
                "none",
                "--no-progress",
            ]
        )
    assert faults.total_injected() > 0
    assert "Traceback" not in run.stderr
    # Nothing failed at the threshold (none): incomplete -> 3.
    assert run.code == ExitCode.INCOMPLETE, run.stderr

    data = json.loads((out / "results.json").read_text())
    errors = {(e["service"], e["operation"]): e for e in data["errors"]}
    assert set(errors) == {("rds", "DescribeDBClusterSnapshotAttributes"), ("kms", "DescribeKey")}
    assert all(e["error_code"].startswith("AccessDenied") for e in errors.values())
    assert SNAPSHOT in errors[("rds", "DescribeDBClusterSnapshotAttributes")]["resource_types"]
    assert KEY in errors[("kms", "DescribeKey")]["resource_types"]

    from scanner.result_file import read_result

    result = read_result(out / "results.json")
    # With the default threshold the estate's FAILs win: exit 1.
    assert result.exit_code(Severity.LOW) == ExitCode.FAILED

    blind = {t for e in errors.values() for t in e["resource_types"]}
    reach = _reach(policy_set)
    clean = findings_by_key(estate.clean_result)
    now = findings_by_key(result)
    assert set(now) == set(clean), "the same population of findings"
    changed = {k for k in clean if clean[k]["status"] != now[k]["status"]}
    assert changed, "denied data must show as UNKNOWN somewhere"
    for key in sorted(now):
        policy_id, _resource = key
        depends = bool(reach[policy_id] & blind)
        if depends and now[key]["status"] == "NOT_APPLICABLE":
            # Out of scope, or a member instance of a cluster-owned setting
            # (inherited): not judged either way, exactly as in the clean scan.
            assert now[key] == clean[key], key
        elif depends:
            assert now[key]["status"] == "UNKNOWN", (key, now[key]["status"])
            assert "DescribeDBClusterSnapshotAttributes" in now[key]["reason"] or (
                "DescribeKey" in now[key]["reason"]
            )
        else:
            assert now[key] == clean[key], key
    unknown_policies = {k[0] for k in changed}
    assert any(SNAPSHOT in reach[p] for p in unknown_policies)
    assert any(KEY in reach[p] for p in unknown_policies)

    # SARIF: the run did not succeed, and says why.
    sarif = json.loads((out / "results.sarif").read_text())
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = json.dumps(invocation.get("toolExecutionNotifications", []))
    assert "DescribeDBClusterSnapshotAttributes" in notes and "DescribeKey" in notes
    # UNKNOWN results keep their fingerprints so open alerts are not closed.
    levels = {r.get("level") for r in sarif["runs"][0]["results"]}
    assert "note" in levels

    # HTML shows the coverage gap; Markdown and JUnit mention it too.
    html = (out / "report.html").read_text()
    for text in ("DescribeDBClusterSnapshotAttributes", "DescribeKey", "AccessDenied"):
        assert text in html, text
    summary = (out / "summary.md").read_text()
    assert "Coverage gaps" in summary and "DescribeKey" in summary


def test_throttling_past_the_retry_budget_is_a_gap_not_a_pass(estate: Any, policy_set: Any) -> None:
    """Throttled on every attempt: recorded as a Throttling error, findings UNKNOWN."""

    def always(service: str, action: str, nth: int, region: str) -> Any:
        return throttle_every(1)(service, action, nth, region) if action == "DescribeKey" else None

    options = CollectOptions(regions=(REGION,), endpoint_url=estate.url, max_attempts=2)
    with ServerFaults(always) as faults:
        snapshot = collect(options)
    assert faults.total_injected() == faults.calls[("kms", "DescribeKey")] > 0
    assert {(e.operation, e.error_code) for e in snapshot.errors} == {
        ("DescribeKey", "ThrottlingException")
    }
    result = evaluate(snapshot, policy_set)
    clean = findings_by_key(estate.clean_result)
    for key, finding in findings_by_key(result).items():
        if finding["status"] != clean[key]["status"]:
            assert finding["status"] == "UNKNOWN", (key, finding["status"])
    assert any(f.status is Status.UNKNOWN for f in result.findings)
