"""Conditions: compiled once per policy, then tested on many records.

Compilation is also the loader's *meaning* phase: every problem (an unknown
relation, a path whose types do not chain, a regex that does not compile, an
undeclared parameter) is collected with its JSON path instead of raising, so
one run reports everything wrong with a policy set.

At run time a condition is ``test(state, record, node) -> bool`` where
``record`` is the mapping being looked at (the subject, a list element inside
``any_item``, an edge's data, or a path's end node) and ``node`` the graph
node the record belongs to (where nested paths start).  While
``state.recording`` is on, conditions append bounded evidence.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.graph import ResourceGraph
from scanner.model import (
    AttrEvidence,
    Evidence,
    NoPathEvidence,
    PathEvidence,
    Resource,
)
from scanner.policy import operators
from scanner.policy.expressions import ExpressionError, Getter, compile_expression, head_fields
from scanner.policy.operators import OpContext
from scanner.policy.validation import hint_for
from scanner.policy.yaml_io import JsonPath
from scanner.provenance import MISSING
from scanner.vocabulary import RELATIONS, RESOURCE_TYPES

# A condition's verdict in three-valued (Kleene) logic: None is UNKNOWN.
Tri = bool | None

MAX_WITNESSES = 10  # witness paths / matched items kept per condition
MAX_EVIDENCE = 40  # evidence entries kept per finding
_MAX_INTERNED = 50_000  # distinct shared evidence entries per policy
_MAX_LIST = 10
_MAX_STR = 300


# ----- run-time state --------------------------------------------------------


@dataclass
class State:
    graph: ResourceGraph
    subject: Resource
    op_ctx: OpContext
    scan: Mapping[str, Any]
    recording: bool = True
    evidence: list[Evidence] = field(default_factory=list)
    # Verdicts of subject-independent `where`s on path end nodes, shared by
    # every subject of a run: 10,000 clusters on one subnet group judge it once.
    cache: dict[tuple[int, str], tuple[Tri, tuple[Evidence, ...], tuple[str, ...]]] = field(
        default_factory=dict
    )
    # Identical evidence is shared, not copied: most findings of a policy
    # observe the same few values (DeletionProtection true), and at a million
    # findings the copies were a third of the memory.  Evidence is read-only.
    interned: dict[tuple[Any, ...], Evidence] = field(default_factory=dict)
    interned_ids: set[int] = field(default_factory=set)
    tuples: dict[tuple[int, ...], tuple[Evidence, ...]] = field(default_factory=dict)
    # Why the condition being tested cannot be decided: a condition that
    # returns None (UNKNOWN) leaves its reasons here, one that returns a
    # bool leaves the list as it found it (see Condition).
    unknown: list[str] = field(default_factory=list)

    def intern(self, key: tuple[Any, ...], make: Callable[[], Evidence]) -> Evidence:
        item = self.interned.get(key)
        if item is None:
            if len(self.interned) >= _MAX_INTERNED:
                return make()
            item = self.interned[key] = make()
            self.interned_ids.add(id(item))
        return item

    def evidence_tuple(self) -> tuple[Evidence, ...]:
        """The current evidence as a tuple, shared when every entry is interned."""
        items = self.evidence
        if not items:
            return ()
        if len(items) == 1:  # the common case: one attr test on the subject
            only = items[0]
            if id(only) not in self.interned_ids:
                return (only,)
            ids: tuple[int, ...] = (id(only),)
        else:
            ids = tuple(id(e) for e in items)
        shared = self.tuples.get(ids)
        if shared is not None:
            return shared
        value = tuple(items)
        if len(self.tuples) < _MAX_INTERNED and all(i in self.interned_ids for i in ids):
            self.tuples[ids] = value
        return value

    def add(self, item: Evidence) -> None:
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(item)


_SCALARS = (type(None), bool, int, float)
_HASHABLE = (type(None), bool, int, float, str)


def bounded(value: Any, depth: int = 0) -> Any:
    """A JSON-safe, size-capped copy of an observed value for evidence."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is str:
        return value if len(value) <= _MAX_STR else value[: _MAX_STR - 3] + "..."
    if depth >= 3:
        return "..."
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        out = {str(k): bounded(v, depth + 1) for k, v in items[:_MAX_LIST]}
        if len(items) > _MAX_LIST:
            out["..."] = f"{len(items) - _MAX_LIST} more"
        return out
    if isinstance(value, list | tuple):
        head = [bounded(v, depth + 1) for v in value[:_MAX_LIST]]
        if len(value) > _MAX_LIST:
            head.append(f"... {len(value) - _MAX_LIST} more")
        return head
    return str(value)


