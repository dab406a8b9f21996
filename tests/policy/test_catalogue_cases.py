"""Every embedded test case of every built-in policy, one pytest case each.

The catalogue grows; this test follows it (it is parametrized over whatever
policies/ holds when the tests are collected).
"""

from __future__ import annotations

from typing import Any

import pytest

from scanner.policy.loader import PolicySet, load_policies
from scanner.policy.policy import Policy
from scanner.policy.testing import run_case

CATALOGUE: PolicySet = load_policies()
CASES: list[tuple[Policy, dict[str, Any]]] = [
    (policy, case) for policy in CATALOGUE.policies for case in policy.tests
]


def test_the_catalogue_has_cases() -> None:
    assert len(CATALOGUE) > 0
    assert CASES


@pytest.mark.parametrize(
    ("policy", "case"), CASES, ids=[f"{p.id}[{c.get('name')}]" for p, c in CASES]
)
def test_embedded_case(policy: Policy, case: dict[str, Any]) -> None:
    problems = run_case(policy, case, CATALOGUE.frameworks_of(policy.id))
    assert not problems, "; ".join(problems)


def _messages(policy_id: str) -> list[str]:
    """Every cluster message the policy's own cases render."""
    from scanner.edges import build_graph
    from scanner.policy.engine import Run, Selected, evaluate_policy, parse_time
    from scanner.policy.testing import DEFAULT_NOW, case_errors, case_resources

    policy = CATALOGUE.get(policy_id)
    assert policy is not None
    out = []
    for case in policy.tests:
        program, _ = policy.compile(case.get("params") or None)
        run = Run(
            graph=build_graph(case_resources(case)),
            now=parse_time(str(case.get("now", DEFAULT_NOW))),
            scan_facts={"accounts": [], "regions": []},
            errors=case_errors(case),
        )
        findings = evaluate_policy(run, Selected(policy, program, ()))
        out += [
            f"{f.status.value} {f.message}"
            for f in findings
            if f.resource_type == policy.resources[0]
        ]
    return out


@pytest.mark.parametrize(
    ("policy_id", "want"),
    [
        ("aurora.cluster.kms_customer_managed_key", "FAIL Cluster c1 is encrypted with KMS key"),
        ("aurora.cluster.kms_customer_managed_key", "(key manager: AWS)"),
        ("aurora.cluster.tls_enforced", "pg-plain, where rds.force_ssl is 0"),
        ("aurora.mysql.advanced_auditing", "audit-off, where server_audit_logging is 0"),
        ("aurora.mysql.advanced_auditing", 'server_audit_events is ""'),
        ("aurora.cluster.master_secret_rotation", "which has rotation enabled false"),
        ("aurora.cluster.sg_no_world_ingress", "behind security groups sg-1 (named app-db)"),
    ],
)
def test_path_policies_show_the_neighbours_value(policy_id: str, want: str) -> None:
    """A FAIL of a path-based policy says what the neighbour held, not only its name."""
    assert any(want in m for m in _messages(policy_id)), _messages(policy_id)


@pytest.mark.parametrize(
    ("policy_id", "want"),
    [
        # An AWS owned key reports StorageEncrypted false: the message says which field decided.
        (
            "aurora.cluster.storage_encrypted",
            "PASS Cluster c1 (aurora-postgresql) reports StorageEncryptionType = sse-rds, "
            "StorageEncrypted = false (storage encryption: sse-rds)",
        ),
        (
            "aurora.cluster_snapshot.encrypted",
            "PASS Cluster snapshot s1 of c1 (aurora-mysql) reports StorageEncryptionType = sse-rds",
        ),
        (
            "aurora.global_cluster.storage_encrypted",
            "PASS Global database g1 (aurora-postgresql) reports StorageEncryptionType = sse-rds",
        ),
        (
            "aurora.cluster.kms_customer_managed_key",
            "FAIL Cluster c1 is encrypted with an AWS owned key (StorageEncryptionType sse-rds), "
            "not a customer managed key",
        ),
        (
            "aurora.cluster_snapshot.kms_customer_managed_key",
            "FAIL Cluster snapshot s1 is encrypted with an AWS owned key (StorageEncryptionType "
            "sse-rds), not a customer managed key",
        ),
    ],
)
def test_encryption_messages_name_the_deciding_field(policy_id: str, want: str) -> None:
    assert any(want in m for m in _messages(policy_id)), _messages(policy_id)
