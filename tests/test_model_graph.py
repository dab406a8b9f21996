"""The core types and the resource graph."""

from __future__ import annotations

import networkx as nx
import pytest
from graph_paths import witness_paths

from scanner.graph import ResourceGraph
from scanner.model import (
    CollectionError,
    ExitCode,
    Finding,
    Resource,
    ScanResult,
    Severity,
    Snapshot,
    Status,
)


def _res(rid: str, rtype: str = "aws.rds.db_cluster", **attrs: object) -> Resource:
    return Resource(id=rid, type=rtype, account="111111111111", region="us-east-1", attrs=attrs)


def _finding(status: Status, severity: Severity = Severity.HIGH, fp: str = "f") -> Finding:
    return Finding(
        policy_id="p",
        resource_id="r",
        resource_type="aws.rds.db_cluster",
        resource_name="r",
        account="111111111111",
        region="us-east-1",
        status=status,
        severity=severity,
        message="m",
        fingerprint=fp,
    )


def test_the_engine_walks_every_witness_path_of_the_multidigraph() -> None:
    g = ResourceGraph()
    g.add_resources(
        [
            _res("c"),
            _res("sng", "aws.rds.db_subnet_group"),
            _res("s1", "aws.ec2.subnet"),
            _res("s2", "aws.ec2.subnet"),
            _res("rt", "aws.ec2.route_table"),
            _res("igw", "aws.ec2.internet_gateway"),
        ]
    )
    g.add_edge("c", "in_subnet_group", "sng")
    g.add_edge("sng", "in_subnet", "s1")
    g.add_edge("sng", "in_subnet", "s2")
    g.add_edge("s1", "routed_by", "rt")
    g.add_edge("s2", "routed_by", "rt")
    g.add_edge("rt", "routes_to", "igw", DestinationCidrBlock="0.0.0.0/0")
    g.add_edge("rt", "routes_to", "igw", DestinationIpv6CidrBlock="::/0")

    steps = ["in_subnet_group", "in_subnet", "routed_by", "routes_to"]
    igw = "aws.ec2.internet_gateway"
    paths = witness_paths(g, "c", steps, igw)
    assert len(paths) == 4
    assert paths[0]["nodes"] == ["c", "sng", "s1", "rt", "igw"]
    assert paths[0]["relations"] == steps
    assert [p["edges"][-1] for p in paths[:2]] == [
        {"DestinationCidrBlock": "0.0.0.0/0"},
        {"DestinationIpv6CidrBlock": "::/0"},
    ]
    assert witness_paths(g, "c", ["member"], "aws.rds.db_instance") == []
    assert witness_paths(g, "missing", steps, igw) == []
    assert g.edge_count("routes_to") == 2
    # networkx sees the same graph: every simple path c -> igw, one per parallel edge.
    assert len(list(nx.all_simple_edge_paths(g.nx, "c", "igw"))) == 4


def test_add_edge_to_unknown_node_is_an_error() -> None:
    g = ResourceGraph()
    g.add_resource(_res("c"))
    with pytest.raises(KeyError):
        g.add_edge("c", "member", "nope")


def test_snapshot_round_trips_through_dict() -> None:
    snap = Snapshot(
        collected_at="2026-11-28T00:00:00Z",
        accounts=("111111111111",),
        regions=("us-east-1",),
        resources=(_res("b", DeletionProtection=True), _res("a")),
        errors=(
            CollectionError(
                "111111111111",
                "us-east-1",
                "rds",
                "DescribeDBInstances",
                "AccessDenied",
                "no",
                ("aws.rds.db_instance",),
            ),
        ),
    )
    data = snap.to_dict()
    assert [r["id"] for r in data["resources"]] == ["a", "b"]
    assert Snapshot.from_dict(data).to_dict() == data


@pytest.mark.parametrize(
    ("statuses", "fail_on", "allow_incomplete", "expected"),
    [
        ([Status.PASS], Severity.LOW, False, ExitCode.CLEAN),
        ([Status.FAIL], Severity.LOW, False, ExitCode.FAILED),
        ([Status.FAIL], Severity.CRITICAL, False, ExitCode.CLEAN),
        ([Status.WAIVED], Severity.LOW, False, ExitCode.CLEAN),
        ([Status.UNKNOWN], Severity.LOW, False, ExitCode.INCOMPLETE),
        ([Status.UNKNOWN], Severity.LOW, True, ExitCode.CLEAN),
        ([Status.UNKNOWN, Status.FAIL], Severity.LOW, False, ExitCode.FAILED),
        ([Status.FAIL], None, False, ExitCode.CLEAN),
    ],
)
def test_exit_code(
    statuses: list[Status], fail_on: Severity | None, allow_incomplete: bool, expected: ExitCode
) -> None:
    result = ScanResult(scan={}, policies=(), findings=tuple(_finding(s) for s in statuses))
    assert result.exit_code(fail_on, allow_incomplete=allow_incomplete) is expected


def test_baseline_fingerprints_do_not_count_towards_fail_on() -> None:
    result = ScanResult(scan={}, policies=(), findings=(_finding(Status.FAIL, fp="old"),))
    assert result.exit_code(Severity.LOW, ignore_fingerprints={"old"}) is ExitCode.CLEAN
    assert ScanResult.from_dict(result.to_dict()).to_dict() == result.to_dict()


def test_networkx_view_keys_edges_by_relation() -> None:
    g = ResourceGraph()
    g.add_resources([_res("rt", "aws.ec2.route_table"), _res("igw", "aws.ec2.internet_gateway")])
    g.add_edge("rt", "routes_to", "igw", DestinationCidrBlock="0.0.0.0/0")
    g.add_edge("rt", "routes_to", "igw", DestinationIpv6CidrBlock="::/0")
    g.add_edge("rt", "routes_to", "igw", DestinationIpv6CidrBlock="::/0")  # duplicate: ignored
    view = g.nx
    assert sorted(k for _, _, k in view.edges(keys=True)) == ["routes_to", "routes_to#2"]
    assert view.nodes["igw"]["type"] == "aws.ec2.internet_gateway"
    assert g.edge_count() == 2
