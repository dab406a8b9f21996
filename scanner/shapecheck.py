"""Check what policies and the graph builder read against botocore's shapes.

``check_policy`` walks every expression a policy evaluates or renders (``attr``
of conditions, ``any_item`` lists, ``{ref: subject.X}`` operands, path
``where`` clauses on edges and end nodes, ``message`` and ``remediation.cli``
placeholders) through the record shape of the node it runs on
(``scanner.shapes.record_shape``) and reports:

* a member the shape does not have (a renamed or invented field), with the
  closest real name;
* an ``x_`` fact nobody declared in ``scanner.shapes.DERIVED``;
* an operator that cannot work on what it reads (``ge 7`` on a string, a
  list operator on a scalar, ``eq true`` on a string, a date operator on a
  number);
* a string literal compared with a member that has an enum (botocore's, or
  the values its documentation lists) and is not one of its values;
* a member botocore documents as retired.

``check_graph_reads`` does the same for ``scanner.edges`` (reference paths and
target keys) and the sources of every derived fact, and
``check_collectors`` for the collector registry (listing keys, ARN fields,
request parameters, augment fields).  The accuracy tests run all three on
the shipped code and catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.collect.registry import SPECS
from scanner.collect.spec import DependentSpec
from scanner.edges import EDGE_SPECS, TARGET_KEYS
from scanner.policy.conditions import has_special, special_value
from scanner.policy.policy import Policy
from scanner.policy.yaml_io import JsonPath, json_path, location
from scanner.shapes import (
    ANY,
    AUGMENTED,
    DERIVED,
    NUMBER_KINDS,
    STRING,
    Shape,
    edge_shape,
    input_shape,
    list_of,
    literal_mismatch,
    literal_shape,
    output_shape,
    raw_shape,
    record_shape,
    source_shape,
    walk,
)
from scanner.vocabulary import RELATIONS, RESOURCE_TYPES

_RESOURCE_FIELDS = ("id", "name", "type", "account", "region")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


@dataclass(frozen=True)
class ShapeProblem:
    """One read that botocore's model does not support."""

    policy: str  # policy id, or the code module for graph/collector reads
    file: str
    path: str  # JSON path in the policy ("$.require.all[1].attr"), or what was read
    line: str  # "line 12" where known
    expr: str
    message: str

    @property
    def key(self) -> tuple[str, str]:
        """What an allow-list names: the policy and the JSON path."""
        return (self.policy, self.path)

    def __str__(self) -> str:
        where = f"{self.path} ({self.line})" if self.line else self.path
        return f"{self.file}: {self.policy} at {where}: '{self.expr}': {self.message}"


@dataclass
class _Operand:
    shape: Shape
    literal: Any = None
    has_literal: bool = False


