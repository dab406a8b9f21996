"""CloudFormation templates (YAML with short-form intrinsics, or JSON) -> ``Declared``.

Parsed by cfn-lint's template decoder (``cfnlint.decode``): it reads both
syntaxes, turns ``!Ref``/``!GetAtt``/``!Sub``... into their long forms and
keeps each node's position, which gives the resource's line for SARIF.
Intrinsics are resolved here as far as the template alone allows: ``Ref`` to
a resource is the identifier AWS would return, to a parameter its default,
``Fn::If`` on a condition the parameters decide; anything else (a parameter
without a default, ``Fn::ImportValue``, an attribute only deployment knows)
is ``Unresolved`` with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.errors import UserInputError
from scanner.iac.build import ARN_FORMATS, Declared, Unresolved, generated_id
from scanner.iac.mapping import CLOUDFORMATION

_OMIT = object()  # AWS::NoValue: the property is left out


def is_template(data: Any) -> bool:
    resources = data.get("Resources") if isinstance(data, dict) else None
    return isinstance(resources, dict) and all(
        isinstance(r, dict) and isinstance(r.get("Type"), str) for r in resources.values()
    )


def decode(path: Path) -> Any:
    """The decoded template, or None when the file is not YAML/JSON cfn-lint can read."""
    from cfnlint.decode import decode as cfn_decode  # type: ignore[import-untyped]

    template, matches = cfn_decode(str(path))
    if template is None:
        message = "; ".join(str(m.message) for m in (matches or [])[:1])
        raise UserInputError(
            f"cannot parse the template: {message}",
            file=str(path),
            expected="a CloudFormation template in YAML or JSON",
        )
    return template


class _Resolver:
    def __init__(self, template: dict[str, Any], ids: dict[str, str], account: str, region: str):
        self.template = template
        self.resources: dict[str, Any] = template.get("Resources") or {}
        self.parameters: dict[str, Any] = template.get("Parameters") or {}
        self.conditions: dict[str, Any] = template.get("Conditions") or {}
        self.ids = ids
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def value(self, node: Any) -> Any:
        """``node`` resolved; an ``Unresolved`` anywhere in it makes the whole value one."""
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            handler = _INTRINSICS.get(str(key))
            if handler is not None:
                return handler(self, arg)
        if isinstance(node, dict):
            out = {}
            for key, item in node.items():
                resolved = self.value(item)
                if isinstance(resolved, Unresolved):
                    return resolved
                if resolved is not _OMIT:
                    out[str(key)] = resolved
            return out
        if isinstance(node, list):
            items = []
            for item in node:
                resolved = self.value(item)
                if isinstance(resolved, Unresolved):
                    return resolved
                if resolved is not _OMIT:
                    items.append(resolved)
            return items
        if isinstance(node, str):
            return str(node)
        return node

    def ref(self, name: Any) -> Any:
        name = str(name)
        if name == "AWS::NoValue":
            return _OMIT
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.ids:
            return self.ids[name]
        if name in self.parameters:
            parameter = self.parameters[name] or {}
            if "Default" in parameter:
                default = parameter["Default"]
                if (
                    str(parameter.get("Type", "")).startswith("List<")
                    or parameter.get("Type") == "CommaDelimitedList"
                ):
                    return [s.strip() for s in str(default).split(",") if s.strip()]
                return self.value(default)
            return Unresolved(f"parameter {name} has no default: its value is known at deployment")
        if name in self.resources:
            return Unresolved(
                f"{name} is a {self.resources[name].get('Type')} this scan does not map"
            )
        return Unresolved(f"Ref {name} names nothing in the template")

    def get_att(self, arg: Any) -> Any:
        parts = arg.split(".", 1) if isinstance(arg, str) else [str(a) for a in arg]
        if len(parts) != 2:
            return Unresolved(f"Fn::GetAtt {arg} is malformed")
        logical, attribute = parts
        resource = self.resources.get(logical) or {}
        mapping = CLOUDFORMATION.get(str(resource.get("Type")))
        if mapping is not None and logical in self.ids:
            if attribute in mapping.implicit_ids:
                return mapping.implicit_ids[attribute].format(id=self.ids[logical])
            target = mapping.attributes.get(attribute)
            if target == mapping.id_field:
                return self.ids[logical]
            if attribute == "Arn" and mapping.type and mapping.type in ARN_FORMATS:
                return ARN_FORMATS[mapping.type][1].format(
                    region=self.pseudo["AWS::Region"],
                    account=self.pseudo["AWS::AccountId"],
                    id=self.ids[logical],
                )
        return Unresolved(f"{logical}.{attribute} is known only after deployment")

    def sub(self, arg: Any) -> Any:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] or {})
        out: list[str] = []
        rest = str(text)
        while "${" in rest:
            before, _, after = rest.partition("${")
            name, _, rest = after.partition("}")
            out.append(before)
            if name.startswith("!"):
                out.append("${" + name[1:] + "}")
                continue
            if name in variables:
                value = self.value(variables[name])
            elif "." in name and not name.startswith("AWS::"):
                value = self.get_att(name)
            else:
                value = self.ref(name)
            if isinstance(value, Unresolved):
                return value
            out.append(str(value))
        out.append(rest)
        return "".join(out)

    def join(self, arg: Any) -> Any:
        separator, items = arg
        values = self.value(items)
        if isinstance(values, Unresolved):
            return values
        return str(separator).join(str(v) for v in values)

    def select(self, arg: Any) -> Any:
        index, items = self.value(arg[0]), self.value(arg[1])
        for part in (index, items):
            if isinstance(part, Unresolved):
                return part
        return items[int(index)]

    def find_in_map(self, arg: Any) -> Any:
        keys = [self.value(a) for a in arg]
        for key in keys:
            if isinstance(key, Unresolved):
                return key
        mapping: Any = self.template.get("Mappings") or {}
        for key in keys:
            mapping = mapping.get(str(key)) if isinstance(mapping, dict) else None
        if mapping is None:
            return Unresolved(f"Fn::FindInMap {keys} finds nothing")
        return self.value(mapping)

    def condition(self, name: Any) -> Any:
        node = self.conditions.get(str(name))
        if node is None:
            return Unresolved(f"condition {name} is not defined")
        return self.value(node)

    def if_(self, arg: Any) -> Any:
        chosen = self.condition(arg[0])
        if isinstance(chosen, Unresolved):
            then, other = self.value(arg[1]), self.value(arg[2])
            return then if then == other else chosen
        return self.value(arg[1] if chosen else arg[2])

    def equals(self, arg: Any) -> Any:
        left, right = self.value(arg[0]), self.value(arg[1])
        for side in (left, right):
            if isinstance(side, Unresolved):
                return side
        return str(left) == str(right)

    def logic(self, arg: Any, combine: Any) -> Any:
        values = [self.value(a) for a in arg]
        for value in values:
            if isinstance(value, Unresolved):
                return value
        return combine(bool(v) for v in values)

    def not_(self, arg: Any) -> Any:
        value = self.value(arg[0])
        return value if isinstance(value, Unresolved) else not value


_INTRINSICS: dict[str, Any] = {
    "Ref": _Resolver.ref,
    "Fn::GetAtt": _Resolver.get_att,
    "Fn::Sub": _Resolver.sub,
    "Fn::Join": _Resolver.join,
    "Fn::Select": _Resolver.select,
    "Fn::FindInMap": _Resolver.find_in_map,
    "Fn::If": _Resolver.if_,
    "Fn::Equals": _Resolver.equals,
    "Fn::And": lambda r, a: r.logic(a, all),
    "Fn::Or": lambda r, a: r.logic(a, any),
    "Fn::Not": _Resolver.not_,
    "Condition": _Resolver.condition,
    "Fn::ImportValue": lambda r, a: Unresolved("Fn::ImportValue: exported by another stack"),
    "Fn::GetAZs": lambda r, a: Unresolved("Fn::GetAZs: the zones are known at deployment"),
    "Fn::Base64": lambda r, a: r.value(a),
}


def _physical_ids(
    resources: dict[str, Any], parameters: dict[str, Any], file: str
) -> dict[str, str]:
    ids: dict[str, str] = {}
    for logical, resource in resources.items():
        mapping = CLOUDFORMATION.get(str(resource.get("Type")))
        if mapping is None or not mapping.type:
            continue
        name = (
            (resource.get("Properties") or {}).get(mapping.name_property)
            if (mapping.name_property)
            else None
        )
        if isinstance(name, dict) and set(name) == {"Ref"}:
            name = (parameters.get(str(name["Ref"])) or {}).get("Default")
        ids[str(logical)] = (
            str(name).lower()
            if isinstance(name, str)
            else generated_id(mapping.id_prefix, str(logical), file)
        )
    return ids


def declared(template: dict[str, Any], file: str, account: str, region: str) -> list[Declared]:
    """The mapped resources of ``template`` (read from ``file``) with resolved properties."""
    resources = template.get("Resources") or {}
    ids = _physical_ids(resources, template.get("Parameters") or {}, file)
    resolver = _Resolver(template, ids, account, region)
    out = []
    for logical, resource in resources.items():
        mapping = CLOUDFORMATION.get(str(resource.get("Type")))
        if mapping is None:
            continue
        if "Condition" in resource:
            created = resolver.condition(resource["Condition"])
            if created is False:
                continue
        properties = {}
        lines: dict[str, int] = {}
        for name, node in (resource.get("Properties") or {}).items():
            value = resolver.value(node)
            if value is not _OMIT:
                properties[str(name)] = value
            name_mark = getattr(name, "start_mark", None)
            if name_mark is not None:
                lines[str(name)] = int(name_mark.line) + 1
        mark = getattr(logical, "start_mark", None) or getattr(resource, "start_mark", None)
        line = int(mark.line) + 1 if mark is not None else 1
        out.append(
            Declared(
                str(logical),
                str(resource["Type"]),
                mapping,
                ids.get(str(logical), ""),
                properties,
                file,
                line,
                property_lines=lines,
            )
        )
    return out
