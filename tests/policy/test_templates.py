"""message / remediation.cli templates, and findings built without __init__."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from scanner.edges import build_graph
from scanner.model import Finding, Severity, Status
from scanner.policy.conditions import Compiler, State
from scanner.policy.engine import new_finding
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


def test_new_finding_equals_the_dataclass() -> None:
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
        "frameworks": (),
    }
    fast = new_finding(dict(fields))
    assert fast == Finding(**fields)
    assert fast.to_dict() == Finding(**fields).to_dict()
    assert set(fields) == set(Finding.__dataclass_fields__)