# ----- values ----------------------------------------------------------------

_MAX_SHOWN = 160  # characters of JSON an expected value may take in evidence


def shown_value(value: Any, label: Any) -> Any:
    small = bounded(value)
    text = json.dumps(small, sort_keys=True, default=str)
    if len(text) <= _MAX_SHOWN:
        return small
    if label is not None:
        return label
    size = len(value) if isinstance(value, list | dict) else len(text)
    return f"({type(value).__name__} of {size})"


class Value:
    """A condition operand: constant, or computed from the subject / the scan."""

    __slots__ = ("const", "fn", "is_const", "label", "show", "shown")

    def __init__(
        self,
        const: Any = None,
        fn: Callable[[State], Any] | None = None,
        label: Any = None,
        show: Callable[[State], Any] | None = None,
    ) -> None:
        self.is_const = fn is None
        self.const = const
        self.fn = fn
        self.label = label
        # How evidence shows a computed value (a composite shows each part).
        self.show = show
        # The expected value as evidence shows it, computed once for constants.
        # A large table (a lifecycle table, a long allow-list) would be copied
        # into every finding, so it is shown by the name it came from instead.
        self.shown = shown_value(const, label) if fn is None else None

    def relabel(self, label: Any) -> Value:
        return Value(self.const, self.fn, label)

    def get(self, state: State) -> Any:
        return self.const if self.fn is None else self.fn(state)


def shown_of(value: Value, state: State) -> Any:
    """The evidence form of an operand in ``state``."""
    if value.is_const:
        return value.shown
    if value.show is not None:
        return value.show(state)
    return shown_value(value.get(state), value.label)


SPECIAL_VALUE_KEYS = ("param", "ref", "data")


def special_value(raw: Any) -> tuple[str, str] | None:
    """``{param: X}`` / ``{ref: X}`` / ``{data: X}`` -> (kind, X)."""
    if isinstance(raw, dict) and len(raw) == 1:
        ((key, arg),) = raw.items()
        if key in SPECIAL_VALUE_KEYS and isinstance(arg, str):
            return key, arg
    return None


