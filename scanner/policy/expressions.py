"""JMESPath, precompiled, with a fast path for plain field names.

Policy attributes and message placeholders are a bare AWS field
(``DeletionProtection``) or a dotted chain (``x_writer.AvailabilityZone``,
``x_parameters."rds.force_ssl"``); those are read with dict lookups, which is
an order of magnitude cheaper than a JMESPath search and matters at 10,000
clusters.  Whatever a built-in policy would need a clever expression for is a
named ``x_`` fact instead (``scanner.derive``, ``scanner.edges``).  Anything
else - a user policy's own expression - goes through the reference
interpreter (``jmespath.compile(...).search``), with a few extra functions
(``unique``, ``lower``/``upper`` for case-insensitive parameter values).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import jmespath
import jmespath.exceptions
import jmespath.functions

Getter = Callable[[Any], Any]

# What a search may raise on odd data (a function given the wrong type):
# callers treat it as "missing", like a failed reference search.
SEARCH_ERRORS = (jmespath.exceptions.JMESPathError, TypeError)

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class _Functions(jmespath.functions.Functions):
    @jmespath.functions.signature({"types": ["array"]})
    def _func_unique(self, values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for value in values:
            if value not in out:
                out.append(value)
        return out

    @jmespath.functions.signature({"types": ["string"]})
    def _func_lower(self, value: str) -> str:
        return value.lower()

    @jmespath.functions.signature({"types": ["string"]})
    def _func_upper(self, value: str) -> str:
        return value.upper()


_FUNCTIONS = _Functions()
_OPTIONS = jmespath.Options(custom_functions=_FUNCTIONS)


class ExpressionError(ValueError):
    pass


def _plain_getter(parts: tuple[str, ...]) -> Getter:
    if len(parts) == 1:
        key = parts[0]

        def one(record: Any) -> Any:
            # type() first: isinstance against the Mapping ABC is slow in the hot loop.
            if type(record) is dict or isinstance(record, Mapping):
                return record.get(key)
            return None

        return one

    def chain(record: Any) -> Any:
        for part in parts:
            if type(record) is not dict and not isinstance(record, Mapping):
                return None
            record = record.get(part)
        return record

    return chain


# A segment is a bare identifier or a quoted one without escapes
# (x_parameters."rds.force_ssl": parameter names contain dots).
_SEGMENT = r'(?:[A-Za-z_][A-Za-z0-9_]*|"[^"\\]*")'
_NAME = rf"{_SEGMENT}(?:\.{_SEGMENT})*"
_SEGMENTS = re.compile(_SEGMENT)
_QUOTED_CHAIN = re.compile(rf"^{_NAME}$")


def _segments(name: str) -> tuple[str, ...]:
    return tuple(m.group(0).strip('"') for m in _SEGMENTS.finditer(name))


def _identity(record: Any) -> Any:
    return record


def _fast_getter(expr: str) -> Getter | None:
    """Dict lookups for the current node and (quoted) dotted chains; None for the rest."""
    if expr == "@":  # the current node: `where` on list items of scalars
        return _identity
    if _QUOTED_CHAIN.match(expr):
        return _plain_getter(_segments(expr))
    return None


# The jmespath parser and its interpreter recurse once per level
# of nesting: a hostile policy with thousands of "(" or "!" would exhaust the
# stack.  No real attribute comes close to this depth.
MAX_NESTING = 64


def _nesting(expr: str) -> int:
    """Brackets open at once, plus the longest run of ``!``: an upper bound on depth."""
    depth = deepest = bangs = 0
    for char in expr:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        bangs = bangs + 1 if char == "!" else 0
        deepest = max(deepest, depth + bangs)
    return deepest


def compile_expression(expr: str) -> Getter:
    """A function record -> value; raises ExpressionError with the parser's reason."""
    if _nesting(expr) > MAX_NESTING:
        raise ExpressionError(f"nested more than {MAX_NESTING} levels deep")
    try:
        return _compile_expression(expr)
    except RecursionError:
        raise ExpressionError("nested too deeply to evaluate") from None


def _compile_expression(expr: str) -> Getter:
    if _PLAIN.match(expr):
        return _plain_getter(tuple(expr.split(".")))
    fast = _fast_getter(expr)
    if fast is not None:
        return fast
    try:
        parsed = jmespath.compile(expr)
    except jmespath.exceptions.JMESPathError as exc:
        raise ExpressionError(str(exc).replace("\n", " ")) from None
    tree = parsed.parsed
    if isinstance(tree, dict) and tree.get("type") == "literal":
        constant = tree.get("value")  # e.g. `[]`: no need to search each record
        return lambda record: constant
    # Unknown functions and wrong arity only surface when searching.
    try:
        parsed.search({}, options=_OPTIONS)
    except (jmespath.exceptions.UnknownFunctionError, jmespath.exceptions.ArityError) as exc:
        raise ExpressionError(str(exc).replace("\n", " ")) from None
    except jmespath.exceptions.JMESPathError:
        pass

    def search(record: Any) -> Any:
        try:
            return parsed.search(record, options=_OPTIONS)
        except SEARCH_ERRORS:
            # A type error inside a function on odd data reads as "missing".
            return None

    return search


# Node types whose first child is evaluated against the current record and
# the rest against the first child's result (a.b, a[0], a[].b, a[?x].b, a | b).
_CHAINED = frozenset(
    {"subexpression", "index_expression", "projection", "value_projection", "flatten", "pipe"}
)
_FILTER = "filter_projection"


def _root_fields(node: Any, out: set[str]) -> None:
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    children = node.get("children") or []
    if kind == "field":
        out.add(str(node.get("value")))
    elif kind in _CHAINED or kind == _FILTER:
        if children:
            _root_fields(children[0], out)
    else:  # functions, or/and/not, comparators, multi-selects: all read the record
        for child in children:
            _root_fields(child, out)


def head_fields(expr: str) -> frozenset[str]:
    """The top-level fields of a record that ``expr`` reads.

    ``x_writer.AvailabilityZone`` -> {x_writer}; ``length(DBClusterMembers ||
    `[]`)`` -> {DBClusterMembers}.  Used to tell whether an attribute reads a
    field that a failed call left out (``scanner.provenance``).  An expression
    that does not parse reads nothing (compilation reports it).
    """
    if _PLAIN.match(expr):
        return frozenset((expr.split(".", 1)[0],))
    if _QUOTED_CHAIN.match(expr):
        return frozenset(_segments(expr)[:1])
    if _nesting(expr) > MAX_NESTING:
        return frozenset()  # compilation reports it
    try:
        tree = jmespath.compile(expr).parsed
    except (jmespath.exceptions.JMESPathError, RecursionError):
        return frozenset()
    out: set[str] = set()
    _root_fields(tree, out)
    return frozenset(out)
