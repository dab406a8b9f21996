"""``message`` and ``remediation.cli`` templates.

``{FIELD}`` is a JMESPath over the subject's record (``{DBClusterIdentifier}``,
``{x_writer.AvailabilityZone}``); ``{param.NAME}`` is a parameter's effective
value; ``{id}``, ``{name}``, ``{type}``, ``{account}``, ``{region}`` describe the
resource itself.  ``{via.RELATION[.RELATION...].EXPR}`` reads a neighbour: EXPR
(a JMESPath; empty -> the node's name) on the nodes reached from the subject
along those relations (``{via.uses_parameter_group.x_parameters.require_secure_transport}``),
so a message can show the value that decided a path condition.  ``{{`` and
``}}`` are literal braces.  Templates are parsed once; a placeholder that
does not parse, names an undeclared parameter, or walks relations that do not
exist or chain, is a load error, and a field the resource lacks renders as ``(not set)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from scanner.graph import ResourceGraph
from scanner.policy.conditions import MAX_WITNESSES, Compiler, State
from scanner.policy.expressions import Getter
from scanner.policy.validation import hint_for
from scanner.vocabulary import RELATIONS, resource_name

MISSING_TEXT = "(not set)"
NONE_REACHED = "(none)"  # a {via...} placeholder whose walk reaches no node
_RESOURCE_FIELDS = ("id", "name", "type", "account", "region")
_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")

Part = str | Callable[[State, str], str]


def format_value(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return str(value)
    if value is None:
        return MISSING_TEXT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return str(value)


class Field(str):
    """A placeholder that is a bare top-level field: rendered with one dict lookup."""

    __slots__ = ()


class Template:
    __slots__ = ("parts", "render", "text")

    # Runs once per finding (a million times at 10,000 clusters): a function
    # generated for this template's parts (see _renderer).
    render: Callable[[State, str], str]

    def __init__(self, text: str, parts: list[Part]) -> None:
        self.text = text
        self.parts = parts
        self.render = _renderer(parts)


def _renderer(parts: list[Part]) -> Callable[[State, str], str]:
    """One straight-line function for a template's parts: no loop over the
    parts, no per-part dispatch (about half the cost of walking them).

    Literal text is pasted as is, a bare field (``Field``) is one dict
    lookup, anything else is called.  Only names go into the generated
    source; every literal, field name and placeholder function is bound
    through the namespace, never pasted in.
    """
    namespace: dict[str, Any] = {"format_value": format_value}
    body: list[str] = []
    pieces: list[str] = []
    for i, part in enumerate(parts):
        if type(part) is Field:
            namespace[f"key{i}"] = str(part)
            body.append(f"    v{i} = attrs.get(key{i})")
            body.append(f"    if type(v{i}) is not str:\n        v{i} = format_value(v{i})")
            pieces.append(f"v{i}")
        elif isinstance(part, str):
            namespace[f"text{i}"] = str(part)
            pieces.append(f"text{i}")
        else:
            namespace[f"part{i}"] = part
            pieces.append(f"part{i}(state, name)")
    if not pieces:
        result = "''"
    elif len(pieces) == 1:
        result = pieces[0]
    else:
        result = "''.join((" + ", ".join(pieces) + ",))"
    head = ["def render(state, name):"]
    if body:
        head.append("    attrs = state.subject.attrs")
    exec("\n".join([*head, *body, f"    return {result}"]), namespace)
    render: Callable[[State, str], str] = namespace["render"]
    return render


def compile_template(
    text: str,
    compiler: Compiler,
    path: tuple[str | int, ...],
    types: tuple[str, ...] = (),
) -> Template:
    """``types`` are the subject's resource types ({via...} relations must start there)."""
    parts: list[Part] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        parts.append(text[pos : match.start()])
        pos = match.end()
        token = match.group(0)
        if token == "{{":
            parts.append("{")
            continue
        if token == "}}":
            parts.append("}")
            continue
        if match.group(1) is None:
            compiler.problem(
                path,
                f"unbalanced '{token}' at character {match.start() + 1}",
                "write {{ or }} for a literal brace",
            )
            continue
        parts.append(_placeholder(match.group(1).strip(), compiler, path, types))
    parts.append(text[pos:])
    merged: list[Part] = []
    for part in parts:
        if type(part) is str and merged and type(merged[-1]) is str:
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return Template(text, merged)


