"""Evaluate a policy set against a snapshot: every policy on every resource.

Per resource the verdict is decided in this order:

1. ``scope`` first: false -> NOT_APPLICABLE ("out of scope"); UNKNOWN when
   the scope itself reads missing data;
2. ``require``: true -> PASS, false -> FAIL, UNKNOWN -> UNKNOWN.
3. a FAIL matched by an unexpired waiver becomes WAIVED.

Conditions are three-valued (``scanner.policy.conditions``): a condition is
UNKNOWN exactly when it reads a field a failed call left out of the record,
follows a reference to an object that is not in the snapshot, or looks up a
type that was not collected completely (``scanner.provenance``); ``all``,
``any`` and ``not`` combine with Kleene logic.  So a finding is UNKNOWN only
when the data it needs is missing - never PASS on missing data, and never
UNKNOWN because of a gap it does not read.  The reason names each gap.

A policy with ``inherited_by: RELATION`` also reports every resource reached
from an in-scope subject by that relation as NOT_APPLICABLE ("inherited from
cluster X").  Work is indexed: resources come from ``graph.of_type``,
conditions are precompiled, and nothing is recomputed per finding except the finding itself.

The result is deterministic: ``ctx.now`` is the snapshot's collection time,
scan start/end come from the snapshot, findings are sorted on output.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import msgspec

from scanner import gc_pause
from scanner.edges import build_graph
from scanner.errors import UserInputError, UserInputErrors
from scanner.graph import ResourceGraph
from scanner.model import (
    CollectionError,
    Evidence,
    Finding,
    Resource,
    ScanHeader,
    ScanResult,
    Severity,
    Snapshot,
    Status,
)
from scanner.policy.conditions import State
from scanner.policy.config import Config, check_config_against
from scanner.policy.frameworks import requirements_not_assessed
from scanner.policy.loader import PolicySet
from scanner.policy.operators import OpContext, parse_timestamp
from scanner.policy.policy import Policy, Program
from scanner.policy.waivers import EXPIRING_SOON_DAYS, Waiver, Waivers, check_wildcards
from scanner.provenance import Gaps
from scanner.vocabulary import resource_name, type_word


def fingerprint(policy_id: str, resource_id: str) -> str:
    """Stable across scans: the same policy on the same resource."""
    return hashlib.sha256(f"{policy_id}|{resource_id}".encode()).hexdigest()


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time as the operators read it; the epoch when it is not one."""
    return parse_timestamp(text) or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


# ----- the selected, compiled catalogue --------------------------------------------


@dataclass
class Selected:
    policy: Policy
    program: Program
    frameworks: tuple[Mapping[str, str], ...]


def select(policy_set: PolicySet, config: Config) -> list[Selected]:
    """Apply the config's selection and parameter overrides; compile."""
    errors = check_config_against(
        config, set(policy_set.ids()), {p.area for p in policy_set.policies}
    )
    chosen: list[Selected] = []
    for policy in policy_set.policies:
        if not config.selects(policy.id, policy.area, policy.severity):
            continue
        overrides = config.params.get(policy.id)
        program, problems = policy.compile(
            overrides, origin=f"{config.file} at $.params['{policy.id}']" if overrides else None
        )
        errors.extend(problems)
        chosen.append(Selected(policy, program, tuple(policy_set.frameworks_of(policy.id))))
    if not chosen and not errors:
        errors.append(_nothing_selected(policy_set, config))
    if errors:
        raise UserInputErrors(errors)
    return chosen


def _nothing_selected(policy_set: PolicySet, config: Config) -> UserInputError:
    # A scan that evaluates no policy has no findings and would exit 0: a pass
    # that checked nothing.  It is always a selection mistake.
    return UserInputError(
        f"the policy selection leaves none of the {len(policy_set)} policies to evaluate",
        file=config.file,
        location="$.policies" if config.file else None,
        expected="include/exclude/areas/min_severity that select at least one policy",
        hint="widen the selection; `aurora-scan policies list` shows every policy",
    )


# ----- evaluation --------------------------------------------------------------


Key = tuple[str, str]  # (account, region)


# NamedTuples, not dataclasses: the per-finding loops unpack them
# (``for resource, rid, ... in rows``) rather than read fields by name, which
# is slower still.  Unpacking a tuple subclass misses CPython 3.11's exact-tuple
# fast path (~60 ns more per row, under 1 % of evaluation); the names and types
# are worth that.


class Identity(NamedTuple):
    """A resource's identity as every finding on it repeats it."""

    id: str
    type: str
    name: str
    account: str
    region: str
    id_bytes: bytes  # the id encoded: the resource half of the fingerprint's hashed text


class Row(NamedTuple):
    """A resource to evaluate: the resource, its identity, its (account, region)."""

    resource: Resource
    id: str
    type: str
    name: str
    account: str
    region: str
    id_bytes: bytes
    key: Key  # for collection-error lookups


