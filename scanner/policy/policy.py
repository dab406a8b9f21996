"""A loaded policy and its compiled, ready-to-run form.

``Policy`` is the validated document plus metadata; ``Policy.compile(params)``
turns it into a ``Program`` (conditions and templates bound to effective
parameter values).  Compiling with the declared defaults is the loader's
meaning phase; the engine compiles again with config overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.errors import UserInputError
from scanner.model import Severity
from scanner.policy.conditions import Compiler, Condition, special_value
from scanner.policy.templates import Template, compile_template
from scanner.policy.validation import hint_for
from scanner.policy.yaml_io import JsonPath, YamlDoc, location
from scanner.vocabulary import RELATIONS, RESOURCE_TYPES

_PARAM_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "mapping": lambda v: isinstance(v, dict),
}


def infer_param_type(value: Any) -> str | None:
    if (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in ("ref", "data", "param")
    ):
        return None  # computed defaults: the type is whatever they yield
    for name in ("boolean", "integer", "number", "string", "list", "mapping"):
        if _PARAM_TYPE_CHECKS[name](value):
            return "number" if name == "integer" else name
    return None


def param_type_ok(type_name: str | None, value: Any) -> bool:
    if type_name is None:
        return True
    return bool(_PARAM_TYPE_CHECKS[type_name](value))


@dataclass(frozen=True)
class ParamSpec:
    name: str
    default: Any
    description: str = ""
    type: str | None = None


@dataclass
class Program:
    """A policy bound to parameter values: what the engine runs."""

    scope: Condition | None
    require: Condition
    message: Template
    cli: Template | None
    reach: frozenset[str]
    params: dict[str, Any]
    # (resource type, top-level field) of every attribute the conditions read:
    # what a failed call must leave out for a finding to become UNKNOWN.
    reads: frozenset[tuple[str, str]] = frozenset()


@dataclass
class Policy:
    id: str
    title: str
    description: str
    severity: Severity
    resources: tuple[str, ...]
    area: str
    file: str  # as shown in errors and in results (relative where possible)
    doc: dict[str, Any]
    yaml: YamlDoc | None = None
    params: dict[str, ParamSpec] = field(default_factory=dict)
    inherited_by: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    relpath: str = ""  # <area>/<id>.yaml under its policy directory (stable across machines)

    @classmethod
    def from_doc(
        cls, doc: dict[str, Any], *, area: str, file: str, yaml_doc: YamlDoc | None
    ) -> Policy:
        resource = doc["resource"]
        resources = (resource,) if isinstance(resource, str) else tuple(resource)
        params = {
            name: ParamSpec(
                name=name,
                default=spec.get("default"),
                description=str(spec.get("description", "")),
                type=spec.get("type") or infer_param_type(spec.get("default")),
            )
            for name, spec in (doc.get("params") or {}).items()
        }
        return cls(
            id=doc["id"],
            title=doc["title"],
            description=str(doc.get("description", "")),
            severity=Severity(doc["severity"]),
            resources=resources,
            area=area,
            file=file,
            doc=doc,
            yaml=yaml_doc,
            params=params,
            inherited_by=doc.get("inherited_by"),
        )

    @property
    def references(self) -> list[str]:
        return list(self.doc.get("references") or [])

    @property
    def remediation(self) -> dict[str, str]:
        return dict(self.doc.get("remediation") or {})

    @property
    def tests(self) -> list[dict[str, Any]]:
        return list(self.doc.get("tests") or [])

    @property
    def tags(self) -> list[str]:
        return list(self.doc.get("tags") or [])

    def effective_params(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        values = {name: spec.default for name, spec in self.params.items()}
        values.update(overrides or {})
        return values

    def error(self, path: JsonPath, problem: str, hint: str | None = None) -> UserInputError:
        return UserInputError(
            problem, file=self.file, location=location(self.yaml, path), hint=hint
        )

    def compile(
        self, overrides: Mapping[str, Any] | None = None, *, origin: str | None = None
    ) -> tuple[Program, list[UserInputError]]:
        """Bind parameters and compile; returns the program and every problem found.

        ``origin`` names where overrides came from (config file, test case) so
        an override of the wrong type is reported there.
        """
        errors: list[UserInputError] = []
        for name, value in (overrides or {}).items():
            spec = self.params.get(name)
            where = origin or self.file
            if spec is None:
                errors.append(
                    UserInputError(
                        f"policy {self.id} has no parameter '{name}'",
                        file=where,
                        hint=hint_for(name, self.params)
                        if self.params
                        else "it takes no parameters",
                    )
                )
            elif not param_type_ok(spec.type, value):
                errors.append(
                    UserInputError(
                        f"parameter '{name}' of {self.id} must be a {spec.type}, found {value!r}",
                        file=where,
                    )
                )
        compiler = Compiler(params=self.effective_params(overrides), data=self.data)
        types = list(self.resources)
        scope = self.doc.get("scope")
        scope_c = compiler.condition(scope, ("scope",), types) if scope is not None else None
        require_c = compiler.condition(self.doc.get("require"), ("require",), types)
        message = compile_template(
            str(self.doc.get("message", "")), compiler, ("message",), self.resources
        )
        cli_text = self.remediation.get("cli")
        cli = (
            compile_template(cli_text, compiler, ("remediation", "cli"), self.resources)
            if cli_text
            else None
        )
        if overrides is None:
            self._check_defaults(compiler)
        errors.extend(self.error(path, text, hint) for path, text, hint in compiler.problems)
        program = Program(
            scope=scope_c,
            require=require_c,
            message=message,
            cli=cli,
            reach=frozenset(compiler.reach) | frozenset(self.resources),
            params=compiler.params if isinstance(compiler.params, dict) else dict(compiler.params),
            reads=frozenset(compiler.reads),
        )
        return program, errors

    def _check_defaults(self, compiler: Compiler) -> None:
        for name, spec in self.params.items():
            path: JsonPath = ("params", name, "default")
            # A computed default is compiled for its own checks (undeclared data, bad ref).
            value = compiler.value(spec.default, path, in_param=True)
            special = special_value(spec.default)
            if special is not None and special[0] == "ref":
                continue  # its type is only known at evaluation time
            shown = value.const if special is not None else spec.default
            if spec.type is not None and not param_type_ok(spec.type, shown):
                what = f"data '{special[1]}'" if special is not None else f"default {shown!r}"
                compiler.problem(path, f"{what} is not a {spec.type}")

    def check_meaning(self, expected_id: str | None) -> list[UserInputError]:
        """Phase 3: everything the schema cannot know."""
        errors: list[UserInputError] = []
        if expected_id is not None and self.id != expected_id:
            errors.append(
                self.error(
                    ("id",),
                    f"id '{self.id}' does not match the file name '{expected_id}.yaml'",
                    f"rename the file to {self.id}.yaml or set id: {expected_id}",
                )
            )
        resource_path: JsonPath = ("resource",)
        for index, rtype in enumerate(self.resources):
            if rtype not in RESOURCE_TYPES:
                path = (
                    resource_path
                    if isinstance(self.doc["resource"], str)
                    else (*resource_path, index)
                )
                errors.append(
                    self.error(
                        path, f"unknown resource type '{rtype}'", hint_for(rtype, RESOURCE_TYPES)
                    )
                )
        if self.inherited_by is not None:
            relation = RELATIONS.get(self.inherited_by)
            if relation is None:
                errors.append(
                    self.error(
                        ("inherited_by",),
                        f"unknown relation '{self.inherited_by}'",
                        hint_for(self.inherited_by, RELATIONS),
                    )
                )
            elif not set(relation.sources) & set(self.resources):
                errors.append(
                    self.error(
                        ("inherited_by",),
                        f"relation '{self.inherited_by}' does not start from "
                        + ", ".join(self.resources),
                    )
                )
        if errors:
            return errors  # conditions cannot be checked against unknown types
        _, compile_errors = self.compile()
        errors.extend(compile_errors)
        errors.extend(self._check_tests())
        return errors

    def _check_tests(self) -> list[UserInputError]:
        errors: list[UserInputError] = []
        for t_index, case in enumerate(self.tests):
            base: JsonPath = ("tests", t_index)
            ids: set[str] = set()
            for r_index, resource in enumerate(case.get("resources") or []):
                rtype = resource.get("type")
                if rtype not in RESOURCE_TYPES:
                    errors.append(
                        self.error(
                            (*base, "resources", r_index, "type"),
                            f"unknown resource type '{rtype}'",
                            hint_for(str(rtype), RESOURCE_TYPES),
                        )
                    )
                rid = str(resource.get("id"))
                if rid in ids:
                    errors.append(
                        self.error(
                            (*base, "resources", r_index, "id"),
                            f"duplicate resource id '{rid}' in this case",
                        )
                    )
                ids.add(rid)
            for rid in case.get("expect") or {}:
                if rid not in ids:
                    errors.append(
                        self.error(
                            (*base, "expect", rid),
                            f"expectation for '{rid}', which is not among the case's resources",
                            hint_for(rid, ids) if ids else None,
                        )
                    )
            for e_index, err in enumerate(case.get("errors") or []):
                if err.get("type") not in RESOURCE_TYPES:
                    errors.append(
                        self.error(
                            (*base, "errors", e_index, "type"),
                            f"unknown resource type '{err.get('type')}'",
                            hint_for(str(err.get("type")), RESOURCE_TYPES),
                        )
                    )
            overrides = case.get("params") or {}
            if overrides:
                _, problems = self.compile(
                    overrides, origin=f"{self.file} at {location(self.yaml, (*base, 'params'))}"
                )
                errors.extend(problems)
        return errors

    def meta(self, params: Mapping[str, Any], frameworks: list[dict[str, str]]) -> dict[str, Any]:
        """The catalogue entry written into results.json."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "severity": self.severity.value,
            "resource": list(self.resources),
            "area": self.area,
            "remediation": self.remediation,
            "references": self.references,
            "tags": self.tags,
            "frameworks": frameworks,
            "params": {k: params[k] for k in sorted(params)},
            "file": self.relpath or self.file,
        }
