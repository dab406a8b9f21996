"""Waivers (``--waivers FILE``): accepted risks with an owner and an expiry.

```yaml
waivers:
  - policy: aurora.cluster.iam_auth          # id or glob
    resource: "arn:aws:rds:*:*:cluster:legacy-*"   # ARN, resource name, or glob
    reason: Legacy app cannot use IAM tokens; replaced in Q3
    owner: dba-team@example.com
    expires: 2026-09-30                      # last day the waiver holds
```

A top-level list (without ``waivers:``) is accepted too.  A FAIL matched by an
unexpired waiver becomes WAIVED with the waiver attached.  Expiry is judged
against the snapshot's collection date, not the wall clock, so re-evaluating
an old snapshot gives the same result.  Expired waivers have no effect and are
listed as expired; unexpired ones that waive nothing are listed as stale.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import UserInputError, UserInputErrors
from scanner.model import Severity
from scanner.policy.validation import make_validator, schema_error, structure_errors
from scanner.policy.yaml_io import YamlDoc, load_yaml_file, location

WAIVERS_SCHEMA_PATH = Path(__file__).with_name("waivers.schema.json")
# A waiver that runs out within this many days (of the snapshot's collection
# date) is flagged, so its renewal or the fix is planned before findings return.
EXPIRING_SOON_DAYS = 30
# Severities a wildcard waiver may only reach with ``allow_wildcard: true``.
GUARDED_SEVERITIES = (Severity.CRITICAL, Severity.HIGH)
_GLOB_CHARS = frozenset("*?[")
_DATE = r"^\d{4}-\d{2}-\d{2}$"

_WAIVER: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["policy", "resource", "reason", "owner", "expires"],
    "properties": {
        "policy": {"type": "string", "minLength": 1, "description": "policy id or glob"},
        "resource": {"type": "string", "minLength": 1, "description": "ARN, name or glob"},
        "reason": {"type": "string", "minLength": 1},
        "owner": {"type": "string", "minLength": 1},
        "expires": {"type": "string", "pattern": _DATE, "description": "last day it holds"},
        "ticket": {"type": "string", "description": "change or risk ticket, e.g. SEC-1234"},
        "approved_by": {"type": "string", "minLength": 1, "description": "who accepted the risk"},
        "granted": {"type": "string", "pattern": _DATE, "description": "when it was accepted"},
        "allow_wildcard": {
            "type": "boolean",
            "description": "allow a glob in policy or resource to reach a critical/high policy",
        },
    },
}

WAIVERS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://aurora-scan.dev/schemas/waivers.schema.json",
    "title": "aurora-scan waivers",
    "oneOf": [
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["waivers"],
            "properties": {"waivers": {"type": "array", "items": _WAIVER}},
        },
        {"type": "array", "items": _WAIVER},
    ],
}


@dataclass(frozen=True)
class Waiver:
    policy: str
    resource: str
    reason: str
    owner: str
    expires: dt.date
    index: int
    ticket: str = ""
    approved_by: str = ""
    granted: dt.date | None = None
    allow_wildcard: bool = False
    location: str = ""  # where the waiver is in its file, for error messages

    @property
    def is_wildcard(self) -> bool:
        """A glob in the policy or resource pattern: it may match more than was reviewed."""
        return bool(_GLOB_CHARS & set(self.policy + self.resource))

    def days_to_expiry(self, today: dt.date) -> int:
        """0 on the last day it holds; negative once expired."""
        return (self.expires - today).days

    def matches(self, policy_id: str, resource_id: str, resource_name: str) -> bool:
        if not fnmatch.fnmatchcase(policy_id, self.policy):
            return False
        return fnmatch.fnmatchcase(resource_id, self.resource) or fnmatch.fnmatchcase(
            resource_name, self.resource
        )

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def to_dict(self) -> dict[str, Any]:
        out = {
            "policy": self.policy,
            "resource": self.resource,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "index": self.index,
        }
        if self.ticket:
            out["ticket"] = self.ticket
        if self.approved_by:
            out["approved_by"] = self.approved_by
        if self.granted is not None:
            out["granted"] = self.granted.isoformat()
        if self.allow_wildcard:
            out["allow_wildcard"] = True
        return out

    def report_entry(self, today: dt.date, waived: Sequence[str] = ()) -> dict[str, Any]:
        """The waiver as results.json lists it: governance fields, what it waived
        (``waived`` holds the resource id of each finding it turned WAIVED) and
        how long it has left."""
        days = self.days_to_expiry(today)
        return {
            **self.to_dict(),
            "findings": len(waived),
            "resources": sorted(set(waived)),
            "days_to_expiry": days,
            "expiring_soon": 0 <= days <= EXPIRING_SOON_DAYS,
        }


@dataclass(frozen=True)
class Waivers:
    items: tuple[Waiver, ...]
    file: str | None = None
    sha256: str | None = None


def _entries(doc: YamlDoc) -> tuple[list[Any], tuple[str, ...]]:
    if isinstance(doc.data, dict):
        return list(doc.data.get("waivers") or []), ("waivers",)
    return list(doc.data), ()


def load_waivers(path: Path | str) -> Waivers:
    path = Path(path)
    if not path.is_file():
        raise UserInputError(
            "waivers file not found", file=str(path), hint="check the --waivers path"
        )
    doc = load_yaml_file(path, what="list of waivers")
    schema = WAIVERS_SCHEMA
    shape = schema["oneOf"][0] if isinstance(doc.data, dict) else schema["oneOf"][1]
    errors = structure_errors(doc.data, shape, doc)
    if not errors:
        problem = schema_error(
            doc.data, make_validator({**shape, "$schema": schema["$schema"]}), doc
        )
        errors = [problem] if problem is not None else []
    if errors:
        raise UserInputErrors(errors)
    entries, base = _entries(doc)
    items = []
    for index, entry in enumerate(entries):
        expires = _date(entry, "expires", doc, (*base, index), errors)
        granted = _date(entry, "granted", doc, (*base, index), errors)
        if expires is None:
            continue
        if granted is not None and granted > expires:
            errors.append(
                UserInputError(
                    f"granted {granted} is after expires {expires}",
                    file=doc.file,
                    location=location(doc, (*base, index, "granted")),
                    expected="a grant date on or before the expiry date",
                )
            )
            continue
        items.append(
            Waiver(
                policy=entry["policy"],
                resource=entry["resource"],
                reason=entry["reason"],
                owner=entry["owner"],
                expires=expires,
                index=index,
                ticket=str(entry.get("ticket", "")),
                approved_by=str(entry.get("approved_by", "")),
                granted=granted,
                allow_wildcard=entry.get("allow_wildcard") is True,
                location=location(doc, (*base, index)),
            )
        )
    if errors:
        raise UserInputErrors(errors)
    return Waivers(
        items=tuple(items), file=doc.file, sha256=hashlib.sha256(path.read_bytes()).hexdigest()
    )


def _date(
    entry: Mapping[str, Any],
    key: str,
    doc: YamlDoc,
    at: tuple[str | int, ...],
    errors: list[UserInputError],
) -> dt.date | None:
    """``entry[key]`` as a date (None when absent); a non-date is recorded in ``errors``."""
    if key not in entry:
        return None
    try:
        return dt.date.fromisoformat(entry[key])
    except ValueError:
        errors.append(
            UserInputError(
                f"'{entry[key]}' is not a calendar date",
                file=doc.file,
                location=location(doc, (*at, key)),
                expected="YYYY-MM-DD",
            )
        )
        return None


def check_wildcards(waivers: Waivers, severities: Mapping[str, Severity]) -> list[UserInputError]:
    """Refuse wildcard waivers that reach a critical or high policy.

    ``severities`` maps the id of every policy being evaluated to its
    severity.  A waiver with ``allow_wildcard: true`` is let through.
    """
    errors = []
    for waiver in waivers.items:
        if not waiver.is_wildcard or waiver.allow_wildcard:
            continue
        guarded = sorted(
            f"{pid} ({sev.value})"
            for pid, sev in severities.items()
            if sev in GUARDED_SEVERITIES and fnmatch.fnmatchcase(pid, waiver.policy)
        )
        if not guarded:
            continue
        more = f" and {len(guarded) - 3} more" if len(guarded) > 3 else ""
        shown = ", ".join(guarded[:3]) + more
        errors.append(
            UserInputError(
                f"wildcard waiver #{waiver.index + 1} (policy '{waiver.policy}', resource "
                f"'{waiver.resource}') reaches {shown}: refused",
                file=waivers.file,
                location=waiver.location or None,
                expected="a waiver naming the policy and resource, for critical and high policies",
                hint="name the policy id and the resource, or add 'allow_wildcard: true' "
                "to the waiver if the blanket acceptance is intended",
            )
        )
    return errors
