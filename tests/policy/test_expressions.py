"""The JMESPath fast paths give exactly what a JMESPath search gives."""

from __future__ import annotations

from typing import Any

import jmespath
import jmespath.exceptions
import pytest

from scanner.policy.expressions import _fast_getter, compile_expression

EXPRESSIONS = [
    "VpcSecurityGroups[].VpcSecurityGroupId",
    "a.b[].c.d",
    "keys(x_tags)",
    "keys(a.b)",
    "LastRotatedDate || CreatedDate",
    "a.b || c",
    "@",
    'x_parameters."rds.force_ssl"',
    'x_parameters."rds.force_ssl" || x_parameters.require_secure_transport',
    '"a.b".c',
    'a."b"[]."c.d"',
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


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_fast_paths_agree_with_jmespath(expr: str) -> None:
    fast = _fast_getter(expr)
    assert fast is not None, f"{expr} should take a fast path"
    for record in RECORDS:
        assert repr(fast(record)) == repr(_jmespath(expr, record)), (expr, record)
        assert compile_expression(expr)(record) == _jmespath(expr, record)


@pytest.mark.parametrize(
    "expr", ["a[0].b", "a[].b[].c", "keys(@)", "a || `1`", "a && b", '"a\\"b"', "@.a"]
)
def test_other_shapes_are_left_to_jmespath(expr: str) -> None:
    assert _fast_getter(expr) is None
