"""Witness paths found by the engine's own walker, for tests of the graph.

The engine's ``path`` condition (``Path_`` in scanner/policy/conditions.py) is
the one graph walker; tests that ask "which paths lead from here along these
relations" ask it, recording evidence, instead of a second walker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from scanner.graph import ResourceGraph
from scanner.policy.conditions import Path_, State
from scanner.policy.operators import OpContext


def witness_paths(
    graph: ResourceGraph, start: str, relations: Sequence[str], to: str
) -> list[dict[str, Any]]:
    """The ``path`` evidence (nodes, relations, edges) of every walk to a ``to`` node."""
    if start not in graph:
        return []
    subject = graph.resource(start)
    state = State(
        graph=graph,
        subject=subject,
        op_ctx=OpContext(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        scan={},
    )
    walker = Path_(tuple((name, None) for name in relations), to, None)
    walker.test(state, subject.attrs, start)
    return [item for item in state.evidence if item["kind"] == "path"]
