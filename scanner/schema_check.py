"""Validate big JSON documents against their published schema, fast.

``jsonschema`` in pure Python costs about 200 us per finding: 20 s of CPU for
the 84,210 findings of a 1,000-cluster result, before ``report``, ``diff`` or
``merge`` could start.  The schemas stay the contract; what changes is how
the big arrays (``findings``, ``resources``) are checked:

- the envelope (everything but those arrays) goes through ``jsonschema`` as
  before;
- each item of a big array goes through a predicate *compiled from the same
  schema* into straight-line Python (type, enum, const, pattern, required,
  properties, additionalProperties, items, min/max, $ref, allOf/anyOf/oneOf),
  about 1-3 us per item;
- only an item the predicate rejects is handed to ``jsonschema``, so the error
  message, its JSON location (``$.findings[49999].status``) and the expected
  value are exactly what full validation reports.

The predicate is conservative: a keyword it does not know makes it reject
every item, which is slow (jsonschema then judges each one) but never wrong,
and the tests assert that real output never takes that path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

# Keywords that only annotate: nothing to check.
_ANNOTATIONS = frozenset(
    {
        "$comment",
        "$id",
        "$schema",
        "$defs",
        "definitions",
        "default",
        "deprecated",
        "description",
        "examples",
        "readOnly",
        "title",
        "writeOnly",
    }
)
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),  # bool is not an int in JSON Schema: type() is, isinstance is not
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}

Predicate = Callable[[Any], bool]


class _Compiler:
    """Generates one Python function per (sub)schema that needs to be called."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.consts: dict[str, Any] = {}
        self.functions: list[str] = []
        self.refs: dict[str, str] = {}

    def const(self, value: Any) -> str:
        name = f"_c{len(self.consts)}"
        self.consts[name] = value
        return name

    def function(self, schema: Any) -> str:
        """Compile ``schema`` into a named function ``(v) -> bool``; return its name."""
        name = f"_f{len(self.functions)}"
        self.functions.append("")  # reserve the slot: nested functions come after
        body: list[str] = []
        self.emit(schema, "v", body, 1, 0)
        self.functions[int(name[2:])] = "\n".join([f"def {name}(v):", *body, "    return True", ""])
        return name

    def ref(self, pointer: str) -> str:
        if pointer not in self.refs:
            if not pointer.startswith("#/"):
                raise _Unsupported(pointer)
            target: Any = self.root
            for part in pointer[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            self.refs[pointer] = ""  # guards recursion: a recursive ref compiles once
            self.refs[pointer] = self.function(target)
        name = self.refs[pointer]
        if not name:
            raise _Unsupported("recursive $ref")
        return name

    def emit(self, schema: Any, var: str, out: list[str], indent: int, depth: int) -> None:
        pad = "    " * indent
        if schema is True or schema == {}:
            return
        if schema is False:
            out.append(f"{pad}return False")
            return
        if not isinstance(schema, Mapping):
            raise _Unsupported(repr(schema))
        unknown = set(schema) - _ANNOTATIONS - _KNOWN
        if unknown:
            raise _Unsupported(", ".join(sorted(unknown)))
        if "$ref" in schema:
            out.append(f"{pad}if not {self.ref(schema['$ref'])}({var}): return False")
        declared = schema.get("type")
        if declared is not None:
            names = [declared] if isinstance(declared, str) else list(declared)
            types = tuple(t for n in names for t in _TYPES[n])
            if len(types) == 1:
                out.append(f"{pad}if type({var}) is not {self.const(types[0])}: return False")
            else:
                out.append(f"{pad}if type({var}) not in {self.const(types)}: return False")
        if "enum" in schema or "const" in schema:
            values = list(schema["enum"]) if "enum" in schema else [schema["const"]]
            if not all(isinstance(v, str) for v in values):
                raise _Unsupported("non-string enum")  # 1 == True == 1.0 in Python
            allowed = self.const(frozenset(values))
            out.append(f"{pad}if type({var}) is not str or {var} not in {allowed}: return False")
        self._strings(schema, var, out, pad)
        self._numbers(schema, var, out, pad)
        self._object(schema, var, out, indent, depth, declared == "object")
        self._array(schema, var, out, indent, depth, declared == "array")
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in schema:
                names = [self.function(s) for s in schema[keyword]]
                calls = ", ".join(f"{n}({var})" for n in names)
                test = {"allOf": "all", "anyOf": "any"}.get(keyword)
                if test:
                    out.append(f"{pad}if not {test}(({calls},)): return False")
                else:
                    out.append(f"{pad}if sum(({calls},)) != 1: return False")
        if "not" in schema:
            out.append(f"{pad}if {self.function(schema['not'])}({var}): return False")

    def _strings(self, schema: Mapping[str, Any], var: str, out: list[str], pad: str) -> None:
        checks = []
        if "pattern" in schema:
            checks.append(f"not {self.const(re.compile(schema['pattern']))}.search({var})")
        if "minLength" in schema:
            checks.append(f"len({var}) < {int(schema['minLength'])}")
        if "maxLength" in schema:
            checks.append(f"len({var}) > {int(schema['maxLength'])}")
        if checks:
            out.append(f"{pad}if type({var}) is str and ({' or '.join(checks)}): return False")

    def _numbers(self, schema: Mapping[str, Any], var: str, out: list[str], pad: str) -> None:
        checks = []
        for keyword, op in (
            ("minimum", "<"),
            ("maximum", ">"),
            ("exclusiveMinimum", "<="),
            ("exclusiveMaximum", ">="),
        ):
            if keyword in schema:
                checks.append(f"{var} {op} {self.const(schema[keyword])}")
        if checks:
            number = self.const((int, float))
            out.append(f"{pad}if type({var}) in {number} and ({' or '.join(checks)}): return False")

    def _object(
        self,
        schema: Mapping[str, Any],
        var: str,
        out: list[str],
        indent: int,
        depth: int,
        typed: bool,
    ) -> None:
        keywords = ("properties", "required", "additionalProperties", "minProperties")
        if not any(k in schema for k in keywords):
            return
        inner = indent if typed else indent + 1
        pad = "    " * inner
        body: list[str] = []
        properties: Mapping[str, Any] = schema.get("properties", {})
        if "required" in schema:
            body.append(
                f"{pad}if not {self.const(frozenset(schema['required']))} <= {var}.keys():"
                " return False"
            )
        if "minProperties" in schema:
            body.append(f"{pad}if len({var}) < {int(schema['minProperties'])}: return False")
        extra = schema.get("additionalProperties", True)
        item = f"v{depth + 1}"
        if extra is False:
            body.append(
                f"{pad}if not {var}.keys() <= {self.const(frozenset(properties))}: return False"
            )
        elif extra is not True:
            checks: list[str] = []
            self.emit(extra, item, checks, inner + 2, depth + 1)
            if checks:
                body.append(f"{pad}for _k, {item} in {var}.items():")
                body.append(f"{pad}    if _k not in {self.const(frozenset(properties))}:")
                body.extend(checks)
        required = set(schema.get("required", ()))
        for key, sub in properties.items():
            checks = []
            if key in required:  # present: checked just above
                self.emit(sub, item, checks, inner, depth + 1)
                if checks:
                    body.append(f"{pad}{item} = {var}[{key!r}]")
                    body.extend(checks)
                continue
            self.emit(sub, item, checks, inner + 1, depth + 1)
            if checks:
                body.append(f"{pad}if {key!r} in {var}:")
                body.append(f"{pad}    {item} = {var}[{key!r}]")
                body.extend(checks)
        if body and not typed:  # object keywords constrain objects only
            out.append(f"{'    ' * indent}if type({var}) is dict:")
        out.extend(body)

    def _array(
        self,
        schema: Mapping[str, Any],
        var: str,
        out: list[str],
        indent: int,
        depth: int,
        typed: bool,
    ) -> None:
        if not any(k in schema for k in ("items", "minItems", "maxItems")):
            return
        if isinstance(schema.get("items"), list):
            raise _Unsupported("tuple items")
        inner = indent if typed else indent + 1
        pad = "    " * inner
        body: list[str] = []
        if "minItems" in schema:
            body.append(f"{pad}if len({var}) < {int(schema['minItems'])}: return False")
        if "maxItems" in schema:
            body.append(f"{pad}if len({var}) > {int(schema['maxItems'])}: return False")
        if "items" in schema:
            item = f"v{depth + 1}"
            checks: list[str] = []
            self.emit(schema["items"], item, checks, inner + 1, depth + 1)
            if checks:
                body.append(f"{pad}for {item} in {var}:")
                body.extend(checks)
        if body and not typed:
            out.append(f"{'    ' * indent}if type({var}) is list:")
        out.extend(body)


_KNOWN = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "const",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "items",
        "minItems",
        "maxItems",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
    }
)