class _PolicyCheck:
    def __init__(self, policy: Policy, resource_type: str, out: list[ShapeProblem]) -> None:
        self.policy = policy
        self.type = resource_type
        self.subject = record_shape(resource_type)
        self.out = out
        self.many = len(policy.resources) > 1

    def problem(self, path: JsonPath, expr: str, message: str) -> None:
        if self.many:
            message = f"{message} [on {self.type}]"
        where = location(self.policy.yaml, path)
        line = where[len(json_path(path)) :].strip(" ()")
        self.out.append(
            ShapeProblem(self.policy.id, self.policy.file, json_path(path), line, expr, message)
        )

    def read(self, expr: str, shape: Shape, path: JsonPath) -> Shape:
        reached = walk(expr, shape)
        for text in reached.problems:
            self.problem(path, expr, text)
        for text in reached.retired:
            self.problem(path, expr, f"reads {text}")
        return reached.shape

    # conditions

    def condition(self, raw: Any, path: JsonPath, current: Shape, node_type: str) -> None:
        if not isinstance(raw, dict):
            return
        if "attr" in raw:
            self.attr(raw, path, current)
        for key in ("all", "any"):
            for i, sub in enumerate(raw.get(key) or []):
                self.condition(sub, (*path, key, i), current, node_type)
        if "not" in raw:
            self.condition(raw["not"], (*path, "not"), current, node_type)
        if "any_item" in raw and isinstance(raw["any_item"], dict):
            spec = raw["any_item"]
            at: JsonPath = (*path, "any_item", "attr")
            items = self.read(str(spec.get("attr", "")), current, at)
            element = ANY
            if items.kind == "list":
                element = items.element
            elif not items.is_any:
                self.problem(at, str(spec.get("attr")), f"any_item needs a list; {_is(items)}")
            self.condition(spec.get("where"), (*path, "any_item", "where"), element, node_type)
        if "path" in raw and isinstance(raw["path"], dict):
            self.path(raw["path"], (*path, "path"), node_type)

    def path(self, spec: Mapping[str, Any], path: JsonPath, node_type: str) -> None:
        node = node_type
        for i, step in enumerate(spec.get("via") or []):
            name = step if isinstance(step, str) else step.get("relation")
            relation = RELATIONS.get(str(name))
            if relation is None:
                return  # the loader reports unknown relations
            if isinstance(step, dict) and "where" in step:
                self.condition(step["where"], (*path, "via", i, "where"), edge_shape(name), node)
            node = relation.target
        to = str(spec.get("to", node))
        if "where" in spec and to in RESOURCE_TYPES:  # the loader reports unknown types
            self.condition(spec["where"], (*path, "where"), record_shape(to), to)

    def attr(self, raw: Mapping[str, Any], path: JsonPath, current: Shape) -> None:
        expr = str(raw.get("attr", ""))
        observed = self.read(expr, current, (*path, "attr"))
        op = str(raw.get("op", ""))
        operand = self.operand(raw.get("value"), (*path, "value")) if "value" in raw else None
        for text in check_operator(op, observed, operand):
            self.problem((*path, "op"), expr, text)

    def operand(self, raw: Any, path: JsonPath, *, depth: int = 0) -> _Operand:
        special = special_value(raw)
        if special is not None:
            kind, arg = special
            if kind == "param":
                spec = self.policy.params.get(arg)
                if spec is None or depth > 2:
                    return _Operand(ANY)  # the loader reports undeclared parameters
                return self.operand(spec.default, ("params", arg, "default"), depth=depth + 1)
            if kind == "ref":
                head, _, rest = arg.partition(".")
                if head == "subject" and rest:
                    return _Operand(self.read(rest, self.subject, (*path, "ref")))
                if head == "scan":
                    return _Operand(list_of(STRING))
            return _Operand(ANY)
        if isinstance(raw, list | dict) and has_special(raw):
            items = raw.items() if isinstance(raw, dict) else enumerate(raw)
            for key, value in items:
                self.operand(value, (*path, key), depth=depth)
            return _Operand(ANY)
        return _Operand(literal_shape(raw), raw, True)

    # templates

    def template(self, text: str, path: JsonPath) -> None:
        for match in _TOKEN.finditer(text):
            name = (match.group(1) or "").strip()
            if not name or name.startswith("param.") or name in _RESOURCE_FIELDS:
                continue
            if name == "via" or name.startswith("via."):
                self.via(name, path)
            else:
                self.read(name, self.subject, path)

    def via(self, name: str, path: JsonPath) -> None:
        """``{via.REL[.REL...].EXPR}``: EXPR on the end node (as scanner.policy.templates)."""
        rest = name[len("via") :].removeprefix(".")
        node = self.type
        while rest:
            head, dot, tail = rest.partition(".")
            relation = RELATIONS.get(head)
            if relation is None:
                break
            node = relation.target
            rest = tail if dot else ""
        if rest:
            self.read(rest, record_shape(node), path)


def _is(shape: Shape) -> str:
    return f"{shape.name} is {shape.describe()}"


# ----- operators against shapes ----------------------------------------------------------

_EQUALITY = ("eq", "ne", "in", "not_in")
_CASELESS = ("eq_ci", "in_ci")
_ORDER = ("lt", "le", "gt", "ge")
_CONTAINS = ("contains", "not_contains", "contains_all", "contains_any")
_TEXT_ONLY = ("starts_with", "ends_with", "cidr_covers", "version_supported")
_DATES = ("older_than_days", "expires_within_days")


def _literals(op: str, operand: _Operand | None) -> list[Any]:
    if operand is None or not operand.has_literal:
        return []
    value = operand.literal
    if op in ("in", "not_in", "in_ci", "contains_all", "contains_any") and isinstance(value, list):
        return list(value)
    return [value]


