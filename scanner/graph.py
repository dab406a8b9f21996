"""ResourceGraph: a typed wrapper around one ``networkx.MultiDiGraph``.

The MultiDiGraph (``graph.nx``) is the graph: resources are its nodes (node
data ``type``, ``account``, ``region`` and the ``resource`` itself), named
relations are its edges, keyed by relation name (``name#2``, ``name#3`` for
further edges of one relation between the same two nodes, such as an IPv4 and
an IPv6 route to one gateway), with the edge facts (for example the
destination CIDR of a route) as edge data.

The wrapper adds what the engine reads on every step: resources by type, and
``neighbours(node, relation)``, a per-(node, relation) index derived from the
MultiDiGraph's successor dicts in one pass, holding the very edge-data dicts
the MultiDiGraph holds.  The engine's ``Path_`` condition
(scanner/policy/conditions.py) is the one walker over it.  ``gaps`` is what
the snapshot behind the graph does not know (scanner/provenance.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scanner.model import Resource
from scanner.provenance import Gaps

if TYPE_CHECKING:
    import networkx

# (source id, relation, target id, edge data)
EdgeRow = tuple[str, str, str, Mapping[str, Any]]
_Adjacency = dict[str, dict[str, dict[str, Mapping[str, Any]]]]
_Index = dict[tuple[str, str], list[tuple[str, Mapping[str, Any]]]]


def relation_of(key: str) -> str:
    """The relation an edge key names (``routes_to#2`` -> ``routes_to``)."""
    return key.partition("#")[0]


def _add_parallel(
    keys: dict[str, Mapping[str, Any]], relation: str, data: Mapping[str, Any]
) -> None:
    """A further ``relation`` edge between the same two nodes, unless one has this data."""
    key, n = relation, 1
    while key in keys:
        if keys[key] == data:
            return
        n += 1
        key = f"{relation}#{n}"
    keys[key] = data


class ResourceGraph:
    def __init__(self, gaps: Gaps | None = None) -> None:
        self.gaps = gaps if gaps is not None else Gaps()
        # Imported when a graph is built, not when the engine is: `scan` loads
        # the policies before collecting, and networkx takes 0.1-0.4 s to import.
        import networkx

        self.nx: networkx.MultiDiGraph[str] = networkx.MultiDiGraph()
        # The MultiDiGraph's own storage (node -> data; node -> neighbour ->
        # edge key -> edge data, successors and predecessors), which the
        # networkx stubs leave undeclared.
        storage = vars(self.nx)
        self._nodes: dict[str, dict[str, Any]] = storage["_node"]
        self._succ: _Adjacency = storage["_succ"]
        self._pred: _Adjacency = storage["_pred"]
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        self._index: _Index | None = None

    # ----- building -------------------------------------------------------
    #
    # Nodes and edges go straight into the MultiDiGraph's own dicts (node
    # dict, successor and predecessor dicts sharing one key dict per node
    # pair, as MultiDiGraph.add_edge lays them out): at 10k clusters
    # (77k nodes, 300k edges) networkx's add_edge costs ~1.1 s, a tenth of
    # the whole evaluation, this ~0.5 s.  The layout is networkx's documented
    # dict-of-dict-of-dict-of-dict; tests/graph/test_graph_networkx.py checks it
    # against networkx's own algorithms and readers.

    def add_resource(self, resource: Resource) -> None:
        if resource.id in self._nodes:
            # Same id twice (e.g. overlapping collectors): keep the first one.
            return
        self._nodes[resource.id] = {
            "type": resource.type,
            "account": resource.account,
            "region": resource.region,
            "resource": resource,
        }
        self._succ[resource.id] = {}
        self._pred[resource.id] = {}
        self._by_type[resource.type].append(resource)
        self._changed()

    def add_resources(self, resources: Iterable[Resource]) -> None:
        for r in resources:
            self.add_resource(r)

    def add_edge(self, source: str, relation: str, target: str, **data: Any) -> None:
        self.add_edges([(source, relation, target, data)])

    def add_edges(self, edges: Iterable[EdgeRow]) -> None:
        """Add edges; one equal to an existing edge (same relation, same data) is ignored."""
        nodes, succ, pred = self._nodes, self._succ, self._pred
        for source, relation, target, data in edges:
            if source not in nodes or target not in nodes:
                raise KeyError(f"edge {relation} {source} -> {target}: unknown node")
            keys = succ[source].get(target)
            if keys is None:
                succ[source][target] = pred[target][source] = {relation: data}
            elif relation not in keys:
                keys[relation] = data
            else:
                _add_parallel(keys, relation, data)
        self._changed()

    def _changed(self) -> None:
        """Forget what was derived from the graph: our index, networkx's cache."""
        self._index = None
        # What networkx.add_edge does too (networkx 3.3+ caches backend conversions).
        cache = getattr(self.nx, "__networkx_cache__", None)
        if cache:
            cache.clear()

    # ----- reading --------------------------------------------------------

    def __contains__(self, resource_id: object) -> bool:
        return resource_id in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def resource(self, resource_id: str) -> Resource:
        resource: Resource = self._nodes[resource_id]["resource"]
        return resource

    def resources(self) -> Iterator[Resource]:
        return (data["resource"] for data in self._nodes.values())

    def of_type(self, resource_type: str) -> Sequence[Resource]:
        return self._by_type.get(resource_type, ())

    def types(self) -> list[str]:
        return sorted(self._by_type)

    def neighbours(self, source: str, relation: str) -> Sequence[tuple[str, Mapping[str, Any]]]:
        """The (target, edge data) of ``source``'s ``relation`` edges.

        In the MultiDiGraph's order: targets as ``source`` first got an edge
        to them, parallel edges to one target in key order.  Evidence lists
        witnesses in this order, so it is part of the output contract.
        """
        index = self._index
        if index is None:
            index = self.reindex()
        return index.get((source, relation), ())

    def reindex(self) -> _Index:
        """Derive the per-(node, relation) index from the MultiDiGraph now.

        ``neighbours`` does it on first use after a change; ``build_graph``
        calls this so that building, not the first policy, pays for it.
        """
        index: _Index = defaultdict(list)
        for source, targets in self._succ.items():
            for target, keys in targets.items():
                for key, data in keys.items():
                    if "#" in key:
                        key = relation_of(key)
                    index[(source, key)].append((target, data))
        self._index = index
        return index

    def edge_count(self, relation: str | None = None) -> int:
        if relation is None:
            return int(self.nx.number_of_edges())
        return sum(relation_of(key) == relation for _, _, key in self.nx.edges(keys=True))
