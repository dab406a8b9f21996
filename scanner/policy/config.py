"""The config file (``--config``, default ``./aurora-scan.yml`` when present).

```yaml
policies:
  include: ["aurora.cluster.*"]      # id globs; default: every policy
  exclude: ["aurora.serverless.*"]
  areas: [encryption, network]       # catalogue sections
  min_severity: medium               # drop policies below this
params:
  aurora.cluster.backup_retention: {min_days: 14}
fail_on: high                        # critical|high|medium|low|info|none
regions: [us-east-1, eu-west-1]      # evaluate only these (and scan only these)
allow_incomplete: false
report:
  tag_columns: [Owner, Team]         # tag keys shown as filterable columns in report.html
```

Validated by ``config.schema.json`` (generated from :data:`CONFIG_SCHEMA`)
with the same structure -> schema -> meaning phases and error quality as
policies.  Parameter overrides are checked against the policies' declared
parameters when the policies are compiled.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import UserInputError, UserInputErrors
from scanner.model import Severity
from scanner.policy.validation import hint_for, make_validator, schema_error, structure_errors
from scanner.policy.yaml_io import load_yaml_file, location

DEFAULT_CONFIG_NAME = "aurora-scan.yml"
FAIL_ON_CHOICES = (*(s.value for s in Severity), "none")
CONFIG_SCHEMA_PATH = Path(__file__).with_name("config.schema.json")

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://aurora-scan.dev/schemas/config.schema.json",
    "title": "aurora-scan config",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "policies": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "include": {"type": "array", "items": {"type": "string", "minLength": 1}},
                "exclude": {"type": "array", "items": {"type": "string", "minLength": 1}},
                "areas": {"type": "array", "items": {"type": "string", "minLength": 1}},
                "min_severity": {"enum": [s.value for s in Severity]},
            },
        },
        "params": {
            "type": "object",
            "description": "policy id -> {param: value}",
            "additionalProperties": {"type": "object"},
        },
        "fail_on": {"enum": list(FAIL_ON_CHOICES)},
        "regions": {
            "type": "array",
            "items": {"type": "string", "pattern": r"^[a-z]{2}(-[a-z]+)+-\d+$"},
        },
        "allow_incomplete": {"type": "boolean"},
        "report": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "tag_columns": {
                    "type": "array",
                    "description": "tag keys shown as filterable columns in report.html "
                    "(matched case-insensitively; default Owner, Team, Environment, CostCenter)",
                    "items": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Config:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    min_severity: Severity | None = None
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    fail_on: Severity | None = Severity.LOW
    fail_on_set: bool = False  # whether the file said fail_on (CLI flags lose to... see _options)
    regions: tuple[str, ...] = ()
    allow_incomplete: bool = False
    tag_columns: tuple[str, ...] = ()  # report.tag_columns; empty: the report's defaults
    file: str | None = None
    sha256: str | None = None

    def selects(self, policy_id: str, area: str, severity: Severity) -> bool:
        return self.why_not_selected(policy_id, area, severity) is None

    def why_not_selected(self, policy_id: str, area: str, severity: Severity) -> str | None:
        """Why ``selects`` leaves the policy out (the first rule that does), or None."""
        if self.include and not any(fnmatch.fnmatchcase(policy_id, g) for g in self.include):
            return "matches no policies.include pattern"
        for glob in self.exclude:
            if fnmatch.fnmatchcase(policy_id, glob):
                return f"excluded by policies.exclude '{glob}'"
        if self.areas and area not in self.areas:
            return f"area '{area}' is not in policies.areas"
        if self.min_severity is not None and not severity.at_least(self.min_severity):
            return f"severity {severity.value} is below policies.min_severity {self.min_severity}"
        return None

    def to_dict(self) -> dict[str, Any]:
        """The effective settings, as recorded in results.json."""
        return {
            "file": self.file,
            "sha256": self.sha256,
            "policies": {
                "include": list(self.include),
                "exclude": list(self.exclude),
                "areas": list(self.areas),
                "min_severity": self.min_severity.value if self.min_severity else None,
            },
            "params": {k: dict(self.params[k]) for k in sorted(self.params)},
            "fail_on": self.fail_on.value if self.fail_on else "none",
            "regions": list(self.regions),
            "allow_incomplete": self.allow_incomplete,
            # Only when set, so results of configs without it stay as they were.
            **({"report": {"tag_columns": list(self.tag_columns)}} if self.tag_columns else {}),
        }


def parse_fail_on(text: str) -> Severity | None:
    return None if text == "none" else Severity(text)


def load_config(path: Path | str) -> Config:
    path = Path(path)
    if not path.is_file():
        raise UserInputError(
            "config file not found",
            file=str(path),
            hint="create it (see docs/policy-language.md) or drop --config; "
            f"./{DEFAULT_CONFIG_NAME} is read automatically when present",
        )
    doc = load_yaml_file(path, what="config mapping")
    errors = structure_errors(doc.data, CONFIG_SCHEMA, doc)
    if not errors:
        problem = schema_error(doc.data, make_validator(CONFIG_SCHEMA), doc)
        errors = [problem] if problem is not None else []
    if errors:
        raise UserInputErrors(errors)
    data: dict[str, Any] = doc.data
    policies = data.get("policies") or {}
    include = tuple(policies.get("include") or ())
    exclude = tuple(policies.get("exclude") or ())
    for key, globs in (("include", include), ("exclude", exclude)):
        for index, glob in enumerate(globs):
            if glob.count("[") != glob.count("]"):
                errors.append(
                    UserInputError(
                        f"unbalanced '[' in glob '{glob}'",
                        file=doc.file,
                        location=location(doc, ("policies", key, index)),
                    )
                )
    if errors:
        raise UserInputErrors(errors)
    fail_on = data.get("fail_on")
    return Config(
        include=include,
        exclude=exclude,
        areas=tuple(policies.get("areas") or ()),
        min_severity=Severity(policies["min_severity"]) if policies.get("min_severity") else None,
        params={k: dict(v) for k, v in (data.get("params") or {}).items()},
        fail_on=parse_fail_on(fail_on) if fail_on is not None else Severity.LOW,
        fail_on_set=fail_on is not None,
        regions=tuple(data.get("regions") or ()),
        allow_incomplete=bool(data.get("allow_incomplete", False)),
        tag_columns=tuple((data.get("report") or {}).get("tag_columns") or ()),
        file=doc.file,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def check_config_against(
    config: Config, policy_ids: set[str], areas: set[str]
) -> list[UserInputError]:
    """Meaning phase: params name real policies, areas exist, every glob matches a policy.

    A glob that matches nothing is a typo (``aurora.clsuter.*``) or a config
    written for another policy set; left alone it silently narrows the scan,
    or empties it, and the scan passes.
    """
    errors = _unmatched_globs(config, policy_ids)
    for policy_id in config.params:
        if policy_id not in policy_ids:
            errors.append(
                UserInputError(
                    f"params for unknown policy '{policy_id}'",
                    file=config.file,
                    location=f"$.params['{policy_id}']",
                    hint=hint_for(policy_id, policy_ids),
                )
            )
    for area in config.areas:
        if area not in areas:
            errors.append(
                UserInputError(
                    f"unknown area '{area}'",
                    file=config.file,
                    location="$.policies.areas",
                    hint=hint_for(area, areas),
                )
            )
    return errors


def default_config_path() -> Path | None:
    candidate = Path(DEFAULT_CONFIG_NAME)
    return candidate if candidate.is_file() else None


def _unmatched_globs(config: Config, policy_ids: set[str]) -> list[UserInputError]:
    errors = []
    for key, globs in (("include", config.include), ("exclude", config.exclude)):
        for index, glob in enumerate(globs):
            if any(fnmatch.fnmatchcase(policy_id, glob) for policy_id in policy_ids):
                continue
            errors.append(
                UserInputError(
                    f"policies.{key} pattern '{glob}' matches none of the "
                    f"{len(policy_ids)} policies",
                    file=config.file,
                    location=f"$.policies.{key}[{index}]",
                    hint=hint_for(glob, _glob_candidates(policy_ids))
                    + " (`aurora-scan policies list` shows every id)",
                )
            )
    return errors


def _glob_candidates(policy_ids: set[str]) -> set[str]:
    """Ids and the globs people write for them (``aurora.cluster.*``), for "did you mean"."""
    candidates = set(policy_ids)
    for policy_id in policy_ids:
        parts = policy_id.split(".")
        candidates.update(".".join(parts[:n]) + ".*" for n in range(1, len(parts)))
    return candidates