@dataclass
class Run:
    """Everything one evaluation shares across policies."""

    graph: ResourceGraph
    now: dt.datetime
    scan_facts: Mapping[str, Any]
    errors: Sequence[CollectionError]
    regions: frozenset[str] = frozenset()
    names: dict[str, str] = field(default_factory=dict)
    identities: dict[str, Identity] = field(default_factory=dict)
    rows_by_type: dict[str, list[Row]] = field(default_factory=dict)
    inherit_targets: dict[tuple[str, str], list[Identity]] = field(default_factory=dict)
    seen_at: str = ""  # the scan time findings are stamped with (the snapshot's collected_at)

    def name(self, resource: Resource) -> str:
        cached = self.names.get(resource.id)
        if cached is None:
            cached = self.names[resource.id] = resource_name(resource)
        return cached

    def identity(self, resource: Resource) -> Identity:
        """Worked out once per run instead of once per finding (see ``Identity``)."""
        cached = self.identities.get(resource.id)
        if cached is None:
            cached = self.identities[resource.id] = Identity(
                resource.id,
                resource.type,
                self.name(resource),
                resource.account,
                resource.region,
                resource.id.encode(),
            )
        return cached

    def rows(self, resource_type: str) -> list[Row]:
        """The resources of a type to evaluate, with their identity and (account,
        region) for collection-error lookups; regions outside the config's
        ``regions`` are left out here."""
        cached = self.rows_by_type.get(resource_type)
        if cached is None:
            regions = self.regions
            cached = [
                Row(resource, *self.identity(resource), (resource.account, resource.region))
                for resource in self.graph.of_type(resource_type)
                if not regions or resource.region in regions
            ]
            self.rows_by_type[resource_type] = cached
        return cached

    def inheritors(self, owner_id: str, relation: str) -> list[Identity]:
        """The identities of the nodes that inherit ``owner_id``'s verdicts.

        Several policies are inherited along the same relation (a cluster's
        members): the walk is worked out once per owner.
        """
        key = (owner_id, relation)
        cached = self.inherit_targets.get(key)
        if cached is None:
            cached = [
                self.identity(self.graph.resource(target_id))
                for target_id, _data in self.graph.neighbours(owner_id, relation)
            ]
            self.inherit_targets[key] = cached
        return cached


def evaluate_policy(run: Run, selected: Selected) -> list[Finding]:
    policy, program = selected.policy, selected.program
    state = State(run.graph, _PLACEHOLDER, OpContext(now=run.now), run.scan_facts)
    findings: list[Finding] = []
    inherited: dict[str, Finding] = {}
    remediation_text = policy.remediation.get("text", "")
    scope, require, message, cli = program.scope, program.require, program.message, program.cli
    policy_id, severity, inherits = policy.id, policy.severity, bool(policy.inherited_by)
    no_remediation: dict[str, str] = {}  # shared by every finding that is not a FAIL
    # fingerprint() inlined: the policy's half of the hashed text is encoded once.
    prefix = f"{policy.id}|".encode()
    sha256 = hashlib.sha256
    make = Finding  # its C constructor, positional in field order
    unknown = state.unknown
    seen = run.seen_at  # every finding is first seen now until history says otherwise
    for rtype in policy.resources:
        for resource, rid, type_, name, account, region, rid_bytes, _key in run.rows(rtype):
            state.subject = resource
            attrs = resource.attrs
            evidence: tuple[Evidence, ...] = ()
            remediation = no_remediation
            reason = ""
            in_scope: bool | None = True
            if scope is not None:
                # Scope evidence is only kept for NOT_APPLICABLE and UNKNOWN, so
                # record it only then (most resources are in scope).
                state.recording = False
                in_scope = scope.test(state, attrs, rid)
            if in_scope is None:
                # The scope itself reads missing data: not even NOT_APPLICABLE is known.
                unknown.clear()
                state.recording, state.evidence = True, []
                scope.test(state, attrs, rid)  # type: ignore[union-attr]
                status, reason = Status.UNKNOWN, _unknown_reason(unknown)
                evidence = state.evidence_tuple()
            elif not in_scope:
                # Decided without the missing data: a Neptune cluster stays
                # NOT_APPLICABLE whatever failed to collect elsewhere.
                state.recording, state.evidence = True, []
                scope.test(state, attrs, rid)  # type: ignore[union-attr]
                status, reason = Status.NOT_APPLICABLE, "out of scope"
                evidence = state.evidence_tuple()
            else:
                state.recording, state.evidence = True, []
                verdict = require.test(state, attrs, rid)
                if verdict is None:
                    status, reason = Status.UNKNOWN, _unknown_reason(unknown)
                elif verdict:
                    status = Status.PASS
                else:
                    status = Status.FAIL
                    remediation = {"text": remediation_text} if remediation_text else {}
                    if cli is not None:
                        remediation["cli"] = cli.render(state, name)
                evidence = state.evidence_tuple()
            unknown.clear()
            state.recording = False
            findings.append(
                make(
                    policy_id,
                    rid,
                    type_,
                    name,
                    account,
                    region,
                    status,
                    severity,
                    message.render(state, name),
                    evidence,
                    remediation,
                    sha256(prefix + rid_bytes).hexdigest(),
                    reason,
                    None,
                    seen,
                    seen,
                )
            )
            if inherits and in_scope is not False:
                # A cluster-owned setting is never judged on a member, also when
                # the cluster's own scope could not be decided.
                _inherit(run, policy, no_remediation, resource, name, inherited)
    if inherited:
        subjects = {f.resource_id for f in findings}
        findings.extend(f for rid, f in inherited.items() if rid not in subjects)
    return findings


