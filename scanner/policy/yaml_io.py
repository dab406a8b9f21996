"""Safe, strict YAML loading for policies, config, waivers and frameworks.

* ``yaml.SafeLoader`` underneath: object tags (``!!python/object``) are refused
  with a message that says so, never constructed.
* Dates stay strings (``2026-01-31``), so documents are plain JSON types and
  validate against JSON Schemas, and comparisons never mix date and str.
* Duplicate mapping keys are an error (PyYAML would silently keep the last).
* Every node's line is kept so errors can point at ``line N`` as well as the
  JSON path.
* Aliases are bounded: a document may not expand (aliases followed, as every
  consumer of the data sees it) to more than :data:`MAX_EXPANDED_NODES` nodes
  or the number of nodes written, whichever is larger, and an alias may not
  refer to a node that contains it.  A 400-byte "billion laughs" file would
  otherwise expand to 9**9 nodes; the check counts each node once.
* Floats must be finite: ``.nan``/``.inf`` (and ``1.0e+999``, which overflows
  to infinity) are refused, since no comparison with them means anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import UserInputError

JsonPath = tuple[str | int, ...]


# libyaml's parser when PyYAML was built with it: the pure-Python composer
# was most of the time `load_policies` took (0.40 s vs 0.025 s for 53 files).
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[valid-type,misc]
    """SafeLoader without the implicit timestamp type."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class YamlDoc:
    """A loaded document and the line of every node, keyed by JSON path."""

    data: Any
    file: str
    lines: dict[JsonPath, int] = field(default_factory=dict)

    def line(self, path: JsonPath) -> int | None:
        # The nearest enclosing node that has a recorded line.
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), None)


