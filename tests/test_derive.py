"""Derived facts the lifecycle and logging policies read (scanner/derive.py)."""

from __future__ import annotations

import pytest

from scanner.derive import derive_local, major_engine_version, pgaudit_log_classes
from scanner.edges import build_graph
from scanner.model import Resource

ALL = ["ddl", "function", "misc", "misc_set", "read", "role", "write"]


@pytest.mark.parametrize(
    ("value", "classes"),
    [
        ("ddl,role", ["ddl", "role"]),
        ("DDL, Role", ["ddl", "role"]),  # case and spaces do not matter
        ("all", ALL),
        ("all, -misc", [c for c in ALL if c != "misc"]),
        ("-misc, all", ALL),  # applied left to right
        ("ddl, -ddl", []),
        ("-ddl", []),
        ("none", []),
        ("none, write", ["write"]),
        ("", []),
        ("ddl,dml", []),  # unknown class: pgaudit refuses the value and keeps none
        ("ddl,", []),  # empty list item: refused likewise
    ],
)
def test_pgaudit_log_classes(value: str, classes: list[str]) -> None:
    assert pgaudit_log_classes(value) == classes


@pytest.mark.parametrize(
    ("engine", "version", "major"),
    [
        ("aurora-mysql", "8.0.mysql_aurora.3.05.2", "8.0"),
        ("aurora-mysql", "5.7.mysql_aurora.2.11.2", "5.7"),
        ("aurora-mysql", "5.7.12", "5.7"),
        ("aurora", "5.6.10a", "5.6"),
        ("aurora-postgresql", "15.4", "15"),
        ("aurora-postgresql", "11.9", "11"),
        ("aurora-postgresql", "9.6.22", "9.6"),
        ("neptune", "1.3.0.0", None),
        ("aurora-mysql", None, None),
    ],
)
def test_major_engine_version(engine: str, version: str | None, major: str | None) -> None:
    assert major_engine_version(engine, version) == major


def test_parameter_groups_carry_the_pgaudit_classes_they_log() -> None:
    attrs = derive_local(
        "aws.rds.db_parameter_group",
        {"Parameters": [{"ParameterName": "pgaudit.log", "ParameterValue": "write, ddl"}]},
    )
    assert attrs["x_pgaudit_log"] == ["ddl", "write"]
    assert "x_pgaudit_log" not in derive_local(
        "aws.rds.db_cluster_parameter_group", {"Parameters": []}
    )


def _version(account: str, major: str, end: str) -> Resource:
    record = {
        "Engine": "aurora-mysql",
        "MajorEngineVersion": major,
        "SupportedEngineLifecycles": [
            {
                "LifecycleSupportName": "open-source-rds-standard-support",
                "LifecycleSupportStartDate": "2021-11-18T00:00:00Z",
                "LifecycleSupportEndDate": end,
            },
            {
                "LifecycleSupportName": "open-source-rds-extended-support",
                "LifecycleSupportStartDate": "2028-05-01T00:00:00Z",
                "LifecycleSupportEndDate": "2029-07-31T23:59:59.999000Z",
            },
        ],
    }
    rid = f"major-engine-version/{account}/us-east-1/aurora-mysql/{major}"
    return Resource(rid, "aws.rds.major_engine_version", account, "us-east-1", record)


def test_a_cluster_reaches_the_support_dates_of_its_engine_and_major_version_in_its_account() -> (
    None
):
    cluster = Resource(
        "arn:aws:rds:us-east-1:111111111111:cluster:c1",
        "aws.rds.db_cluster",
        "111111111111",
        "us-east-1",
        {
            "DBClusterIdentifier": "c1",
            "Engine": "aurora-mysql",
            "EngineVersion": "8.0.mysql_aurora.3.08.0",
        },
    )
    mine = _version("111111111111", "8.0", "2028-04-30T23:59:59.999000Z")
    theirs = _version("222222222222", "8.0", "2028-04-30T23:59:59.999000Z")
    other_major = _version("111111111111", "5.7", "2024-10-31T23:59:59.999000Z")
    graph = build_graph([cluster, mine, theirs, other_major])
    assert graph.resource(cluster.id).attrs["x_engine_major"] == "aurora-mysql 8.0"
    assert [t for t, _ in graph.neighbours(cluster.id, "major_engine_version")] == [mine.id]
    version = graph.resource(mine.id).attrs
    assert version["x_standard_support_end"] == "2028-04-30T23:59:59.999000Z"
    assert version["x_extended_support_end"] == "2029-07-31T23:59:59.999000Z"
