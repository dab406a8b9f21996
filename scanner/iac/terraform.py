"""Terraform plans in JSON (``terraform show -json plan.out``) -> ``Declared``.

Planned values give each attribute; an attribute the plan marks in
``after_unknown`` (an id of a resource not created yet) is resolved through
the plan's ``configuration``: its expression's references to other resources
of the plan become their identifiers.  A reference to a variable or data
source the plan does not know, or an unknown value without references, is
``Unresolved``.  An unknown argument the configuration does not set at all
(``expressions`` holds only the arguments written) is one AWS computes: a
``Computed``, which takes the AWS default an omitted template property gets.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scanner.iac.build import Computed, Declared, Unresolved, generated_id
from scanner.iac.mapping import TERRAFORM

_INDEX = re.compile(r"\[[^\]]*\]")


def is_plan(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and "format_version" in data
        and ("planned_values" in data or "resource_changes" in data)
    )


def _modules(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield module
    for child in module.get("child_modules") or ():
        yield from _modules(child)


def _expressions(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Configuration address (without instance keys) -> its attribute expressions.

    One configuration block stands for every instance ``count`` or
    ``for_each`` makes (``aws_x.y[0]``, ``module.m["k"].aws_x.y``): callers
    look addresses up with the instance keys removed.
    """
    out: dict[str, dict[str, Any]] = {}

    def walk(module: dict[str, Any], prefix: str) -> None:
        for resource in module.get("resources") or ():
            expressions = resource.get("expressions")
            out[prefix + str(resource.get("address"))] = (
                expressions if isinstance(expressions, dict) else {}
            )
        for name, call in (module.get("module_calls") or {}).items():
            walk(call.get("module") or {}, f"{prefix}module.{name}.")

    walk((plan.get("configuration") or {}).get("root_module") or {}, "")
    return out


_MODULE = re.compile(r"module\.([^.\[]+)(\[[^\]]*\])?\.")


def _module_prefix(address: str) -> str:
    """``module.a.module.b.`` of ``module.a.module.b.aws_x.y`` (empty in the root module).

    References in a module's configuration are relative to that module.
    """
    prefix = ""
    while True:
        match = _MODULE.match(address, len(prefix))
        if match is None:
            return prefix
        prefix = address[: match.end()]


def _module_names(address: str) -> list[str]:
    """The module call names of an address, outermost first (instance keys dropped)."""
    return [m.group(1) for m in _MODULE.finditer(_module_prefix(address))]


def _unknown(after_unknown: Any) -> bool:
    if after_unknown is True:
        return True
    if isinstance(after_unknown, list):
        return any(_unknown(v) for v in after_unknown)
    if isinstance(after_unknown, dict):
        return any(_unknown(v) for v in after_unknown.values())
    return False


