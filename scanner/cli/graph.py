"""`aurora-scan graph SNAPSHOT`: the resource graph the policies walk, for other tools.

The graph is the networkx MultiDiGraph the engine evaluates (scanner/graph.py),
built from the snapshot exactly as `evaluate` builds it.  It is exported as
node-link JSON, GraphML or Graphviz DOT; ``--around`` keeps the neighbourhood
of one resource.  Node attributes are the resource's type, account, region and
name (``--attrs`` adds the whole record, derived ``x_`` facts included); an
edge's key is its relation name and its attributes are ``relation`` and the
edge facts (for example a route's destination CIDR).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.atomic_write import write_private_output
from scanner.errors import UserInputError

if TYPE_CHECKING:
    import networkx

    Graph = networkx.MultiDiGraph[str]

ORDER = 80

FORMATS = ("json", "graphml", "dot")

EPILOG = """\
formats:
  json     networkx node-link data: {"directed", "multigraph", "graph", "nodes", "edges"};
           read back with networkx.node_link_graph(json.load(f))
  graphml  GraphML (every attribute a string); networkx.read_graphml, Gephi, yEd, Cytoscape
  dot      Graphviz DOT; render with `dot -Tsvg graph.dot -o graph.svg`

examples:
  aurora-scan graph snapshot.json --format json --output graph.json
  aurora-scan graph snapshot.json --format dot \\
      --around arn:aws:rds:us-east-1:123456789012:cluster:prod --depth 2 | dot -Tsvg > prod.svg
  aurora-scan graph snapshot.json --format graphml --attrs --output estate.graphml
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "graph",
        help="export the resource graph (json, graphml, dot), whole or around one resource",
        description="Export the resource graph the policies walk: resources as nodes, "
        "relations as edges keyed by relation name.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "snapshot",
        type=Path,
        metavar="SNAPSHOT",
        help="snapshot JSON written by `aurora-scan collect`, e.g. snapshot.json",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="json (node-link, the default), graphml or dot, e.g. --format dot",
    )
    parser.add_argument(
        "--around",
        metavar="ARN",
        help="keep only the resources within --depth relations of this one, in either "
        "direction, e.g. --around arn:aws:rds:us-east-1:123456789012:cluster:prod",
    )
    parser.add_argument(
        "--depth",
        metavar="N",
        type=int,
        help="with --around: how many relations away to reach (default 1), e.g. --depth 2",
    )
    parser.add_argument(
        "--attrs",
        action="store_true",
        help="also put each resource's whole record (with its x_ facts) on its node, "
        "as a JSON text in graphml and dot, e.g. --attrs",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="write to FILE instead of standard output, e.g. --output graph.json",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    depth = _depth(args.around, args.depth)
    text = render(
        export_graph(args.snapshot, around=args.around, depth=depth, attrs=args.attrs),
        args.format,
    )
    if args.output is not None:
        _write(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def _depth(around: str | None, depth: int | None) -> int:
    if depth is None:
        return 1
    if around is None:
        raise UserInputError(
            "--depth needs --around", hint="add --around ARN, or drop --depth for the whole graph"
        )
    if depth < 0:
        raise UserInputError(
            f"--depth must be 0 or more, not {depth}", expected="a number of relations, e.g. 2"
        )
    return depth


# ----- the graph to export ------------------------------------------------------


def export_graph(
    snapshot_path: Path, *, around: str | None = None, depth: int = 1, attrs: bool = False
) -> Graph:
    """The snapshot's resource graph (a networkx.MultiDiGraph) with exportable attributes."""
    import networkx

    from scanner import gc_pause
    from scanner.cli.evaluate import read_snapshot_file
    from scanner.edges import build_graph
    from scanner.policy.engine import snapshot_gaps
    from scanner.vocabulary import resource_name

    snapshot, _digest = read_snapshot_file(snapshot_path)
    with gc_pause.paused():
        graph = build_graph(snapshot.resources, snapshot_gaps(snapshot))
    g = graph.nx
    if around is not None:
        if around not in graph:
            raise UserInputError(
                f"no resource {around!r} in the snapshot",
                location="--around",
                file=str(snapshot_path),
                expected="the id (ARN) of a node",
                hint="list the node ids with `aurora-scan graph SNAPSHOT --format json`",
            )
        g = networkx.ego_graph(g, around, radius=depth, undirected=True)
    out: Graph = networkx.MultiDiGraph()
    for node, data in g.nodes(data=True):
        resource = data["resource"]
        node_attrs = {
            "type": resource.type,
            "account": resource.account,
            "region": resource.region,
            "name": resource_name(resource),
        }
        if attrs:
            node_attrs["attrs"] = resource.attrs
        out.add_node(node, **node_attrs)
    for source, target, key, data in g.edges(keys=True, data=True):
        out.add_edge(source, target, key=key, relation=key.partition("#")[0], **data)
    return out


# ----- formats ---------------------------------------------------------------------


def render(g: Graph, fmt: str) -> str:
    if fmt == "json":
        return _json(g)
    if fmt == "graphml":
        return _graphml(g)
    if fmt == "dot":
        return "".join(_dot_lines(g))
    raise UserInputError(f"unknown format {fmt!r}", expected=", ".join(FORMATS))


def _json(g: Graph) -> str:
    import networkx

    data = networkx.node_link_data(g, edges="edges")
    return json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n"


def _text(value: Any) -> str:
    """An attribute as a string: GraphML and DOT attributes are text."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _stringified(g: Graph) -> Graph:
    import networkx

    out: Graph = networkx.MultiDiGraph()
    for node, data in g.nodes(data=True):
        out.add_node(node, **{k: _text(v) for k, v in data.items() if v is not None})
    for source, target, key, data in g.edges(keys=True, data=True):
        fields = {k: _text(v) for k, v in data.items() if v is not None}
        out.add_edge(source, target, key=key, **fields)
    return out


def _graphml(g: Graph) -> str:
    import networkx

    return "\n".join(networkx.generate_graphml(_stringified(g))) + "\n"


def dot_quote(text: str) -> str:
    """A DOT quoted string: backslash, quote and line breaks escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r", "\\r").replace("\n", "\\n")
    return f'"{escaped}"'


def _dot_attrs(fields: dict[str, str]) -> str:
    return ", ".join(f"{dot_quote(k)}={dot_quote(v)}" for k, v in fields.items())


def _dot_lines(g: Graph) -> Iterator[str]:
    """Graphviz DOT written here: pydot/pygraphviz are not dependencies."""
    s = _stringified(g)
    yield 'digraph "aurora-scan" {\n'
    yield "  node [shape=box];\n"
    for node, data in s.nodes(data=True):
        fields = {"label": f"{data.get('name', node)}\n{data.get('type', '')}", **data}
        yield f"  {dot_quote(node)} [{_dot_attrs(fields)}];\n"
    for source, target, key, data in s.edges(keys=True, data=True):
        fields = {"key": key, "label": data.get("relation", key), **data}
        yield f"  {dot_quote(source)} -> {dot_quote(target)} [{_dot_attrs(fields)}];\n"
    yield "}\n"


def _write(path: Path, text: str) -> None:
    """The graph names the account's resources: written privately."""
    write_private_output(path, text, "the graph")
