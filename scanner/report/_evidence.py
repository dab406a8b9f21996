"""Evidence items as one line of text each (JUnit bodies, Markdown, HTML)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# json.dumps(value, sort_keys=True, default=str), its encoder object built once.
_dumps = json.JSONEncoder(sort_keys=True, default=str).encode


def value_text(value: Any, limit: int = 500) -> str:
    """A value as evidence text: strings as they are, anything else as JSON.

    Called for every observed and expected value of every finding in the
    HTML and JUnit reports, so scalars skip the JSON encoder.
    """
    text: str
    kind = type(value)
    if kind is str:
        text = value
    elif kind is bool:
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif kind is int:
        text = int.__repr__(value)
    else:
        text = _dumps(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def evidence_line(ev: Mapping[str, Any]) -> str:
    kind = ev.get("kind")
    if kind == "attr":
        return (
            f"{ev.get('attr', '')} {ev.get('op', '')} {value_text(ev.get('expected'))}"
            f" — observed {value_text(ev.get('observed'))}"
        )
    if kind == "path":
        nodes = [str(n) for n in ev.get("nodes") or ()]
        relations = [str(r) for r in ev.get("relations") or ()]
        parts: list[str] = []
        for i, node in enumerate(nodes):
            if i:
                rel = relations[i - 1] if i - 1 < len(relations) else "?"
                parts.append(f"-[{rel}]->")
            parts.append(node)
        text = "path " + " ".join(parts)
        end = [evidence_line(e) for e in ev.get("end") or () if isinstance(e, Mapping)]
        return text + (f" where {'; '.join(end)}" if end else "")
    if kind == "missing":  # an attribute that reads a field a failed call left out
        reasons = "; ".join(str(r) for r in ev.get("missing") or ())
        return f"{ev.get('attr', '')}: not known — {reasons}"
    if kind == "no_path" and ev.get("result") is None:  # the walk met missing data
        via = " -> ".join(str(v) for v in ev.get("via") or ())
        reasons = "; ".join(str(r) for r in ev.get("missing") or ())
        return f"path via {via} to {ev.get('to', '')}: not known — {reasons}"
    if kind == "no_path":
        via = " -> ".join(str(v) for v in ev.get("via") or ())
        text = f"no path from {ev.get('from', '')} via {via} to {ev.get('to', '')}"
        # Ends the walk reached whose `where` was false: what a FAIL found.
        found = []
        for hit in ev.get("reached") or ():
            if isinstance(hit, Mapping):
                nodes = [str(n) for n in hit.get("nodes") or ()]
                end = [evidence_line(e) for e in hit.get("end") or () if isinstance(e, Mapping)]
                found.append(f"{nodes[-1] if nodes else '?'}: {'; '.join(end)}")
        return text + (f"; reached {' | '.join(found)}" if found else "")
    if kind == "any_item":
        counts = f"{ev.get('matched_count', 0)} of {ev.get('count', 0)} items match"
        return f"{ev.get('attr', '')}: {counts} — {value_text(ev.get('matched', []))}"
    return value_text(dict(ev))


class EvidenceLines:
    """A finding's evidence as lines, each distinct evidence tuple worked out once.

    Evaluation shares one evidence tuple between the findings of a policy
    that saw the same thing (a million findings at 10,000 clusters hold ~180k
    distinct tuples), so a render keeps the lines by the tuple's identity.
    Tuples are never shared across policies, so ``policy`` starts a new memo:
    what is kept stays bounded by one policy's findings, also for a result
    read back from a file, where nothing is shared.  The findings being
    rendered keep the tuples alive, so an id is never reused while the memo
    holds it.
    """

    __slots__ = ("_memo", "_policy")

    def __init__(self) -> None:
        self._memo: dict[int, list[str]] = {}
        self._policy: str | None = None

    def __call__(self, evidence: tuple[Mapping[str, Any], ...], policy: str = "") -> list[str]:
        if policy != self._policy:
            self._memo, self._policy = {}, policy
        lines = self._memo.get(id(evidence))
        if lines is None:
            lines = self._memo[id(evidence)] = [evidence_line(ev) for ev in evidence]
        return lines
