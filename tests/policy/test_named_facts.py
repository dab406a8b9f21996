"""The named x_ facts the catalogue reads give what the expressions they replaced gave.

Built-in policies once wrote these as JMESPath (issue 15, item 5); each fact
must keep their answers on real and odd records alike, so verdicts and
messages stay the same.  The expressions are searched by jmespath's reference
interpreter with the scanner's extra functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jmespath
import jmespath.exceptions
import pytest
import yaml

from scanner import derive
from scanner.policy.expressions import _OPTIONS, _fast_getter
from scanner.vocabulary import RELATIONS


def _search(expr: str, record: Any) -> Any:
    try:
        return jmespath.search(expr, record, options=_OPTIONS)
    except (jmespath.exceptions.JMESPathError, TypeError):
        return None  # as compile_expression reads a search error: missing


_MEMBERS: list[Any] = [
    None,
    [],
    "not a list",
    {"a": 1},
    [
        {"DBInstanceIdentifier": "w", "DBClusterParameterGroupStatus": "in-sync"},
        {"DBInstanceIdentifier": "r1", "DBClusterParameterGroupStatus": "pending-reboot"},
        {"DBInstanceIdentifier": "r2"},
        {"DBClusterParameterGroupStatus": "applying"},
        {"DBInstanceIdentifier": None, "DBClusterParameterGroupStatus": "x"},
        "odd",
        None,
    ],
]
_GROUPS: list[Any] = [
    None,
    [],
    {"VpcSecurityGroupId": "sg-1"},
    [
        {"VpcSecurityGroupId": "sg-1", "Status": "active"},
        {"Status": "x"},
        "odd",
        {"VpcSecurityGroupId": 0},
    ],
]
_SUBNETS: list[Any] = [
    None,
    [],
    "odd",
    [
        {"SubnetAvailabilityZone": {"Name": "us-east-1a"}},
        {"SubnetAvailabilityZone": {"Name": "us-east-1a"}},
        {"SubnetAvailabilityZone": {"Name": "us-east-1b"}},
        {"SubnetAvailabilityZone": None},
        {"SubnetAvailabilityZone": "odd"},
        {},
    ],
]
_DATES: list[Any] = [None, "", "2026-01-01T00:00:00Z", 0, False, [], {}, {"x": 1}]
_KEYS: list[Any] = [None, "", "arn:aws:kms:us-east-1:123456789012:key/k", 7]


def _records(field: str, values: list[Any]) -> list[dict[str, Any]]:
    return [{}] + [{field: value} for value in values]


def _with(fact: str, attrs: dict[str, Any]) -> Any:
    return derive.derive_local("aws.rds.db_cluster", attrs).get(fact)


@pytest.mark.parametrize("record", _records("DBClusterMembers", _MEMBERS))
def test_member_facts_are_the_expressions_they_replace(record: dict[str, Any]) -> None:
    assert _with("x_member_ids", record) == _search(
        "DBClusterMembers[].DBInstanceIdentifier", record
    )
    assert _with("x_members_out_of_sync", record) == _search(
        "DBClusterMembers[?DBClusterParameterGroupStatus != 'in-sync'].DBInstanceIdentifier",
        record,
    )
    assert _with("x_member_count", record) == _search("length(DBClusterMembers || `[]`)", record)


@pytest.mark.parametrize("record", _records("VpcSecurityGroups", _GROUPS))
def test_security_group_ids(record: dict[str, Any]) -> None:
    assert _with("x_security_group_ids", record) == _search(
        "VpcSecurityGroups[].VpcSecurityGroupId", record
    )


@pytest.mark.parametrize("record", _records("Subnets", _SUBNETS))
def test_subnet_az_count(record: dict[str, Any]) -> None:
    facts = derive.derive_local("aws.rds.db_subnet_group", record)
    assert facts.get("x_subnet_az_count") == _search(
        "length(unique(Subnets[].SubnetAvailabilityZone.Name))", record
    )


@pytest.mark.parametrize("rotated", _DATES)
@pytest.mark.parametrize("created", [None, "2025-01-01T00:00:00Z"])
def test_rotated_or_created(rotated: Any, created: Any) -> None:
    record = {"LastRotatedDate": rotated, "CreatedDate": created}
    facts = derive.derive_local("aws.secretsmanager.secret", record)
    assert facts.get("x_rotated_or_created") == _search("LastRotatedDate || CreatedDate", record)


@pytest.mark.parametrize("tags", [None, [], [{"Key": "owner", "Value": "a"}, {"Key": "env"}]])
def test_tag_keys(tags: Any) -> None:
    record = {} if tags is None else {"TagList": tags}
    facts = derive.derive_local("aws.rds.db_cluster", record)
    assert facts["x_tag_keys"] == _search("keys(x_tags)", facts)


@pytest.mark.parametrize("engine", [None, "aurora-postgresql", "aurora-mysql", "aurora"])
def test_tls_parameter_for_the_engine(engine: Any) -> None:
    record = {} if engine is None else {"Engine": engine}
    tls = _with("x_tls_parameter", record)
    assert tls["ParameterName"] == _search(
        "Engine == 'aurora-postgresql' && 'rds.force_ssl' || 'require_secure_transport'", record
    )
    assert tls["ParameterValue"] == _search("Engine == 'aurora-postgresql' && '1' || 'ON'", record)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"rds.force_ssl": "1"},
        {"rds.force_ssl": "0"},
        {"rds.force_ssl": ""},
        {"require_secure_transport": "ON"},
        {"rds.force_ssl": "", "require_secure_transport": "OFF"},
        {"rds.force_ssl": 0, "require_secure_transport": "ON"},
    ],
)
def test_tls_value_of_a_parameter_group(params: dict[str, Any]) -> None:
    for record in (
        {"x_parameters": params},  # a test case stating the fact
        {"Parameters": [{"ParameterName": k, "ParameterValue": v} for k, v in params.items()]},
    ):
        facts = derive.derive_local("aws.rds.db_cluster_parameter_group", record)
        expected = _search(
            'x_parameters."rds.force_ssl" || x_parameters.require_secure_transport', facts
        )
        assert facts.get("x_tls_value") == expected


@pytest.mark.parametrize("encryption", [None, "sse-rds", "sse-kms", "none"])
@pytest.mark.parametrize("key", _KEYS)
def test_encryption_key_in_words(encryption: Any, key: Any) -> None:
    record: dict[str, Any] = {"KmsKeyId": key}
    if encryption is not None:
        record["StorageEncryptionType"] = encryption
    for rtype in ("aws.rds.db_cluster", "aws.rds.db_cluster_snapshot"):
        facts = derive.derive_local(rtype, record)
        assert facts.get("x_encryption_key") == _search(
            "x_encryption == 'sse-rds' && 'an AWS owned key (StorageEncryptionType sse-rds), "
            "not a customer managed key' || join('', ['KMS key ', KmsKeyId || '(not set)'])",
            facts,
        )


def test_reader_az_count_is_the_length_of_reader_azs() -> None:
    cluster = {
        "DBClusterMembers": [
            {"DBInstanceIdentifier": "w", "IsClusterWriter": True},
            {"DBInstanceIdentifier": "r1", "IsClusterWriter": False},
            {"DBInstanceIdentifier": "r2", "IsClusterWriter": False},
        ]
    }
    members = [
        ("w", {"DBInstanceIdentifier": "w", "AvailabilityZone": "a"}),
        ("r1", {"DBInstanceIdentifier": "r1", "AvailabilityZone": "b"}),
        ("r2", {"DBInstanceIdentifier": "r2", "AvailabilityZone": "c"}),
    ]
    facts = derive.member_facts(cluster, members)
    assert facts["x_reader_az_count"] == _search("length(x_reader_azs)", facts) == 2


_ROOT = Path(__file__).resolve().parents[2]
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_SPECIAL = ("param.", "via.")


def _expressions(node: Any, key: str = "") -> Iterator[str]:
    """Every attr, ref and template placeholder of a policy document (its test cases aside)."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name in ("tests", "description", "title", "text", "references"):
                continue
            if name in ("attr", "ref") and isinstance(value, str):
                yield value.removeprefix("subject.")
            else:
                yield from _expressions(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from _expressions(item, key)
    elif isinstance(node, str) and key in ("message", "cli"):
        for name in _PLACEHOLDER.findall(node):
            if name.startswith("via."):
                tail = name.split(".")
                # Drop the relation names: the rest is read on the end node.
                while tail and (tail[0] == "via" or tail[0] in RELATIONS):
                    tail.pop(0)
                if tail:
                    yield ".".join(tail)
            elif not name.startswith(_SPECIAL):
                yield name


def test_built_in_policies_read_plain_field_paths() -> None:
    """A built-in policy reads named facts, not clever JMESPath (issue 15, item 5).

    Only dotted chains take the dict-lookup fast path; anything else is a
    full JMESPath search per record.  Compute it once in scanner/derive.py
    (or scanner/edges.py) as an x_ fact, declared in scanner/shapes.py DERIVED.
    """
    clever = sorted(
        f"{path.relative_to(_ROOT)}: {expr}"
        for path in sorted((_ROOT / "policies").rglob("*.yaml"))
        for expr in _expressions(yaml.safe_load(path.read_text(encoding="utf-8")))
        if _fast_getter(expr) is None
    )
    assert not clever, clever
