"""What the export formats (OCSF, CSV) need beyond a finding's own fields.

Per policy, once: the framework requirements a finding counts towards and the
remediation text.  Per finding: its tags and ``first_seen``, read
defensively, because results carry them only from issue 16 on (``first_seen``
carried forward from a previous results file, tags from the resource record's
``Tags`` / ``TagList``): a finding without them exports empty values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


class TagReader:
    """The resources' tags as ``{key: value}``, for every finding of one result.

    Read from the finding (``tags``) or from the result's per-resource records
    (``resource_tags`` / ``resources`` keyed by resource id), each either a
    mapping or AWS's ``Tags`` / ``TagList`` list of ``{"Key", "Value"}``.
    Where to look is decided once per result: most results have no tags at
    all, and this runs for every one of half a million findings.
    """

    def __init__(self, result: ScanResult) -> None:
        self.table: Mapping[str, Any] | None = None
        for name in ("resource_tags", "resources"):
            table = getattr(result, name, None)
            if isinstance(table, Mapping):
                self.table = table
                break
        findings: Sequence[Finding] = getattr(result, "findings", ())
        self.on_findings = bool(findings) and hasattr(findings[0], "tags")

    def __call__(self, f: Finding) -> dict[str, str]:
        if self.on_findings:
            return normalise_tags(getattr(f, "tags", None))
        if self.table is not None:
            return normalise_tags(self.table.get(f.resource_id))
        return {}


def tags_of(result: ScanResult, f: Finding) -> dict[str, str]:
    """One finding's tags (see ``TagReader``)."""
    if hasattr(f, "tags"):
        return normalise_tags(getattr(f, "tags", None))
    return TagReader(result)(f)


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
