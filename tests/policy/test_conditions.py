"""Each condition kind, data-driven, through the real graph builder."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from scanner.edges import build_graph
from scanner.policy.conditions import MAX_WITNESSES, State
from scanner.policy.engine import Run, Selected, evaluate_policy
from scanner.policy.operators import OpContext
from scanner.policy.policy import Policy
from scanner.policy.testing import case_resources

CLUSTER = "aws.rds.db_cluster"


def make_policy(require: Any, *, resource: str = CLUSTER, **extra: Any) -> Policy:
    doc = {
        "id": "test.p",
        "title": "t",
        "severity": "low",
        "resource": resource,
        "require": require,
        "message": "m",
        **extra,
    }
    policy = Policy.from_doc(doc, area="test", file="test.p.yaml", yaml_doc=None)
    errors = policy.check_meaning(None)
    assert not errors, [e.render() for e in errors]
    return policy


def verdicts(policy: Policy, resources: list[dict[str, Any]], errors: Any = ()) -> dict[str, str]:
    program, problems = policy.compile()
    assert not problems
    graph = build_graph(case_resources({"resources": resources}))
    run = Run(
        graph=graph,
        now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        scan_facts={"accounts": ["123456789012"], "regions": ["us-east-1"]},
        errors=errors,
    )
    findings = evaluate_policy(run, Selected(policy, program, ()))
    return {f.resource_id: f.status.value for f in findings}


def cluster(cid: str = "c1", **attrs: Any) -> dict[str, Any]:
    return {
        "type": CLUSTER,
        "id": cid,
        "DBClusterIdentifier": cid,
        "Engine": "aurora-mysql",
        **attrs,
    }


NETWORK = [
    {
        "type": "aws.rds.db_subnet_group",
        "id": "sng",
        "DBSubnetGroupName": "sng",
        "VpcId": "vpc-1",
        "Subnets": [
            {"SubnetIdentifier": "s1", "SubnetAvailabilityZone": {"Name": "us-east-1a"}},
            {"SubnetIdentifier": "s2", "SubnetAvailabilityZone": {"Name": "us-east-1a"}},
        ],
    },
    {"type": "aws.ec2.subnet", "id": "s1", "SubnetId": "s1", "VpcId": "vpc-1"},
    {"type": "aws.ec2.subnet", "id": "s2", "SubnetId": "s2", "VpcId": "vpc-1"},
    {
        "type": "aws.ec2.route_table",
        "id": "rt-main",
        "RouteTableId": "rt-main",
        "VpcId": "vpc-1",
        "Associations": [{"Main": True}],
        "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}],
    },
    {
        "type": "aws.ec2.route_table",
        "id": "rt-pub",
        "RouteTableId": "rt-pub",
        "VpcId": "vpc-1",
        "Associations": [{"Main": False, "SubnetId": "s2"}],
        "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}],
    },
    {"type": "aws.ec2.internet_gateway", "id": "igw-1", "InternetGatewayId": "igw-1"},
    {"type": "aws.ec2.nat_gateway", "id": "nat-1", "NatGatewayId": "nat-1"},
]

PUBLIC_PATH = {
    "path": {
        "via": [
            "in_subnet_group",
            "in_subnet",
            "routed_by",
            {
                "relation": "routes_to",
                "where": {
                    "attr": "DestinationCidrBlock",
                    "op": "cidr_covers",
                    "value": "0.0.0.0/0",
                },
            },
        ],
        "to": "aws.ec2.internet_gateway",
    }
}

# (name, require, resources, expected verdict of c1)
ROWS: list[tuple[str, Any, list[dict[str, Any]], str]] = [
    (
        "attr true",
        {"attr": "DeletionProtection", "op": "eq", "value": True},
        [cluster(DeletionProtection=True)],
        "PASS",
    ),
    (
        "attr missing is false",
        {"attr": "DeletionProtection", "op": "eq", "value": True},
        [cluster()],
        "FAIL",
    ),
    (
        "attr JMESPath",
        {"attr": "length(TagList[?Key=='env'])", "op": "ge", "value": 1},
        [cluster(TagList=[{"Key": "env", "Value": "prod"}])],
        "PASS",
    ),
    (
        "attr derived fact",
        {"attr": "x_tags.env", "op": "eq", "value": "prod"},
        [cluster(TagList=[{"Key": "env", "Value": "prod"}])],
        "PASS",
    ),
    (
        "all",
        {"all": [{"attr": "A", "op": "eq", "value": 1}, {"attr": "B", "op": "eq", "value": 2}]},
        [cluster(A=1, B=3)],
        "FAIL",
    ),
    (
        "any",
        {"any": [{"attr": "A", "op": "eq", "value": 1}, {"attr": "B", "op": "eq", "value": 2}]},
        [cluster(A=1, B=3)],
        "PASS",
    ),
    (
        "not",
        {"not": {"attr": "Port", "op": "in", "value": [3306, 5432]}},
        [cluster(Port=3306)],
        "FAIL",
    ),
    (
        "any_item",
        {"any_item": {"attr": "TagList", "where": {"attr": "Key", "op": "eq", "value": "owner"}}},
        [cluster(TagList=[{"Key": "env"}, {"Key": "owner"}])],
        "PASS",
    ),
    (
        "any_item on a missing list",
        {"any_item": {"attr": "TagList", "where": {"attr": "Key", "op": "exists"}}},
        [cluster()],
        "FAIL",
    ),
    (
        "any_item with a subject ref",
        {
            "any_item": {
                "attr": "Items",
                "where": {"attr": "port", "op": "eq", "value": {"ref": "subject.Port"}},
            }
        },
        [cluster(Port=3306, Items=[{"port": 5432}, {"port": 3306}])],
        "PASS",
    ),
    (
        "path to a public route through an explicit association",
        PUBLIC_PATH,
        [cluster(DBSubnetGroup="sng"), *NETWORK],
        "PASS",
    ),
    (
        "path via the main table only reaches NAT",
        PUBLIC_PATH,
        [cluster(DBSubnetGroup="sng"), *[r for r in NETWORK if r["id"] != "rt-pub"]],
        "FAIL",
    ),
    (
        "path where on the end node",
        {
            "path": {
                "via": ["in_subnet_group"],
                "to": "aws.rds.db_subnet_group",
                "where": {
                    "attr": "length(unique(Subnets[].SubnetAvailabilityZone.Name))",
                    "op": "ge",
                    "value": 2,
                },
            }
        },
        [cluster(DBSubnetGroup="sng"), *NETWORK],
        "FAIL",
    ),
    ("path with no edges", PUBLIC_PATH, [cluster()], "FAIL"),
    (
        "scan ref",
        {"attr": "OwnerAccount", "op": "in", "value": {"ref": "scan.accounts"}},
        [cluster(OwnerAccount="123456789012")],
        "PASS",
    ),
]


@pytest.mark.parametrize(("name", "require", "resources", "want"), ROWS, ids=[r[0] for r in ROWS])
def test_condition(name: str, require: Any, resources: list[dict[str, Any]], want: str) -> None:
    assert verdicts(make_policy(require), resources)["c1"] == want


def test_scope_false_is_not_applicable_with_its_evidence() -> None:
    policy = make_policy(
        {"attr": "A", "op": "exists"},
        scope={"attr": "Engine", "op": "in", "value": ["aurora-mysql"]},
    )
    program, _ = policy.compile()
    graph = build_graph(case_resources({"resources": [cluster(Engine="neptune")]}))
    run = Run(graph=graph, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), scan_facts={}, errors=())
    (finding,) = evaluate_policy(run, Selected(policy, program, ()))
    assert finding.status.value == "NOT_APPLICABLE"
    assert finding.reason == "out of scope"
    assert finding.evidence[0]["observed"] == "neptune"


def test_path_evidence_keeps_witnesses_and_edge_data() -> None:
    policy = make_policy(PUBLIC_PATH)
    program, _ = policy.compile()
    graph = build_graph(case_resources({"resources": [cluster(DBSubnetGroup="sng"), *NETWORK]}))
    run = Run(graph=graph, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), scan_facts={}, errors=())
    (finding,) = evaluate_policy(run, Selected(policy, program, ()))
    (witness,) = [e for e in finding.evidence if e["kind"] == "path"]
    assert witness["nodes"] == ["c1", "sng", "s2", "rt-pub", "igw-1"]
    assert witness["relations"] == ["in_subnet_group", "in_subnet", "routed_by", "routes_to"]
    assert witness["edges"][-1] == {"DestinationCidrBlock": "0.0.0.0/0"}


def test_a_false_path_says_so_in_evidence() -> None:
    policy = make_policy(PUBLIC_PATH)
    program, _ = policy.compile()
    graph = build_graph(case_resources({"resources": [cluster()]}))
    run = Run(graph=graph, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), scan_facts={}, errors=())
    (finding,) = evaluate_policy(run, Selected(policy, program, ()))
    assert finding.evidence[0]["kind"] == "no_path"
    assert finding.evidence[0]["to"] == "aws.ec2.internet_gateway"


def test_witnesses_are_capped() -> None:
    members = [
        {
            "type": "aws.rds.db_instance",
            "id": f"i{n}",
            "DBInstanceIdentifier": f"i{n}",
            "DBClusterIdentifier": "c1",
        }
        for n in range(25)
    ]
    policy = make_policy({"path": {"via": ["member"], "to": "aws.rds.db_instance"}})
    program, _ = policy.compile()
    graph = build_graph(case_resources({"resources": [cluster(), *members]}))
    run = Run(graph=graph, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), scan_facts={}, errors=())
    (finding,) = evaluate_policy(run, Selected(policy, program, ()))
    assert len([e for e in finding.evidence if e["kind"] == "path"]) == MAX_WITNESSES


def test_attr_evidence_records_observed_and_expected() -> None:
    policy = make_policy(
        {"attr": "BackupRetentionPeriod", "op": "ge", "value": {"param": "min_days"}},
        params={"min_days": {"default": 7}},
    )
    program, _ = policy.compile()
    graph = build_graph(case_resources({"resources": [cluster(BackupRetentionPeriod=6)]}))
    run = Run(graph=graph, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), scan_facts={}, errors=())
    (finding,) = evaluate_policy(run, Selected(policy, program, ()))
    assert finding.evidence == (
        {
            "kind": "attr",
            "attr": "BackupRetentionPeriod",
            "op": "ge",
            "expected": 7,
            "observed": 6,
            "result": False,
        },
    )


def test_state_evidence_is_bounded() -> None:
    state = State(
        graph=build_graph([]),
        subject=case_resources({"resources": [cluster()]})[0],
        op_ctx=OpContext(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        scan={},
    )
    for n in range(100):
        state.add({"kind": "attr", "n": n})
    assert len(state.evidence) < 100


def test_a_false_path_names_the_end_nodes_it_reached_and_what_they_hold() -> None:
    policy = make_policy(
        {
            "path": {
                "via": ["uses_parameter_group"],
                "to": "aws.rds.db_cluster_parameter_group",
                "where": {
                    "attr": "x_parameters.server_audit_logging",
                    "op": "in_ci",
                    "value": ["1"],
                },
            }
        }
    )
    program, _ = policy.compile()
    group = {
        "type": "aws.rds.db_cluster_parameter_group",
        "id": "pg-off",
        "DBClusterParameterGroupName": "pg-off",
        "Parameters": [{"ParameterName": "server_audit_logging", "ParameterValue": "0"}],
    }
    resources = [
        cluster("c1", DBClusterParameterGroup="pg-off"),
        cluster("c2", DBClusterParameterGroup="pg-off"),
        group,
    ]
    graph = build_graph(case_resources({"resources": resources}))
    run = Run(graph=graph, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), scan_facts={}, errors=())
    first, second = evaluate_policy(run, Selected(policy, program, ()))
    assert first.status.value == "FAIL"
    (entry,) = first.evidence
    assert entry["kind"] == "no_path" and entry["result"] is False
    (reached,) = entry["reached"]
    assert reached["nodes"] == ["pg-off"]
    (test,) = reached["end"]
    assert (test["attr"], test["observed"], test["result"]) == (
        "x_parameters.server_audit_logging",
        "0",
        False,
    )
    # Subject-independent: both clusters share one evidence entry.
    assert second.evidence[0] is entry


def test_reached_end_nodes_are_capped() -> None:
    members = [
        {
            "type": "aws.rds.db_instance",
            "id": f"i{n:02}",
            "DBInstanceIdentifier": f"i{n:02}",
            "DBClusterIdentifier": "c1",
            "PubliclyAccessible": False,
        }
        for n in range(25)
    ]
    policy = make_policy(
        {
            "path": {
                "via": ["member"],
                "to": "aws.rds.db_instance",
                "where": {"attr": "PubliclyAccessible", "op": "eq", "value": True},
            }
        }
    )
    program, _ = policy.compile()
    graph = build_graph(case_resources({"resources": [cluster(), *members]}))
    run = Run(graph=graph, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), scan_facts={}, errors=())
    (finding,) = evaluate_policy(run, Selected(policy, program, ()))
    reached = finding.evidence[0]["reached"]
    assert len(reached) == MAX_WITNESSES
    assert [r["nodes"] for r in reached] == sorted(r["nodes"] for r in reached)


@pytest.mark.parametrize(
    ("value", "want"),
    [([], "NOT_APPLICABLE"), (["owner"], "FAIL")],
)
def test_param_empty_switches_a_policy_off(value: Any, want: str) -> None:
    policy = make_policy(
        {"attr": "keys(x_tags)", "op": "contains_all", "value": {"param": "required"}},
        scope={"not": {"param_empty": "required"}},
        params={"required": {"default": value}},
    )
    program, _ = policy.compile()
    graph = build_graph(case_resources({"resources": [cluster()]}))
    run = Run(graph=graph, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), scan_facts={}, errors=())
    (finding,) = evaluate_policy(run, Selected(policy, program, ()))
    assert finding.status.value == want
    if want == "NOT_APPLICABLE":
        (entry,) = finding.evidence
        assert (entry["attr"], entry["op"], entry["observed"], entry["result"]) == (
            "param.required",
            "empty",
            value,
            True,
        )


def test_param_empty_names_a_declared_parameter() -> None:
    policy = Policy.from_doc(
        {
            "id": "test.p",
            "title": "t",
            "severity": "low",
            "resource": CLUSTER,
            "require": {"param_empty": "requried"},
            "params": {"required": {"default": []}},
            "message": "m",
        },
        area="test",
        file="test.p.yaml",
        yaml_doc=None,
    )
    problems = [e.render() for e in policy.check_meaning(None)]
    assert any("parameter 'requried' is not declared" in p for p in problems), problems
    assert any("did you mean 'required'" in p for p in problems), problems
