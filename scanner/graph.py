"""ResourceGraph: resources as nodes, named relations as edges.

Each edge carries its relation name and any edge facts (for example the
destination CIDR of a route) as data.  Walks read a per-(node, relation)
adjacency index; the ``networkx.MultiDiGraph`` view (edges keyed by relation
name) is materialised on first use, for export and graph algorithms, because
inserting 60k+ edges one by one into networkx cost a third of the graph build
at 10k clusters while no evaluation step needs it.  ``walk`` follows a path of
relation names from a node and yields every witness path: policies use them as
existential evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scanner.model import Resource
from scanner.provenance import Gaps

EdgeFilter = Callable[[Mapping[str, Any]], bool]
if TYPE_CHECKING:
    import networkx as nx

# A step is a relation name, or a relation name with a predicate on edge data.
Step = str | tuple[str, EdgeFilter]


@dataclass(frozen=True)
class WitnessPath:
    """nodes[0] -relations[0]-> nodes[1] ... ; edges[i] is the data of hop i."""

    nodes: tuple[str, ...]
    relations: tuple[str, ...]
    edges: tuple[Mapping[str, Any], ...]

    @property
    def end(self) -> str:
        return self.nodes[-1]

    def to_evidence(self) -> dict[str, Any]:
        return {
            "kind": "path",
            "nodes": list(self.nodes),
            "relations": list(self.relations),
            "edges": [dict(e) for e in self.edges],
        }


class ResourceGraph:
    def __init__(self, gaps: Gaps | None = None) -> None:
        # What the snapshot behind this graph does not know (scanner.provenance).
        self.gaps = gaps if gaps is not None else Gaps()
        self._nx: nx.MultiDiGraph[str] | None = None
        self._resources: dict[str, Resource] = {}
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        # (node, relation) -> [(target, edge data)], so walks never scan all
        # of a node's edges for each hop.
        self._out: dict[tuple[str, str], list[tuple[str, Mapping[str, Any]]]] = defaultdict(list)
        self._edge_total = 0

    # ----- building -------------------------------------------------------

    def add_resource(self, resource: Resource) -> None:
        if resource.id in self._resources:
            # Same id twice (e.g. overlapping collectors): keep the first one.
            return
        self._resources[resource.id] = resource
        self._by_type[resource.type].append(resource)
        self._nx = None

    def add_resources(self, resources: Iterable[Resource]) -> None:
        for r in resources:
            self.add_resource(r)

    def add_edge(self, source: str, relation: str, target: str, **data: Any) -> None:
        if source not in self._resources or target not in self._resources:
            raise KeyError(f"edge {relation} {source} -> {target}: unknown node")
        existing = self._out[(source, relation)]
        if any(t == target and d == data for t, d in existing):
            return
        existing.append((target, data))
        self._edge_total += 1
        self._nx = None

    # ----- reading --------------------------------------------------------

    @property
    def nx(self) -> nx.MultiDiGraph[str]:
        """The graph as a MultiDiGraph: edge key = relation name (``name#n``
        for a second edge of the same relation between the same nodes)."""
        if self._nx is None:
            # Imported here: networkx costs ~0.1 s to import and only export
            # and graph algorithms need it, never an evaluation.
            import networkx

            g: nx.MultiDiGraph[str] = networkx.MultiDiGraph()
            g.add_nodes_from((rid, {"type": r.type}) for rid, r in self._resources.items())
            for (source, relation), targets in self._out.items():
                seen: dict[str, int] = {}
                for target, data in targets:
                    n = seen[target] = seen.get(target, 0) + 1
                    key = relation if n == 1 else f"{relation}#{n}"
                    g.add_edge(source, target, key=key, relation=relation, **data)
            self._nx = g
        return self._nx

    def __contains__(self, resource_id: object) -> bool:
        return resource_id in self._resources

    def __len__(self) -> int:
        return len(self._resources)

    def resource(self, resource_id: str) -> Resource:
        return self._resources[resource_id]

    def resources(self) -> Iterator[Resource]:
        return iter(self._resources.values())

    def of_type(self, resource_type: str) -> Sequence[Resource]:
        return self._by_type.get(resource_type, ())

    def types(self) -> list[str]:
        return sorted(self._by_type)

    def neighbours(self, source: str, relation: str) -> Sequence[tuple[str, Mapping[str, Any]]]:
        return self._out.get((source, relation), ())

    def edge_count(self, relation: str | None = None) -> int:
        if relation is None:
            return self._edge_total
        return sum(len(v) for (_, rel), v in self._out.items() if rel == relation)

    def walk(self, start: str, steps: Sequence[Step]) -> Iterator[WitnessPath]:
        """Yield every path from ``start`` that follows ``steps`` in order.

        Paths are yielded depth-first in a stable order (neighbours in the
        order their edges were added), so evidence is deterministic.
        """
        if start not in self._resources:
            return
        yield from self._walk((start,), (), (), steps)

    def _walk(
        self,
        nodes: tuple[str, ...],
        relations: tuple[str, ...],
        edges: tuple[Mapping[str, Any], ...],
        steps: Sequence[Step],
    ) -> Iterator[WitnessPath]:
        if not steps:
            yield WitnessPath(nodes, relations, edges)
            return
        step = steps[0]
        relation, edge_filter = (step, None) if isinstance(step, str) else step
        for target, data in self._out.get((nodes[-1], relation), ()):
            if target in nodes:  # no cycles in evidence
                continue
            if edge_filter is not None and not edge_filter(data):
                continue
            yield from self._walk(
                (*nodes, target), (*relations, relation), (*edges, data), steps[1:]
            )
