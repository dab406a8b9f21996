"""Run the test cases embedded in policies (``aurora-scan policies test``).

A case lists raw resources (AWS fields plus ``type`` and ``id``); they go
through the same graph builder as a real scan, so every case also exercises
the edge specs and derived facts.  ``errors`` simulate collection gaps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.edges import build_graph
from scanner.errors import UserInputErrors
from scanner.model import CollectionError, Resource
from scanner.policy.engine import Run, Selected, evaluate_policy, parse_time
from scanner.policy.loader import PolicySet
from scanner.policy.policy import Policy
from scanner.provenance import Gaps

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
DEFAULT_NOW = "2026-01-01T00:00:00Z"
_RESERVED = ("type", "id", "account", "region")


@dataclass(frozen=True)
class CaseFailure:
    policy_id: str
    case: str
    file: str
    problems: tuple[str, ...]

    def render(self) -> str:
        return f"{self.policy_id} [{self.case}] ({self.file}): " + "; ".join(self.problems)


def case_resources(case: Mapping[str, Any]) -> list[Resource]:
    return [
        Resource(
            id=str(raw["id"]),
            type=str(raw["type"]),
            account=str(raw.get("account", DEFAULT_ACCOUNT)),
            region=str(raw.get("region", DEFAULT_REGION)),
            attrs={k: v for k, v in raw.items() if k not in _RESERVED},
        )
        for raw in case.get("resources") or []
    ]


def case_errors(case: Mapping[str, Any]) -> list[CollectionError]:
    out = []
    for raw in case.get("errors") or []:
        rtype = str(raw["type"])
        out.append(
            CollectionError(
                account=str(raw.get("account", DEFAULT_ACCOUNT)),
                region=str(raw.get("region", DEFAULT_REGION)),
                service=rtype.split(".")[1] if rtype.count(".") >= 2 else rtype,
                operation=str(raw.get("operation", "Describe")),
                error_code=str(raw.get("error_code", "AccessDenied")),
                message="simulated by the policy test case",
                resource_types=(rtype,),
            )
        )
    return out


def run_case(
    policy: Policy, case: Mapping[str, Any], frameworks: Iterable[Mapping[str, str]] = ()
) -> list[str]:
    """The problems of one case; empty when every expectation holds."""
    program, errors = policy.compile(case.get("params") or None)
    if errors:
        raise UserInputErrors(errors)
    resources = case_resources(case)
    gaps_of_case = case_errors(case)
    graph = build_graph(resources, Gaps.of(gaps_of_case))
    accounts = sorted({r.account for r in resources}) or [DEFAULT_ACCOUNT]
    regions = sorted({r.region for r in resources}) or [DEFAULT_REGION]
    run = Run(
        graph=graph,
        now=parse_time(str(case.get("now", DEFAULT_NOW))),
        scan_facts={"accounts": accounts, "regions": regions},
        errors=gaps_of_case,
    )
    findings = evaluate_policy(run, Selected(policy, program, tuple(frameworks)))
    by_id = {f.resource_id: f for f in findings}
    problems = []
    for rid, want in sorted((case.get("expect") or {}).items()):
        finding = by_id.get(rid)
        if finding is None:
            problems.append(
                f"{rid}: expected {want}, got no finding (not a {'/'.join(policy.resources)})"
            )
            continue
        got = finding.status.value.lower()
        if got != want:
            detail = finding.reason or finding.message
            problems.append(f"{rid}: expected {want}, got {got} ({detail})")
    return problems


def run_policy_tests(
    policy_set: PolicySet, ids: Iterable[str] | None = None
) -> tuple[int, list[CaseFailure]]:
    """(number of cases run, failures)."""
    wanted = set(ids) if ids is not None else None
    count = 0
    failures: list[CaseFailure] = []
    for policy in policy_set.policies:
        if wanted is not None and policy.id not in wanted:
            continue
        for index, case in enumerate(policy.tests):
            count += 1
            name = str(case.get("name", f"case {index}"))
            problems = run_case(policy, case, policy_set.frameworks_of(policy.id))
            if problems:
                failures.append(CaseFailure(policy.id, name, policy.file, tuple(problems)))
    return count, failures