def _placeholder(
    name: str, compiler: Compiler, path: tuple[str | int, ...], types: tuple[str, ...]
) -> Part:
    if not name:
        compiler.problem(
            path, "empty placeholder '{}'", "write {FieldName} or {{}} for literal braces"
        )
        return ""
    if name == "via" or name.startswith("via."):
        return _via(name, compiler, path, types)
    if name.startswith("param."):
        value = compiler.value({"param": name[len("param.") :]}, path)
        return lambda state, _name: format_value(value.get(state))
    if name in _RESOURCE_FIELDS:
        if name == "name":
            return lambda state, res_name: res_name
        return lambda state, _name: str(getattr(state.subject, name))
    getter = compiler.expression(name, path)
    if _BARE.match(name):
        return Field(name)
    return lambda state, _name: format_value(getter(state.subject.attrs))


def _via(
    name: str, compiler: Compiler, path: tuple[str | int, ...], types: tuple[str, ...]
) -> Part:
    """``{via.REL[.REL...].EXPR}``: EXPR on the nodes reached along the relations.

    Leading dot-separated names that are relations form the walk (each must
    start from the type the previous one reached); the rest is a JMESPath on
    the end node.  Values are rendered in walk order, at most MAX_WITNESSES,
    comma-joined; nodes where EXPR is null are left out.  No node reached
    renders ``(none)``; nodes reached but no value, ``(not set)``.  An empty
    EXPR renders the nodes' names.
    """
    rest = name[len("via") :].removeprefix(".")
    relations: list[str] = []
    current = set(types)
    while rest:
        head, dot, tail = rest.partition(".")
        if head not in RELATIONS:
            break
        relation = RELATIONS[head]
        if current and not current & set(relation.sources):
            compiler.problem(
                path,
                f"placeholder '{{{name}}}': relation '{head}' does not start from "
                f"{', '.join(sorted(current))} (it starts from {', '.join(relation.sources)})",
            )
            return ""
        relations.append(head)
        current = {relation.target}
        rest = tail if dot else ""
    if not relations:
        word = rest.partition(".")[0]
        compiler.problem(
            path,
            f"placeholder '{{{name}}}' names no relation after 'via.'",
            hint_for(word, RELATIONS) if word else "write {via.RELATION.FIELD}",
        )
        return ""
    getter: Getter | None = compiler.expression(rest, path) if rest else None
    steps = tuple(relations)

    def render(state: State, _name: str) -> str:
        values: list[str] = []
        nodes = _reach(state.graph, state.subject.id, steps)
        if not nodes:
            return NONE_REACHED
        for node in nodes:
            end = state.graph.resource(node)
            if getter is None:
                values.append(resource_name(end))
                continue
            value = getter(end.attrs)
            if value is not None:
                # An empty string is a value the node holds: show it, not nothing.
                values.append(format_value(value) if value != "" else '""')
        return ", ".join(values) if values else MISSING_TEXT

    return render


def _reach(graph: ResourceGraph, start: str, steps: tuple[str, ...]) -> list[str]:
    """Distinct end nodes of the walk, in walk order, at most MAX_WITNESSES."""
    frontier = [start]
    for relation in steps:
        seen: dict[str, None] = {}
        for node in frontier:
            for target, _data in graph.neighbours(node, relation):
                if target != start:
                    seen.setdefault(target, None)
        frontier = list(seen)
    return frontier[:MAX_WITNESSES]