def _unknown_reason(reasons: list[str]) -> str:
    """The reason of an UNKNOWN finding: each distinct gap it read, a few at most."""
    distinct = list(dict.fromkeys(reasons))
    if not distinct:
        return "missing data"
    shown = "; ".join(distinct[:3])
    more = len(distinct) - 3
    return f"missing data: {shown}" + (f" (and {more} more)" if more > 0 else "")


def _inherit(
    run: Run,
    policy: Policy,
    no_remediation: dict[str, str],
    owner: Resource,
    owner_name: str,
    out: dict[str, Finding],
) -> None:
    targets = run.inheritors(owner.id, str(policy.inherited_by))
    if not targets:
        return
    word = type_word(owner.type)
    reason = f"inherited from {word} {owner_name}"
    # results.json (2.1) derives this message from the reason and the title
    # instead of storing it: scanner/result_file.py, _judged_on.
    message = f"{policy.title}: judged on {word} {owner_name}"
    policy_id, severity = policy.id, policy.severity
    prefix = f"{policy.id}|".encode()
    sha256 = hashlib.sha256
    for rid, type_, name, account, region, rid_bytes in targets:
        if rid in out:
            continue
        out[rid] = Finding(
            policy_id,
            rid,
            type_,
            name,
            account,
            region,
            Status.NOT_APPLICABLE,
            severity,
            message,
            (),
            no_remediation,
            sha256(prefix + rid_bytes).hexdigest(),
            reason,
            None,
            run.seen_at,
            run.seen_at,
        )


_PLACEHOLDER = Resource(id="", type="", account="", region="", attrs={})


# ----- waivers -------------------------------------------------------------------


def apply_waivers(
    findings: list[Finding], waivers: Waivers | None, today: dt.date
) -> tuple[list[Finding], dict[str, Any]]:
    if waivers is None or not waivers.items:
        return findings, {"file": None, "applied": [], "expired": [], "stale": []}
    active = [w for w in waivers.items if not w.expired(today)]
    expired = [w for w in waivers.items if w.expired(today)]
    # waiver index -> the resource id of each finding it waived
    hits: dict[int, list[str]] = {w.index: [] for w in active}
    out = []
    for finding in findings:
        if finding.status is Status.FAIL:
            waiver = _first_match(active, finding)
            if waiver is not None:
                hits[waiver.index].append(finding.resource_id)
                finding = _waived(finding, waiver)
        out.append(finding)
    return out, {
        "file": waivers.file,
        "applied": [w.report_entry(today, hits[w.index]) for w in active if hits[w.index]],
        "expired": [w.report_entry(today) for w in expired],
        "stale": [w.report_entry(today) for w in active if not hits[w.index]],
        "expiring_soon_days": EXPIRING_SOON_DAYS,
    }


def _first_match(waivers: Iterable[Waiver], finding: Finding) -> Waiver | None:
    for waiver in waivers:
        if waiver.matches(finding.policy_id, finding.resource_id, finding.resource_name):
            return waiver
    return None


def _waived(finding: Finding, waiver: Waiver) -> Finding:
    return msgspec.structs.replace(finding, status=Status.WAIVED, waiver=waiver.to_dict())


# ----- the public entry point ----------------------------------------------------------


def snapshot_gaps(snapshot: Snapshot) -> Gaps:
    """The snapshot's collection errors and, where it records them, its collected types."""
    collected = snapshot.context.get("resource_types")
    types = [str(t) for t in collected] if isinstance(collected, list) else None
    return Gaps.of(snapshot.errors, types)


