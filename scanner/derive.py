"""Derived facts: ``x_`` attributes computed from raw AWS fields at graph-build time.

Snapshots store only raw API records; everything here is recomputed every time
a graph is built, so an old snapshot re-evaluates with today's derivations and
hand-written policy test cases get the same facts as a real scan.

Two kinds of derivation:

* local ones read one record (security-group rules, parameters and the
  pgaudit classes they log, tags and their keys, restore attributes, main
  route table, storage encryption and its key in words, a cluster's Region
  from its ARN, its engine major version, its member and security-group ids,
  members out of sync with the parameter group and the TLS parameter for its
  engine, a parameter group's TLS value, a subnet group's distinct AZs, a
  secret's last rotation, a major version's support dates) - ``derive_local``;
* cross-resource ones need the member edges (``x_writer``,
  ``x_failover_target``, ``x_reader_azs`` and ``x_reader_az_count`` on
  clusters, ``x_is_cluster_writer`` on instances) - ``writer_facts`` and
  ``member_facts``, called by ``scanner.edges.build_graph`` once edges exist.

Built-in policies read these facts rather than clever JMESPath: a policy
attribute or message placeholder is a plain (dotted) field name, and the rule
behind each fact is written here once, with its AWS source.

A derivation runs only when its raw source is present; otherwise a value the
record already carries (a test case may write ``x_restore`` directly) is kept.
"""

from __future__ import annotations

import re
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
    if value is not None:
        attrs["x_parameters"] = value
        audit = value.get("pgaudit.log")
        if isinstance(audit, str):
            attrs["x_pgaudit_log"] = pgaudit_log_classes(audit)
    # A test case may state x_parameters without Parameters: read the fact.
    params = attrs.get("x_parameters")
    if isinstance(params, Mapping):
        tls = tls_value(params)
        if tls is not None:
            attrs["x_tls_value"] = tls


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


def _derive_engine_major(attrs: Attrs) -> None:
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
    _derive_encryption(attrs)
    _derive_encryption_key(attrs)


def _present(value: Any) -> bool:
    """Holds something: not null, false or an empty string/list/mapping (0 counts)."""
    if value is None or value is False:
        return False
    return not isinstance(value, str | list | dict) or len(value) > 0


AWS_OWNED_KEY = "an AWS owned key (StorageEncryptionType sse-rds), not a customer managed key"


def encryption_key(attrs: Mapping[str, Any]) -> str | None:
    """``x_encryption_key``: the key a cluster or cluster snapshot is encrypted with, in words.

    ``sse-rds`` (``x_encryption``, see :func:`storage_encryption`) is an AWS
    owned key, which has no ``KmsKeyId``; otherwise the record's ``KmsKeyId``
    (botocore RDS model, ``DBCluster.KmsKeyId``, ``DBClusterSnapshot.KmsKeyId``).
    """
    if attrs.get("x_encryption") == "sse-rds":
        return AWS_OWNED_KEY
    key = attrs.get("KmsKeyId")
    if not _present(key):
        return "KMS key (not set)"
    return f"KMS key {key}" if isinstance(key, str) else None


def _derive_encryption_key(attrs: Attrs) -> None:
    value = encryption_key(attrs)
    if value is not None:
        attrs["x_encryption_key"] = value


def _projected(items: Any, key: str) -> list[Any] | None:
    """``key`` of each mapping in ``items`` that has it; None when ``items`` is not a list."""
    if type(items) is not list:
        return None
    return [item[key] for item in items if isinstance(item, Mapping) and item.get(key) is not None]


IN_SYNC = "in-sync"


def members_out_of_sync(attrs: Mapping[str, Any]) -> list[Any] | None:
    """``x_members_out_of_sync``: members whose cluster parameter group status is not in-sync.

    ``DBClusterMembers[].DBClusterParameterGroupStatus`` is ``pending-reboot``
    until a member reboots after a static parameter changed
    (USER_WorkingWithParamGroups.Modifying.html); a member that does not
    report a status is not known to be in sync, so it is listed too.
    """
    members = attrs.get("DBClusterMembers")
    if type(members) is not list:
        return None
    return [
        m["DBInstanceIdentifier"]
        for m in members
        if isinstance(m, Mapping)
        and m.get("DBClusterParameterGroupStatus") != IN_SYNC
        and m.get("DBInstanceIdentifier") is not None
    ]