def _enum_problems(values: Iterable[Any], shape: Shape, *, caseless: bool = False) -> list[str]:
    if not shape.enum:
        return []
    legal = {e.lower() for e in shape.enum} if caseless else set(shape.enum)
    out = []
    for value in values:
        if isinstance(value, str) and (value.lower() if caseless else value) not in legal:
            out.append(
                f"'{value}' is not a value of {shape.name} "
                f"({', '.join(shape.enum)}; {shape.enum_source})"
            )
    return out


def _range_like(shape: Shape) -> bool:
    if shape.is_any:
        return True
    if shape.kind == "list":
        return True
    if shape.kind == "structure":
        names = set(shape.members)
        return {"from_port", "to_port"} <= names or {"FromPort", "ToPort"} <= names
    return False


def _number_like(shape: Shape) -> bool:
    return shape.is_any or shape.kind in NUMBER_KINDS or (shape.kind == "string" and shape.loose)


def check_operator(op: str, observed: Shape, operand: _Operand | None) -> list[str]:
    """Why ``op`` cannot work on what the expression reaches (empty when it can)."""
    if observed.is_any or op == "exists":
        return []
    kind = observed.kind
    values = _literals(op, operand)
    expected = operand.shape if operand is not None else ANY
    out: list[str] = []
    if op in _EQUALITY:
        if kind not in ("string", "boolean", "timestamp", *NUMBER_KINDS):
            return [f"{op} compares single values; {_is(observed)}"]
        out += [w for v in values if (w := literal_mismatch(v, observed))]
        out += _enum_problems(values, observed)
        if not operand or not operand.has_literal:
            mismatch = _computed_mismatch(observed, expected)
            out += [mismatch] if mismatch else []
    elif op in _CASELESS:
        if kind not in ("string", "boolean", *NUMBER_KINDS):
            return [f"{op} compares single values; {_is(observed)}"]
        out += _enum_problems(values, observed, caseless=True)
    elif op in _ORDER:
        if not (_number_like(observed) or kind in ("timestamp", "string")):
            return [f"{op} compares numbers; {_is(observed)}"]
        numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if numeric and not _number_like(observed):
            out.append(f"{op} {numeric[0]} compares numbers; {_is(observed)}")
    elif op in _CONTAINS:
        if kind == "list":
            element = observed.element
            out += [w for v in values if (w := literal_mismatch(v, element))]
            out += _enum_problems(values, element)
        elif kind in ("string", "map"):
            out += [
                f"{op} on {observed.describe()} needs strings, found {v!r}"
                for v in values
                if not isinstance(v, str)
            ]
        elif kind == "structure":
            out += [
                f"{observed.name} has no member '{v}'"
                for v in values
                if isinstance(v, str) and v not in observed.members
            ]
        else:
            out.append(f"{op} needs a list, string or object; {_is(observed)}")
    elif op in _TEXT_ONLY:
        if kind != "string":
            out.append(f"{op} needs a string; {_is(observed)}")
    elif op == "regex":
        if kind not in ("string", *NUMBER_KINDS):
            out.append(f"regex needs a string; {_is(observed)}")
    elif op == "empty":
        if kind not in ("string", "list", "map", "structure"):
            out.append(f"empty needs a string, list or object; {_is(observed)}")
    elif op in _DATES:
        if kind not in ("timestamp", "string"):
            out.append(f"{op} needs a timestamp; {_is(observed)}")
    elif op == "port_in_range":
        if _range_like(observed):
            if not _number_like(expected) and not (operand and operand.has_literal):
                out.append(f"port_in_range on a range needs a port; the value is {_desc(expected)}")
        elif _number_like(observed):
            if not _range_like(expected) and not (operand and operand.has_literal):
                out.append(f"port_in_range on a port needs a range; the value is {_desc(expected)}")
        else:
            out.append(f"port_in_range needs a port or a from/to range; {_is(observed)}")
    return out


def _desc(shape: Shape) -> str:
    return shape.describe()


def _computed_mismatch(observed: Shape, expected: Shape) -> str | None:
    """A ref compared with eq: both sides must be able to hold the same kind."""
    if expected.is_any or expected.kind == "list":
        return None
    same = expected.kind == observed.kind or (
        expected.kind in NUMBER_KINDS and observed.kind in NUMBER_KINDS
    )
    if same or {expected.kind, observed.kind} <= {"string", "timestamp"}:
        return None
    return f"{_is(observed)} but is compared with {expected.name}, {expected.describe()}"


# ----- entry points --------------------------------------------------------------------


