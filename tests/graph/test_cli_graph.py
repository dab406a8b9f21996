"""`aurora-scan graph`: each format parses back to the graph, --around, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest

from scanner.cli import main
from scanner.cli.graph import dot_quote
from scanner.edges import build_graph
from scanner.model import Resource, Snapshot
from scanner.snapshot_file import write_snapshot

ACCT = "123456789012"
ARN = f"arn:aws:rds:us-east-1:{ACCT}:cluster:"
CLUSTER, OTHER = ARN + "prod", ARN + 'odd "name"\\x'
ROUTE_TABLE, IGW = "rtb-1", "igw-1"


def _res(rid: str, rtype: str, **attrs: object) -> Resource:
    return Resource(id=rid, type=rtype, account=ACCT, region="us-east-1", attrs=attrs)


def _snapshot() -> Snapshot:
    """Two clusters on one subnet group, one public route (IPv4 and IPv6) to a gateway."""
    resources = [
        _res(
            CLUSTER,
            "aws.rds.db_cluster",
            DBClusterIdentifier="prod",
            DBSubnetGroup="sng",
            DBClusterMembers=[{"DBInstanceIdentifier": "prod-1", "IsClusterWriter": True}],
        ),
        _res(OTHER, "aws.rds.db_cluster", DBClusterIdentifier='odd "name"\\x', DBSubnetGroup="sng"),
        _res(
            f"arn:aws:rds:us-east-1:{ACCT}:db:prod-1",
            "aws.rds.db_instance",
            DBInstanceIdentifier="prod-1",
            DBClusterIdentifier="prod",
        ),
        _res(
            "sng",
            "aws.rds.db_subnet_group",
            DBSubnetGroupName="sng",
            VpcId="vpc-1",
            Subnets=[{"SubnetIdentifier": "subnet-1"}],
        ),
        _res("subnet-1", "aws.ec2.subnet", SubnetId="subnet-1", VpcId="vpc-1"),
        _res(
            ROUTE_TABLE,
            "aws.ec2.route_table",
            RouteTableId=ROUTE_TABLE,
            VpcId="vpc-1",
            Associations=[{"SubnetId": "subnet-1"}],
            Routes=[
                {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": IGW},
                {"DestinationIpv6CidrBlock": "::/0", "GatewayId": IGW},
            ],
        ),
        _res(IGW, "aws.ec2.internet_gateway", InternetGatewayId=IGW),
        _res("vpc-1", "aws.ec2.vpc", VpcId="vpc-1"),
    ]
    return Snapshot(
        collected_at="2026-11-28T00:00:00Z",
        accounts=(ACCT,),
        regions=("us-east-1",),
        resources=tuple(resources),
    )


@pytest.fixture(scope="module")
def snapshot_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("graph") / "snapshot.json"
    write_snapshot(_snapshot(), path)
    return path


def _export(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["graph", *args]) == 0
    out = capsys.readouterr().out
    assert out
    return out


def _expected() -> nx.MultiDiGraph[str]:
    return build_graph(_snapshot().resources).nx


def _edges(g: nx.MultiDiGraph[str]) -> set[tuple[str, str, str]]:
    return {(u, v, k) for u, v, k in g.edges(keys=True)}


def test_json_is_node_link_data(snapshot_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_export([str(snapshot_file), "--format", "json"], capsys))
    g = nx.node_link_graph(data, edges="edges")
    want = _expected()
    assert isinstance(g, nx.MultiDiGraph)
    assert set(g) == set(want) and len(g) == 8
    assert _edges(g) == _edges(want)
    assert (ROUTE_TABLE, IGW, "routes_to#2") in _edges(g)
    assert g.edges[ROUTE_TABLE, IGW, "routes_to#2"] == {
        "relation": "routes_to",
        "DestinationIpv6CidrBlock": "::/0",
    }
    assert g.nodes[CLUSTER] == {
        "type": "aws.rds.db_cluster",
        "account": ACCT,
        "region": "us-east-1",
        "name": "prod",
    }


def test_attrs_adds_the_whole_record(
    snapshot_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(_export([str(snapshot_file), "--attrs"], capsys))
    g = nx.node_link_graph(data, edges="edges")
    record = g.nodes[CLUSTER]["attrs"]
    assert record["DBClusterIdentifier"] == "prod"
    assert any(key.startswith("x_") for key in record)  # derived facts included


def test_graphml_reads_back_with_string_attributes(
    snapshot_file: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "g.graphml"
    assert (
        main(["graph", str(snapshot_file), "--format", "graphml", "--attrs", "--output", str(out)])
        == 0
    )
    assert capsys.readouterr().out == ""
    g = nx.read_graphml(out, force_multigraph=True)
    want = _expected()
    assert set(g) == set(want)
    assert _edges(g) == _edges(want)
    assert g.nodes[OTHER]["name"] == 'odd "name"\\x'
    assert json.loads(g.nodes[CLUSTER]["attrs"])["DBClusterIdentifier"] == "prod"
    assert out.stat().st_mode & 0o077 == 0  # names the account's resources: private


_DOT_NODE = re.compile(r'^  ("(?:[^"\\]|\\.)*") \[(.*)\];$')
_DOT_EDGE = re.compile(r'^  ("(?:[^"\\]|\\.)*") -> ("(?:[^"\\]|\\.)*") \[(.*)\];$')
_DOT_ATTR = re.compile(r'("(?:[^"\\]|\\.)*")=("(?:[^"\\]|\\.)*")')


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), token[1:-1])


def test_dot_is_one_statement_per_node_and_edge(
    snapshot_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _export([str(snapshot_file), "--format", "dot"], capsys).splitlines()
    assert lines[0] == 'digraph "aurora-scan" {' and lines[-1] == "}"
    nodes: dict[str, dict[str, str]] = {}
    edges = set()
    for line in lines[2:-1]:
        if edge := _DOT_EDGE.match(line):
            attrs = {_unquote(k): _unquote(v) for k, v in _DOT_ATTR.findall(edge[3])}
            edges.add((_unquote(edge[1]), _unquote(edge[2]), attrs["key"]))
        else:
            node = _DOT_NODE.match(line)
            assert node, line
            nodes[_unquote(node[1])] = {
                _unquote(k): _unquote(v) for k, v in _DOT_ATTR.findall(node[2])
            }
    want = _expected()
    assert set(nodes) == set(want)
    assert edges == _edges(want)
    assert nodes[OTHER]["name"] == 'odd "name"\\x'
    assert nodes[CLUSTER]["label"] == "prod\naws.rds.db_cluster"


def test_dot_quote_escapes_quotes_backslashes_and_newlines() -> None:
    assert dot_quote('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def test_around_keeps_the_neighbourhood_in_either_direction(
    snapshot_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def around(depth: str) -> set[str]:
        args = [str(snapshot_file), "--around", IGW, "--depth", depth]
        return set(nx.node_link_graph(json.loads(_export(args, capsys)), edges="edges"))

    assert around("0") == {IGW}
    assert around("1") == {IGW, ROUTE_TABLE}  # rtb-1 -> igw-1: reached against the arrow
    assert around("3") == {IGW, ROUTE_TABLE, "subnet-1", "vpc-1", "sng"}
    assert CLUSTER in around("4") and OTHER in around("4")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.json"], "snapshot file not found"),
        (["{snap}", "--around", "arn:aws:rds:us-east-1:1:cluster:nope"], "no resource"),
        (["{snap}", "--around", IGW, "--depth", "-1"], "--depth must be 0 or more"),
        (["{snap}", "--depth", "2"], "--depth needs --around"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str],
    message: str,
    snapshot_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["graph", *(a.format(snap=snapshot_file) for a in args)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and message in captured.err


@pytest.mark.parametrize("args", [["--format", "svg"], ["--depth", "two"]])
def test_bad_arguments_exit_2_with_one_line(
    args: list[str], snapshot_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["graph", str(snapshot_file), *args])
    assert exit_info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