def member_count(attrs: Mapping[str, Any]) -> int | None:
    """``x_member_count``: how many DBClusterMembers the cluster lists (0 when none)."""
    members = attrs.get("DBClusterMembers")
    if not _present(members):
        return 0
    return len(members) if isinstance(members, list | dict | str) else None


# The cluster parameter that makes Aurora refuse connections without TLS, and
# the value that turns it on, per engine: rds.force_ssl = 1 on Aurora
# PostgreSQL (AuroraPostgreSQL.Security.html), require_secure_transport = ON on
# Aurora MySQL (AuroraMySQL.Security.html).
TLS_POSTGRESQL = {"ParameterName": "rds.force_ssl", "ParameterValue": "1"}
TLS_MYSQL = {"ParameterName": "require_secure_transport", "ParameterValue": "ON"}


def tls_parameter(engine: Any) -> dict[str, str]:
    """``x_tls_parameter`` of a cluster: the TLS parameter for its engine and the value to set."""
    return dict(TLS_POSTGRESQL if engine == "aurora-postgresql" else TLS_MYSQL)


def tls_value(parameters: Mapping[str, Any]) -> Any:
    """``x_tls_value`` of a parameter group: the value of whichever TLS parameter it sets.

    A group belongs to one engine family and holds only that engine's
    parameter (``rds.force_ssl`` or ``require_secure_transport``, see
    :data:`TLS_POSTGRESQL`); the first one holding a value is it.
    """
    force_ssl = parameters.get(TLS_POSTGRESQL["ParameterName"])
    return force_ssl if _present(force_ssl) else parameters.get(TLS_MYSQL["ParameterName"])


def _derive_route_table(attrs: Attrs) -> None:
    value = is_main_route_table(attrs)
    if value is not None:
        attrs["x_is_main"] = value


# The raw fields each local fact is computed from: when a failed call left a
# raw field out of a record (``scanner.provenance``), the fact is missing too.
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "x_parameters": ("Parameters",),
    "x_pgaudit_log": ("Parameters",),
    "x_restore": ("DBClusterSnapshotAttributes",),
    "x_ingress": ("IpPermissions",),
    "x_ingress_groups": ("IpPermissions",),
    "x_tls_value": ("Parameters",),
}


def with_derived(missing: Mapping[str, str]) -> dict[str, str]:
    """``missing`` plus every derived fact whose raw source is in it."""
    out = dict(missing)
    for fact, sources in DERIVED_FROM.items():
        for source in sources:
            if source in missing and fact not in out:
                out[fact] = missing[source]
    return out


