"""Build the ResourceGraph: resources, derived facts and every relation.

Relations are declared as data (``EDGE_SPECS``): a JMESPath into the source
record gives the reference values, and targets are found by the values of
their key fields.  The few relations that are not a plain reference (main
route table fallback, routes to gateways, event subscriptions) are small
functions (``SPECIAL``).  ``build_graph`` must produce exactly the relations
of ``scanner.vocabulary.RELATIONS``; a test checks it.

Matching rules (the same for a real snapshot and a hand-written test case):

* a value that is an ARN matches a target whose id or key field equals it, in
  any account or region (ARNs are global: cross-region global-cluster members,
  cross-account KMS keys); failing that, the ARN's last segment is matched
  like a name inside the ARN's own account and region;
* any other value (a name or an id such as ``sng-1``, ``sg-0ab``, ``c1``)
  matches a target with that id or key field in the source's account and
  region only.

Targets are indexed once per type, so building is linear in resources plus
edges (no pairwise scans), which matters at ~150k resources.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from scanner import derive
from scanner.errors import UserInputError
from scanner.graph import ResourceGraph
from scanner.model import Resource
from scanner.provenance import MISSING, Gaps, merge_missing
from scanner.resource_types import CLUSTER, INSTANCE, TYPES
from scanner.typeinfo import ResourceType, reference_values, resolve
from scanner.vocabulary import RELATIONS

Attrs = dict[str, Any]
Edge = tuple[str, str, str, dict[str, Any]]  # source id, relation, target id, edge data


@dataclass(frozen=True)
class EdgeSpec:
    relation: str
    source: str
    refs: str  # path into the source attrs, e.g. "A[].B" (a JMESPath subset, see typeinfo.resolve)
    target: str


def _edge_specs(types: tuple[ResourceType, ...]) -> tuple[EdgeSpec, ...]:
    return tuple(
        EdgeSpec(rel.name, t.name, rel.refs, rel.target)
        for t in types
        for rel in t.relations
        if rel.refs is not None
    )


# Fields whose values identify a resource of each type (its id always does).
TARGET_KEYS = TYPES.view(lambda types: {t.name: t.keys for t in types})

# The relations declared with a reference path (``Rel.refs``), by source type
# in declaration order: the order the graph adds their edges.
EDGE_SPECS = TYPES.sequence(_edge_specs)

_C = CLUSTER
_I = INSTANCE


_paths = TYPES.derived(
    lambda types: {spec.refs: tuple(spec.refs.split(".")) for spec in _edge_specs(types)}
)


# EC2 ids (subnet-0ab..., sg-...) are unique in a region across accounts, and
# a shared-VPC subnet or a peered security group is owned by another account
# than the cluster using it.  For these types only (``ResourceType.shared_ids``),
# a name not found in the source's account is looked up among every account's
# resources in the region (never for names such as "default", which every
# account has).
SHARED_ID_TYPES = TYPES.derived(lambda types: frozenset(t.name for t in types if t.shared_ids))


class TargetIndex:
    """Resources of every type indexed by id and key-field values, built once."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        # (type, account, region, value) -> ids ; (type, arn) -> ids
        self._scoped: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
        self._arn: dict[tuple[str, str], list[str]] = defaultdict(list)
        # (type, region, value) -> ids, for SHARED_ID_TYPES only
        self._regional: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        self._shared = shared = SHARED_ID_TYPES()
        target_keys = TARGET_KEYS.snapshot()
        for r in resources:
            values = [r.id]
            for key in target_keys.get(r.type, ()):
                value = r.attrs.get(key)
                if isinstance(value, str) and value and value not in values:
                    values.append(value)
            for value in values:
                self._scoped[(r.type, r.account, r.region, value)].append(r.id)
                if value.startswith("arn:"):
                    self._arn[(r.type, value)].append(r.id)
                elif r.type in shared:
                    self._regional[(r.type, r.region, value)].append(r.id)

    def lookup(self, target_type: str, value: str, account: str, region: str) -> list[str]:
        if value.startswith("arn:"):
            found = self._arn.get((target_type, value))
            if found:
                return found
            parts = value.split(":", 5)
            if len(parts) == 6:
                tail = parts[5].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
                return self._scoped.get((target_type, parts[4], parts[3], tail), [])
            return []
        found = self._scoped.get((target_type, account, region, value))
        if found:
            return found
        if target_type in self._shared:
            return self._regional.get((target_type, region, value), [])
        return []


