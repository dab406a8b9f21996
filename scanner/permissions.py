"""The least-privilege IAM policy a scan with the selected policies needs.

A policy needs its subject types, every type its paths can reach (the
compiled ``Program.reach``), the targets of its ``inherited_by`` relation, and
the types behind cross-resource derived facts it reads (``x_writer`` on a
cluster is computed from its member instances).  Each of those types is
collected by one spec of the collect registry, which declares its IAM
actions; the identity the scanner runs as adds ``sts:GetCallerIdentity``.

``required_resource_types`` is also what ``scan`` should collect: nothing the
selected policies cannot use, so a role with exactly this policy never meets
an AccessDenied.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.collect.registry import (
    ALL_REGIONS_ACTIONS,
    ASSUME_ROLE_ACTIONS,
    IDENTITY_ACTIONS,
    ORG_ACTIONS,
    SPECS,
    iam_actions_for,
)
from scanner.policy.config import Config
from scanner.policy.engine import Selected, select
from scanner.policy.loader import PolicySet
from scanner.vocabulary import RELATIONS

# Derived facts computed from *another* type's records (scanner/derive.py,
# writer_facts, member_facts): a policy that reads one needs that other type collected too.
CROSS_TYPE_FACTS: Mapping[str, tuple[str, ...]] = {
    "x_writer": ("aws.rds.db_instance",),
    "x_failover_target": ("aws.rds.db_instance",),
    "x_reader_azs": ("aws.rds.db_instance",),
    "x_reader_az_count": ("aws.rds.db_instance",),
    "x_is_cluster_writer": ("aws.rds.db_cluster",),
    "x_effective_parameters": (
        "aws.rds.db_cluster",
        "aws.rds.db_cluster_parameter_group",
        "aws.rds.db_parameter_group",
    ),
    "x_effective_pgaudit_log": (
        "aws.rds.db_cluster",
        "aws.rds.db_cluster_parameter_group",
        "aws.rds.db_parameter_group",
    ),
}

POLICY_VERSION = "2012-10-17"


def _policy_types(selected: Selected) -> set[str]:
    types = set(selected.program.reach) | set(selected.policy.resources)
    if selected.policy.inherited_by:
        relation = RELATIONS.get(selected.policy.inherited_by)
        if relation is not None:
            types.add(relation.target)
    text = json.dumps(selected.policy.doc, default=str)
    types.update(t for fact, ts in CROSS_TYPE_FACTS.items() if fact in text for t in ts)
    return types


def types_by_policy(selected: Iterable[Selected]) -> dict[str, set[str]]:
    """resource type -> ids of the selected policies that need it."""
    needed: dict[str, set[str]] = defaultdict(set)
    for item in selected:
        for rtype in _policy_types(item):
            needed[rtype].add(item.policy.id)
    return dict(needed)


def required_resource_types(policy_set: PolicySet, config: Config | None = None) -> list[str]:
    """The resource types a scan with these policies (and config selection) must collect."""
    return sorted(types_by_policy(select(policy_set, config or Config())))


@dataclass(frozen=True)
class Permissions:
    """What the target accounts' role needs, and what the scanning identity needs."""

    actions: tuple[str, ...]  # in every scanned account
    why: Mapping[str, tuple[str, ...]]  # action -> resource types that need it
    policies_by_type: Mapping[str, tuple[str, ...]]
    scanner_actions: tuple[str, ...] = ()  # extra, for the identity that assumes roles
    role_name: str | None = None
    notes: tuple[str, ...] = field(default=())

    def target_document(self) -> dict[str, Any]:
        return {
            "Version": POLICY_VERSION,
            "Statement": [
                {
                    "Sid": "AuroraScanReadOnly",
                    "Effect": "Allow",
                    "Action": list(self.actions),
                    "Resource": "*",
                }
            ],
        }

    def scanner_document(self) -> dict[str, Any] | None:
        """For multi-account scans: the identity that lists accounts and assumes roles."""
        if not self.scanner_actions:
            return None
        statements: list[dict[str, Any]] = []
        assume = [a for a in self.scanner_actions if a in ASSUME_ROLE_ACTIONS]
        if assume:
            role = self.role_name or "ROLE_NAME"
            statements.append(
                {
                    "Sid": "AuroraScanAssumeRole",
                    "Effect": "Allow",
                    "Action": assume,
                    "Resource": f"arn:aws:iam::*:role/{role}",
                }
            )
        rest = [a for a in self.scanner_actions if a not in ASSUME_ROLE_ACTIONS]
        if rest:
            statements.append(
                {
                    "Sid": "AuroraScanIdentity",
                    "Effect": "Allow",
                    "Action": rest,
                    "Resource": "*",
                }
            )
        return {"Version": POLICY_VERSION, "Statement": statements}

    def to_dict(self) -> dict[str, Any]:
        return {
            "target_policy": self.target_document(),
            "scanner_policy": self.scanner_document(),
            "actions": [
                {"action": a, "resource_types": list(self.why.get(a, ()))} for a in self.actions
            ],
            "resource_types": {t: list(p) for t, p in sorted(self.policies_by_type.items())},
            "notes": list(self.notes),
        }


