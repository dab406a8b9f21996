"""The policy JSON Schema, generated from the operator table.

``policy.schema.json`` next to this module is the shipped copy (editors point
at it); ``python -m scanner.policy.schema`` rewrites it and a test keeps the
two identical.  Resource types and relation names are deliberately *not*
enums here: the vocabulary belongs to the graph and the loader checks them in
its meaning phase, with "did you mean" hints, so a new relation never makes
this file stale.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from scanner.model import Severity
from scanner.policy.config import CONFIG_SCHEMA, CONFIG_SCHEMA_PATH
from scanner.policy.operators import operator_names
from scanner.policy.validation import CONDITION_KINDS
from scanner.policy.waivers import WAIVERS_SCHEMA, WAIVERS_SCHEMA_PATH

SCHEMA_PATH = Path(__file__).with_name("policy.schema.json")
SCHEMA_ID = "https://aurora-scan.dev/schemas/policy.schema.json"

EXPECT_VALUES = ("pass", "fail", "unknown", "not_applicable")
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$"
TYPE_PATTERN = r"^[a-z0-9]+(\.[a-z0-9_]+)+$"
PARAM_TYPES = ("string", "number", "integer", "boolean", "list", "mapping")


def _obj(props: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    out.update(extra)
    return out


def _str(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def build_policy_schema() -> dict[str, Any]:
    cond = {"$ref": "#/$defs/condition"}
    conditions = {"type": "array", "minItems": 1, "items": cond}
    defs: dict[str, Any] = {
        "condition": {
            "description": "Exactly one of: " + ", ".join(CONDITION_KINDS) + ".",
            "oneOf": [
                {"$ref": "#/$defs/attr_condition"},
                _obj({"all": conditions}, ["all"], description="every condition holds"),
                _obj({"any": conditions}, ["any"], description="some condition holds"),
                _obj({"not": cond}, ["not"], description="the condition does not hold"),
                _obj(
                    {
                        "any_item": _obj(
                            {
                                "attr": _str("JMESPath to a list in the current record"),
                                "where": cond,
                            },
                            ["attr", "where"],
                        )
                    },
                    ["any_item"],
                    description="some element of a list attribute satisfies where",
                ),
                _obj(
                    {
                        "path": _obj(
                            {
                                "via": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {"$ref": "#/$defs/step"},
                                },
                                "to": _str("resource type at the end", pattern=TYPE_PATTERN),
                                "where": cond,
                            },
                            ["via", "to"],
                        )
                    },
                    ["path"],
                    description="some walk along the relations ends on a node where holds",
                ),
                _obj(
                    {"param_empty": _str("a declared parameter's name")},
                    ["param_empty"],
                    description="the parameter's effective value is empty (a list param "
                    "left empty can switch a policy off)",
                ),
            ],
        },
        "attr_condition": _obj(
            {
                "attr": _str("JMESPath expression over the current record"),
                "op": {"enum": operator_names(), "description": "operator"},
                "value": {"$ref": "#/$defs/value"},
            },
            ["attr", "op"],
        ),
        "step": {
            "oneOf": [
                _str("relation name"),
                _obj(
                    {"relation": _str("relation name"), "where": cond},
                    ["relation"],
                    description="a relation whose edge data satisfies where",
                ),
            ]
        },
        "value": {
            "description": "A literal, {param: NAME}, {ref: subject.EXPR} or {ref: scan.accounts}.",
        },
        "param": _obj(
            {
                "default": {"$ref": "#/$defs/value"},
                "description": _str("what the parameter controls"),
                "type": {"enum": list(PARAM_TYPES)},
            },
            ["default"],
        ),
        "test_case": _obj(
            {
                "name": _str("what the case shows"),
                "description": _str("longer explanation"),
                "params": {"type": "object", "description": "parameter overrides"},
                "now": _str(
                    "collection time for date operators (default 2026-01-01T00:00:00Z)",
                    pattern=r"^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?$",
                ),
                "errors": {
                    "type": "array",
                    "items": _obj(
                        {
                            "type": _str("resource type left incomplete", pattern=TYPE_PATTERN),
                            "operation": _str("the failed API call"),
                            "error_code": _str("e.g. AccessDenied"),
                            "account": _str("account id"),
                            "region": _str("region or *"),
                        },
                        ["type"],
                    ),
                },
                "resources": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "description": "raw AWS fields plus type and id",
                        "required": ["type", "id"],
                        "properties": {
                            "type": _str("resource type", pattern=TYPE_PATTERN),
                            "id": _str("resource id (an ARN in real scans)", minLength=1),
                            "account": _str("account id (default 123456789012)"),
                            "region": _str("region (default us-east-1)"),
                        },
                        "additionalProperties": True,
                    },
                },
                "expect": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": {"enum": list(EXPECT_VALUES)},
                },
            },
            ["name", "resources", "expect"],
        ),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "aurora-scan policy",
        "description": "One policy per file; see docs/policy-language.md.",
        **_obj(
            {
                "id": _str("permanent id; the file is <id>.yaml", pattern=ID_PATTERN),
                "title": _str("one line", minLength=1),
                "description": _str("longer text shown in reports"),
                "severity": {"enum": [s.value for s in Severity]},
                "resource": {
                    "oneOf": [
                        _str("resource type", pattern=TYPE_PATTERN),
                        {
                            "type": "array",
                            "minItems": 1,
                            "items": _str("resource type", pattern=TYPE_PATTERN),
                        },
                    ]
                },
                "scope": cond,
                "inherited_by": _str("relation to resources reported NOT_APPLICABLE"),
                "require": cond,
                "params": {
                    "type": "object",
                    "propertyNames": {"pattern": r"^[a-z_][a-z0-9_]*$"},
                    "additionalProperties": {"$ref": "#/$defs/param"},
                },
                "message": _str("template over the subject's attributes", minLength=1),
                "remediation": _obj(
                    {"text": _str("what to do"), "cli": _str("template of an aws CLI command")}
                ),
                "references": {"type": "array", "items": _str("URL", pattern=r"^https?://")},
                "tags": {"type": "array", "maxItems": 8, "items": _str("tag")},
                "tests": {"type": "array", "items": {"$ref": "#/$defs/test_case"}},
            },
            ["id", "title", "severity", "resource", "require", "message"],
        ),
        "$defs": defs,
    }


def render_policy_schema() -> str:
    return json.dumps(build_policy_schema(), indent=2, sort_keys=True) + "\n"


@cache
def policy_schema() -> dict[str, Any]:
    """The shipped schema (falls back to the generated one if the file is missing)."""
    if SCHEMA_PATH.is_file():
        loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        return loaded
    return build_policy_schema()


def shipped_schemas() -> dict[Path, str]:
    """Every JSON Schema the package ships for user-written files, rendered."""

    def render(schema: dict[str, Any]) -> str:
        return json.dumps(schema, indent=2, sort_keys=True) + "\n"

    return {
        SCHEMA_PATH: render_policy_schema(),
        CONFIG_SCHEMA_PATH: render(CONFIG_SCHEMA),
        WAIVERS_SCHEMA_PATH: render(WAIVERS_SCHEMA),
    }


def main() -> int:
    for path, text in shipped_schemas().items():
        path.write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