def _spec_edges(
    spec: EdgeSpec, sources: Iterable[Resource], index: TargetIndex, gaps: Gaps
) -> Iterator[Edge]:
    path = _paths()[spec.refs]
    relation, target_type, lookup = spec.relation, spec.target, index.lookup
    # A lookup relation's value is a search key, not a reference: finding
    # nothing is an answer (or an incomplete type), never a dangling reference.
    declared = RELATIONS[relation]
    references = not (declared.lookup or declared.optional)
    # Most refs are one plain field holding one string (KmsKeyId): read it
    # directly; lists and nested paths go through the general walk.
    single = path[0] if len(path) == 1 and not path[0].endswith("[]") else None
    field = path[0].removesuffix("[]")
    for src in sources:
        if references:
            # The field naming the targets is not known (x_missing: an IaC value
            # that cannot be determined, a read that failed): what the relation
            # reaches is unknown, like a reference to a record not in the snapshot.
            missing = src.attrs.get(MISSING)
            if isinstance(missing, Mapping) and (field in missing or spec.refs in missing):
                why = missing.get(field) or missing.get(spec.refs)
                gaps.add_dangling(src.id, relation, f"{relation}: {field} is not known ({why})")
        if single is not None:
            found = src.attrs.get(single)
            values: Iterable[str] = (
                ((found,) if found else ()) if type(found) is str else reference_values(found)
            )
        else:
            values = reference_values(resolve(src.attrs, path))
        for value in values:
            targets = lookup(target_type, value, src.account, src.region)
            if not targets and references:
                gaps.add_dangling(
                    src.id,
                    relation,
                    gaps.dangling_reason(relation, value, src.account, src.region),
                )
            for target in targets:
                if target != src.id:
                    yield src.id, relation, target, {}


# ----- special relations ------------------------------------------------------


def _routed_by(
    by_type: Mapping[str, list[Resource]], index: TargetIndex, gaps: Gaps
) -> Iterator[Edge]:
    """subnet -> route table: its explicit association, else its VPC's main table.

    Every VPC has a main route table, so a subnet that reaches no table at all
    is missing data (route tables not collected, or owned by an account that
    was not scanned), recorded as a dangling reference.
    """
    explicit: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    main: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for rt in by_type.get("aws.ec2.route_table", ()):
        for assoc in rt.attrs.get("Associations") or ():
            state = (assoc.get("AssociationState") or {}).get("State", "associated")
            if state not in ("associated", "associating"):
                continue
            if assoc.get("Main"):
                vpc = rt.attrs.get("VpcId")
                if vpc:
                    main[(rt.account, rt.region, vpc)].append(rt.id)
            elif assoc.get("SubnetId"):
                # The association names the subnet by SubnetId; resolve it so a
                # hand-written subnet with a different resource id still matches.
                for subnet_id in index.lookup(
                    "aws.ec2.subnet", assoc["SubnetId"], rt.account, rt.region
                ):
                    explicit[(rt.account, rt.region, subnet_id)].append(rt.id)
    for subnet in by_type.get("aws.ec2.subnet", ()):
        tables = explicit.get((subnet.account, subnet.region, subnet.id))
        if not tables:
            vpc = subnet.attrs.get("VpcId")
            tables = main.get((subnet.account, subnet.region, vpc), []) if vpc else []
        if not tables:
            why = gaps.incomplete("aws.ec2.route_table", subnet.account, subnet.region)
            name = subnet.attrs.get("SubnetId", subnet.id)
            text = f"no route table of subnet {name} is in the snapshot"
            gaps.add_dangling(subnet.id, "routed_by", f"{text} ({why})" if why else text)
        for table in tables:
            yield subnet.id, "routed_by", table, {}


_DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")


# Route targets by the id prefix AWS gives each kind of gateway.  Only an
# internet gateway (igw-) makes a subnet public; an egress-only internet
# gateway has its own field (EgressOnlyInternetGatewayId) and, like NAT and
# transit gateways, admits no connection from the internet.
_ROUTE_TARGETS = (
    ("GatewayId", "igw-", "routes_to", "aws.ec2.internet_gateway"),
    ("NatGatewayId", "nat-", "routes_via_nat", "aws.ec2.nat_gateway"),
)


