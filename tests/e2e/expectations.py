"""What scanning the sample estate must find, derived: nothing here is kept by hand.

- ``EXPECTATIONS``: the ``expect:`` annotations of ``scanner/demo/estate.yaml``
  as (policy id, resource name, status).  Resource names are the AWS
  identifiers the estate uses; the test maps them to ARNs.
- Cluster-owned settings (a policy with ``inherited_by: member``): every member
  instance is NOT_APPLICABLE "inherited from cluster <name>"; the member list
  comes from the estate, the policy list from the policies themselves.
- Coverage: every policy of the catalogue meets a PASS and a FAIL resource in
  the scan (so a new policy needs an estate annotation only to pin a verdict
  on a particular resource, or an estate change when no resource passes or
  fails it yet).

The check functions take the results and the policy set, so
``test_new_policy_planted.py`` runs exactly these checks on a planted policy.
Policies whose verdicts depend on a moto gap helper are listed, with the
helper, in ``scanner.demo.gaps.GAP_HELPERS_BY_POLICY``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from scanner.demo.estate_file import EstateSpec, demo_estate

PASS = "PASS"
FAIL = "FAIL"
NA = "NOT_APPLICABLE"

EXPECTATIONS: tuple[tuple[str, str, str], ...] = tuple(
    (e.policy, e.resource, e.status) for e in demo_estate().expectations
)


def member_clusters(estate: EstateSpec) -> dict[str, str]:
    """Instance name -> the name of the cluster it is a member of."""
    return {i.name: c.name for c in estate.clusters for i in c.instances}


def estate_names(estate: EstateSpec) -> set[str]:
    """Every resource name an ``expect:`` annotation may use."""
    return (
        {c.name for c in estate.clusters}
        | set(member_clusters(estate))
        | {c.name for c in estate.other_engine_clusters}
        | {s.name for s in estate.snapshots}
        | set(estate.global_clusters)
    )


def annotation_problems(estate: EstateSpec, policy_ids: Iterable[str]) -> list[str]:
    """Annotations naming a policy that does not exist (a typo would otherwise check nothing)."""
    known = set(policy_ids)
    return [
        f"{e.resource}: expect names unknown policy {e.policy!r}"
        for e in estate.expectations
        if e.policy not in known
    ]


def verdict_problems(
    results: Mapping[str, Any],
    expectations: Iterable[tuple[str, str, str]],
    arn: Callable[[str], str],
) -> list[str]:
    """Each (policy, resource name, status) that the results do not show."""
    found = {(f["policy_id"], f["resource_id"]): f for f in results["findings"]}
    wrong = []
    for policy, name, status in expectations:
        finding = found.get((policy, arn(name)))
        got = finding["status"] if finding else "no finding"
        if got != status:
            message = finding["message"] if finding else ""
            wrong.append(f"{policy} on {name}: expected {status}, got {got} ({message})")
    return wrong


def inherited_problems(
    results: Mapping[str, Any], inheriting_policies: Iterable[str], estate: EstateSpec
) -> list[str]:
    """Cluster-owned settings: members NOT_APPLICABLE, naming their cluster; none missing."""
    cluster_of = member_clusters(estate)
    by_policy: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in results["findings"]:
        if f["resource_type"] == "aws.rds.db_instance":
            by_policy[f["policy_id"]].append(f)
    wrong = []
    for policy in inheriting_policies:
        members = [f for f in by_policy[policy] if f["resource_name"] in cluster_of]
        if not members:
            wrong.append(f"{policy}: no member instance finding (inherited_by: member)")
        for f in members:
            reason = f"inherited from cluster {cluster_of[f['resource_name']]}"
            if (f["status"], f["reason"]) != (NA, reason):
                wrong.append(
                    f"{policy} on {f['resource_name']}: expected {NA} ({reason}), "
                    f"got {f['status']} ({f['reason'] or f['message']})"
                )
    return wrong


def coverage_problems(results: Mapping[str, Any], policy_ids: Iterable[str]) -> list[str]:
    """Policies that do not meet both a PASS and a FAIL resource in the scan."""
    statuses: dict[str, set[str]] = defaultdict(set)
    for f in results["findings"]:
        statuses[f["policy_id"]].add(f["status"])
    return [
        f"{policy}: no PASS and FAIL in the demo estate (got {sorted(statuses[policy])}); "
        "add or change a resource in scanner/demo/estate.yaml"
        for policy in sorted(policy_ids)
        if not {PASS, FAIL} <= statuses[policy]
    ]