def json_path(path: JsonPath) -> str:
    """``('tests', 0, 'expect')`` -> ``$.tests[0].expect``."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.replace("_", "").isalnum() and part[:1].isalpha():
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


def location(doc: YamlDoc | None, path: JsonPath) -> str:
    text = json_path(path)
    line = doc.line(path) if doc is not None else None
    return f"{text} (line {line})" if line is not None else text


# Aliases are the one way a small YAML file becomes a big document.  Policies,
# configs and waiver files have a few hundred to a few thousand nodes (10,000
# waivers, ~3 MB, are ~110,000 nodes, all written out); a file whose aliases
# expand past this many nodes is an attack or a mistake.
MAX_EXPANDED_NODES = 250_000

_FLOAT_TAG = "tag:yaml.org,2002:float"


def _expanded_sizes(root: yaml.Node, file: str) -> tuple[int, int]:
    """(nodes written, nodes the document expands to), each node visited once.

    A node reached through several aliases counts once per path in the
    expanded size, but its size is computed once (memoised by identity), so
    this is linear in the file whatever the aliases multiply to.
    """
    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in busy:
            raise UserInputError(
                "a YAML alias refers to a node that contains it (a recursive structure)",
                file=file,
                location=f"line {node.start_mark.line + 1}",
                expected="aliases (*name) only to anchors (&name) outside themselves",
                hint="write the value out instead of aliasing its own parent",
            )
        busy.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        busy.discard(key)
        sizes[key] = total
        return total

    expanded = size(root)
    return len(sizes), expanded


def _check_expansion(root: yaml.Node, file: str) -> None:
    written, expanded = _expanded_sizes(root, file)
    if expanded > max(MAX_EXPANDED_NODES, written):
        raise UserInputError(
            f"YAML aliases expand {written} nodes to {expanded}, more than the "
            f"{MAX_EXPANDED_NODES}-node limit",
            file=file,
            expected="aliases (*name) that repeat a value a few times",
            hint="write the repeated parts out, or check that this is the file you meant "
            "(nested aliases are a known denial-of-service pattern)",
        )


def _check_float(node: yaml.ScalarNode, path: JsonPath, doc: YamlDoc) -> None:
    # The resolver's float tag covers .nan, .inf and overflowing exponents.
    text = str(node.value).replace("_", "").lower()
    try:
        finite = math.isfinite(float(text))
    except ValueError:
        finite = ".nan" not in text and ".inf" not in text
    if not finite:
        raise UserInputError(
            f"'{node.value}' is not a finite number",
            file=doc.file,
            location=location(doc, path),
            expected="a finite number",
            hint="NaN and infinity compare false (or true) with everything, so a check "
            "using them means nothing; write the number you mean",
        )


def _walk(
    node: yaml.Node, path: JsonPath, doc: YamlDoc, seen_nodes: set[int], key_line: int | None
) -> None:
    if id(node) in seen_nodes:
        # Reached again through an alias: checked already, and not walked again
        # (that is what made alias bombs slow).  The node's mark is the
        # anchor's, so point at the key that holds the alias, when there is one;
        # paths inside fall back to it (or to the enclosing node).
        if key_line is not None:
            doc.lines[path] = key_line
        return
    seen_nodes.add(id(node))
    doc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise UserInputError(
                    f"duplicate key '{key}' (first at line {seen[key]})",
                    file=doc.file,
                    location=f"{json_path((*path, key))} (line {key_node.start_mark.line + 1})",
                    hint="keep one of them",
                )
            seen[key] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), doc, seen_nodes, key_node.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), doc, seen_nodes, None)
    elif isinstance(node, yaml.ScalarNode) and node.tag == _FLOAT_TAG:
        _check_float(node, path, doc)


def load_yaml_text(text: str, file: str, *, what: str = "document") -> YamlDoc:
    """Parse one YAML document; every problem is a UserInputError naming ``file``."""
    doc = YamlDoc(data=None, file=file)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise UserInputError(
                    f"the file is empty; expected a {what}",
                    file=file,
                    hint=f"write a {what} or delete the file",
                )
            _check_expansion(node, file)
            _walk(node, (), doc, set(), None)
            doc.data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        tag = ""
        if exc.problem and "tag" in exc.problem:
            tag = exc.problem.split("tag", 1)[1].strip().strip("'\"")
            tag = tag.replace("tag:yaml.org,2002:", "!!")
        raise UserInputError(
            f"YAML tag '{tag}' is not allowed" if tag else f"YAML construct refused: {exc.problem}",
            file=file,
            location=f"line {mark.line + 1}, column {mark.column + 1}" if mark else None,
            expected="plain YAML (mappings, lists, strings, numbers, booleans)",
            hint="remove the tag; policies are data, never code",
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise UserInputError(
            f"YAML syntax error: {exc.problem or exc.context}",
            file=file,
            location=f"line {mark.line + 1}, column {mark.column + 1}" if mark else None,
            hint="check indentation and quoting around that spot (a ':' or '{' inside a "
            "value needs quotes)",
        ) from None
    except yaml.YAMLError as exc:
        raise UserInputError(f"YAML error: {exc}", file=file) from None
    except RecursionError:
        # PyYAML composes (and _walk visits) recursively: a hostile file must not crash us.
        raise UserInputError(
            "YAML nested too deeply",
            file=file,
            expected=f"a {what} a few levels deep",
        ) from None
    return doc


# Policies, config, waivers and frameworks are hand-written: a few hundred KB at
# most (10,000 waivers are ~3 MB).  PyYAML is pure Python (~0.5 s of CPU per MB),
# so a huge file is refused before parsing rather than tying a CI runner up.
MAX_YAML_BYTES = 16 * 1024 * 1024


def load_yaml_file(path: Path, *, what: str = "document", display: str | None = None) -> YamlDoc:
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise UserInputError(
                f"the file is {size} bytes, more than the {MAX_YAML_BYTES}-byte limit for a {what}",
                file=name,
                hint="split it, or check that this is the file you meant",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"cannot read the file: {exc.strerror}", file=name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserInputError(
            f"not UTF-8 text (byte {exc.start})", file=name, hint="save the file as UTF-8"
        ) from None
    return load_yaml_text(text, name, what=what)