def arn_region(arn: Any) -> str | None:
    """The Region of ``arn:<partition>:<service>:<region>:...``; None when not an ARN."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":")
    return parts[3] or None if len(parts) > 5 and parts[0] == "arn" else None


def _derive_cluster(attrs: Attrs) -> None:
    # Region-dependent feature support (activity streams) needs the cluster's
    # Region, which the record carries only inside its ARN.
    value = arn_region(attrs.get("DBClusterArn"))
    if value is not None:
        attrs["x_region"] = value
    _derive_encryption(attrs)
    _derive_encryption_key(attrs)
    _derive_engine_major(attrs)
    _derive_cluster_lists(attrs)
    attrs["x_tls_parameter"] = tls_parameter(attrs.get("Engine"))


def _derive_cluster_lists(attrs: Attrs) -> None:
    for fact, value in (
        ("x_security_group_ids", _projected(attrs.get("VpcSecurityGroups"), "VpcSecurityGroupId")),
        ("x_member_ids", _projected(attrs.get("DBClusterMembers"), "DBInstanceIdentifier")),
        ("x_members_out_of_sync", members_out_of_sync(attrs)),
        ("x_member_count", member_count(attrs)),
    ):
        if value is not None:
            attrs[fact] = value


def subnet_az_count(attrs: Mapping[str, Any]) -> int | None:
    """``x_subnet_az_count``: distinct Availability Zones of a DB subnet group's subnets.

    From ``Subnets[].SubnetAvailabilityZone.Name`` (botocore RDS model,
    ``DBSubnetGroup.Subnets``); an Aurora cluster can place instances only in
    the AZs its subnet group covers (USER_VPC.WorkingWithRDSInstanceinaVPC.html).
    """
    subnets = attrs.get("Subnets")
    if type(subnets) is not list:
        return None
    names = []
    for subnet in subnets:
        zone = subnet.get("SubnetAvailabilityZone") if isinstance(subnet, Mapping) else None
        name = zone.get("Name") if isinstance(zone, Mapping) else None
        if name is not None and name not in names:
            names.append(name)
    return len(names)


def _derive_subnet_group(attrs: Attrs) -> None:
    value = subnet_az_count(attrs)
    if value is not None:
        attrs["x_subnet_az_count"] = value


def rotated_or_created(attrs: Mapping[str, Any]) -> Any:
    """``x_rotated_or_created`` of a secret: ``LastRotatedDate``, else ``CreatedDate``.

    DescribeSecret omits LastRotatedDate until the first rotation
    (botocore secretsmanager model, ``DescribeSecretResponse``); the secret's
    password is then as old as the secret.
    """
    rotated = attrs.get("LastRotatedDate")
    return rotated if _present(rotated) else attrs.get("CreatedDate")


def _derive_secret(attrs: Attrs) -> None:
    value = rotated_or_created(attrs)
    if value is not None:
        attrs["x_rotated_or_created"] = value


_LOCAL: dict[str, Callable[[Attrs], None]] = {
    "aws.rds.db_cluster": _derive_cluster,
    "aws.ec2.security_group": _derive_security_group,
    "aws.rds.db_cluster_parameter_group": _derive_parameter_group,
    "aws.rds.db_parameter_group": _derive_parameter_group,
    "aws.rds.major_engine_version": _derive_major_engine_version,
    "aws.rds.db_cluster_snapshot": _derive_snapshot,
    "aws.rds.global_cluster": _derive_encryption,
    "aws.ec2.route_table": _derive_route_table,
    "aws.rds.db_subnet_group": _derive_subnet_group,
    "aws.secretsmanager.secret": _derive_secret,
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
    stated = attrs["x_tags"]
    if isinstance(stated, dict):
        attrs["x_tag_keys"] = list(stated)
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


# ----- cluster member facts: failover target and reader AZs ------------------
#
# Aurora promotes the reader in the lowest promotion tier present; among readers
# of that tier, the largest; among equal sizes, any (Fault tolerance for an
# Aurora DB cluster, Concepts.AuroraHighAvailability.html#Aurora.Managing.FaultTolerance).
# A reader's tier is DBClusterMembers[].PromotionTier (the instance record
# carries the same value); the API default when none was set is 1
# (CreateDBInstance PromotionTier).

DEFAULT_PROMOTION_TIER = 1
SERVERLESS_CLASS = "db.serverless"
GIB_PER_ACU = 2.0  # "Each ACU is a combination of approximately 2 GiB of memory"

# Size of a provisioned class in units of its family's "large": the instance
# sizes double from large upward (xlarge = 2, 2xlarge = 4, ... 32xlarge = 64).
_SIZE_UNITS: dict[str, float] = {
    "nano": 1 / 16,
    "micro": 1 / 8,
    "small": 1 / 4,
    "medium": 1 / 2,
    "large": 1.0,
    "xlarge": 2.0,
}
_NXLARGE = re.compile(r"^([1-9][0-9]*)xlarge$")

# Memory (GiB) per size unit, from Aurora's hardware specifications
# (Concepts.DBInstanceClass.Summary.html): memory-optimized db.r* 16 GiB per
# large (db.r6g.large 16, db.r6g.4xlarge 128) except the older db.r3/db.r4 at
# 15.25, db.x* 32 (db.x2g.large 32), burstable db.t* 8 (db.t3.medium 4,
# db.t4g.large 8).  Only used to compare a db.serverless instance with a
# provisioned one; a family not listed has no known memory.
_GIB_PER_UNIT_FAMILY: dict[str, float] = {"r3": 15.25, "r4": 15.25}
_GIB_PER_UNIT_LETTER: dict[str, float] = {"r": 16.0, "x": 32.0, "t": 8.0}


def class_size_units(instance_class: str) -> float | None:
    """``db.<family>.<size>`` -> size units (large = 1); None when the size is not ordered.

    ``metal`` sizes differ per family (db.r5.metal is a 24xlarge, db.r6i.metal a
    32xlarge), so they have no place in the order and compare only as equal classes.
    """
    parts = instance_class.split(".")
    if len(parts) != 3 or parts[0] != "db" or not parts[1]:
        return None
    size = parts[2]
    if size in _SIZE_UNITS:
        return _SIZE_UNITS[size]
    match = _NXLARGE.match(size)
    return 2.0 * int(match.group(1)) if match else None


def _class_gib(instance_class: str) -> float | None:
    units = class_size_units(instance_class)
    if units is None:
        return None
    family = instance_class.split(".")[1]
    per_unit = _GIB_PER_UNIT_FAMILY.get(family, _GIB_PER_UNIT_LETTER.get(family[:1]))
    return units * per_unit if per_unit is not None else None


def _max_acu(cluster_attrs: Mapping[str, Any]) -> float | None:
    config = cluster_attrs.get("ServerlessV2ScalingConfiguration")
    value = config.get("MaxCapacity") if isinstance(config, Mapping) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def _describe(instance_class: str | None, max_acu: float | None) -> str:
    if instance_class is None:
        return "class not known"
    if instance_class == SERVERLESS_CLASS:
        if max_acu is None:
            return "db.serverless (no MaxCapacity)"
        return f"db.serverless (up to {max_acu:g} ACU, about {max_acu * GIB_PER_ACU:g} GiB)"
    return instance_class


def compare_classes(candidate: str | None, writer: str | None, max_acu: float | None) -> str | None:
    """``larger`` / ``same`` / ``smaller`` for ``candidate`` against ``writer``; None if unknown.

    Provisioned classes compare by size only: a different family of the same size
    (db.r6g.large, db.r5.large) is the same size.  db.serverless against db.serverless
    is the same (one cluster, one capacity range).  db.serverless against a
    provisioned class compares memory: the cluster's MaxCapacity at 2 GiB per ACU
    against the class's memory, so a serverless writer counts at its largest and a
    serverless reader at the most it can reach.
    """
    if candidate is None or writer is None:
        return None
    if candidate == writer:
        return "same"
    serverless = (candidate == SERVERLESS_CLASS, writer == SERVERLESS_CLASS)
    if not any(serverless):
        left, right = class_size_units(candidate), class_size_units(writer)
    else:
        acu_gib = max_acu * GIB_PER_ACU if max_acu is not None else None
        left = acu_gib if serverless[0] else _class_gib(candidate)
        right = acu_gib if serverless[1] else _class_gib(writer)
    if left is None or right is None:
        return None
    return "larger" if left > right else "same" if left == right else "smaller"


def _tier(member: Mapping[str, Any], record: Mapping[str, Any] | None) -> int:
    for value in (member.get("PromotionTier"), (record or {}).get("PromotionTier")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return DEFAULT_PROMOTION_TIER


def _records_by_identifier(
    member_instances: Iterable[tuple[str, Mapping[str, Any]]],
) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for rid, attrs in member_instances:
        out[str(attrs.get("DBInstanceIdentifier", rid))] = attrs
        out.setdefault(rid, attrs)
    return out


def _readers(
    cluster_attrs: Mapping[str, Any], records: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, int, Mapping[str, Any] | None]]:
    """(identifier, promotion tier, instance record or None) of each reader member."""
    out = []
    for member in cluster_attrs.get("DBClusterMembers") or ():
        ident = member.get("DBInstanceIdentifier")
        if member.get("IsClusterWriter") or ident is None:
            continue
        record = records.get(str(ident))
        out.append((str(ident), _tier(member, record), record))
    return out


def _pick_target(
    candidates: list[tuple[str, int, Mapping[str, Any] | None]], max_acu: float | None
) -> tuple[str, int, Mapping[str, Any] | None] | None:
    """The largest of the lowest-tier readers, or None when their sizes cannot be ordered."""
    if len(candidates) == 1:
        return candidates[0]
    classes = [(c[2] or {}).get("DBInstanceClass") for c in candidates]
    best = 0
    for index in range(1, len(candidates)):
        order = compare_classes(classes[index], classes[best], max_acu)
        if order is None:
            return None
        if order == "larger":
            best = index
    # Every candidate must be ordered against the chosen one, not only its predecessors.
    if any(compare_classes(c, classes[best], max_acu) is None for c in classes):
        return None
    return candidates[best]


def failover_target(
    cluster_attrs: Mapping[str, Any], member_instances: Iterable[tuple[str, Mapping[str, Any]]]
) -> Attrs | None:
    """``x_failover_target``: the reader Aurora would promote if the writer failed.

    ``vs_writer`` is ``larger``, ``same`` or ``smaller`` than the writer's class
    (see :func:`compare_classes`), or ``unknown`` when a class is not known or the
    sizes cannot be compared (``comparison`` says which).  None when the cluster
    has no writer member or no reader member.
    """
    records = _records_by_identifier(member_instances)
    writer_id = writer_member(cluster_attrs)
    readers = _readers(cluster_attrs, records)
    if writer_id is None or not readers:
        return None
    max_acu = _max_acu(cluster_attrs)
    writer_class = (records.get(writer_id) or {}).get("DBInstanceClass")
    tier = min(r[1] for r in readers)
    candidates = [r for r in readers if r[1] == tier]
    picked = _pick_target(candidates, max_acu)
    writer_text = f"writer {writer_id} {_describe(writer_class, max_acu)}"
    if picked is None:
        verdicts = {
            compare_classes((c[2] or {}).get("DBInstanceClass"), writer_class, max_acu)
            for c in candidates
        }
        ids = ", ".join(c[0] for c in candidates)
        if verdicts <= {"same", "larger"}:
            # Whichever of them Aurora picks is at least the writer's size.
            picked, vs_writer = candidates[0], "same" if "same" in verdicts else "larger"
            text = f"tier-{tier} readers {ids} are each at least the size of {writer_text}"
        else:
            picked, vs_writer = candidates[0], "unknown"
            text = f"cannot tell which of the tier-{tier} readers {ids} Aurora promotes"
    else:
        target_class = (picked[2] or {}).get("DBInstanceClass")
        vs_writer = compare_classes(target_class, writer_class, max_acu) or "unknown"
        text = f"{picked[0]} {_describe(target_class, max_acu)} vs {writer_text}"
        if vs_writer == "unknown":
            text = f"cannot compare {text}"
    ident, tier, record = picked
    return {
        "DBInstanceIdentifier": ident,
        "DBInstanceClass": (record or {}).get("DBInstanceClass"),
        "PromotionTier": tier,
        "AvailabilityZone": (record or {}).get("AvailabilityZone"),
        "vs_writer": vs_writer,
        "comparison": text,
    }


def reader_azs(
    cluster_attrs: Mapping[str, Any], member_instances: Iterable[tuple[str, Mapping[str, Any]]]
) -> list[str]:
    """``x_reader_azs``: the distinct Availability Zones of the cluster's reader members."""
    records = _records_by_identifier(member_instances)
    azs = {
        str(record["AvailabilityZone"])
        for _, _, record in _readers(cluster_attrs, records)
        if record is not None and record.get("AvailabilityZone")
    }
    return sorted(azs)


def member_facts(
    cluster_attrs: Mapping[str, Any], member_instances: Iterable[tuple[str, Mapping[str, Any]]]
) -> Attrs:
    """The cluster facts read from its member instances besides ``x_writer``."""
    members = list(member_instances)
    azs = reader_azs(cluster_attrs, members)
    return {
        "x_failover_target": failover_target(cluster_attrs, members),
        "x_reader_azs": azs,
        "x_reader_az_count": len(azs),
    }