@dataclass
class Compiler:
    """Compiles one policy's conditions against effective params; collects problems."""

    params: Mapping[str, Any]
    data: Mapping[str, Any]
    problems: list[tuple[JsonPath, str, str | None]] = field(default_factory=list)
    reach: set[str] = field(default_factory=set)  # resource types paths can reach
    # (resource type, top-level field) read by attribute tests on resources
    reads: set[tuple[str, str]] = field(default_factory=set)
    params_used: set[str] = field(default_factory=set)
    subject_refs: int = 0  # how many {ref: subject.X} were compiled (for purity)

    def problem(self, path: JsonPath, text: str, hint: str | None = None) -> None:
        self.problems.append((path, text, hint))

    def expression(self, expr: Any, path: JsonPath) -> Getter:
        if not isinstance(expr, str) or not expr.strip():
            self.problem(path, "empty JMESPath expression")
            return lambda record: None
        try:
            return compile_expression(expr)
        except ExpressionError as exc:
            self.problem(
                path,
                # a hostile expression may be thousands of characters: show its start
                f"invalid JMESPath '{expr if len(expr) <= 80 else expr[:77] + '...'}': {exc}",
                'quote names with dots: x_parameters."rds.force_ssl"',
            )
            return lambda record: None

    # values

    def value(self, raw: Any, path: JsonPath, *, in_param: bool = False) -> Value:
        special = special_value(raw)
        if special is not None:
            kind, arg = special
            if kind == "param":
                if in_param:
                    self.problem(path, "a parameter's value cannot name another parameter")
                    return Value(None)
                if arg not in self.params:
                    self.problem(
                        (*path, "param"),
                        f"parameter '{arg}' is not declared",
                        hint_for(arg, self.params) if self.params else "declare it under params:",
                    )
                    return Value(None)
                self.params_used.add(arg)
                return self.value(self.params[arg], path, in_param=True).relabel({"param": arg})
            if kind == "data":
                if arg not in self.data:
                    self.problem(
                        (*path, "data"),
                        f"no data file '{arg}'",
                        hint_for(arg, self.data)
                        if self.data
                        else "put data/<name>.yaml beside the policies",
                    )
                    return Value(None)
                return Value(self.data[arg], label={"data": arg})
            return self.ref(arg, (*path, "ref"))
        if isinstance(raw, list) and any(has_special(v) for v in raw):
            parts = [self.value(v, (*path, i), in_param=in_param) for i, v in enumerate(raw)]
            return Value(
                fn=lambda state: [p.get(state) for p in parts],
                show=lambda state: [shown_of(p, state) for p in parts],
            )
        if isinstance(raw, dict) and any(has_special(v) for v in raw.values()):
            items = {k: self.value(v, (*path, k), in_param=in_param) for k, v in raw.items()}
            return Value(
                fn=lambda state: {k: v.get(state) for k, v in items.items()},
                show=lambda state: {k: shown_of(v, state) for k, v in items.items()},
            )
        return Value(raw)

    def ref(self, text: str, path: JsonPath) -> Value:
        head, _, rest = text.partition(".")
        if head == "subject" and rest:
            self.subject_refs += 1
            getter = self.expression(rest, path)
            return Value(fn=lambda state: getter(state.subject.attrs))
        if head == "scan" and rest in ("accounts", "regions"):
            return Value(fn=lambda state: state.scan.get(rest))
        self.problem(
            path,
            f"cannot resolve ref '{text}'",
            "use subject.<JMESPath> (the policy's resource) or scan.accounts / scan.regions",
        )
        return Value(None)

    # conditions

    def condition(self, raw: Any, path: JsonPath, at_types: Sequence[str]) -> Condition:
        """``at_types`` are the resource types the current node may have (for paths)."""
        if not isinstance(raw, dict) or len(raw) == 0:
            self.problem(path, "a condition must be a non-empty mapping")
            return Const(False)
        if "attr" in raw:
            self.reads.update((t, h) for t in at_types for h in head_fields(str(raw["attr"])))
            return self.attr(raw, path)
        if "all" in raw or "any" in raw:
            key = "all" if "all" in raw else "any"
            items = raw[key] if isinstance(raw[key], list) else []
            subs = [self.condition(c, (*path, key, i), at_types) for i, c in enumerate(items)]
            return All(subs) if key == "all" else Any_(subs)
        if "not" in raw:
            return Not(self.condition(raw["not"], (*path, "not"), at_types))
        if "any_item" in raw:
            spec = raw["any_item"] if isinstance(raw["any_item"], dict) else {}
            attr = str(spec.get("attr", ""))
            self.reads.update((t, h) for t in at_types for h in head_fields(attr))
            getter = self.expression(attr, (*path, "any_item", "attr"))
            where = self.condition(spec.get("where"), (*path, "any_item", "where"), at_types)
            return AnyItem(attr, getter, where, head_fields(attr))
        if "path" in raw:
            return self.path(raw["path"], (*path, "path"), at_types)
        if "param_empty" in raw:
            name = raw["param_empty"]
            value = self.value({"param": name}, (*path, "param_empty"))
            return ParamEmpty(str(name), value)
        self.problem(path, "unknown condition kind")
        return Const(False)

    def attr(self, raw: Mapping[str, Any], path: JsonPath) -> Condition:
        attr = str(raw.get("attr", ""))
        getter = self.expression(attr, (*path, "attr"))
        op = raw.get("op")
        if not isinstance(op, str) or op not in operators.OPERATORS:
            self.problem(
                (*path, "op"), f"unknown operator '{op}'", hint_for(str(op), operators.OPERATORS)
            )
            return Const(False)
        spec = operators.OPERATORS[op]
        has_value = "value" in raw
        if not spec.unary and not has_value:
            self.problem(path, f"operator '{op}' needs a value", f"add value: ... after op: {op}")
        value = self.value(raw.get("value"), (*path, "value"))
        if value.is_const and (has_value or spec.unary):
            why = operators.check_value(op, value.const)
            if why is not None:
                self.problem((*path, "value"), f"{op} needs {why}, found {value.const!r}")
        return Attr(attr, getter, op, spec.fn, value, op == "exists", head_fields(attr))

    def path(self, raw: Any, path: JsonPath, at_types: Sequence[str]) -> Condition:
        spec = raw if isinstance(raw, dict) else {}
        raw_via = spec.get("via")
        via: list[Any] = raw_via if isinstance(raw_via, list) else []
        steps: list[tuple[str, Condition | None]] = []
        current = set(at_types)
        ok = True
        refs_before = self.subject_refs
        for index, step in enumerate(via):
            step_path: JsonPath = (*path, "via", index)
            name = (
                step
                if isinstance(step, str)
                else (step.get("relation") if isinstance(step, dict) else None)
            )
            if isinstance(step, dict):
                step_path = (*step_path, "relation")
            if not isinstance(name, str) or name not in RELATIONS:
                self.problem(
                    step_path, f"unknown relation '{name}'", hint_for(str(name), RELATIONS)
                )
                ok = False
                break
            relation = RELATIONS[name]
            if current and not current & set(relation.sources):
                starts = ", ".join(sorted(current))
                fitting = sorted(r.name for r in RELATIONS.values() if current & set(r.sources))
                self.problem(
                    step_path,
                    f"relation '{name}' does not start from {starts} (it starts from "
                    f"{', '.join(relation.sources)})",
                    hint_for(name, fitting) if fitting else None,
                )
                ok = False
                break
            edge_where = None
            if isinstance(step, dict) and "where" in step:
                edge_where = self.condition(step["where"], (*path, "via", index, "where"), ())
            steps.append((name, edge_where))
            current = {relation.target}
            self.reach.add(relation.target)
        to = spec.get("to")
        if ok and to not in RESOURCE_TYPES:
            self.problem(
                (*path, "to"), f"unknown resource type '{to}'", hint_for(str(to), RESOURCE_TYPES)
            )
            ok = False
        elif ok and current and to not in current:
            self.problem(
                (*path, "to"),
                f"the path ends on {', '.join(sorted(current))}, not '{to}'",
                f"set to: {sorted(current)[0]}",
            )
        where = None
        if "where" in spec:
            where = self.condition(spec["where"], (*path, "where"), [str(to)])
        if not ok:
            return Const(False)
        return Path_(tuple(steps), str(to), where, pure=self.subject_refs == refs_before)


