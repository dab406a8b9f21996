"""The resource graph is a networkx MultiDiGraph: laid out as networkx lays it out.

ResourceGraph writes nodes and edges straight into the MultiDiGraph's dicts
(scanner/graph.py says why); these tests hold that layout to networkx's own:
the same graph built with networkx's add_edge compares equal, networkx's
algorithms and writers work on it, and the engine's index reads it.
"""

from __future__ import annotations

import networkx as nx
from graph_paths import witness_paths

from scanner.graph import ResourceGraph
from scanner.model import Resource


def _res(rid: str, rtype: str) -> Resource:
    return Resource(id=rid, type=rtype, account="111111111111", region="us-east-1", attrs={})


NODES = [
    ("c", "aws.rds.db_cluster"),
    ("i1", "aws.rds.db_instance"),
    ("i2", "aws.rds.db_instance"),
    ("sg", "aws.ec2.security_group"),
    ("rt", "aws.ec2.route_table"),
    ("igw", "aws.ec2.internet_gateway"),
]
EDGES = [
    ("c", "member", "i2", {}),
    ("c", "protected_by", "sg", {}),
    ("c", "member", "i1", {}),
    ("i1", "member_of", "c", {}),
    ("i2", "member_of", "c", {}),
    ("rt", "routes_to", "igw", {"DestinationCidrBlock": "0.0.0.0/0"}),
    ("rt", "routes_to", "igw", {"DestinationIpv6CidrBlock": "::/0"}),
    ("rt", "routes_to", "igw", {"DestinationCidrBlock": "0.0.0.0/0"}),  # the same edge again
]


def _graph() -> ResourceGraph:
    g = ResourceGraph()
    g.add_resources(_res(rid, rtype) for rid, rtype in NODES)
    g.add_edges(EDGES)
    return g


def _built_by_networkx() -> nx.MultiDiGraph[str]:
    want: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for rid, rtype in NODES:
        want.add_node(rid, type=rtype, account="111111111111", region="us-east-1")
    for source, relation, target, data in EDGES[:-1]:
        key = relation if not want.has_edge(source, target, relation) else f"{relation}#2"
        want.add_edge(source, target, key=key, **data)
    return want


def test_the_multidigraph_equals_one_built_with_networkx_add_edge() -> None:
    g = _graph()
    want = _built_by_networkx()
    assert list(g.nx.edges(keys=True, data=True)) == list(want.edges(keys=True, data=True))
    assert {n: g.nx.pred[n].keys() for n in g.nx} == {n: want.pred[n].keys() for n in want}
    assert {n: g.nx.in_degree(n) for n in g.nx} == {n: want.in_degree(n) for n in want}
    without_records = {
        n: {k: v for k, v in d.items() if k != "resource"} for n, d in g.nx.nodes.items()
    }
    assert without_records == dict(want.nodes.items())
    assert g.nx.nodes["c"]["resource"] is g.resource("c")
    assert g.nx.number_of_edges() == g.edge_count() == 7


def test_networkx_algorithms_see_the_graph() -> None:
    g = _graph()
    assert nx.descendants(g.nx, "c") == {"i1", "i2", "sg"}
    assert set(nx.ego_graph(g.nx, "igw", radius=1, undirected=True)) == {"igw", "rt"}
    assert sorted(g.nx.reverse().successors("c")) == ["i1", "i2"]
    assert g.nx.get_edge_data("rt", "igw", "routes_to#2") == {"DestinationIpv6CidrBlock": "::/0"}


def test_neighbours_are_read_from_the_multidigraph() -> None:
    g = _graph()
    assert [t for t, _ in g.neighbours("c", "member")] == ["i2", "i1"]
    assert [d for _, d in g.neighbours("rt", "routes_to")] == [
        {"DestinationCidrBlock": "0.0.0.0/0"},
        {"DestinationIpv6CidrBlock": "::/0"},
    ]
    # The very edge-data dicts networkx holds, not copies.
    assert g.neighbours("rt", "routes_to")[1][1] is g.nx.edges["rt", "igw", "routes_to#2"]
    assert g.neighbours("sg", "member") == ()
    g.add_edge("c", "member", "sg")  # a later edge shows up: the index is rebuilt
    assert [t for t, _ in g.neighbours("c", "member")] == ["i2", "sg", "i1"]


def test_the_engine_walks_it() -> None:
    g = _graph()
    paths = witness_paths(g, "i1", ["member_of", "member"], "aws.rds.db_instance")
    assert [p["nodes"] for p in paths] == [["i1", "c", "i2"]]  # never back to i1
    assert len(g) == 6 and "c" in g and "nope" not in g
    assert [r.id for r in g.of_type("aws.rds.db_instance")] == ["i1", "i2"]
