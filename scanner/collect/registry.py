"""Every collector spec, by resource type, and the IAM actions they need."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.collect import backup, ec2, kms, rds, secretsmanager
from scanner.collect.spec import DependentSpec, ResourceSpec
from scanner.errors import UserInputError
from scanner.vocabulary import RESOURCE_TYPES

LISTED: tuple[ResourceSpec, ...] = (*rds.SPECS, *ec2.SPECS, *backup.SPECS)
DEPENDENT: tuple[DependentSpec, ...] = (*kms.SPECS, *secretsmanager.SPECS)

_ALL: tuple[ResourceSpec | DependentSpec, ...] = (*LISTED, *DEPENDENT)
SPECS: dict[str, ResourceSpec | DependentSpec] = {s.type: s for s in _ALL}

# Calls the runner makes whatever is collected, and the optional ones.
IDENTITY_ACTIONS = ("sts:GetCallerIdentity",)
ALL_REGIONS_ACTIONS = ("ec2:DescribeRegions",)
ORG_ACTIONS = ("organizations:ListAccounts",)
ASSUME_ROLE_ACTIONS = ("sts:AssumeRole",)

assert set(SPECS) == set(RESOURCE_TYPES), "every vocabulary type needs a collector"


def iam_actions_for(resource_types: Iterable[str]) -> list[str]:
    """Sorted, de-duplicated IAM actions needed to collect ``resource_types``."""
    actions: set[str] = set()
    for rtype in resource_types:
        spec = SPECS.get(rtype)
        if spec is None:
            raise UserInputError(
                f"unknown resource type {rtype!r}",
                expected="one of " + ", ".join(sorted(SPECS)),
            )
        actions.update(spec.iam_actions)
    return sorted(actions)


def all_operations() -> list[tuple[str, str]]:
    """(service, operation) of every API call a collector may make (for the guard test)."""
    ops: set[tuple[str, str]] = set()
    for spec in SPECS.values():
        for action in spec.iam_actions:
            service, op = action.split(":", 1)
            ops.add((service, op))
    return sorted(ops)
