"""``message`` and ``remediation.cli`` templates.

``{FIELD}`` is a JMESPath over the subject's record (``{DBClusterIdentifier}``,
``{x_writer.AvailabilityZone}``); ``{param.NAME}`` is a parameter's effective
value; ``{id}``, ``{name}``, ``{type}``, ``{account}``, ``{region}`` describe the
resource itself.  ``{{`` and ``}}`` are literal braces.  Templates are parsed
once; a placeholder that does not parse or names an undeclared parameter is a
load error, and a field the resource lacks renders as ``(not set)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from scanner.policy.conditions import Compiler, State

MISSING_TEXT = "(not set)"
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
    __slots__ = ("constant", "parts", "steps", "text")

    def __init__(self, text: str, parts: list[Part]) -> None:
        self.text = text
        self.parts = parts
        self.constant = parts[0] if len(parts) == 1 and type(parts[0]) is str else None
        # (0, text) literal, (1, key) bare field, (2, fn) anything else.
        self.steps: list[tuple[int, Any]] = [
            (1 if type(p) is Field else 0, p) if isinstance(p, str) else (2, p) for p in parts
        ]

    def render(self, state: State, name: str) -> str:
        # Runs once per finding: plain loops and type() checks, no per-part calls
        # for literal text and bare fields.
        if self.constant is not None:
            return self.constant
        attrs = state.subject.attrs
        out: list[str] = []
        for kind, part in self.steps:
            if kind == 0:
                out.append(part)
            elif kind == 1:
                value = attrs.get(part)
                out.append(value if type(value) is str else format_value(value))
            else:
                out.append(part(state, name))
        return "".join(out)


def compile_template(text: str, compiler: Compiler, path: tuple[str | int, ...]) -> Template:
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
        parts.append(_placeholder(match.group(1).strip(), compiler, path))
    parts.append(text[pos:])
    merged: list[Part] = []
    for part in parts:
        if type(part) is str and merged and type(merged[-1]) is str:
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return Template(text, merged)


def _placeholder(name: str, compiler: Compiler, path: tuple[str | int, ...]) -> Part:
    if not name:
        compiler.problem(
            path, "empty placeholder '{}'", "write {FieldName} or {{}} for literal braces"
        )
        return ""
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