def has_special(raw: Any) -> bool:
    """Whether a literal holds a ``{param|ref|data: X}`` anywhere inside it."""
    if special_value(raw) is not None:
        return True
    if isinstance(raw, list):
        return any(has_special(v) for v in raw)
    if isinstance(raw, dict):
        return any(has_special(v) for v in raw.values())
    return False


# ----- condition nodes ----------------------------------------------------------


class Condition:
    """``test`` returns True, False or None (UNKNOWN: it read missing data).

    Contract: a test that returns True or False leaves ``state.unknown`` as it
    found it; one that returns None has appended why.
    """

    __slots__ = ()

    def test(self, state: State, record: Any, node: str) -> Tri:
        raise NotImplementedError


def _missing_read(state: State, record: Any, heads: frozenset[str], attr: str) -> bool:
    """Whether ``attr`` reads a field the record lists as missing; notes why if so."""
    missing = record.get(MISSING) if type(record) is dict else None
    if not missing or heads.isdisjoint(missing):
        return False
    reasons = [str(missing[h]) for h in sorted(heads.intersection(missing))]
    state.unknown.extend(reasons)
    if state.recording:
        state.add({"kind": "missing", "attr": attr, "missing": reasons, "result": None})
    return True


class Const(Condition):
    __slots__ = ("result",)

    def __init__(self, result: bool) -> None:
        self.result = result

    def test(self, state: State, record: Any, node: str) -> Tri:
        return self.result