class _Plan:
    def __init__(self, plan: dict[str, Any], file: str) -> None:
        self.resources = [
            r
            for module in _modules((plan.get("planned_values") or {}).get("root_module") or {})
            for r in module.get("resources") or ()
            if r.get("mode", "managed") == "managed"
        ]
        self.unknown = {
            str(c.get("address")): (c.get("change") or {}).get("after_unknown") or {}
            for c in plan.get("resource_changes") or ()
        }
        self.expressions = _expressions(plan)
        # Without a configuration nothing tells an omitted argument from one
        # set to an expression only apply resolves.
        self.configured = isinstance(plan.get("configuration"), dict)
        self.ids: dict[str, str] = {}
        self.types = {str(r.get("address")): str(r.get("type")) for r in self.resources}
        self.by_base: dict[str, list[str]] = {}
        for r in self.resources:
            mapping = TERRAFORM.get(str(r.get("type")))
            if mapping is None or not mapping.type:
                continue
            address = str(r["address"])
            name = (r.get("values") or {}).get(mapping.name_property)
            self.ids[address] = (
                name
                if isinstance(name, str) and name
                else generated_id(mapping.id_prefix, address, file)
            )
            self.by_base.setdefault(_INDEX.sub("", address), []).append(address)

    def omitted(self, address: str, attribute: str) -> bool:
        """Whether the configuration of ``address`` leaves ``attribute`` out.

        ``expressions`` lists every argument written in the block, constant
        or not, so an absent one is omitted and AWS computes it.  Unknown
        (False) without a configuration or without the resource's block in it.
        """
        if not self.configured:
            return False
        expressions = self.expressions.get(_INDEX.sub("", address))
        return expressions is not None and attribute not in expressions

    def referenced_ids(self, address: str, attribute: str) -> Any:
        expression = self.expressions.get(_INDEX.sub("", address), {}).get(attribute) or {}
        references = expression.get("references") if isinstance(expression, dict) else None
        if not references:
            return Unresolved(f"{address}.{attribute} is known only after apply")
        found: list[str] = []
        names = [str(r) for r in references]
        module = _module_prefix(address)
        for reference in names:
            if any(other.startswith(reference + ".") for other in names):
                # Terraform lists a traversal and its resource (aws_vpc.main.x,
                # aws_vpc.main): the longer one says which attribute is meant.
                continue
            target = self._target(module + reference)
            if target is None:
                if reference.startswith(("var.", "data.", "local.", "module.")):
                    return Unresolved(f"{address}.{attribute} comes from {reference}")
                continue
            for item in target:
                value = self._attribute(item, module + reference)
                if value not in found:
                    found.append(value)
        if not found:
            return Unresolved(f"{address}.{attribute} names no resource of this plan")
        return found

    def _attribute(self, item: str, reference: str) -> str:
        """The id a reference to ``item`` gives: its own, or one of a record AWS makes with it."""
        attribute = _INDEX.sub("", reference)[len(_INDEX.sub("", item)) + 1 :].split(".")[0]
        mapping = TERRAFORM.get(self.types.get(item, ""))
        if mapping is not None and attribute in mapping.implicit_ids:
            return mapping.implicit_ids[attribute].format(id=self.ids[item])
        return self.ids[item]

    def _target(self, reference: str) -> list[str] | None:
        parts = reference.split(".")
        for end in range(len(parts), 1, -1):
            base = ".".join(parts[:end])
            if base in self.ids:
                return [base]
            if base in self.by_base:
                return self.by_base[base]
        return None


class TfSources:
    """The ``.tf`` files beside a plan (or of a local module), to place a resource on its line.

    A ``resource "TYPE" "NAME" {`` block header is fixed HCL syntax, so a line
    match finds it without parsing HCL (expressions are not needed: the plan
    has the values).  A local child module's resources are found in its
    directory (``module``); those of registry or git modules, or plans without
    their sources beside them, stay on the plan file, line 1.
    """

    def __init__(self, directory: Path | None, relative: str) -> None:
        self.directory = directory
        self.relative = relative
        self.texts: list[tuple[str, list[str]]] = []
        if directory is not None:
            for path in sorted(directory.glob("*.tf")):
                try:
                    lines = path.read_text(encoding="utf-8").splitlines()
                except (OSError, UnicodeDecodeError):
                    continue
                rel = f"{relative}/{path.name}" if relative else path.name
                self.texts.append((rel, lines))

    def module(self, plan: dict[str, Any], names: list[str]) -> TfSources | None:
        """The sources of the child module ``names`` (outermost first) when they are local.

        ``configuration.root_module.module_calls[NAME].source`` names the
        module; a local path (``./x``, ``../x``, Terraform's own rule for a
        local module) is read relative to the calling module's directory.
        A registry or git module has no sources here: None.
        """
        if self.directory is None:
            return None
        directory, relative = self.directory, self.relative
        module = (plan.get("configuration") or {}).get("root_module") or {}
        for name in names:
            call = (module.get("module_calls") or {}).get(name) or {}
            source = call.get("source")
            if not isinstance(source, str) or not source.startswith(("./", "../")):
                return None
            directory = directory / source
            relative = posixpath.normpath(posixpath.join(relative, source) if relative else source)
            module = call.get("module") or {}
        return TfSources(directory, relative) if directory.is_dir() else None

    def locate(self, resource_type: str, name: str) -> tuple[str, int, dict[str, int]] | None:
        """(file, line of the block, argument -> its line) of ``resource "TYPE" "NAME"``."""
        header = re.compile(rf'^\s*resource\s+"{re.escape(resource_type)}"\s+"{re.escape(name)}"')
        for rel, lines in self.texts:
            for number, line in enumerate(lines, 1):
                if header.match(line):
                    return rel, number, _arguments(lines, number)
        return None


_ARGUMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=")
# A nested block (`ingress {`) or a `dynamic "ingress" {` generating one.
_BLOCK = re.compile(r'^\s*(?:dynamic\s+"([A-Za-z_][A-Za-z0-9_-]*)"|([A-Za-z_][A-Za-z0-9_-]*))\s*\{')


def _arguments(lines: list[str], header: int) -> dict[str, int]:
    """The top-level ``name = ...`` lines and nested blocks of the block at line ``header``."""
    out: dict[str, int] = {}
    depth = 0
    for number in range(header, len(lines) + 1):
        text = lines[number - 1]
        if depth == 1:
            match = _ARGUMENT.match(text)
            block = _BLOCK.match(text)
            if match:
                out.setdefault(match.group(1), number)
            elif block:
                out.setdefault(block.group(1) or block.group(2), number)
        # Braces in strings are rare in resource arguments; a miscount only
        # loses property lines (the block's line stays).
        depth += text.count("{") - text.count("}")
        if depth <= 0 and number > header:
            break
    return out


def declared(plan: dict[str, Any], file: str, tf: TfSources | None = None) -> list[Declared]:
    """The mapped resources of ``plan`` (read from ``file``), attributes resolved."""
    state = _Plan(plan, file)
    modules: dict[tuple[str, ...], TfSources | None] = {}
    out = []
    for r in state.resources:
        mapping = TERRAFORM.get(str(r.get("type")))
        if mapping is None:
            continue
        address = str(r["address"])
        values = r.get("values") or {}
        unknown = state.unknown.get(address) or {}
        sources = tf
        if tf is not None and address.startswith("module."):
            calls = tuple(_module_names(address))
            if calls not in modules:
                modules[calls] = tf.module(plan, list(calls))
            sources = modules[calls]
        found = sources.locate(str(r["type"]), str(r.get("name"))) if sources is not None else None
        properties: dict[str, Any] = {}
        names = set(values) | set(unknown)
        for name in names:
            if _unknown(unknown.get(name)):
                # A `dynamic` block is absent from `expressions` too: an unknown
                # block is omitted only if the resource's source has no block
                # (static or dynamic) of that name either.
                if state.omitted(address, name) and (
                    name not in mapping.blocks or (found is not None and name not in found[2])
                ):
                    properties[name] = Computed(
                        f"{address}.{name} is not set in the configuration: AWS computes"
                        " it at apply and no AWS default is known for it"
                    )
                    continue
                resolved = state.referenced_ids(address, name)
                if isinstance(resolved, list) and len(resolved) == 1:
                    # A list target path wraps a single value again (build.set_path).
                    resolved = resolved[0]
                properties[name] = resolved
            elif values.get(name) is not None:
                properties[name] = values[name]
        if mapping.name_property in properties and address in state.ids:
            properties[mapping.name_property] = state.ids[address]
        item = Declared(
            address, str(r["type"]), mapping, state.ids.get(address, ""), properties, file, 1
        )
        if found is not None:
            item.location_file, item.line, item.property_lines = found
        out.append(item)
    return out