def _routes(
    by_type: Mapping[str, list[Resource]], index: TargetIndex, gaps: Gaps
) -> Iterator[Edge]:
    """route table -> internet gateway / NAT gateway, one edge per route.

    Every destination counts - 0.0.0.0/0, split routes such as 0.0.0.0/1 and
    128.0.0.0/1, a single CIDR, a prefix list: a subnet with any route to an
    internet gateway is a public subnet (VPC user guide, "Subnet types").  The
    destination is kept as edge data for evidence.  Only a GatewayId that is an
    internet gateway counts for ``routes_to`` ("local" and virtual private
    gateways do not make a subnet reachable from the internet); an ``igw-``
    that is not in the snapshot is a dangling reference.  Blackhole routes
    lead nowhere and are skipped.
    """
    for rt in by_type.get("aws.ec2.route_table", ()):
        for route in rt.attrs.get("Routes") or ():
            if route.get("State") == "blackhole":
                continue
            data = {k: route[k] for k in _DESTINATIONS if route.get(k)}
            for field_name, prefix, relation, target_type in _ROUTE_TARGETS:
                ref = route.get(field_name)
                if not ref or not isinstance(ref, str):
                    continue
                targets = index.lookup(target_type, ref, rt.account, rt.region)
                if not targets and ref.startswith(prefix):
                    gaps.add_dangling(
                        rt.id, relation, gaps.dangling_reason(relation, ref, rt.account, rt.region)
                    )
                for target in targets:
                    yield rt.id, relation, target, dict(data)


def _notified_by(
    by_type: Mapping[str, list[Resource]], index: TargetIndex, gaps: Gaps
) -> Iterator[Edge]:
    """cluster -> event subscriptions in its account and region that cover it.

    A subscription covers a cluster when its SourceType is db-cluster and its
    SourceIdsList is empty (every cluster) or names the cluster, or when it has
    no SourceType at all (absent, null or empty): RDS then sends events "from
    all RDS sources belonging to your customer account" (CreateEventSubscription
    API reference), and SourceIds cannot be given without a SourceType, so a
    SourceIdsList does not narrow it.  A lookup: no references to resolve.
    """
    del index, gaps
    cover_all: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_source: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for sub in by_type.get("aws.rds.event_subscription", ()):
        source_type = sub.attrs.get("SourceType")
        if not source_type:
            cover_all[(sub.account, sub.region)].append(sub.id)
            continue
        if source_type != "db-cluster":
            continue
        sources = sub.attrs.get("SourceIdsList") or []
        if not sources:
            cover_all[(sub.account, sub.region)].append(sub.id)
        for source in sources:
            by_source[(sub.account, sub.region, str(source))].append(sub.id)
    if not cover_all and not by_source:
        return
    for cluster in by_type.get(_C, ()):
        seen: set[str] = set()
        names = {
            cluster.id,
            cluster.attrs.get("DBClusterIdentifier"),
            cluster.attrs.get("DBClusterArn"),
        }
        candidates = list(cover_all.get((cluster.account, cluster.region), ()))
        for name in sorted(n for n in names if isinstance(n, str)):
            candidates.extend(by_source.get((cluster.account, cluster.region, name), ()))
        for sub_id in candidates:
            if sub_id not in seen:
                seen.add(sub_id)
                yield cluster.id, "notified_by", sub_id, {}


SpecialFn = Callable[[Mapping[str, list[Resource]], TargetIndex, Gaps], Iterator[Edge]]
SPECIAL: dict[str, SpecialFn] = {
    "routed_by": _routed_by,
    "routes_to": _routes,  # also yields routes_via_nat
    "routes_via_nat": _routes,
    "notified_by": _notified_by,
}


def derived_relations() -> set[str]:
    """Every relation name this module can produce (checked against the vocabulary)."""
    return {spec.relation for spec in EDGE_SPECS} | set(SPECIAL)


def computed_relations() -> set[str]:
    """Relations declared without a reference path: each needs a ``SPECIAL`` function."""
    return {rel.name for t in TYPES.all() for rel in t.relations if rel.refs is None}


# ----- building ---------------------------------------------------------------


def _unique(resources: Iterable[Resource]) -> list[Resource]:
    seen: set[str] = set()
    out: list[Resource] = []
    for r in resources:
        if r.id not in seen:
            seen.add(r.id)
            out.append(r)
    return out


def compute_edges(resources: list[Resource], gaps: Gaps | None = None) -> list[Edge]:
    """Every edge between ``resources`` (already carrying their local x_ facts);
    references that resolve to nothing are recorded in ``gaps``."""
    gaps = gaps if gaps is not None else Gaps()
    by_type: dict[str, list[Resource]] = defaultdict(list)
    for r in resources:
        by_type[r.type].append(r)
    index = TargetIndex(resources)
    edges: list[Edge] = []
    for spec in EDGE_SPECS:
        edges.extend(_spec_edges(spec, by_type.get(spec.source, ()), index, gaps))
    for fn in dict.fromkeys(SPECIAL.values()):  # each function once, in order
        edges.extend(fn(by_type, index, gaps))
    # member and member_of are two views of one fact; a record may state it
    # on one side only (moto omits DBClusterIdentifier nowhere, but a test
    # case may), so each direction is completed from the other.
    pairs = {(s, t) for s, rel, t, _ in edges if rel == "member"}
    back = {(t, s) for s, rel, t, _ in edges if rel == "member_of"}
    edges.extend((c, "member", i, {}) for c, i in sorted(back - pairs))
    edges.extend((i, "member_of", c, {}) for c, i in sorted(pairs - back))
    return edges


