"""What the export formats (OCSF, CSV) need beyond a finding's own fields.

Per policy, once: the framework requirements a finding counts towards and the
remediation text.  Per finding: its tags and ``first_seen``, read
defensively, because results carry them only from issue 16 on (``first_seen``
carried forward from a previous results file, tags from the resource record's
``Tags`` / ``TagList``): a finding without them exports empty values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.model import Finding, ScanResult
from scanner.report._view import PolicyView, as_str


@dataclass(frozen=True)
class PolicyExport:
    id: str
    title: str
    description: str
    area: str
    requirements: tuple[str, ...]  # "AWS FSBP RDS.27", one per framework requirement
    standards: tuple[str, ...]  # framework names
    remediation_text: str
    references: tuple[str, ...]


def policy_exports(policies: Mapping[str, PolicyView]) -> dict[str, PolicyExport]:
    out = {}
    for pid, p in policies.items():
        requirements = sorted(
            {f"{fw['framework']} {fw['requirement']}".strip() for fw in p.frameworks} - {""}
        )
        out[pid] = PolicyExport(
            id=pid,
            title=p.title or pid,
            description=p.description,
            area=p.area,
            requirements=tuple(requirements),
            standards=tuple(sorted({fw["framework"] for fw in p.frameworks} - {""})),
            remediation_text=p.remediation_text.strip(),
            references=tuple(p.references),
        )
    return out


def first_seen(f: Finding) -> str:
    """When this finding was first seen (ISO 8601), or "" when results do not say."""
    return as_str(getattr(f, "first_seen", None) or "")


def tags_of(result: ScanResult, f: Finding) -> dict[str, str]:
    """The resource's tags as ``{key: value}``.

    Read from the finding (``tags``) or from the result's per-resource records
    (``resource_tags`` / ``resources`` keyed by resource id), each either a
    mapping or AWS's ``Tags`` / ``TagList`` list of ``{"Key", "Value"}``.
    """
    found = getattr(f, "tags", None)
    if found is None:
        for name in ("resource_tags", "resources"):
            table = getattr(result, name, None)
            if isinstance(table, Mapping) and f.resource_id in table:
                found = table[f.resource_id]
                break
    return normalise_tags(found)


def normalise_tags(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        for key in ("Tags", "TagList"):  # a resource record
            if key in value:
                return normalise_tags(value[key])
        return {as_str(k): as_str(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        tags = {}
        for item in value:
            if isinstance(item, Mapping) and "Key" in item:
                tags[as_str(item["Key"])] = as_str(item.get("Value"))
        return tags
    return {}
