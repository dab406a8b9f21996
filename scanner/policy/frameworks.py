"""Compliance frameworks: requirement ids mapped to policy ids.

``policies/frameworks/<id>.yaml`` is ``{id, title, url, version?,
requirements: [{id, title, policies: [policy ids]}]}``.  Each policy entry of
the results carries ``frameworks: [{framework, requirement, title}]``.

A requirement is NOT ASSESSED by a scan when no loaded policy covers it
(``policies: []``: the framework lists it so the gap is visible) or when the
config left out every policy mapped to it; it is partly assessed when the
config left out some of them.  ``requirements_not_assessed`` lists both, with
the reason, for the results header (``scan.requirements_not_assessed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.errors import UserInputError
from scanner.policy.validation import hint_for, make_validator, schema_error, structure_errors
from scanner.policy.yaml_io import YamlDoc, location

FRAMEWORK_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "aurora-scan compliance framework",
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "requirements"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_.-]*$"},
        "title": {"type": "string", "minLength": 1},
        "url": {"type": "string", "pattern": r"^https?://"},
        "version": {"type": ["string", "number"]},
        "description": {"type": "string"},
        "requirements": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "policies"],
                "properties": {
                    "id": {"type": ["string", "number"]},
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "policies": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    policies: tuple[str, ...]


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    url: str
    version: str
    requirements: tuple[Requirement, ...]
    file: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "version": self.version,
            "requirements": [
                {"id": r.id, "title": r.title, "policies": list(r.policies)}
                for r in self.requirements
            ],
        }


def parse_framework(doc: YamlDoc) -> tuple[Framework | None, list[UserInputError]]:
    errors = structure_errors(doc.data, FRAMEWORK_SCHEMA, doc)
    if errors:
        return None, errors
    problem = schema_error(doc.data, make_validator(FRAMEWORK_SCHEMA), doc)
    if problem is not None:
        return None, [problem]
    data = doc.data
    framework = Framework(
        id=data["id"],
        title=data["title"],
        url=str(data.get("url", "")),
        version=str(data.get("version", "")),
        requirements=tuple(
            Requirement(id=str(r["id"]), title=r["title"], policies=tuple(r["policies"]))
            for r in data["requirements"]
        ),
        file=doc.file,
    )
    return framework, []


def check_references(
    framework: Framework, doc: YamlDoc, policy_ids: Iterable[str]
) -> list[UserInputError]:
    known = set(policy_ids)
    errors = []
    for r_index, requirement in enumerate(framework.requirements):
        for p_index, policy_id in enumerate(requirement.policies):
            if policy_id not in known:
                errors.append(
                    UserInputError(
                        f"requirement {requirement.id} names unknown policy '{policy_id}'",
                        file=framework.file,
                        location=location(doc, ("requirements", r_index, "policies", p_index)),
                        hint=hint_for(policy_id, known),
                    )
                )
    return errors


def mapping_by_policy(frameworks: Iterable[Framework]) -> dict[str, list[dict[str, str]]]:
    """policy id -> [{framework, requirement, title}], in a stable order."""
    out: dict[str, list[dict[str, str]]] = {}
    for framework in sorted(frameworks, key=lambda f: f.id):
        for requirement in framework.requirements:
            for policy_id in requirement.policies:
                entry = {
                    "framework": framework.id,
                    "requirement": requirement.id,
                    "title": requirement.title,
                }
                if entry not in out.setdefault(policy_id, []):
                    out[policy_id].append(entry)
    return out


NOT_ASSESSED = "NOT_ASSESSED"
PARTLY_ASSESSED = "PARTLY_ASSESSED"
NO_POLICY_REASON = "no policy in the loaded policy set covers this requirement"


def requirements_not_assessed(
    frameworks: Iterable[Framework], left_out: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Requirements a scan did not assess, or assessed only in part, with the reason.

    ``left_out`` maps each policy the config did not select to why
    (``Config.why_not_selected``).  An entry is ``{framework, requirement,
    title, status: NOT_ASSESSED | PARTLY_ASSESSED, reason, policies_left_out}``.
    """
    out: list[dict[str, Any]] = []
    for framework in sorted(frameworks, key=lambda f: f.id):
        for requirement in framework.requirements:
            mapped = list(dict.fromkeys(requirement.policies))
            missing = [pid for pid in mapped if pid in left_out]
            if mapped and not missing:
                continue
            if not mapped:
                status, reason = NOT_ASSESSED, NO_POLICY_REASON
            else:
                why = _grouped_reasons(missing, left_out)
                if len(missing) == len(mapped):
                    status, reason = (
                        NOT_ASSESSED,
                        f"every mapped policy left out by the config ({why})",
                    )
                else:
                    status, reason = (
                        PARTLY_ASSESSED,
                        f"some mapped policies left out by the config ({why})",
                    )
            out.append(
                {
                    "framework": framework.id,
                    "requirement": requirement.id,
                    "title": requirement.title,
                    "status": status,
                    "reason": reason,
                    "policies_left_out": missing,
                }
            )
    return out


def _grouped_reasons(policy_ids: list[str], left_out: Mapping[str, str]) -> str:
    """'a, b: excluded by ...; c: below min_severity' (policies grouped by reason)."""
    by_reason: dict[str, list[str]] = {}
    for pid in policy_ids:
        by_reason.setdefault(left_out[pid], []).append(pid)
    return "; ".join(f"{', '.join(pids)}: {reason}" for reason, pids in by_reason.items())
