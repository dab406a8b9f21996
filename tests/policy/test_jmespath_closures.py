"""The compiled closures give exactly what jmespath's reference interpreter gives."""

from __future__ import annotations

from typing import Any

import jmespath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.policy.expressions import _FUNCTIONS, _OPTIONS, compile_expression
from scanner.policy.jmespath_closures import SEARCH_ERRORS, compile_tree

# Every node type the compiler handles, the catalogue's own expressions first.
EXPRESSIONS = [
    "Engine == 'aurora-postgresql' && 'rds.force_ssl' || 'require_secure_transport'",
    "Engine == 'aurora-postgresql' && '1' || 'ON'",
    "DBClusterMembers[?!IsClusterWriter].PromotionTier",
    "DBClusterMembers[?DBClusterParameterGroupStatus != 'in-sync'].DBInstanceIdentifier",
    "length(DBClusterMembers || `[]`)",
    "length(unique(Subnets[].SubnetAvailabilityZone.Name))",
    "a[0].b",
    "a[-1]",
    "a[].b[].c",
    "a.b[].c | [0]",
    "a[?b > `1`].c",
    "a[?b <= `1`].c",
    "a[?b >= 'm'].c",
    "a[?b < c]",
    "a == b",
    "a != `0`",
    "a == `false`",
    "a == `1`",
    "!a",
    "!a.b",
    "a && b",
    "a || b && c",
    "keys(a)",
    "lower(a)",
    "upper(a.b)",
    "length(a)",
    "contains(a, 'x')",
    "a[]",
    "a[][]",
    "@",
    "`[1, 2]`",
    "a[?@ == `1`]",
]

RECORDS: list[Any] = [
    None,
    {},
    [],
    "text",
    0,
    {"Engine": "aurora-postgresql"},
    {"Engine": "aurora-mysql"},
    {
        "DBClusterMembers": [
            {"IsClusterWriter": True, "PromotionTier": 1, "DBInstanceIdentifier": "w"},
            {"IsClusterWriter": False, "PromotionTier": 2, "DBInstanceIdentifier": "r"},
            {"IsClusterWriter": 0, "PromotionTier": None, "DBClusterParameterGroupStatus": "x"},
            "odd",
        ],
        "Subnets": [
            {"SubnetAvailabilityZone": {"Name": "a"}},
            {"SubnetAvailabilityZone": {"Name": "a"}},
            {"SubnetAvailabilityZone": {"Name": "b"}},
            {"SubnetAvailabilityZone": None},
        ],
    },
    {"DBClusterMembers": "not a list", "Subnets": []},
    {"a": [{"b": 2, "c": "x"}, {"b": 1, "c": "y"}, {"b": "z", "c": 3}, {"c": 4}, [1, [2]]]},
    {"a": [[{"b": [{"c": 1}]}], {"b": [{"c": 2}, {"c": None}]}, {"b": "s"}]},
    {"a": {"b": "MiXeD"}, "b": 1, "c": True},
    {"a": 0, "b": False, "c": ""},
    {"a": 1, "b": True},
    {"a": False, "b": 0},
    {"a": "x", "b": "x"},
    {"a": [1, True, 1.0, "1", [1]]},
    {"a": {"k": 1, "j": [1, 2]}},
    {"a": []},
    {"a": [{"b": 1, "c": 2}, {"b": 3, "c": 1}, {"b": "a", "c": "b"}]},
]


def _reference(expr: str, record: Any) -> Any:
    try:
        return ("ok", jmespath.compile(expr).search(record, options=_OPTIONS))
    except SEARCH_ERRORS as exc:
        return ("error", type(exc).__name__)


def _compiled(expr: str, record: Any) -> Any:
    fn = compile_tree(jmespath.compile(expr).parsed, _FUNCTIONS)
    assert fn is not None, f"{expr} should compile"
    try:
        return ("ok", fn(record))
    except SEARCH_ERRORS as exc:
        return ("error", type(exc).__name__)


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_closures_agree_with_the_reference_interpreter(expr: str) -> None:
    for record in RECORDS:
        # repr: True and 1 must not pass for each other.
        assert repr(_compiled(expr, record)) == repr(_reference(expr, record)), (expr, record)


@pytest.mark.parametrize("expr", ["a[1:2]", "a.*", "[a, b]", "{x: a}", "sort_by(a, &b)"])
def test_other_node_types_are_left_to_the_reference_interpreter(expr: str) -> None:
    assert compile_tree(jmespath.compile(expr).parsed, _FUNCTIONS) is None
    assert compile_expression(expr)({"a": [{"b": 2}, {"b": 1}], "b": 1}) == jmespath.search(
        expr, {"a": [{"b": 2}, {"b": 1}], "b": 1}
    )


def test_a_search_error_on_odd_data_reads_as_missing() -> None:
    assert compile_expression("length(a)")({"a": 5}) is None
    # A string against a number: Python raises, so the whole search is missing.
    assert compile_expression("a[?b < `1`]")({"a": [{"b": "x"}]}) is None


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["", "a", "b", "in-sync"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c", "Engine"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(record=_JSON, expr=st.sampled_from(EXPRESSIONS))
def test_closures_agree_on_generated_records(record: Any, expr: str) -> None:
    assert repr(_compiled(expr, record)) == repr(_reference(expr, record))