class Attr(Condition):
    __slots__ = ("attr", "fast", "fn", "getter", "heads", "is_exists", "op", "value")

    def __init__(
        self,
        attr: str,
        getter: Getter,
        op: str,
        fn: operators.OpFn,
        value: Value,
        is_exists: bool,
        heads: frozenset[str] = frozenset(),
    ) -> None:
        self.attr, self.getter, self.op, self.fn, self.value = attr, getter, op, fn, value
        self.is_exists = is_exists
        # The record's top-level fields the attribute reads: if a failed call
        # left one of them out (x_missing), the test is UNKNOWN.
        self.heads = heads
        self.fast = operators.specialize(op, value.const) if value.is_const else None

    def test(self, state: State, record: Any, node: str) -> Tri:
        if (
            type(record) is dict
            and MISSING in record
            and _missing_read(state, record, self.heads, self.attr)
        ):
            return None
        observed = self.getter(record)
        value = self.value
        expected = value.const if value.is_const else value.get(state)
        if observed is None and not self.is_exists:
            result = False
        elif self.fast is not None:
            result = self.fast(observed)
        else:
            result = self.fn(observed, expected, state.op_ctx)
        if state.recording:
            if value.is_const and type(observed) in _HASHABLE:
                key = (self, type(observed), observed, result)
                item = state.interned.get(key)
                if item is None:
                    item = state.intern(key, lambda: self._evidence(observed, expected, result))
            else:
                item = self._evidence(observed, expected, result, state)
            evidence = state.evidence
            if len(evidence) < MAX_EVIDENCE:
                evidence.append(item)
        return result

    def _evidence(
        self, observed: Any, expected: Any, result: bool, state_for_show: State | None = None
    ) -> AttrEvidence:
        return {
            "kind": "attr",
            "attr": self.attr,
            "op": self.op,
            "expected": self.value.shown
            if self.value.is_const
            else self.value.show(state_for_show)
            if self.value.show is not None and state_for_show is not None
            else shown_value(expected, self.value.label),
            "observed": bounded(observed),
            "result": result,
        }


class ParamEmpty(Condition):
    """``{param_empty: NAME}``: the parameter's effective value is empty.

    What a policy whose list parameter defaults to empty tests to switch
    itself off (``scope: {not: {param_empty: required}}``) or to accept
    anything (``any: [{param_empty: allowed}, ...]``).  Evidence records it
    as an attr test on ``param.NAME`` so a finding shows the value in force.
    """

    __slots__ = ("entry", "name", "result", "value")

    def __init__(self, name: str, value: Value) -> None:
        self.name, self.value = name, value
        # A constant parameter (the usual case) is judged once, at compile time.
        self.result: bool | None = None
        self.entry: AttrEvidence | None = None
        if value.is_const:
            self.result = _is_empty(value.const)
            self.entry = self._evidence(value.shown, self.result)

    def _evidence(self, shown: Any, result: bool) -> AttrEvidence:
        return {
            "kind": "attr",
            "attr": f"param.{self.name}",
            "op": "empty",
            "expected": None,
            "observed": shown,
            "result": result,
        }

    def test(self, state: State, record: Any, node: str) -> Tri:
        result, entry = self.result, self.entry
        if result is None:  # computed ({ref: scan.accounts}): judged per run
            current = self.value.get(state)
            result = _is_empty(current)
            entry = self._evidence(shown_value(current, self.value.label), result)
        if state.recording and entry is not None:
            state.add(entry)
        return result


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, list | tuple | dict | str) and len(value) == 0)


class All(Condition):
    __slots__ = ("subs",)

    def __init__(self, subs: list[Condition]) -> None:
        self.subs = subs

    def test(self, state: State, record: Any, node: str) -> Tri:
        # Kleene: any False decides; else any UNKNOWN makes it UNKNOWN.
        mark = len(state.unknown)
        unknown = False
        # A loop, not all(genexpr): this runs per resource per policy; ~20% faster.
        for sub in self.subs:
            result = sub.test(state, record, node)
            if result is None:
                unknown = True
            elif not result:
                del state.unknown[mark:]
                return False
        return None if unknown else True