def snapshot_digest(snapshot: Snapshot) -> str:
    """sha256 of the snapshot's canonical JSON (what `collect` writes)."""
    text = json.dumps(snapshot.to_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def evaluate(
    snapshot: Snapshot,
    policy_set: PolicySet,
    *,
    config: Config | None = None,
    waivers: Waivers | None = None,
    command_line: str | None = None,
    snapshot_sha256: str | None = None,
    graph: ResourceGraph | None = None,
) -> ScanResult:
    """The ScanResult of ``policy_set`` on ``snapshot`` (see the module doc).

    ``snapshot_sha256`` lets a caller that read the snapshot from a file pass
    the file's digest instead of re-serialising it; ``graph`` lets tests and
    benchmarks reuse a graph already built from the snapshot.
    """
    config = config or Config()
    selected = select(policy_set, config)
    if waivers is not None:
        refused = check_wildcards(waivers, {s.policy.id: s.policy.severity for s in selected})
        if refused:
            raise UserInputErrors(refused)
    if graph is None:
        with gc_pause.paused():
            graph = build_graph(snapshot.resources, snapshot_gaps(snapshot))
    now = parse_time(snapshot.collected_at)
    run = Run(
        graph=graph,
        now=now,
        scan_facts={"accounts": sorted(snapshot.accounts), "regions": sorted(snapshot.regions)},
        errors=snapshot.errors,
        regions=frozenset(config.regions),
        seen_at=snapshot.collected_at,
    )
    with gc_pause.paused():  # through the ScanResult: waivers and sorting allocate per finding too
        return _evaluate(
            snapshot,
            policy_set,
            config,
            waivers,
            selected,
            graph,
            run,
            command_line,
            snapshot_sha256,
        )


def _evaluate(
    snapshot: Snapshot,
    policy_set: PolicySet,
    config: Config,
    waivers: Waivers | None,
    selected: list[Selected],
    graph: ResourceGraph,
    run: Run,
    command_line: str | None,
    snapshot_sha256: str | None,
) -> ScanResult:
    now = run.now
    findings: list[Finding] = []
    for item in selected:
        findings.extend(evaluate_policy(run, item))
    findings, waiver_summary = apply_waivers(findings, waivers, now.date())
    if waivers is not None:
        waiver_summary["sha256"] = waivers.sha256
    context = dict(snapshot.context)
    started = _first_str(context, "started_at", "collection_started_at") or snapshot.collected_at
    finished = _first_str(context, "finished_at", "collection_finished_at") or snapshot.collected_at
    scan: ScanHeader = {
        "started_at": started,
        "finished_at": finished,
        "collected_at": snapshot.collected_at,
        "collected_by": dict(snapshot.scanner),
        "accounts": sorted(snapshot.accounts),
        "regions": sorted(snapshot.regions),
        "regions_evaluated": sorted(config.regions) if config.regions else sorted(snapshot.regions),
        "regions_skipped": context.get("regions_skipped", []),
        "caller_identity": context.get("caller_identity"),
        "command_line": command_line or "",
        "snapshot_sha256": snapshot_sha256 or snapshot_digest(snapshot),
        "policy_set_sha256": policy_set.sha256,
        "waivers_sha256": waivers.sha256 if waivers is not None else None,
        "config": config.to_dict(),
        "fail_on": config.fail_on.value if config.fail_on else "none",
        "allow_incomplete": config.allow_incomplete,
        "policy_count": len(selected),
        "resource_count": len(graph),
        "frameworks": [f.to_dict() for f in policy_set.frameworks],
        "resource_tags": _resource_tags(graph),
        "requirements_not_assessed": requirements_not_assessed(
            policy_set.frameworks, _left_out(policy_set, config)
        ),
    }
    policies = tuple(
        s.policy.meta(s.program.params, [dict(f) for f in s.frameworks]) for s in selected
    )
    return ScanResult(
        scan=scan,
        policies=policies,
        findings=tuple(findings),
        errors=tuple(snapshot.errors),
        waivers=waiver_summary,
    )


def _resource_tags(graph: ResourceGraph) -> dict[str, dict[str, str]]:
    """resource id -> its tags (``x_tags``, derived from TagList/Tags), for the
    resources that have any: reports show them beside each finding."""
    out: dict[str, dict[str, str]] = {}
    for resource in graph.resources():
        tags = resource.attrs.get("x_tags")
        if tags and isinstance(tags, Mapping):
            out[resource.id] = {str(k): str(v) for k, v in sorted(tags.items())}
    return dict(sorted(out.items()))


def _left_out(policy_set: PolicySet, config: Config) -> dict[str, str]:
    """policy id -> why the config did not select it, for every policy left out."""
    out = {}
    for policy in policy_set.policies:
        why = config.why_not_selected(policy.id, policy.area, policy.severity)
        if why is not None:
            out[policy.id] = why
    return out


def _first_str(context: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = context.get(key)
        if isinstance(value, str) and value:
            return value
    return None


__all__ = ["Severity", "evaluate", "evaluate_policy", "fingerprint", "select"]