class _Unsupported(Exception):
    pass


def _reject_all(value: Any) -> bool:
    return False


def compile_predicate(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Predicate:
    """``schema`` (a part of ``root``) as a fast ``(value) -> bool``.

    True means jsonschema would accept the value too; False means "let
    jsonschema judge" (the value is probably, not certainly, invalid).
    """
    compiler = _Compiler(root)
    try:
        entry = compiler.function(schema)
    except (_Unsupported, KeyError, TypeError, re.error):
        return _reject_all
    namespace: dict[str, Any] = dict(compiler.consts)
    # Code generated from our own shipped schema: keys go in as repr() literals,
    # every other value as a named constant, never as source text.
    exec("\n".join(compiler.functions), namespace)
    predicate: Predicate = namespace[entry]
    return predicate


def json_location(path: Sequence[Any] | Iterator[Any]) -> str:
    """``$.findings[12].status`` from a jsonschema path."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def expected_text(error: ValidationError) -> str | None:
    """What the schema wanted at the failing place, in words."""
    value: Any = error.validator_value
    kind = error.validator
    schema: Any = error.schema
    if kind == "enum" and isinstance(value, list):
        return "one of " + ", ".join(str(v) for v in value)
    if kind == "const":
        return repr(value)
    if kind == "type":
        names = [value] if isinstance(value, str) else list(value)
        return " or ".join(("an " if n[0] in "aeiou" else "a ") + n for n in names)
    if kind == "required" and isinstance(value, list):
        return "an object with the keys " + ", ".join(value)
    if kind == "additionalProperties" and value is False:
        known = sorted(schema.get("properties") or {}) if isinstance(schema, Mapping) else []
        return "only the keys " + ", ".join(known)
    if kind == "pattern":
        return f"text matching {value}"
    if kind in ("minLength", "minItems"):
        return f"at least {value} {'characters' if kind == 'minLength' else 'items'}"
    if kind == "minimum":
        return f"a number >= {value}"
    return None


class DocumentValidator:
    """A root schema whose big arrays are checked item by item, fast.

    ``arrays`` maps a top-level property (``findings``) to its item schema.
    """

    def __init__(self, schema: Mapping[str, Any], arrays: Sequence[str]) -> None:
        cls = jsonschema.validators.validator_for(schema)
        self._validator = cls(schema)
        self._arrays: dict[str, tuple[Predicate, Any]] = {}
        for name in arrays:
            items = schema["properties"][name]["items"]
            # A root for the item alone, so its $refs still resolve.
            item_schema = {**items, "$defs": schema.get("$defs", {})}
            self._arrays[name] = (compile_predicate(items, schema), cls(item_schema))

    def first_error(self, data: Any) -> tuple[ValidationError, str] | None:
        """The error full validation would single out, with its JSON location; None if valid."""
        if not isinstance(data, dict):
            error = best_match(self._validator.iter_errors(data))
            return None if error is None else (error, json_location(error.absolute_path))
        envelope = dict(data)
        big = {}
        for name in self._arrays:
            if type(envelope.get(name)) is list:
                big[name] = envelope[name]
                envelope[name] = []
        error = best_match(self._validator.iter_errors(envelope))
        if error is not None:
            return error, json_location(error.absolute_path)
        for name, items in big.items():
            predicate, item_validator = self._arrays[name]
            if all(map(predicate, items)):  # the loop runs in C: no per-item Python frame
                continue
            for index, item in enumerate(items):
                if predicate(item):
                    continue
                error = best_match(item_validator.iter_errors(item))
                if error is not None:
                    return error, json_location([name, index, *error.absolute_path])
        return None

    def fully_compiled(self) -> bool:
        """(for tests) every big array has a real predicate, not the slow fallback."""
        return all(p is not _reject_all for p, _ in self._arrays.values())