def compute_permissions(
    selected: Iterable[Selected],
    *,
    role_name: str | None = None,
    org: bool = False,
    all_regions: bool = False,
) -> Permissions:
    needed = types_by_policy(selected)
    why: dict[str, set[str]] = defaultdict(set)
    for rtype in needed:
        for action in iam_actions_for([rtype]):
            why[action].add(rtype)
    # Called in every scanned account whatever is collected: the runner learns
    # the account id and partition from it.
    for action in IDENTITY_ACTIONS:
        why[action].add("(account identity)")
    if all_regions:
        for action in ALL_REGIONS_ACTIONS:
            why[action].add("(--all-regions: regions enabled in each account)")
    scanner_actions: list[str] = []
    notes: list[str] = []
    if role_name or org:
        scanner_actions += [*ASSUME_ROLE_ACTIONS, *IDENTITY_ACTIONS]
        notes.append(
            "the target policy goes on the role assumed in every scanned account; "
            "its trust policy must allow the scanning identity (and require the "
            "external id if you pass --external-id)"
        )
    if org:
        scanner_actions += list(ORG_ACTIONS)
        notes.append(
            "organizations:ListAccounts works only from the management account or a "
            "delegated administrator account"
        )
    unknown = sorted(t for t in needed if t not in SPECS)
    if unknown:  # a policy reaching a type no collector produces: say so, never hide it
        notes.append(f"no collector for: {', '.join(unknown)}")
    return Permissions(
        actions=tuple(sorted(why)),
        why={a: tuple(sorted(t)) for a, t in why.items()},
        policies_by_type={t: tuple(sorted(p)) for t, p in needed.items()},
        scanner_actions=tuple(dict.fromkeys(scanner_actions)),
        role_name=role_name,
        notes=tuple(notes),
    )


def render_text(perms: Permissions) -> str:
    lines = ["IAM actions aurora-scan needs in every scanned account:", ""]
    width = max((len(a) for a in perms.actions), default=0)
    for action in perms.actions:
        lines.append(f"  {action:<{width}}  for {', '.join(perms.why.get(action, ()))}")
    lines += ["", "Resource types collected, and the policies that need them:", ""]
    for rtype, policies in sorted(perms.policies_by_type.items()):
        lines.append(f"  {rtype} ({len(policies)}): {', '.join(policies)}")
    lines += ["", "Policy for the scanned accounts (attach to the scanning role or user):", ""]
    lines.append(json.dumps(perms.target_document(), indent=2))
    scanner_doc = perms.scanner_document()
    if scanner_doc is not None:
        lines += ["", "Policy for the identity that runs the scan:", ""]
        lines.append(json.dumps(scanner_doc, indent=2))
    if perms.notes:
        lines.append("")
        lines += [f"note: {n}" for n in perms.notes]
    return "\n".join(lines) + "\n"
