"""Every collector spec, by resource type, and the IAM actions they need.

A spec is a resource type declaration (``scanner/resource_types.py``) joined
with the behaviour its service module gives it (``HOOKS``: an augment
function, a fetched type's reference finder).  ``SPECS``, ``LISTED`` and
``DEPENDENT`` are views of the declarations, so a type declared at run time
is collected too.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from scanner.collect import kms, rds, secretsmanager
from scanner.collect.spec import DependentSpec, Hooks, ResourceSpec, references_to
from scanner.errors import UserInputError
from scanner.resource_types import TYPES
from scanner.typeinfo import ResourceType

HOOKS: dict[str, Hooks] = {**rds.HOOKS, **kms.HOOKS, **secretsmanager.HOOKS}

Spec = ResourceSpec | DependentSpec

# Calls the runner makes whatever is collected, and the optional ones.
IDENTITY_ACTIONS = ("sts:GetCallerIdentity",)
ALL_REGIONS_ACTIONS = ("ec2:DescribeRegions",)
ORG_ACTIONS = ("organizations:ListAccounts",)
ASSUME_ROLE_ACTIONS = ("sts:AssumeRole",)


def spec_for(declared: ResourceType, hooks: Hooks | None = None) -> Spec:
    """The collector of one declared type; ``ValueError`` when behaviour it needs is missing."""
    hooks = hooks or Hooks()
    if declared.fetched:
        if hooks.fetch is None:
            raise ValueError(
                f"{declared.name} is fetched per reference (no items_key): its service module "
                "must give Hooks(fetch=...) in HOOKS"
            )
        return DependentSpec(
            type=declared.name,
            service=declared.service,
            operation=declared.operation,
            references=hooks.references or functools.partial(references_to, declared.name),
            fetch=hooks.fetch,
            not_found_codes=declared.not_found_codes,
            extra_actions=declared.iam_actions[1:],
            output_member=declared.output_member,
        )
    if declared.augments and hooks.augment is None:
        raise ValueError(
            f"{declared.name} declares augment calls: its service module must give "
            "Hooks(augment=...) in HOOKS"
        )
    assert declared.items_key is not None  # not fetched
    return ResourceSpec(
        type=declared.name,
        service=declared.service,
        operation=declared.operation,
        items_key=declared.items_key,
        arn_field=declared.arn_field,
        arn_format=declared.arn_format,
        account_field=declared.account_field,
        params=declared.params,
        accepts_page_size=declared.page_size,
        augment=hooks.augment,
        augment_actions=declared.iam_actions[1:],
        augment_in_use=hooks.augment_in_use,
        keep=declared.keep,
        feeds=_feeds(declared),
    )


def _feeds(declared: ResourceType) -> tuple[str, ...]:
    """Fetched types this type's records name (through a declared relation with refs)."""
    return tuple(
        dict.fromkeys(
            rel.target
            for rel in declared.relations
            if rel.refs is not None and (target := TYPES.get(rel.target)) and target.fetched
        )
    )


def _specs(types: tuple[ResourceType, ...]) -> dict[str, Spec]:
    return {t.name: spec_for(t, HOOKS.get(t.name)) for t in types}


SPECS = TYPES.view(_specs)
LISTED = TYPES.sequence(
    lambda types: tuple(s for s in _specs(types).values() if isinstance(s, ResourceSpec))
)
DEPENDENT = TYPES.sequence(
    lambda types: tuple(s for s in _specs(types).values() if isinstance(s, DependentSpec))
)


def iam_actions_for(resource_types: Iterable[str]) -> list[str]:
    """Sorted, de-duplicated IAM actions needed to collect ``resource_types``."""
    actions: set[str] = set()
    for rtype in resource_types:
        declared = TYPES.get(rtype)
        if declared is None:
            raise UserInputError(
                f"unknown resource type {rtype!r}",
                expected="one of " + ", ".join(sorted(SPECS)),
            )
        actions.update(declared.iam_actions)
    return sorted(actions)


def all_operations() -> list[tuple[str, str]]:
    """(service, operation) of every API call a collector may make (for the guard test)."""
    ops: set[tuple[str, str]] = set()
    for declared in TYPES.all():
        for action in declared.iam_actions:
            service, op = action.split(":", 1)
            ops.add((service, op))
    return sorted(ops)
