"""The first two validation phases, shared by policies, config and waivers.

1. *Structure*: a walk guided by the JSON Schema itself that catches the
   mistakes people actually make (a typo'd key, a typo'd condition kind, an
   unknown operator) and answers with "did you mean ...".  It stops short of
   type checking, which the schema does better.
2. *Schema*: Draft 2020-12 validation; the single most relevant error is
   reported with its JSON path, phrased for a human.

The third phase (meaning) is specific to each document kind and lives with
its loader.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from scanner.errors import UserInputError
from scanner.policy.operators import OPERATORS
from scanner.policy.yaml_io import JsonPath, YamlDoc, location

# The condition kinds of the policy language; the policy schema's description
# of a condition is generated from this too.
CONDITION_KINDS = ("attr", "all", "any", "not", "any_item", "path", "param_empty")

# Spellings people reach for that difflib cannot guess.
OPERATOR_ALIASES = {
    "==": "eq",
    "=": "eq",
    "equals": "eq",
    "equal": "eq",
    "is": "eq",
    "!=": "ne",
    "not_equals": "ne",
    "neq": "ne",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
    "gte": "ge",
    "lte": "le",
    "one_of": "in",
    "matches": "regex",
    "match": "regex",
    "present": "exists",
    "has": "contains",
    "includes": "contains",
    "startswith": "starts_with",
    "endswith": "ends_with",
}


def did_you_mean(
    word: str, candidates: Iterable[str], aliases: Mapping[str, str] | None = None
) -> str | None:
    options = list(candidates)
    if aliases and word.lower() in aliases:
        return aliases[word.lower()]
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return match[0] if match else None


def hint_for(word: str, candidates: Iterable[str], aliases: Mapping[str, str] | None = None) -> str:
    options = sorted(candidates)
    guess = did_you_mean(word, options, aliases)
    if guess is not None:
        return f"did you mean '{guess}'?"
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return f"valid: {shown}"


class _Walker:
    def __init__(self, schema: Mapping[str, Any], doc: YamlDoc, condition_ref: str | None) -> None:
        self.schema = schema
        self.doc = doc
        self.condition_ref = condition_ref
        self.errors: list[UserInputError] = []

    def error(
        self, path: JsonPath, problem: str, hint: str | None = None, expected: str | None = None
    ) -> None:
        self.errors.append(
            UserInputError(
                problem,
                file=self.doc.file,
                location=location(self.doc, path),
                hint=hint,
                expected=expected,
            )
        )

    def resolve(self, sub: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
        ref = sub.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return sub, None
        node: Any = self.schema
        for part in ref[2:].split("/"):
            node = node[part]
        return node, ref

    def walk(self, data: Any, sub: Mapping[str, Any], path: JsonPath) -> None:
        sub, ref = self.resolve(sub)
        if ref is not None and ref == self.condition_ref:
            self.condition(data, sub, path)
            return
        if "oneOf" in sub or "anyOf" in sub:
            alternatives = [self.resolve(a)[0] for a in sub.get("oneOf", sub.get("anyOf", []))]
            fitting = [a for a in alternatives if _fits_type(data, a)]
            if len(fitting) == 1:
                self.walk(data, fitting[0], path)
            return
        if isinstance(data, dict):
            props = sub.get("properties", {})
            extra = sub.get("additionalProperties", True)
            for key, value in data.items():
                if key in props:
                    self.walk(value, props[key], (*path, key))
                elif extra is False:
                    self.error(
                        (*path, key),
                        f"unknown key '{key}'",
                        hint_for(str(key), props),
                    )
                elif isinstance(extra, Mapping):
                    self.walk(value, extra, (*path, key))
        elif isinstance(data, list) and isinstance(sub.get("items"), Mapping):
            for index, item in enumerate(data):
                self.walk(item, sub["items"], (*path, index))

    def condition(self, data: Any, sub: Mapping[str, Any], path: JsonPath) -> None:
        if not isinstance(data, dict):
            self.error(
                path,
                f"a condition must be a mapping, found {_type_name(data)}",
                expected="one of " + ", ".join(CONDITION_KINDS),
                hint="e.g. {attr: DeletionProtection, op: eq, value: true}",
            )
            return
        kinds = [k for k in data if k in CONDITION_KINDS]
        if not kinds:
            strangers = [k for k in data if k not in ("op", "value", "where")] or list(data)
            if not strangers:
                self.error(path, "empty condition", expected="one of " + ", ".join(CONDITION_KINDS))
                return
            for key in strangers:
                self.error(
                    (*path, key),
                    f"unknown condition kind '{key}'",
                    hint_for(str(key), CONDITION_KINDS),
                    expected="one of " + ", ".join(CONDITION_KINDS),
                )
            return
        if len(kinds) > 1:
            self.error(
                path,
                "a condition has exactly one kind, found " + " and ".join(f"'{k}'" for k in kinds),
                hint="combine them with {all: [...]} or {any: [...]}",
            )
            return
        kind = kinds[0]
        if kind == "attr":
            op = data.get("op")
            if isinstance(op, str) and op not in OPERATORS:
                self.error(
                    (*path, "op"),
                    f"unknown operator '{op}'",
                    hint_for(op, OPERATORS, OPERATOR_ALIASES),
                )
        for alternative in sub.get("oneOf", []):
            alt, _ = self.resolve(alternative)
            if kind in alt.get("required", []):
                self.walk(data, alt, path)
                return


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _fits_type(data: Any, sub: Mapping[str, Any]) -> bool:
    kind = sub.get("type")
    if kind is None:
        return True
    kinds = kind if isinstance(kind, list) else [kind]
    checks: dict[str, Callable[[Any], bool]] = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "null": lambda v: v is None,
    }
    return any(checks.get(k, lambda v: False)(data) for k in kinds)


def structure_errors(
    data: Any, schema: Mapping[str, Any], doc: YamlDoc, *, condition_ref: str | None = None
) -> list[UserInputError]:
    walker = _Walker(schema, doc, condition_ref)
    walker.walk(data, schema, ())
    return walker.errors


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "null": "null",
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def humane_schema_error(error: ValidationError, doc: YamlDoc) -> UserInputError:
    path: JsonPath = tuple(error.absolute_path)
    validator: Any = error.validator
    value: Any = error.validator_value
    instance: Any = error.instance
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    problem: str = error.message
    expected: str | None = None
    hint: str | None = None
    if validator == "type":
        wanted = value
        words = [
            _TYPE_WORDS.get(str(w), str(w))
            for w in (wanted if isinstance(wanted, list) else [wanted])
        ]
        problem = f"wrong value type: found {_type_name(instance)} {_short(instance)}"
        expected = " or ".join(words)
    elif validator == "enum":
        options = [str(o) for o in value]
        problem = f"{_short(instance)} is not allowed here"
        expected = "one of " + ", ".join(options)
        guess = did_you_mean(str(instance), options)
        hint = f"did you mean '{guess}'?" if guess else None
    elif validator == "required":
        missing = [k for k in value if k not in instance]
        problem = "missing required key " + ", ".join(f"'{k}'" for k in missing)
        hint = f"add '{missing[0]}:'" if missing else None
    elif validator == "additionalProperties":
        extras = [k for k in instance if k not in schema.get("properties", {})]
        problem = "unknown key " + ", ".join(f"'{k}'" for k in extras)
        if extras:
            hint = hint_for(str(extras[0]), schema.get("properties", {}))
    elif validator == "pattern":
        problem = f"{_short(instance)} has the wrong form"
        expected = f"text matching {value}"
    elif validator in ("minItems", "minProperties"):
        problem = "must not be empty"
    elif validator == "minLength":
        problem = "must not be an empty string"
    elif validator == "maxItems":
        problem = f"too many items (at most {value})"
    elif validator == "oneOf":
        problem = f"{_short(instance)} does not fit any allowed shape"
        description = schema.get("description")
        expected = str(description) if description else None
    return UserInputError(
        problem, file=doc.file, location=location(doc, path), expected=expected, hint=hint
    )


def schema_error(
    data: Any, validator: jsonschema.protocols.Validator, doc: YamlDoc
) -> UserInputError | None:
    error = best_match(validator.iter_errors(data))
    if error is None:
        return None
    return humane_schema_error(error, doc)


def make_validator(schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(schema)
