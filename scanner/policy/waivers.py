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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import UserInputError, UserInputErrors
from scanner.policy.validation import make_validator, schema_error, structure_errors
from scanner.policy.yaml_io import YamlDoc, load_yaml_file, location

WAIVERS_SCHEMA_PATH = Path(__file__).with_name("waivers.schema.json")

_WAIVER: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["policy", "resource", "reason", "owner", "expires"],
    "properties": {
        "policy": {"type": "string", "minLength": 1, "description": "policy id or glob"},
        "resource": {"type": "string", "minLength": 1, "description": "ARN, name or glob"},
        "reason": {"type": "string", "minLength": 1},
        "owner": {"type": "string", "minLength": 1},
        "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "ticket": {"type": "string"},
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
        return out


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
        try:
            expires = dt.date.fromisoformat(entry["expires"])
        except ValueError:
            errors.append(
                UserInputError(
                    f"'{entry['expires']}' is not a calendar date",
                    file=doc.file,
                    location=location(doc, (*base, index, "expires")),
                    expected="YYYY-MM-DD",
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
            )
        )
    if errors:
        raise UserInputErrors(errors)
    return Waivers(
        items=tuple(items), file=doc.file, sha256=hashlib.sha256(path.read_bytes()).hexdigest()
    )
