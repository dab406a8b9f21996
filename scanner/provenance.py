"""What a snapshot does not know, at the level of single fields and references.

A finding is UNKNOWN exactly when its policy reads something listed here
(``scanner.policy.conditions`` evaluates with three values); everything else
is decided.  Three kinds of gap:

* **missing fields**: an extra call that adds fields to listed records
  (``vocabulary.AUGMENTED_FIELDS``) failed, so the records it did not reach
  lack those fields.  Each such record carries ``x_missing`` ``{field:
  reason}``, derived facts computed from a missing field included; the other
  fields of the record, answered by the listing, stay decidable.
* **dangling references**: a record names an object (a security group, a
  subnet, a key, a member instance) that is not in the snapshot - shared from
  an account that was not scanned, deleted, not collected, or not described
  because a call failed.  Recorded per (node, relation) by the graph builder.
* **incomplete types**: a listing failed in an account and region, or the
  type was not collected at all (``--resource-types``, a narrower policy
  set).  Only *lookup* relations (``vocabulary.Relation.lookup``) depend on
  it: finding no AWS Backup record for a cluster means "not protected" only
  when protected resources were listed completely.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.model import CollectionError, Resource
from scanner.vocabulary import AUGMENTED_FIELDS, RELATIONS

MISSING = "x_missing"  # the attribute holding a record's missing fields


def describe_error(error: CollectionError) -> str:
    return (
        f"{error.error_code} on {error.service} {error.operation} in {error.account}/{error.region}"
    )


def _matches(error: CollectionError, account: str, region: str) -> bool:
    return error.account in (account, "*") and error.region in (region, "*")


@dataclass
class Gaps:
    """The gaps of one snapshot: build once, ask per record and per walk step."""

    errors: Sequence[CollectionError] = ()
    # Types the collection set out to collect; None when unknown (a policy
    # test case, a snapshot written before collectors recorded it): all.
    collected: frozenset[str] | None = None
    # (source node, relation) -> why the references it names are missing
    dangling: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    _incomplete: dict[tuple[str, str, str], str | None] = field(default_factory=dict)

    @classmethod
    def of(
        cls, errors: Iterable[CollectionError] = (), collected: Iterable[str] | None = None
    ) -> Gaps:
        return cls(tuple(errors), frozenset(collected) if collected is not None else None)

    # ----- types --------------------------------------------------------------

    def incomplete(self, resource_type: str, account: str, region: str) -> str | None:
        """Why ``resource_type`` may lack records in (account, region), or None."""
        key = (resource_type, account, region)
        if key in self._incomplete:
            return self._incomplete[key]
        reason: str | None = None
        if self.collected is not None and resource_type not in self.collected:
            reason = f"{resource_type} was not collected"
        else:
            for error in self.errors:
                if (
                    resource_type in error.resource_types
                    and _matches(error, account, region)
                    and not AUGMENTED_FIELDS.get(resource_type, {}).get(error.operation)
                ):
                    reason = f"{resource_type} is incomplete: {describe_error(error)}"
                    break
        self._incomplete[key] = reason
        return reason

    # ----- fields ---------------------------------------------------------------

    def missing_fields(self, resource: Resource) -> dict[str, str]:
        """``{field: reason}`` for the fields a failed extra call left out of ``resource``."""
        by_operation = AUGMENTED_FIELDS.get(resource.type)
        if not by_operation or not self.errors:
            return {}
        out: dict[str, str] = {}
        for error in self.errors:
            fields = by_operation.get(error.operation)
            if (
                fields
                and resource.type in error.resource_types
                and _matches(error, resource.account, resource.region)
            ):
                for name in fields:
                    if name not in resource.attrs and name not in out:
                        out[name] = f"{name} was not read: {describe_error(error)}"
        return out

    # ----- references -----------------------------------------------------------

    def add_dangling(self, source: str, relation: str, reason: str) -> None:
        reasons = self.dangling.setdefault((source, relation), [])
        if reason not in reasons:
            reasons.append(reason)

    def dangling_reason(self, relation: str, value: str, account: str, region: str) -> str:
        """Why a reference to ``value`` found nothing, with the gap that explains it."""
        target = RELATIONS[relation].target
        if value.startswith("arn:"):
            parts = value.split(":", 5)
            if len(parts) == 6:
                region = parts[3] or region
                account = parts[4] or account
        text = f"{relation} names {value}, which is not in the snapshot"
        why = self.incomplete(target, account, region)
        return f"{text} ({why})" if why else text


def merge_missing(attrs: Mapping[str, Any], missing: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``attrs`` with ``missing`` added to its ``x_missing``."""
    out = dict(attrs)
    merged = dict(out.get(MISSING) or {})
    for name, reason in missing.items():
        merged.setdefault(name, reason)
    out[MISSING] = merged
    return out
