"""message / remediation.cli templates, and findings built positionally as the engine does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest

from scanner.edges import build_graph
from scanner.model import Finding, Severity, Status
from scanner.policy.conditions import Compiler, State
from scanner.policy.operators import OpContext
from scanner.policy.templates import compile_template
from scanner.policy.testing import case_resources

SUBJECT = {
    "type": "aws.rds.db_cluster",
    "id": "arn:aws:rds:us-east-1:123456789012:cluster:c1",
    "DBClusterIdentifier": "c1",
    "Port": 3306,
    "DeletionProtection": False,
    "EnabledCloudwatchLogsExports": ["audit", "error"],
    "x_writer": {"AvailabilityZone": "us-east-1a"},
}


def render(text: str, params: dict[str, Any] | None = None) -> str:
    compiler = Compiler(params=params or {}, data={})
    template = compile_template(text, compiler, ("message",))
    assert not compiler.problems, compiler.problems
    (subject,) = case_resources({"resources": [SUBJECT]})
    state = State(
        build_graph([subject]), subject, OpContext(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)), {}
    )
    return template.render(state, "c1")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Cluster {DBClusterIdentifier}", "Cluster c1"),
        ("port {Port}, protected {DeletionProtection}", "port 3306, protected false"),
        ("logs [{EnabledCloudwatchLogsExports}]", "logs [audit, error]"),
        ("writer in {x_writer.AvailabilityZone}", "writer in us-east-1a"),
        ("backtrack {BacktrackWindow}", "backtrack (not set)"),
        (
            "{name} in {account}/{region} ({type})",
            "c1 in 123456789012/us-east-1 (aws.rds.db_cluster)",
        ),
        ("at least {param.min_days} days", "at least 7 days"),
        ("literal {{braces}}", "literal {braces}"),
        ("{length(EnabledCloudwatchLogsExports)} exports", "2 exports"),
        ("no placeholders", "no placeholders"),
    ],
)
def test_render(text: str, want: str) -> None:
    assert render(text, {"min_days": 7}) == want


def test_positional_finding_equals_the_keyword_one() -> None:
    fields: dict[str, Any] = {
        "policy_id": "p",
        "resource_id": "r",
        "resource_type": "t",
        "resource_name": "n",
        "account": "a",
        "region": "us-east-1",
        "status": Status.FAIL,
        "severity": Severity.HIGH,
        "message": "m",
        "evidence": ({"kind": "attr"},),
        "remediation": {"text": "x"},
        "fingerprint": "f",
        "reason": "",
        "waiver": None,
        "first_seen": "2026-06-01T00:00:00Z",
        "last_status_change": "2026-06-02T00:00:00Z",
    }
    # The engine builds findings positionally, in this field order.
    assert list(fields) == list(Finding.__struct_fields__)
    fast = Finding(*fields.values())
    slow = Finding(**fields)
    assert fast == slow
    assert fast.to_dict() == slow.to_dict()
    assert msgspec.structs.replace(fast, reason="r").reason == "r"
    with pytest.raises(AttributeError):
        fast.reason = "changed"  # type: ignore[misc]


VIA_RESOURCES: list[dict[str, Any]] = [
    {**SUBJECT, "DBClusterParameterGroup": "pg-1", "KmsKeyId": "k-1"},
    {
        "type": "aws.rds.db_cluster_parameter_group",
        "id": "pg-1",
        "DBClusterParameterGroupName": "pg-1",
        "Parameters": [
            {"ParameterName": "server_audit_logging", "ParameterValue": "0"},
            {"ParameterName": "rds.force_ssl", "ParameterValue": "1"},
        ],
    },
]


def render_via(text: str, resources: list[dict[str, Any]]) -> str:
    compiler = Compiler(params={}, data={})
    template = compile_template(text, compiler, ("message",), ("aws.rds.db_cluster",))
    assert not compiler.problems, compiler.problems
    built = case_resources({"resources": resources})
    state = State(
        build_graph(built), built[0], OpContext(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)), {}
    )
    return template.render(state, "c1")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("audit {via.uses_parameter_group.x_parameters.server_audit_logging}", "audit 0"),
        ('ssl {via.uses_parameter_group.x_parameters."rds.force_ssl"}', "ssl 1"),
        ("group {via.uses_parameter_group}", "group pg-1"),
        ("missing {via.uses_parameter_group.x_parameters.nope}", "missing (not set)"),
        ("key {via.encrypted_with.KeyManager}", "key (none)"),
        ("members {via.member.DBInstanceIdentifier}", "members (none)"),
    ],
)
def test_via_placeholders_read_the_nodes_reached(text: str, want: str) -> None:
    assert render_via(text, VIA_RESOURCES) == want


def test_via_placeholder_joins_several_nodes_in_walk_order() -> None:
    members = [
        {
            "type": "aws.rds.db_instance",
            "id": f"i{n}",
            "DBInstanceIdentifier": f"i{n}",
            "DBClusterIdentifier": "c1",
            "DBInstanceClass": "db.r6g.large",
        }
        for n in range(12)
    ]
    text = render_via("{via.member.DBInstanceIdentifier}", [VIA_RESOURCES[0], *members])
    # The graph's (deterministic) neighbour order, capped at 10.
    assert text == ", ".join(sorted(f"i{n}" for n in range(12))[:10])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{via.uses_paramter_group.x}", "names no relation after 'via.'"),
        ("{via.in_subnet.SubnetId}", "relation 'in_subnet' does not start from aws.rds.db_cluster"),
        ("{via.uses_parameter_group.x[}", "invalid JMESPath"),
    ],
)
def test_via_placeholders_are_checked_at_load(text: str, problem: str) -> None:
    compiler = Compiler(params={}, data={})
    compile_template(text, compiler, ("message",), ("aws.rds.db_cluster",))
    assert any(problem in p[1] for p in compiler.problems), compiler.problems