def check_policy(policy: Policy) -> list[ShapeProblem]:
    """Every read of ``policy`` that botocore's shapes (and DERIVED) do not support."""
    out: list[ShapeProblem] = []
    doc = policy.doc
    for rtype in policy.resources:
        check = _PolicyCheck(policy, rtype, out)
        if "scope" in doc:
            check.condition(doc["scope"], ("scope",), check.subject, rtype)
        check.condition(doc.get("require"), ("require",), check.subject, rtype)
        check.template(str(doc.get("message", "")), ("message",))
        cli = (doc.get("remediation") or {}).get("cli")
        if cli:
            check.template(str(cli), ("remediation", "cli"))
    seen: set[tuple[str, str, str]] = set()
    unique: list[ShapeProblem] = []
    for item in out:
        if (item.path, item.expr, item.message) not in seen:
            seen.add((item.path, item.expr, item.message))
            unique.append(item)
    return unique


def check_policies(policies: Iterable[Policy]) -> list[ShapeProblem]:
    return [p for policy in policies for p in check_policy(policy)]


def check_read(owner: str, file: str, source: str, expr: str) -> list[ShapeProblem]:
    """A raw read by code: ``expr`` on ``source`` (a resource type or ``service:Operation``)."""
    reached = walk(expr, source_shape(source))
    texts = [*reached.problems, *(f"reads {r}" for r in reached.retired)]
    return [ShapeProblem(owner, file, source, "", expr, text) for text in texts]


def check_graph_reads() -> list[ShapeProblem]:
    """EDGE_SPECS reference paths, TARGET_KEYS and every derived fact's sources."""
    out: list[ShapeProblem] = []
    for spec in EDGE_SPECS:
        found = check_read(f"edge {spec.relation}", "scanner/edges.py", spec.source, spec.refs)
        out += found
        if not found:
            reached = walk(spec.refs, record_shape(spec.source))
            leaf = reached.shape.element if reached.shape.kind == "list" else reached.shape
            if leaf.kind != "string":
                out.append(
                    ShapeProblem(
                        f"edge {spec.relation}",
                        "scanner/edges.py",
                        spec.source,
                        "",
                        spec.refs,
                        f"a reference must be a string (or a list of them); {_is(leaf)}",
                    )
                )
    for rtype, keys in TARGET_KEYS.items():
        for key in keys:
            out += check_read(f"target key of {rtype}", "scanner/edges.py", rtype, key)
    for fact in DERIVED:
        for read in fact.sources:
            out += check_read(fact.name, fact.by, read.source, read.path)
    return out


def check_collectors() -> list[ShapeProblem]:
    """What the collector registry names: listing keys, ids, parameters, augments."""
    out: list[ShapeProblem] = []
    for rtype, spec in SPECS.items():
        where = f"scanner/collect ({rtype})"
        op = f"{spec.service}:{spec.operation}"
        if isinstance(spec, DependentSpec):
            if spec.output_member is not None:
                out += check_read(rtype, where, op, spec.output_member)
            continue
        out += check_read(rtype, where, op, spec.items_key)
        if output_shape(spec.service, spec.operation).members.get(spec.items_key) is None:
            continue
        record = raw_shape(rtype)
        fields = [f for f in (spec.arn_field, spec.account_field) if f]
        fields += re.findall(r"\{(\w+)\}", spec.arn_format or "")
        fields = [f for f in fields if f not in ("partition", "region", "account")]
        if spec.augment_in_use is not None:
            fields.append(spec.augment_in_use.key)
        for name in fields:
            if name not in record.members:
                out.append(ShapeProblem(rtype, where, op, "", name, f"{record.name} has no member"))
        params = input_shape(spec.service, spec.operation)
        for name in spec.params:
            if name not in params.members:
                out.append(
                    ShapeProblem(rtype, where, op, "", name, f"{params.name} has no parameter")
                )
    for augment in AUGMENTED:
        op = f"{augment.service}:{augment.operation}"
        where = f"scanner/collect ({augment.type})"
        found = check_read(augment.type, where, op, augment.path)
        out += found
        if not found and augment.keep is not None:
            element = walk(augment.path, output_shape(augment.service, augment.operation))
            members = element.shape.element.members
            for name in augment.keep:
                if name not in members:
                    out.append(
                        ShapeProblem(
                            augment.type, where, op, "", name, f"{element.shape.name} has no member"
                        )
                    )
    return out
