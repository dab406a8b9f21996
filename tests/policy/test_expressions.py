"""Compiled expressions give exactly what a JMESPath search gives: the dict-lookup fast
path for dotted chains, and the reference interpreter for everything else."""

from __future__ import annotations

from typing import Any

import jmespath
import jmespath.exceptions
import pytest

from scanner.policy.expressions import _OPTIONS, _fast_getter, compile_expression

# Dotted chains take the fast path.
EXPRESSIONS = [
    "@",
    "a.b",
    'x_parameters."rds.force_ssl"',
    '"a.b".c',
    '"a.b"',
]

# Everything else is a JMESPath search - user policies may write any of it (the
# built-in catalogue reads named x_ facts instead, tests/policy/test_named_facts.py).
SEARCHED = [
    "VpcSecurityGroups[].VpcSecurityGroupId",
    "a.b[].c.d",
    "keys(x_tags)",
    "keys(a.b)",
    "LastRotatedDate || CreatedDate",
    "a.b || c",
    'x_parameters."rds.force_ssl" || x_parameters.require_secure_transport',
    'a."b"[]."c.d"',
    "a[0].b",
    "a[?b == `1`].c",
    "length(a.b)",
    "unique(a.b)",
    "lower(c)",
    "!a",
]

RECORDS: list[Any] = [
    {},
    None,
    [],
    "text",
    {
        "VpcSecurityGroups": [
            {"VpcSecurityGroupId": "sg-1"},
            {"Status": "x"},
            "odd",
            None,
            {"VpcSecurityGroupId": None},
            {"VpcSecurityGroupId": 0},
        ]
    },
    {"VpcSecurityGroups": {"VpcSecurityGroupId": "sg-1"}},
    {"VpcSecurityGroups": []},
    {"a": {"b": [{"c": {"d": 1}}, {"c": {"d": [1, 2]}}, {"c": "x"}, {"c": {"d": False}}]}},
    {"a": {"b": {"k": 1, "j": 2}}, "c": 3},
    {"x_tags": {"owner": "a", "env": "b"}},
    {"x_tags": []},
    {"x_tags": "no"},
    {"LastRotatedDate": "2026-01-01", "CreatedDate": "2025-01-01"},
    {"LastRotatedDate": "", "CreatedDate": "2025-01-01"},
    {"LastRotatedDate": 0, "CreatedDate": "2025-01-01"},
    {"LastRotatedDate": False, "CreatedDate": "2025-01-01"},
    {"LastRotatedDate": [], "CreatedDate": None},
    {"LastRotatedDate": {}, "CreatedDate": {"x": 1}},
    {"a": {"b": 0}, "c": "y"},
    {"a": {"b": []}, "c": "y"},
    {"a": "flat", "c": "y"},
    {"x_parameters": {"rds.force_ssl": "1", "rds": {"force_ssl": "0"}}},
    {"x_parameters": {"rds": {"force_ssl": "0"}, "require_secure_transport": "ON"}},
    {"x_parameters": {"rds.force_ssl": "", "require_secure_transport": "OFF"}},
    {"a.b": {"c": 1}, "a": {"b": {"c": 2}}},
    {"a": {"b": [{"c.d": 1}, {"c": {"d": 2}}, {"c.d": None}]}},
]


def _jmespath(expr: str, record: Any) -> Any:
    try:
        return jmespath.search(expr, record)
    except jmespath.exceptions.JMESPathError:
        return None


def _searched(expr: str, record: Any) -> Any:
    try:
        return jmespath.search(expr, record, options=_OPTIONS)
    except (jmespath.exceptions.JMESPathError, TypeError):
        return None


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_fast_paths_agree_with_jmespath(expr: str) -> None:
    fast = _fast_getter(expr)
    assert fast is not None, f"{expr} should take a fast path"
    for record in RECORDS:
        assert repr(fast(record)) == repr(_jmespath(expr, record)), (expr, record)
        assert compile_expression(expr)(record) == _jmespath(expr, record)


@pytest.mark.parametrize("expr", SEARCHED)
def test_other_expressions_are_searched_like_jmespath(expr: str) -> None:
    assert _fast_getter(expr) is None
    compiled = compile_expression(expr)
    for record in RECORDS:
        # repr: True and 1 must not pass for each other.
        assert repr(compiled(record)) == repr(_searched(expr, record)), (expr, record)


@pytest.mark.parametrize("expr", ["a[1:2]", "a.*", "[a, b]", "{x: a}", "sort_by(a, &b)"])
def test_every_node_type_is_searched(expr: str) -> None:
    record = {"a": [{"b": 2}, {"b": 1}], "b": 1}
    assert compile_expression(expr)(record) == jmespath.search(expr, record)


def test_a_search_error_on_odd_data_reads_as_missing() -> None:
    assert compile_expression("length(a)")({"a": 5}) is None
    # A string against a number: Python raises, so the whole search is missing.
    assert compile_expression("a[?b < `1`]")({"a": [{"b": "x"}]}) is None