def _writer_facts(resources: list[Resource], edges: list[Edge]) -> dict[str, Attrs]:
    """Extra attrs per resource id: x_writer on clusters, x_is_cluster_writer on instances.

    A fact that cannot be worked out because a record is not in the snapshot
    (the writer instance, an instance's cluster) is listed in ``x_missing``.
    """
    by_id = {r.id: r for r in resources}
    members: dict[str, list[str]] = defaultdict(list)
    for s, rel, t, _ in edges:
        if rel == "member":
            members[s].append(t)
    extra: dict[str, Attrs] = defaultdict(dict)
    writers: set[str] = set()
    for r in resources:
        if r.type != _C:
            continue
        member_records = [(i, by_id[i].attrs) for i in members.get(r.id, ())]
        writer = derive.writer_facts(r.attrs, member_records)
        extra[r.id]["x_writer"] = writer
        facts = derive.member_facts(r.attrs, member_records)
        extra[r.id].update(facts)
        listed = {
            str(m.get("DBInstanceIdentifier"))
            for m in r.attrs.get("DBClusterMembers") or ()
            if isinstance(m, Mapping) and m.get("DBInstanceIdentifier")
        }
        found_ids = {str(a.get("DBInstanceIdentifier", i)) for i, a in member_records}
        absent = sorted(listed - found_ids - {i for i, _ in member_records})
        if absent:
            # Facts over every member are not known while one is not in the snapshot.
            why = f"member instance {', '.join(absent)} is not in the snapshot"
            extra[r.id].setdefault(MISSING, {}).update(dict.fromkeys(facts, why))
        if writer is not None:
            found = False
            for rid, attrs in member_records:
                if writer["DBInstanceIdentifier"] in (rid, attrs.get("DBInstanceIdentifier")):
                    writers.add(rid)
                    found = True
            if not found:
                extra[r.id].setdefault(MISSING, {})["x_writer"] = (
                    f"writer instance {writer['DBInstanceIdentifier']} is not in the snapshot"
                )
    in_cluster = {i for ids in members.values() for i in ids}
    for r in resources:
        if r.type != _I:
            continue
        if r.id in in_cluster:
            extra[r.id]["x_is_cluster_writer"] = r.id in writers
        elif not r.attrs.get("DBClusterIdentifier"):
            extra[r.id]["x_is_cluster_writer"] = False  # a standalone instance
        else:
            extra[r.id]["x_is_cluster_writer"] = None  # its cluster is not in the snapshot
            extra[r.id][MISSING] = {
                "x_is_cluster_writer": f"cluster {r.attrs['DBClusterIdentifier']} "
                "is not in the snapshot"
            }
    return extra


# "You can't change the parameter values in a default DB parameter group"
# (Aurora user guide, USER_WorkingWithParamGroups.Modifying.html), and only
# default groups may have a period in their name (default.aurora-mysql8.0):
# such a group sets no parameter of its own, so an instance using one
# overrides nothing even when the group is not in the snapshot.
_DEFAULT_GROUP_PREFIX = "default."
_EFFECTIVE = ("x_effective_parameters", "x_effective_pgaudit_log")


