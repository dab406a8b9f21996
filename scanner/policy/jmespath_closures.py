"""Compile a parsed JMESPath expression into nested Python closures.

``jmespath.search`` walks the expression's syntax tree with a visitor on
every call: a dict lookup and a method dispatch per node.  Message templates
and conditions run their expressions once per resource per policy (millions
of times at 10,000 clusters), so the tree is turned into closures once and
each call is plain function calls.  The semantics are the reference
interpreter's (``jmespath.visitor.TreeInterpreter``), node by node, and
``tests/policy/test_jmespath_closures.py`` checks them against it.  Functions
are called through jmespath's own function table, type checks included.
Node types not handled here (slices, object projections, multi-selects,
expression references) return ``None`` from ``compile_tree`` and the caller
keeps the reference interpreter.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from numbers import Number
from typing import Any

import jmespath.exceptions
import jmespath.functions

Fn = Callable[[Any], Any]


class _Unsupported(Exception):
    """A node type this compiler leaves to the reference interpreter."""


def _is_false(value: Any) -> bool:
    # JMESPath falsiness: equality checks on purpose (0 is true, [] is false).
    return value == "" or value == [] or value == {} or value is None or value is False


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, Number)


def _equals(left: Any, right: Any) -> bool:
    # 0 == False and 1 == True in Python, never in JMESPath.
    if _is_number(left) and left in (0, 1):
        if isinstance(right, bool):
            return False
    elif _is_number(right) and right in (0, 1) and isinstance(left, bool):
        return False
    return bool(left == right)


def _comparable(value: Any) -> bool:
    return _is_number(value) or isinstance(value, str)


_ORDERING: dict[str, Callable[[Any, Any], Any]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def compile_tree(tree: Mapping[str, Any], functions: jmespath.functions.Functions) -> Fn | None:
    """Closures for ``tree`` (``jmespath.compile(expr).parsed``), or None if unsupported."""
    try:
        return _Compiler(functions).node(tree)
    except _Unsupported:
        return None


class _Compiler:
    def __init__(self, functions: jmespath.functions.Functions) -> None:
        self.functions = functions

    def node(self, tree: Mapping[str, Any]) -> Fn:
        method = getattr(self, f"_{tree['type']}", None)
        if method is None:
            raise _Unsupported(tree["type"])
        fn: Fn = method(tree, [self.node(c) for c in _child_nodes(tree)])
        return fn

    # Each method gets the node and its compiled children.

    def _field(self, tree: Mapping[str, Any], _kids: list[Fn]) -> Fn:
        key = tree["value"]

        def field(value: Any) -> Any:
            try:
                return value.get(key)
            except AttributeError:
                return None

        return field

    def _current(self, _tree: Mapping[str, Any], _kids: list[Fn]) -> Fn:
        return _identity

    _identity = _current

    def _literal(self, tree: Mapping[str, Any], _kids: list[Fn]) -> Fn:
        constant = tree["value"]
        return lambda _value: constant

    def _subexpression(self, _tree: Mapping[str, Any], kids: list[Fn]) -> Fn:
        return _chain(kids)

    _pipe = _subexpression
    _index_expression = _subexpression

    def _index(self, tree: Mapping[str, Any], _kids: list[Fn]) -> Fn:
        position = tree["value"]

        def index(value: Any) -> Any:
            if not isinstance(value, list):
                return None
            try:
                return value[position]
            except IndexError:
                return None

        return index

    def _flatten(self, _tree: Mapping[str, Any], kids: list[Fn]) -> Fn:
        (source,) = kids

        def flatten(value: Any) -> Any:
            base = source(value)
            if not isinstance(base, list):
                return None
            merged: list[Any] = []
            for element in base:
                if isinstance(element, list):
                    merged.extend(element)
                else:
                    merged.append(element)
            return merged

        return flatten

    def _projection(self, _tree: Mapping[str, Any], kids: list[Fn]) -> Fn:
        source, each = kids

        def projection(value: Any) -> Any:
            base = source(value)
            if not isinstance(base, list):
                return None
            return [v for v in map(each, base) if v is not None]

        return projection

    def _filter_projection(self, _tree: Mapping[str, Any], kids: list[Fn]) -> Fn:
        source, each, condition = kids

        def filter_projection(value: Any) -> Any:
            base = source(value)
            if not isinstance(base, list):
                return None
            collected = []
            for element in base:
                if not _is_false(condition(element)):
                    current = each(element)
                    if current is not None:
                        collected.append(current)
            return collected

        return filter_projection

    def _comparator(self, tree: Mapping[str, Any], kids: list[Fn]) -> Fn:
        left, right = kids
        op = tree["value"]
        if op == "eq":
            return lambda value: _equals(left(value), right(value))
        if op == "ne":
            return lambda value: not _equals(left(value), right(value))
        ordering = _ORDERING.get(op)
        if ordering is None:
            raise _Unsupported(f"comparator {op}")

        def compare(value: Any) -> Any:
            a, b = left(value), right(value)
            if not (_comparable(a) and _comparable(b)):
                return None  # ordering is defined for numbers and strings only
            return ordering(a, b)  # a number against a string raises, as in jmespath

        return compare

    def _and_expression(self, _tree: Mapping[str, Any], kids: list[Fn]) -> Fn:
        left, right = kids

        def both(value: Any) -> Any:
            matched = left(value)
            return matched if _is_false(matched) else right(value)

        return both

    def _or_expression(self, _tree: Mapping[str, Any], kids: list[Fn]) -> Fn:
        left, right = kids

        def either(value: Any) -> Any:
            matched = left(value)
            return right(value) if _is_false(matched) else matched

        return either

    def _not_expression(self, _tree: Mapping[str, Any], kids: list[Fn]) -> Fn:
        (inner,) = kids

        def negate(value: Any) -> Any:
            original = inner(value)
            if _is_number(original) and original == 0:
                return False  # 0 is true in JMESPath, so !0 is false
            return not original

        return negate

    def _function_expression(self, tree: Mapping[str, Any], kids: list[Fn]) -> Fn:
        name = tree["value"]
        call = self.functions.call_function
        if name not in self.functions.FUNCTION_TABLE:
            raise _Unsupported(f"function {name}")  # jmespath reports it when searching
        return lambda value: call(name, [kid(value) for kid in kids])


def _child_nodes(tree: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for c in tree.get("children", ()) if isinstance(c, Mapping)]


def _identity(value: Any) -> Any:
    return value


def _chain(steps: list[Fn]) -> Fn:
    if len(steps) == 2:
        first, second = steps
        return lambda value: second(first(value))

    def chain(value: Any) -> Any:
        for step in steps:
            value = step(value)
        return value

    return chain


# What a search may raise on odd data (a function given the wrong type):
# callers treat it as "missing", like a failed reference search.
SEARCH_ERRORS = (jmespath.exceptions.JMESPathError, TypeError)
