"""`aurora-scan graph --around` on the demo estate's snapshot (collected from moto)."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from e2e_support import E2E

from scanner.cli import main
from scanner.edges import build_graph
from scanner.snapshot_file import read_snapshot


def test_around_a_demo_cluster_keeps_what_it_touches(
    e2e: E2E, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot_path = e2e.full_dir / "snapshot.json"
    whole = build_graph(read_snapshot(snapshot_path).resources).nx
    cluster = next(iter(e2e.estate["clusters"].values()))

    def around(depth: int) -> nx.MultiDiGraph[str]:
        args = ["graph", str(snapshot_path), "--around", cluster, "--depth", str(depth)]
        assert main(args) == 0
        return nx.node_link_graph(json.loads(capsys.readouterr().out), edges="edges")

    one = around(1)
    touching = {cluster, *whole.successors(cluster), *whole.predecessors(cluster)}
    assert set(one) == touching
    types = {one.nodes[n]["type"] for n in one}
    assert {"aws.rds.db_instance", "aws.rds.db_subnet_group"} <= types
    # Every edge among the kept nodes is kept, keyed by relation.
    assert set(one.edges(keys=True)) == set(whole.subgraph(touching).edges(keys=True))
    two = around(2)
    assert set(one) < set(two) < set(whole)
