"""Items 1 and 2: throttling and AccessDenied injected at the moto server (recipe A).

Both compare a faulted scan of the seeded estate with the clean scan of the
same estate (``estate`` fixture): throttling must change nothing; AccessDenied
on any one augment or dependent call may only turn the findings of policies
that read what that call returns into UNKNOWN (field-level provenance: a
failed DescribeDBClusterSnapshotAttributes leaves a snapshot's encryption,
read from DescribeDBClusterSnapshots, decided).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from faults import ServerFaults, deny, throttle_every
from moto_helpers import REGION
from rel_support import findings_by_key

from scanner.collect.registry import DEPENDENT, LISTED
from scanner.collect.runner import CollectOptions, collect
from scanner.derive import DERIVED_FROM
from scanner.model import ExitCode, Status
from scanner.permissions import CROSS_TYPE_FACTS
from scanner.policy.engine import evaluate
from scanner.result_file import read_result
from scanner.vocabulary import AUGMENTED_FIELDS

# moto warns that an injected error code is not in the service's error shapes.
pytestmark = pytest.mark.filterwarnings("ignore:Exception.*does not match an error shape")


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


def _compiled(policy_set: Any) -> dict[str, Any]:
    out = {}
    for policy in policy_set.policies:
        program, problems = policy.compile(None)
        assert not problems
        out[policy.id] = program
    return out


def _augment_and_dependent_calls() -> list[tuple[str, str, str]]:
    """(IAM action, type, kind) of every call that adds to listed records
    (augments) or fetches what records reference (dependents)."""
    calls = []
    for spec in LISTED:
        for action in spec.augment_actions:
            calls.append((action, spec.type, "augment"))
    for dep in DEPENDENT:
        for action in dep.iam_actions:
            calls.append((action, dep.type, "dependent"))
    return calls


def _readers(programs: dict[str, Any], action: str, rtype: str, kind: str) -> set[str]:
    """The policies that read what ``action`` returns."""
    if kind == "augment":
        fields = set(AUGMENTED_FIELDS[rtype][action.split(":", 1)[1]])
        fields |= {fact for fact, sources in DERIVED_FROM.items() if fields & set(sources)}
        # Facts derived across types (an instance's effective parameters read its
        # groups' Parameters) count for every type they are computed from.
        cross = {fact for fact, types in CROSS_TYPE_FACTS.items() if rtype in types}
        return {
            pid
            for pid, p in programs.items()
            if any((rtype, f) in p.reads for f in fields) or any(f in cross for _, f in p.reads)
        }
    # A dependent type is only reached by following a reference to it.
    return {pid for pid, p in programs.items() if rtype in p.reach}


@pytest.mark.parametrize(
    ("action", "rtype", "kind"),
    _augment_and_dependent_calls(),
    ids=[a for a, _, _ in _augment_and_dependent_calls()],
)
def test_access_denied_on_one_operation_only_blinds_what_reads_it(
    estate: Any, policy_set: Any, cli: Any, tmp_path: Path, action: str, rtype: str, kind: str
) -> None:
    out = tmp_path / "out"
    service, operation = action.split(":", 1)
    with ServerFaults(deny(action)) as faults:
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
    assert "Traceback" not in run.stderr
    data = read_result(out / "results.json").to_dict()
    errors = {(e["service"], e["operation"]) for e in data["errors"]}
    if not faults.total_injected():
        # The estate gives this call nothing to do (e.g. no cluster names a
        # managed master secret): nothing may change.
        assert errors == set()
    else:
        assert errors == {(service, operation)}, errors
        # Nothing failed at the threshold (none): incomplete -> 3.
        assert run.code == ExitCode.INCOMPLETE, run.stderr

    result = read_result(out / "results.json")
    readers = _readers(_compiled(policy_set), action, rtype, kind)
    clean = findings_by_key(estate.clean_result)
    now = findings_by_key(result)
    assert set(now) == set(clean), "the same population of findings"
    changed = {k for k in clean if clean[k] != now[k]}
    decided = {k for k, f in clean.items() if k[0] in readers and f["status"] in ("PASS", "FAIL")}
    if faults.total_injected() and decided:
        assert changed, f"denied {action} must show as UNKNOWN somewhere"
    for key in sorted(changed):
        policy_id, _resource = key
        # Only a policy that reads what the call returns may change, and only to
        # UNKNOWN, naming the call.
        assert policy_id in readers, (key, clean[key]["status"], now[key]["status"])
        assert now[key]["status"] == "UNKNOWN", (key, now[key]["status"])
        assert operation in now[key]["reason"], now[key]["reason"]


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
