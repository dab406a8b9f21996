"""Derived facts: ``x_`` attributes computed from raw AWS fields at graph-build time.

Snapshots store only raw API records; everything here is recomputed every time
a graph is built, so an old snapshot re-evaluates with today's derivations and
hand-written policy test cases get the same facts as a real scan.

Two kinds of derivation:

* local ones read one record (security-group rules, parameters, tags, restore
  attributes, main route table, storage encryption) - ``derive_local``;
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


def storage_encryption(attrs: Mapping[str, Any]) -> str | None:
    """How a cluster, cluster snapshot, global cluster or instance encrypts data at rest.

    One of RDS's ``StorageEncryptionType`` values: ``none`` (not encrypted),
    ``sse-kms`` (an AWS managed or customer managed KMS key, named by
    ``KmsKeyId``) or ``sse-rds`` (an AWS owned key: no ``KmsKeyId``, nothing to
    describe in the account).

    Rule (botocore RDS model, ``DBCluster.StorageEncrypted`` /
    ``DBClusterSnapshot.StorageEncrypted`` and ``StorageEncryptionType`` of
    DBCluster, DBClusterSnapshot, GlobalCluster and DBInstance): a resource
    encrypted with an AWS owned key reports ``StorageEncrypted: false`` and
    ``StorageEncryptionType: sse-rds`` and "the data at rest is still
    encrypted. To determine how the data at rest is protected, use
    StorageEncryptionType".  So ``StorageEncryptionType`` decides when the
    record carries it; an older record without it is judged by
    ``StorageEncrypted``, which then means an AWS managed or customer managed
    key (``sse-kms``) or none.  A record with neither field gets no value
    (None): nothing is invented.
    """
    kind = attrs.get("StorageEncryptionType")
    if isinstance(kind, str) and kind:
        return kind
    encrypted = attrs.get("StorageEncrypted")
    if encrypted is True:
        return "sse-kms"
    if encrypted is False:
        return "none"
    return None


def _derive_encryption(attrs: Attrs) -> None:
    value = storage_encryption(attrs)
    if value is not None:
        attrs["x_encryption"] = value


def _derive_security_group(attrs: Attrs) -> None:
    if "IpPermissions" in attrs:
        attrs["x_ingress"], attrs["x_ingress_groups"] = security_group_ingress(attrs)


def _derive_parameter_group(attrs: Attrs) -> None:
    value = parameters(attrs)
    if value is not None:
        attrs["x_parameters"] = value


def _derive_snapshot(attrs: Attrs) -> None:
    value = restore_values(attrs)
    if value is not None:
        attrs["x_restore"] = value
    _derive_encryption(attrs)


def _derive_route_table(attrs: Attrs) -> None:
    value = is_main_route_table(attrs)
    if value is not None:
        attrs["x_is_main"] = value


# The raw fields each local fact is computed from: when a failed call left a
# raw field out of a record (``scanner.provenance``), the fact is missing too.
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "x_parameters": ("Parameters",),
    "x_restore": ("DBClusterSnapshotAttributes",),
    "x_ingress": ("IpPermissions",),
    "x_ingress_groups": ("IpPermissions",),
}


def with_derived(missing: Mapping[str, str]) -> dict[str, str]:
    """``missing`` plus every derived fact whose raw source is in it."""
    out = dict(missing)
    for fact, sources in DERIVED_FROM.items():
        for source in sources:
            if source in missing and fact not in out:
                out[fact] = missing[source]
    return out


_LOCAL: dict[str, Callable[[Attrs], None]] = {
    "aws.ec2.security_group": _derive_security_group,
    "aws.rds.db_cluster_parameter_group": _derive_parameter_group,
    "aws.rds.db_cluster_snapshot": _derive_snapshot,
    "aws.rds.db_cluster": _derive_encryption,
    "aws.rds.global_cluster": _derive_encryption,
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
