"""Derived facts: ``x_`` attributes computed from raw AWS fields at graph-build time.

Snapshots store only raw API records; everything here is recomputed every time
a graph is built, so an old snapshot re-evaluates with today's derivations and
hand-written policy test cases get the same facts as a real scan.

Two kinds of derivation:

* local ones read one record (security-group rules, parameters and the
  pgaudit classes they log, tags, restore attributes, main route table, a
  cluster's engine major version, a major version's support dates) -
  ``derive_local``;
* cross-resource ones need the member edges (``x_writer`` on clusters and
  ``x_is_cluster_writer`` on instances) - ``writer_facts``, called by
  ``scanner.edges.build_graph`` once edges exist.

A derivation runs only when its raw source is present; otherwise a value the
record already carries (a test case may write ``x_restore`` directly) is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

ALL_PORTS = (0, 65535)

Attrs = dict[str, Any]


def _ports(perm: Mapping[str, Any]) -> tuple[int, int]:
    """Port range of one IpPermission; protocol -1 (all traffic) means every port.

    AWS omits FromPort/ToPort for -1 and for protocols without ports (e.g. 50/ESP);
    those rules admit traffic regardless of port, so they cover 0..65535 too.
    """
    if str(perm.get("IpProtocol", "-1")) == "-1":
        return ALL_PORTS
    from_port = perm.get("FromPort")
    to_port = perm.get("ToPort")
    if from_port is None or to_port is None:
        return ALL_PORTS
    return int(from_port), int(to_port)


def security_group_ingress(attrs: Mapping[str, Any]) -> tuple[list[Attrs], list[Attrs]]:
    """Flatten IpPermissions into CIDR rules and security-group-reference rules.

    One IpPermission can hold several CIDRs and SG references at once (AWS
    merges rules with the same protocol and ports), so each becomes one entry.
    """
    cidr_rules: list[Attrs] = []
    group_rules: list[Attrs] = []
    for perm in attrs.get("IpPermissions") or ():
        protocol = str(perm.get("IpProtocol", "-1"))
        from_port, to_port = _ports(perm)
        base = {"protocol": protocol, "from_port": from_port, "to_port": to_port}
        for rng in perm.get("IpRanges") or ():
            if rng.get("CidrIp"):
                cidr_rules.append({**base, "cidr": rng["CidrIp"], "ip_version": 4})
        for rng in perm.get("Ipv6Ranges") or ():
            if rng.get("CidrIpv6"):
                cidr_rules.append({**base, "cidr": rng["CidrIpv6"], "ip_version": 6})
        for pair in perm.get("UserIdGroupPairs") or ():
            group_rules.append(
                {**base, "group_id": pair.get("GroupId"), "user_id": pair.get("UserId")}
            )
    return cidr_rules, group_rules


def tags(attrs: Mapping[str, Any]) -> dict[str, str] | None:
    """``{Key: Value}`` from TagList (RDS) or Tags (EC2, Secrets Manager, KMS).

    KMS ListResourceTags uses TagKey/TagValue; a hand-written test may give a
    plain mapping.  Returns None when the record has neither field.
    """
    for field_name in ("TagList", "Tags"):
        raw = attrs.get(field_name)
        if raw is None:
            continue
        if isinstance(raw, Mapping):
            return {str(k): "" if v is None else str(v) for k, v in raw.items()}
        out: dict[str, str] = {}
        for tag in raw:
            key = tag.get("Key", tag.get("TagKey"))
            if key is None:
                continue
            value = tag.get("Value", tag.get("TagValue"))
            out[str(key)] = "" if value is None else str(value)
        return out
    return None


def parameters(attrs: Mapping[str, Any]) -> dict[str, Any] | None:
    raw = attrs.get("Parameters")
    if raw is None:
        return None
    return {
        p["ParameterName"]: p["ParameterValue"]
        for p in raw
        if p.get("ParameterName") is not None and p.get("ParameterValue") is not None
    }


def restore_values(attrs: Mapping[str, Any]) -> list[str] | None:
    """Values of the ``restore`` attribute: account ids, or ``all`` for public."""
    raw = attrs.get("DBClusterSnapshotAttributes")
    if raw is None:
        return None
    values: list[str] = []
    for attribute in raw:
        if attribute.get("AttributeName") == "restore":
            values.extend(str(v) for v in attribute.get("AttributeValues") or ())
    return values


def is_main_route_table(attrs: Mapping[str, Any]) -> bool | None:
    assocs = attrs.get("Associations")
    if assocs is None:
        return None
    return any(bool(a.get("Main")) for a in assocs)


def _derive_security_group(attrs: Attrs) -> None:
    if "IpPermissions" in attrs:
        attrs["x_ingress"], attrs["x_ingress_groups"] = security_group_ingress(attrs)


# pgaudit.log statement classes (pgaudit README, "pgaudit.log"); "all" means every one.
PGAUDIT_CLASSES = ("read", "write", "function", "role", "ddl", "misc", "misc_set")


def pgaudit_log_classes(value: str) -> list[str]:
    """The statement classes pgaudit logs for a ``pgaudit.log`` value; [] when none.

    As pgaudit's own check of the setting: a comma-separated list of class
    names, case-insensitive, applied left to right; ``all`` adds every class,
    ``none`` adds nothing, a leading ``-`` subtracts (``all, -misc``).  pgaudit
    refuses a value with an unknown class or an empty list item, and then
    keeps its default ``none``: such a value logs nothing.
    """
    if not value.strip():
        return []
    logged: set[str] = set()
    for item in value.split(","):
        token = item.strip().strip('"').lower()
        subtract = token.startswith("-")
        name = token[1:] if subtract else token
        if name == "none":
            classes: set[str] = set()
        elif name == "all":
            classes = set(PGAUDIT_CLASSES)
        elif name in PGAUDIT_CLASSES:
            classes = {name}
        else:
            return []
        logged = logged - classes if subtract else logged | classes
    return sorted(logged)


def _derive_parameter_group(attrs: Attrs) -> None:
    value = parameters(attrs)
    if value is None:
        return
    attrs["x_parameters"] = value
    audit = value.get("pgaudit.log")
    if isinstance(audit, str):
        attrs["x_pgaudit_log"] = pgaudit_log_classes(audit)


def major_engine_version(engine: Any, version: Any) -> str | None:
    """The major version of an Aurora ``EngineVersion``, as DescribeDBMajorEngineVersions names it.

    Aurora MySQL majors have two numbers (``8.0.mysql_aurora.3.05.2`` is 8.0,
    the legacy ``aurora`` engine's ``5.6.10a`` is 5.6).  PostgreSQL names its
    majors by the first number from version 10 on (``15.4`` is 15) and by the
    first two before (``9.6.22`` is 9.6).
    """
    if not isinstance(engine, str) or not isinstance(version, str):
        return None
    parts = version.split(".")
    if engine == "aurora-postgresql" and parts[0].isdigit() and int(parts[0]) >= 10:
        return parts[0]
    if engine in ("aurora", "aurora-mysql", "aurora-postgresql") and len(parts) >= 2:
        return f"{parts[0]}.{parts[1]}"
    return None


def engine_major(engine: str, major: str) -> str:
    """The key joining a cluster to its engine major version's record: ``aurora-mysql 8.0``."""
    return f"{engine} {major}"


def _derive_cluster(attrs: Attrs) -> None:
    major = major_engine_version(attrs.get("Engine"), attrs.get("EngineVersion"))
    if major is not None:
        attrs["x_major_engine_version"] = major
        attrs["x_engine_major"] = engine_major(str(attrs["Engine"]), major)


STANDARD_SUPPORT = "open-source-rds-standard-support"
EXTENDED_SUPPORT = "open-source-rds-extended-support"


def lifecycle_end(attrs: Mapping[str, Any], name: str) -> Any:
    """LifecycleSupportEndDate of the SupportedEngineLifecycles entry named ``name``, or None."""
    for lifecycle in attrs.get("SupportedEngineLifecycles") or ():
        if lifecycle.get("LifecycleSupportName") == name:
            return lifecycle.get("LifecycleSupportEndDate")
    return None


def _derive_major_engine_version(attrs: Attrs) -> None:
    engine, major = attrs.get("Engine"), attrs.get("MajorEngineVersion")
    if isinstance(engine, str) and isinstance(major, str):
        attrs["x_engine_major"] = engine_major(engine, major)
    for fact, name in (
        ("x_standard_support_end", STANDARD_SUPPORT),
        ("x_extended_support_end", EXTENDED_SUPPORT),
    ):
        end = lifecycle_end(attrs, name)
        if end is not None:
            attrs[fact] = end


def _derive_snapshot(attrs: Attrs) -> None:
    value = restore_values(attrs)
    if value is not None:
        attrs["x_restore"] = value


def _derive_route_table(attrs: Attrs) -> None:
    value = is_main_route_table(attrs)
    if value is not None:
        attrs["x_is_main"] = value


_LOCAL: dict[str, Callable[[Attrs], None]] = {
    "aws.ec2.security_group": _derive_security_group,
    "aws.rds.db_cluster": _derive_cluster,
    "aws.rds.db_cluster_parameter_group": _derive_parameter_group,
    "aws.rds.db_parameter_group": _derive_parameter_group,
    "aws.rds.major_engine_version": _derive_major_engine_version,
    "aws.rds.db_cluster_snapshot": _derive_snapshot,
    "aws.ec2.route_table": _derive_route_table,
}


def derive_local(resource_type: str, raw: Mapping[str, Any]) -> Attrs:
    """A copy of ``raw`` with every single-record ``x_`` fact added.

    ``x_tags`` is set on every resource: a record without TagList/Tags has no
    tags (AWS omits the field then), so ``{}`` is the truthful value.
    """
    attrs = dict(raw)
    fn = _LOCAL.get(resource_type)
    if fn is not None:
        fn(attrs)
    tag_map = tags(attrs)
    if tag_map is not None:
        attrs["x_tags"] = tag_map
    else:
        attrs.setdefault("x_tags", {})
    return attrs


def writer_member(cluster_attrs: Mapping[str, Any]) -> str | None:
    for member in cluster_attrs.get("DBClusterMembers") or ():
        if member.get("IsClusterWriter"):
            ident = member.get("DBInstanceIdentifier")
            return str(ident) if ident is not None else None
    return None


def writer_facts(
    cluster_attrs: Mapping[str, Any], member_instances: Iterable[tuple[str, Mapping[str, Any]]]
) -> Attrs | None:
    """``x_writer`` of a cluster: its writer member, enriched from the instance record.

    ``member_instances`` are (resource id, attrs) of the cluster's member
    instances found in the graph; the writer may be missing from the snapshot
    (then AZ and class are null but the identifier is still known).
    """
    ident = writer_member(cluster_attrs)
    if ident is None:
        return None
    for rid, attrs in member_instances:
        if attrs.get("DBInstanceIdentifier", rid) == ident or rid == ident:
            return {
                "DBInstanceIdentifier": ident,
                "AvailabilityZone": attrs.get("AvailabilityZone"),
                "DBInstanceClass": attrs.get("DBInstanceClass"),
            }
    return {"DBInstanceIdentifier": ident, "AvailabilityZone": None, "DBInstanceClass": None}