def _effective_parameters(resources: list[Resource], edges: list[Edge]) -> dict[str, Attrs]:
    """``x_effective_parameters`` on each member instance: its cluster parameter
    group's values overlaid with the parameters set (``Source: user``) in the
    instance's own DB parameter group, which override the cluster's for that
    instance (USER_WorkingWithDBClusterParamGroups.html); and
    ``x_effective_pgaudit_log``, the classes its effective ``pgaudit.log`` logs.

    Either group's parameters not being known (a group not in the snapshot, a
    failed DescribeDB[Cluster]Parameters) leaves both facts in ``x_missing``.
    """
    by_id = {r.id: r for r in resources}
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s, rel, t, _ in edges:
        if rel in ("member_of", "uses_parameter_group", "uses_db_parameter_group"):
            out[(s, rel)].append(t)
    extra: dict[str, Attrs] = {}
    for r in resources:
        if r.type != _I or not out.get((r.id, "member_of")):
            continue
        cluster = by_id[out[(r.id, "member_of")][0]]
        why = None
        base: Mapping[str, Any] = {}
        groups = out.get((cluster.id, "uses_parameter_group"))
        if not groups:
            name = cluster.attrs.get("DBClusterParameterGroup")
            why = f"cluster parameter group {name} is not in the snapshot"
        else:
            base, why = _group_parameters(by_id[groups[0]])
        overrides: dict[str, Any] = {}
        found = set()
        for target in out.get((r.id, "uses_db_parameter_group"), ()):
            found.add(by_id[target].attrs.get("DBParameterGroupName"))
            params, problem = _group_parameters(by_id[target])
            overrides.update(params)
            why = why or problem
        for item in r.attrs.get("DBParameterGroups") or ():
            name = item.get("DBParameterGroupName") if isinstance(item, Mapping) else None
            if (
                isinstance(name, str)
                and name not in found
                and not name.startswith(_DEFAULT_GROUP_PREFIX)
            ):
                why = why or f"DB parameter group {name} is not in the snapshot"
        if why is not None:
            extra[r.id] = {MISSING: dict.fromkeys(_EFFECTIVE, why)}
            continue
        # Shared, not copied, when the instance overrides nothing (most do not):
        # facts are read-only, and at 30,000 instances the copies add up.
        effective = {**base, **overrides} if overrides else base
        facts: Attrs = {"x_effective_parameters": effective}
        audit = effective.get("pgaudit.log")
        if isinstance(audit, str):
            facts["x_effective_pgaudit_log"] = derive.pgaudit_log_classes(audit)
        extra[r.id] = facts
    return extra


def _group_parameters(group: Resource) -> tuple[Mapping[str, Any], str | None]:
    """A parameter group's ``x_parameters``, or why they are not known."""
    params = group.attrs.get("x_parameters")
    if isinstance(params, Mapping):
        return params, None
    missing = group.attrs.get(MISSING) or {}
    name = _group_name(group)
    return {}, str(missing.get("x_parameters") or f"the parameters of {name} were not read")


def _group_name(group: Resource) -> str:
    for key in ("DBParameterGroupName", "DBClusterParameterGroupName"):
        value = group.attrs.get(key)
        if isinstance(value, str):
            return value
    return group.id


# What a field of an unexpected type raises in the derivations (a list where a
# mapping belongs, a number where a list belongs).  The snapshot reader refuses
# the common cases with the field named (scanner/input_check.py); this is the
# net for the rest, and for hand-written policy test cases.
_SHAPE_ERRORS = (TypeError, AttributeError, KeyError, ValueError, IndexError)


def _malformed(what: str, exc: Exception) -> UserInputError:
    return UserInputError(
        f"{what} has a field of an unexpected type ({type(exc).__name__}: {exc})",
        expected="records shaped as the AWS API returns them",
        hint="the snapshot or test case was edited or damaged; collect it again",
    )


def build_graph(resources: Iterable[Resource], gaps: Gaps | None = None) -> ResourceGraph:
    """Add ``resources`` with their derived facts and derive every relation.

    ``gaps`` (collection errors and the collected types) marks the fields
    failed calls left out of records (``x_missing``) and collects the
    references that resolve to nothing; the graph keeps it for evaluation.
    """
    gaps = gaps if gaps is not None else Gaps()
    local = []
    for r in _unique(resources):
        try:
            attrs = derive.derive_local(r.type, r.attrs)
        except _SHAPE_ERRORS as exc:
            raise _malformed(f"resource {r.id}", exc) from None
        missing = gaps.missing_fields(r)
        if missing:
            attrs = merge_missing(attrs, derive.with_derived(missing))
        local.append(Resource(r.id, r.type, r.account, r.region, attrs))
    try:
        edges = compute_edges(local, gaps)
        extra = _writer_facts(local, edges)
        effective = _effective_parameters(local, edges)
    except _SHAPE_ERRORS as exc:
        raise _malformed("a record", exc) from None
    for rid, facts in effective.items():
        merged = extra.setdefault(rid, {})
        if MISSING in facts:
            merged.setdefault(MISSING, {}).update(facts[MISSING])
        else:
            merged.update(facts)
    graph = ResourceGraph(gaps)
    for r in local:
        more = extra.get(r.id)
        if more:
            attrs = dict(r.attrs)
            for key, value in more.items():
                if key == MISSING:
                    attrs = merge_missing(attrs, value)
                # A test case may state the fact directly; derive only what is missing
                # or computable (a cluster with DBClusterMembers always recomputes).
                elif key not in attrs or value is not None:
                    attrs[key] = value
            r = Resource(r.id, r.type, r.account, r.region, attrs)
        graph.add_resource(r)
    graph.add_edges(edges)
    graph.reindex()
    return graph
