"""The operator table, row by row, and its agreement with the shipped schema."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from scanner.policy import operators
from scanner.policy.operators import OPERATORS, OpContext, apply, check_value, specialize
from scanner.policy.schema import SCHEMA_PATH, build_policy_schema, render_policy_schema

CTX = OpContext(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
TABLE = [
    {"engine": "aurora-mysql", "major_version": "5.7", "end_of_standard_support": "2024-10-31"},
    {"engine": "aurora-mysql", "major_version": "8.0", "end_of_standard_support": "2028-04-30"},
    {"engine": "aurora-postgresql", "major_version": "11", "end_of_standard_support": "2024-02-29"},
    {
        "engine": "aurora-postgresql",
        "major_version": "11.9",
        "end_of_standard_support": "2030-01-01",
    },
]

# A feature's minimum version per major version (version_below_minimum).
MIN = [
    {"engine": "aurora", "major_version": "5.6", "min_version": None},
    {"engine": "aurora-mysql", "major_version": "5.7", "min_version": "5.7.mysql_aurora.2.11.0"},
    {"engine": "aurora-postgresql", "major_version": "11", "min_version": "11.6"},
]

# (operator, observed, expected, result)
ROWS: list[tuple[str, Any, Any, bool]] = [
    ("eq", True, True, True),
    ("eq", 1, True, False),  # true is not 1
    ("eq", "aurora", "aurora", True),
    ("eq", 7, 7.0, True),
    ("ne", "a", "b", True),
    ("ne", True, True, False),
    ("eq_ci", "ON", "on", True),
    ("eq_ci", "1", 1, True),
    ("eq_ci", True, "TRUE", True),
    ("lt", 6, 7, True),
    ("lt", 7, 7, False),
    ("le", 7, 7, True),
    ("gt", "10", 5, True),  # parameter values are strings
    ("ge", 7, 7, True),
    ("ge", "abc", 1, False),
    ("ge", True, 0, False),  # booleans are not numbers
    ("in", "aurora-mysql", ["aurora-mysql", "aurora-postgresql"], True),
    ("in", "neptune", ["aurora-mysql"], False),
    ("in", 1, [True], False),
    ("in_ci", "On", ["on", "1"], True),
    ("in_ci", 1, ["on", "1"], True),
    ("not_in", "neptune", ["aurora-mysql"], True),
    ("not_in", "aurora-mysql", ["aurora-mysql"], False),
    ("contains", ["audit", "error"], "audit", True),
    ("contains", "pg_stat_statements,pgaudit", "pgaudit", True),
    ("contains", {"env": "prod"}, "env", True),
    ("contains", ["a"], "b", False),
    ("not_contains", ["a"], "b", True),
    ("not_contains", 5, "b", False),
    ("contains_all", ["audit", "error", "slowquery"], ["audit", "error"], True),
    ("contains_all", ["audit"], ["audit", "error"], False),
    ("contains_any", ["audit"], ["audit", "error"], True),
    ("contains_any", [], ["audit"], False),
    ("starts_with", "default.aurora-mysql8.0", "default.", True),
    ("starts_with", "db.r6g.large", ["db.t", "db.m"], False),
    ("ends_with", "cluster.pg", ".pg", True),
    ("regex", "TLSv1.2,TLSv1.3", r"TLSv1(\.1)?(,|$)", False),
    ("regex", "TLSv1,TLSv1.2", r"TLSv1(\.1)?(,|$)", True),
    ("regex", 5432, r"^54", True),
    ("exists", "x", None, True),
    ("exists", "x", False, False),
    ("exists", None, None, False),
    ("exists", None, False, True),
    ("empty", [], None, True),
    ("empty", "", None, True),
    ("empty", ["x"], None, False),
    ("empty", ["x"], False, True),
    ("empty", 0, None, False),
    ("cidr_covers", "0.0.0.0/0", "0.0.0.0/0", True),
    ("cidr_covers", "0.0.0.0/0", ["0.0.0.0/0", "::/0"], True),
    ("cidr_covers", "::/0", ["0.0.0.0/0", "::/0"], True),
    ("cidr_covers", "10.0.0.0/8", "0.0.0.0/0", False),
    ("cidr_covers", "10.0.0.0/8", "10.1.0.0/16", True),
    ("cidr_covers", "::/0", "0.0.0.0/0", False),
    ("cidr_covers", "not a cidr", "0.0.0.0/0", False),
    ("port_in_range", {"from_port": 0, "to_port": 65535}, 3306, True),
    ("port_in_range", {"FromPort": 22, "ToPort": 22}, 3306, False),
    ("port_in_range", [3300, 3310], 3306, True),
    ("port_in_range", 3306, [3306, 3306], True),
    ("port_in_range", 5432, {"from_port": 3306, "to_port": 3306}, False),
    ("older_than_days", "2025-11-01T00:00:00Z", 30, True),
    ("older_than_days", "2025-12-20T00:00:00+00:00", 30, False),
    ("older_than_days", "yesterday", 30, False),
    ("within_last_days", "2025-12-31T00:00:00Z", 2, True),
    ("within_last_days", "2025-12-30T00:00:00Z", 2, True),  # exactly N days
    ("within_last_days", "2025-12-29T23:59:59Z", 2, False),
    ("within_last_days", "2026-01-02T00:00:00Z", 2, True),  # after now
    # What a snapshot stores: boto3 datetimes become ISO with Z (and microseconds);
    # some services give plain timestamps without a zone, read as UTC.
    ("within_last_days", "2025-12-31T03:00:00.087000Z", 2, True),
    ("within_last_days", "2025-12-31 04:08:23.406", 2, True),
    ("within_last_days", "2025-12-20 04:08:23.406", 2, False),
    ("within_last_days", "2025-12-30T01:00:00+02:00", 2, False),  # 2025-12-29 23:00 UTC
    ("within_last_days", "last week", 2, False),
    ("within_last_days", 1767225600, 2, False),  # not a time the snapshot stores
    ("expires_within_days", "2026-01-20T00:00:00Z", 30, True),
    ("expires_within_days", "2025-01-01T00:00:00Z", 30, True),  # already expired
    ("expires_within_days", "2027-01-01T00:00:00Z", 30, False),
    (
        "version_supported",
        "8.0.mysql_aurora.3.08.0",
        {"engine": "aurora-mysql", "table": TABLE},
        True,
    ),
    (
        "version_supported",
        "5.7.mysql_aurora.2.11.2",
        {"engine": "aurora-mysql", "table": TABLE},
        False,
    ),
    ("version_supported", "11.4", {"engine": "aurora-postgresql", "table": TABLE}, False),
    ("version_supported", "11.9", {"engine": "aurora-postgresql", "table": TABLE}, True),  # longest
    ("version_supported", "17.1", {"engine": "aurora-postgresql", "table": TABLE}, True),  # unknown
    ("version_supported", "5.7.x", {"engine": "aurora-postgresql", "table": TABLE}, True),
    (
        "version_below_minimum",
        "5.7.mysql_aurora.2.10.2",
        {"engine": "aurora-mysql", "table": MIN},
        True,
    ),
    (
        "version_below_minimum",
        "5.7.mysql_aurora.2.08.3",
        {"engine": "aurora-mysql", "table": MIN},
        True,
    ),
    (
        "version_below_minimum",
        "5.7.mysql_aurora.2.11.0",
        {"engine": "aurora-mysql", "table": MIN},
        False,
    ),
    (
        "version_below_minimum",
        "5.7.mysql_aurora.2.12.1",
        {"engine": "aurora-mysql", "table": MIN},
        False,
    ),
    (
        "version_below_minimum",
        "8.0.mysql_aurora.3.08.0",
        {"engine": "aurora-mysql", "table": MIN},
        False,
    ),
    ("version_below_minimum", "5.6.10a", {"engine": "aurora", "table": MIN}, True),  # no minimum
    ("version_below_minimum", "11.21", {"engine": "aurora-postgresql", "table": MIN}, False),
    ("version_below_minimum", "11.4", {"engine": "aurora-postgresql", "table": MIN}, True),
    ("version_below_minimum", "5.7.mysql_aurora.2.10.2", {"engine": "aurora", "table": MIN}, False),
    # The date is the last day of standard support (CTX is 2026-01-01 00:00 UTC).
    (
        "version_supported",
        "16.4",
        {
            "engine": "aurora-postgresql",
            "table": [
                {
                    "engine": "aurora-postgresql",
                    "major_version": "16",
                    "end_of_standard_support": "2026-01-01",
                }
            ],
        },
        True,
    ),
    (
        "version_supported",
        "16.4",
        {
            "engine": "aurora-postgresql",
            "table": [
                {
                    "engine": "aurora-postgresql",
                    "major_version": "16",
                    "end_of_standard_support": "2025-12-31",
                }
            ],
        },
        False,
    ),
]


@pytest.mark.parametrize(("op", "observed", "expected", "result"), ROWS)
def test_operator(op: str, observed: Any, expected: Any, result: bool) -> None:
    assert apply(op, observed, expected, CTX) is result


@pytest.mark.parametrize(("op", "observed", "expected", "result"), ROWS)
def test_specialised_form_agrees(op: str, observed: Any, expected: Any, result: bool) -> None:
    fast = specialize(op, expected)
    if fast is not None and observed is not None:
        assert fast(observed) is result


def test_every_operator_has_rows() -> None:
    assert {row[0] for row in ROWS} == set(OPERATORS)


@pytest.mark.parametrize("op", sorted(OPERATORS))
def test_a_missing_attribute_is_false_except_for_exists(op: str) -> None:
    expected: Any = (
        {"engine": "x", "table": []}
        if op in ("version_supported", "version_below_minimum")
        else "x"
    )
    if op == "exists":
        assert apply(op, None, None, CTX) is False
        assert apply(op, None, False, CTX) is True
    else:
        assert apply(op, None, expected, CTX) is False


def test_value_checks() -> None:
    assert check_value("regex", "(") is not None
    assert check_value("regex", "a+") is None
    assert check_value("in", "aurora") is not None
    assert check_value("cidr_covers", ["0.0.0.0/0", "::/0"]) is None
    assert check_value("cidr_covers", "300.0.0.0/0") is not None
    assert check_value("exists", False) is None
    assert check_value("exists", "no") is not None


def test_schema_operator_enum_is_the_operator_table() -> None:
    shipped = json.loads(SCHEMA_PATH.read_text())
    enum = shipped["$defs"]["attr_condition"]["properties"]["op"]["enum"]
    assert sorted(enum) == sorted(OPERATORS) == operators.operator_names()


def test_shipped_schema_is_the_generated_one() -> None:
    """Regenerate with: python -m scanner.policy.schema"""
    assert SCHEMA_PATH.read_text() == render_policy_schema()


def test_schema_forbids_additional_properties_everywhere() -> None:
    """Every object is closed, except a test case's raw AWS record (any AWS field)."""
    objects: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node:
                objects.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(build_policy_schema())
    open_objects = [o for o in objects if o.get("additionalProperties") is not False]
    assert [o.get("description") for o in open_objects] == ["raw AWS fields plus type and id"]


def test_every_shipped_schema_is_current_and_valid() -> None:
    """config.schema.json and waivers.schema.json too (python -m scanner.policy.schema)."""
    import jsonschema

    from scanner.policy.schema import shipped_schemas

    for path, text in shipped_schemas().items():
        assert path.read_text() == text, path.name
        jsonschema.Draft202012Validator.check_schema(json.loads(text))