class Any_(Condition):
    __slots__ = ("subs",)

    def __init__(self, subs: list[Condition]) -> None:
        self.subs = subs

    def test(self, state: State, record: Any, node: str) -> Tri:
        # Kleene: any True decides; else any UNKNOWN makes it UNKNOWN.
        mark = len(state.unknown)
        unknown = False
        for sub in self.subs:
            result = sub.test(state, record, node)
            if result is None:
                unknown = True
            elif result:
                del state.unknown[mark:]
                return True
        return None if unknown else False


class Not(Condition):
    __slots__ = ("sub",)

    def __init__(self, sub: Condition) -> None:
        self.sub = sub

    def test(self, state: State, record: Any, node: str) -> Tri:
        result = self.sub.test(state, record, node)
        return None if result is None else not result


class AnyItem(Condition):
    __slots__ = ("attr", "getter", "heads", "where")

    def __init__(
        self, attr: str, getter: Getter, where: Condition, heads: frozenset[str] = frozenset()
    ) -> None:
        self.attr, self.getter, self.where = attr, getter, where
        self.heads = heads

    def test(self, state: State, record: Any, node: str) -> Tri:
        if (
            type(record) is dict
            and MISSING in record
            and _missing_read(state, record, self.heads, self.attr)
        ):
            return None
        items = self.getter(record)
        if not isinstance(items, list):
            items = []
        recording = state.recording
        state.recording = False
        mark = len(state.unknown)
        matched: list[Any] = []
        unknown = False
        try:
            for item in items:
                result = self.where.test(state, item, node)
                if result is None:
                    unknown = True
                elif result:
                    matched.append(item)
                    if not recording:
                        break
        finally:
            state.recording = recording
        verdict: Tri = True if matched else (None if unknown else False)
        if verdict is not None:
            del state.unknown[mark:]
        if recording:
            state.add(
                {
                    "kind": "any_item",
                    "attr": self.attr,
                    "matched": [bounded(m) for m in matched[:MAX_WITNESSES]],
                    "matched_count": len(matched),
                    "count": len(items),
                    "result": verdict,
                }
            )
        return verdict


# A witness found while not recording: counted towards the cap, never shown.
_WITNESSED: PathEvidence = {
    "kind": "path",
    "nodes": [],
    "relations": [],
    "edges": [],
    "result": True,
}


class Path_(Condition):
    """``path``: some walk along ``steps`` reaches a node of type ``to`` where
    ``where`` holds.  Three-valued: True on a witness; else UNKNOWN when the
    walk met missing data (a dangling reference, a lookup into a type that
    was not collected completely, an edge or end node whose test is
    UNKNOWN); else False."""

    __slots__ = ("lookups", "pure", "steps", "to", "where")

    def __init__(
        self,
        steps: tuple[tuple[str, Condition | None], ...],
        to: str,
        where: Condition | None,
        *,
        pure: bool = False,
    ) -> None:
        self.steps, self.to, self.where = steps, to, where
        # pure: nothing below reads the subject, so `where` on a node has one answer.
        self.pure = pure
        # Per step: the target type when the relation is a lookup (whose
        # empty answer counts only if that type was collected completely).
        self.lookups = tuple(
            RELATIONS[name].target if RELATIONS[name].lookup else None for name, _ in steps
        )

    def _judge_end(self, state: State, end: Resource, recording: bool) -> tuple[Tri, Any]:
        """Whether ``where`` holds on an end node, and its evidence when recording."""
        where = self.where
        if where is None:
            return True, ()
        if self.pure:
            key = (id(self), end.id)
            hit = state.cache.get(key)
            if hit is None:
                hit = self._judge_recorded(state, end)
                state.cache[key] = hit
            if hit[0] is None:
                state.unknown.extend(hit[2])
            return hit[0], hit[1]
        if recording:
            ok, detail, _reasons = self._judge_recorded(state, end)
            return ok, detail
        return where.test(state, end.attrs, end.id), ()

    def _judge_recorded(
        self, state: State, end: Resource
    ) -> tuple[Tri, tuple[Evidence, ...], tuple[str, ...]]:
        assert self.where is not None
        detail: list[Evidence] = []
        saved, saved_recording = state.evidence, state.recording
        state.evidence, state.recording = detail, True
        mark = len(state.unknown)
        try:
            ok = self.where.test(state, end.attrs, end.id)
        finally:
            state.evidence, state.recording = saved, saved_recording
        return ok, tuple(detail), tuple(state.unknown[mark:])

    def test(self, state: State, record: Any, node: str) -> Tri:
        recording = state.recording
        cap = MAX_WITNESSES if recording else 1
        found: list[PathEvidence] = []
        # End nodes of type `to` whose `where` was false: what a FAIL found.
        misses: list[tuple[tuple[str, ...], tuple[Evidence, ...]]] | None = (
            [] if recording else None
        )
        mark = len(state.unknown)
        state.recording = False
        try:
            self._walk(state, (node,), (), (), found, cap, recording, misses)
        finally:
            state.recording = recording
        if found:
            del state.unknown[mark:]
            if recording:
                for item in found:
                    state.add(item)
            return True
        if len(state.unknown) > mark:
            if recording:
                state.add(
                    {
                        "kind": "no_path",
                        "via": [name for name, _ in self.steps],
                        "to": self.to,
                        "missing": list(dict.fromkeys(state.unknown[mark:]))[:MAX_WITNESSES],
                        "result": None,
                    }
                )
            return None
        if recording:
            state.add(self._no_path(state, misses or []))
        return False

    def _no_path(
        self,
        state: State,
        misses: list[tuple[tuple[str, ...], tuple[Evidence, ...]]],
    ) -> Evidence:
        """The evidence of a path with no witness, naming the end nodes reached.

        No "from": it is the finding's own resource, or the end node of an
        enclosing path; ``reached[].nodes`` start after it.  So when `where`
        reads nothing of the subject the entry is the same for every subject
        that reached the same ends, and is shared.
        """
        misses.sort(key=lambda m: m[0])

        def make() -> NoPathEvidence:
            item: NoPathEvidence = {
                "kind": "no_path",
                "via": [name for name, _ in self.steps],
                "to": self.to,
                "result": False,
            }
            if misses:
                item["reached"] = [
                    {"nodes": list(nodes), "end": list(detail)} for nodes, detail in misses
                ]
            return item

        if not misses:
            return state.intern((id(self), "no_path"), make)
        if self.pure:
            return state.intern((id(self), "no_path", *(m[0] for m in misses)), make)
        return make()

    def _walk(
        self,
        state: State,
        nodes: tuple[str, ...],
        relations: tuple[str, ...],
        edges: tuple[Mapping[str, Any], ...],
        found: list[PathEvidence],
        cap: int,
        recording: bool,
        misses: list[tuple[tuple[str, ...], tuple[Evidence, ...]]] | None = None,
    ) -> None:
        depth = len(relations)
        if depth == len(self.steps):
            end = state.graph.resource(nodes[-1])
            if end.type != self.to:
                return
            ok, detail = self._judge_end(state, end, recording)
            if not ok:  # False, or None with its reasons already noted
                if ok is False and misses is not None and not found and len(misses) < MAX_WITNESSES:
                    misses.append((nodes[1:], detail))
                return
            if recording:
                item: PathEvidence = {
                    "kind": "path",
                    "nodes": list(nodes),
                    "relations": list(relations),
                    "edges": [dict(e) for e in edges],
                    "result": True,
                }
                if detail:
                    item["end"] = list(detail)
                found.append(item)
            else:
                found.append(_WITNESSED)
            return
        name, edge_where = self.steps[depth]
        here = nodes[-1]
        graph = state.graph
        gaps = graph.gaps
        if gaps.dangling:
            dangling = gaps.dangling.get((here, name))
            if dangling:
                state.unknown.extend(dangling)
        lookup = self.lookups[depth]
        if lookup is not None:
            source = graph.resource(here)
            why = gaps.incomplete(lookup, source.account, source.region)
            if why is not None:
                state.unknown.append(f"{name} from {here}: {why}")
        for target, data in graph.neighbours(here, name):
            if target in nodes:
                continue
            if edge_where is not None and not edge_where.test(state, data, here):
                continue
            self._walk(
                state,
                (*nodes, target),
                (*relations, name),
                (*edges, data),
                found,
                cap,
                recording,
                misses,
            )
            if len(found) >= cap:
                return
