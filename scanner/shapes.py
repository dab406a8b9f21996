"""The botocore shape of every record the scanner stores, and JMESPath walks through it.

AWS, not moto, decides which fields a record has: botocore's service models
(the same ``service-2.json`` boto3 parses answers with) document every member
of every answer, its type and, for many strings, the values it can take.
This module maps each resource type to the shape of its stored record:

* the item shape of the collector's listing call (``ResourceSpec``: service,
  operation, ``items_key``), or the output of a dependent call
  (``DependentSpec.output_member``: ``KeyMetadata`` of kms DescribeKey);
* plus the fields augment calls add (``AUGMENTED``, from each type's
  declared ``augments``: a snapshot's ``DBClusterSnapshotAttributes``, a
  parameter group's ``Parameters``);
* plus the derived ``x_`` facts of ``scanner.derive`` and ``scanner.edges``,
  which botocore does not know, declared once in ``DERIVED`` with their own
  shape and the raw fields they are computed from.

``walk`` follows a JMESPath expression (the policies' ``attr``, ``{ref:}`` and
template placeholders) through such a shape and says what it reaches, or
why it cannot: a misspelled member, a field read through a list without
``[]``, an ``x_`` fact nobody declared.  ``scanner.shapecheck`` uses it to
check every policy; the accuracy tests run that check on the catalogue.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import botocore.session
import jmespath.parser
from jmespath.exceptions import JMESPathError

from scanner.collect.registry import SPECS
from scanner.collect.spec import DependentSpec
from scanner.resource_types import TYPES
from scanner.typeinfo import ResourceType
from scanner.vocabulary import RESOURCE_TYPES

NUMBER_KINDS = frozenset({"integer", "long", "double", "float"})
SCALAR_KINDS = frozenset({"string", "boolean", "timestamp", *NUMBER_KINDS})
CONTAINER_KINDS = frozenset({"structure", "list", "map"})

# A member whose botocore documentation says it is going away: reading it
# works today and silently stops working later (organizations Account.Status).
_RETIRED = re.compile(r"will be retired|\bis deprecated\b|has been deprecated", re.IGNORECASE)
# Values some string members list in their documentation instead of an enum
# ("Can be one of the following: creating | modifying | ... | topic-not-exist").
_DOC_VALUES = re.compile(
    r"(?:Can be one of the following|Valid Values)\s*:?\s*(?:</p>\s*<p>)?\s*(?:<code>)?\s*"
    r"([A-Za-z0-9_.:-]+(?:\s*\|\s*[A-Za-z0-9_.:-]+)+)"
)


class Shape:
    """One node of a record's type: botocore's, or declared here for ``x_`` facts.

    ``kind`` is botocore's type name (structure, list, map, string, integer,
    long, double, float, boolean, timestamp, blob) or ``any`` (unknown: a
    walk through it checks nothing).  Structure members load lazily, so
    recursive botocore shapes are fine.  ``loose`` marks a string that holds
    typed values as text (DB parameter values: ``"1"``, ``"ON"``), which the
    numeric operators accept.  ``enum`` lists the legal values where botocore
    declares them (``enum_source`` says where they came from).
    """

    __slots__ = (
        "_element",
        "_load",
        "_members",
        "_value",
        "enum",
        "enum_source",
        "kind",
        "literal",
        "loose",
        "name",
        "retired",
    )

    def __init__(
        self,
        kind: str,
        name: str,
        *,
        members: Mapping[str, Shape] | None = None,
        element: Shape | None = None,
        value: Shape | None = None,
        enum: Sequence[str] = (),
        enum_source: str = "",
        loose: bool = False,
        retired: str = "",
        load: Callable[[], dict[str, Shape]] | None = None,
        literal: Any = None,
    ) -> None:
        self.kind = kind
        self.name = name
        self._members = dict(members) if members is not None else None
        self._load = load
        self._element = element
        self._value = value
        self.enum = tuple(enum)
        self.enum_source = enum_source
        self.loose = loose
        self.retired = retired
        self.literal = literal

    def __repr__(self) -> str:
        return f"Shape({self.kind} {self.name})"

    @property
    def members(self) -> Mapping[str, Shape]:
        if self._members is None:
            self._members = self._load() if self._load is not None else {}
            self._load = None
        return self._members

    @property
    def element(self) -> Shape:
        return self._element if self._element is not None else ANY

    @property
    def value(self) -> Shape:
        return self._value if self._value is not None else ANY

    @property
    def is_any(self) -> bool:
        return self.kind == "any"

    @property
    def is_number(self) -> bool:
        return self.kind in NUMBER_KINDS

    def with_members(self, name: str, extra: Mapping[str, Shape]) -> Shape:
        """A structure with this one's members plus ``extra`` (augment fields, x_ facts)."""
        return Shape("structure", name, members={**self.members, **extra})

    def only(self, keep: Iterable[str]) -> Shape:
        """This structure with only the members in ``keep`` (what a collector stores)."""
        kept = set(keep)
        return Shape(
            "structure",
            self.name,
            members={k: v for k, v in self.members.items() if k in kept},
        )

    def describe(self) -> str:
        """What it is, for messages: "an integer", "a list of structure rds Tag"."""
        if self.kind == "list":
            return f"a list of {self.element.describe().removeprefix('a ').removeprefix('an ')}"
        if self.kind == "map":
            return f"a map of {self.value.describe().removeprefix('a ').removeprefix('an ')}"
        if self.kind == "structure":
            return f"a structure ({self.name})"
        if self.kind == "any":
            return "anything"
        return ("an " if self.kind[0] in "aeiou" else "a ") + self.kind


ANY = Shape("any", "")


def scalar(kind: str, name: str = "", *, loose: bool = False, enum: Sequence[str] = ()) -> Shape:
    return Shape(kind, name or kind, loose=loose, enum=enum, enum_source="declared")


def list_of(element: Shape, name: str = "") -> Shape:
    return Shape("list", name or f"list of {element.name}", element=element)


def map_of(value: Shape, name: str = "") -> Shape:
    return Shape("map", name or f"map of {value.name}", value=value)


def struct(name: str, **members: Shape) -> Shape:
    return Shape("structure", name, members=members)


STRING = scalar("string")
INTEGER = scalar("integer")
NUMBER = scalar("double", "number")
BOOLEAN = scalar("boolean")


# ----- botocore ------------------------------------------------------------------


@functools.cache
def _session() -> Any:
    return botocore.session.get_session()


@functools.cache
def service_model(service: str) -> Any:
    """The installed botocore model of ``service`` (read from disk, no network)."""
    return _session().get_service_model(service)


def _doc_enum(doc: str) -> tuple[str, ...]:
    found = _DOC_VALUES.search(doc or "")
    if not found:
        return ()
    return tuple(v.strip() for v in found.group(1).split("|") if v.strip())


_CONTAINERS: dict[tuple[str, str], Shape] = {}


def from_botocore(service: str, shape: Any, label: str | None = None) -> Shape:
    """Our ``Shape`` for a botocore shape; ``label`` names a scalar member in messages."""
    kind = str(shape.type_name)
    if kind in CONTAINER_KINDS:
        # One object per botocore shape, named by it: DBSubnetGroup is the same
        # shape inside an instance record and as a subnet group's own record.
        key = (service, str(shape.name))
        known = _CONTAINERS.get(key)
        if known is not None:
            return known
        made = _container(service, shape, kind, f"{service} {shape.name}")
        _CONTAINERS[key] = made
        return made
    name = label or f"{service} {shape.name}"
    doc = str(getattr(shape, "documentation", "") or "")
    said = _RETIRED.search(doc)
    retired = said.group(0) if said else ""
    enum = tuple(getattr(shape, "enum", None) or ())
    source = f"botocore enum {shape.name}" if enum else ""
    if not enum and kind == "string":
        enum = _doc_enum(doc)
        source = "botocore documentation" if enum else ""
    return Shape(kind, name, enum=enum, enum_source=source, retired=retired)


def _container(service: str, shape: Any, kind: str, name: str) -> Shape:
    if kind == "list":
        element = from_botocore(service, shape.member)
        return Shape("list", name, element=element)
    if kind == "map":
        return Shape("map", name, value=from_botocore(service, shape.value))

    def load() -> dict[str, Shape]:
        return {
            str(member): from_botocore(service, sub, f"{name}.{member}")
            for member, sub in shape.members.items()
        }

    return Shape("structure", name, load=load)


def output_shape(service: str, operation: str) -> Shape:
    return from_botocore(service, service_model(service).operation_model(operation).output_shape)


def input_shape(service: str, operation: str) -> Shape:
    return from_botocore(service, service_model(service).operation_model(operation).input_shape)


def source_shape(source: str) -> Shape:
    """A resource type's record, or ``service:Operation`` for that call's output."""
    if source in RESOURCE_TYPES:
        return record_shape(source)
    service, _, operation = source.partition(":")
    return output_shape(service, operation)


# ----- what the collectors store --------------------------------------------------


@dataclass(frozen=True)
class Augmented:
    """A field an augment call adds to each record of ``type``.

    ``path`` is where the value sits in the call's output; ``keep`` (for a
    list of structures) the members the collector keeps of each element.
    """

    type: str
    field: str
    service: str
    operation: str
    path: str
    keep: tuple[str, ...] | None = None


def _augmented(types: tuple[ResourceType, ...]) -> tuple[Augmented, ...]:
    return tuple(
        Augmented(t.name, call.field, t.service, call.operation, call.path, call.keep)
        for t in types
        for call in t.augments
    )


AUGMENTED = TYPES.sequence(_augmented)


def raw_shape(resource_type: str) -> Shape:
    """The botocore shape of one record as the collector receives it (no augments)."""
    spec = SPECS[resource_type]
    output = output_shape(spec.service, spec.operation)
    if isinstance(spec, DependentSpec):
        if spec.output_member is None:
            return output
        return output.members[spec.output_member]
    return output.members[spec.items_key].element


def _augment_shape(augment: Augmented) -> Shape:
    reached = walk(augment.path, output_shape(augment.service, augment.operation))
    if reached.problems:
        raise ValueError(f"{augment.type} {augment.field}: {reached.problems[0]}")
    shape = reached.shape
    if augment.keep is not None and shape.kind == "list":
        return list_of(shape.element.only(augment.keep), shape.name)
    return shape


# ----- derived facts ---------------------------------------------------------------

_CLUSTER = "aws.rds.db_cluster"
_INSTANCE = "aws.rds.db_instance"
_SNAPSHOT = "aws.rds.db_cluster_snapshot"
_SG = "aws.ec2.security_group"
_PARAMS = "aws.rds.db_cluster_parameter_group"
_DB_PARAMS = "aws.rds.db_parameter_group"
_GLOBAL = "aws.rds.global_cluster"
_MAJOR = "aws.rds.major_engine_version"


@dataclass(frozen=True)
class Read:
    """A raw field some code reads: a JMESPath on a resource type's record, or on
    the output of ``service:Operation``."""

    source: str
    path: str


@dataclass(frozen=True)
class DerivedFact:
    """An ``x_`` attribute: on which types, its shape, and the raw fields it comes from.

    Every source must exist in botocore's shape (a test checks it), so a
    derived fact can never rest on a field AWS does not return.
    """

    name: str
    types: tuple[str, ...]
    shape: Shape
    sources: tuple[Read, ...]
    by: str  # the function that computes it


# Record field holding the tags derive.tags reads, per type (None: the record has none).
TAG_FIELDS = TYPES.view(lambda types: {t.name: t.tag_field for t in types})


_PERMISSION = ("IpPermissions[].IpProtocol", "IpPermissions[].FromPort", "IpPermissions[].ToPort")


def _ingress_fact(name: str, sources: tuple[str, str], **fields: Shape) -> DerivedFact:
    """A list of ingress rules (x_ingress, x_ingress_groups): a permission's protocol and
    ports plus ``fields``, read from the permission and its two ``sources`` members."""
    rule = struct(
        f"{name} rule",
        protocol=scalar("string", "IpPermission.IpProtocol"),
        from_port=scalar("integer", "IpPermission.FromPort"),
        to_port=scalar("integer", "IpPermission.ToPort"),
        **fields,
    )
    reads = tuple(Read(_SG, p) for p in (*_PERMISSION, *sources))
    return DerivedFact(name, (_SG,), list_of(rule), reads, "scanner.derive.security_group_ingress")


# Every parameter group's names and values (both kinds of group).
_PARAMETER_READS = tuple(
    Read(rtype, f"Parameters[].{member}")
    for rtype in (_PARAMS, _DB_PARAMS)
    for member in ("ParameterName", "ParameterValue")
)
_LIFECYCLE_READS = (
    Read(_MAJOR, "SupportedEngineLifecycles[].LifecycleSupportName"),
    Read(_MAJOR, "SupportedEngineLifecycles[].LifecycleSupportEndDate"),
)

# The facts of every type (tags, provenance) list the types declared at import;
# derived_for gives them to a type declared later too.
DERIVED: tuple[DerivedFact, ...] = (
    DerivedFact(
        "x_tags",
        tuple(RESOURCE_TYPES),
        map_of(scalar("string", "tag value"), "x_tags (tag key -> value)"),
        tuple(
            Read(rtype, f"{fld}[].{part}")
            for rtype, fld in TAG_FIELDS.items()
            if fld is not None
            for part in ("Key", "Value")
        ),
        "scanner.derive.tags",
    ),
    _ingress_fact(
        "x_ingress",
        ("IpPermissions[].IpRanges[].CidrIp", "IpPermissions[].Ipv6Ranges[].CidrIpv6"),
        cidr=scalar("string", "CidrIp or CidrIpv6"),
        ip_version=scalar("integer", "4 or 6"),
    ),
    _ingress_fact(
        "x_ingress_groups",
        ("IpPermissions[].UserIdGroupPairs[].GroupId", "IpPermissions[].UserIdGroupPairs[].UserId"),
        group_id=scalar("string", "UserIdGroupPair.GroupId"),
        user_id=scalar("string", "UserIdGroupPair.UserId"),
    ),
    DerivedFact(
        "x_parameters",
        (_PARAMS, _DB_PARAMS),
        # Any parameter name is a key; values are the API's strings ("1", "ON").
        map_of(scalar("string", "Parameter.ParameterValue", loose=True), "x_parameters"),
        _PARAMETER_READS,
        "scanner.derive.parameters",
    ),
    DerivedFact(
        "x_pgaudit_log",
        (_PARAMS, _DB_PARAMS),
        list_of(scalar("string", "pgaudit.log class"), "x_pgaudit_log"),
        _PARAMETER_READS,
        "scanner.derive.pgaudit_log_classes",
    ),
    DerivedFact(
        "x_encryption",
        (_CLUSTER, _SNAPSHOT, _GLOBAL),
        scalar("string", "x_encryption", enum=("none", "sse-kms", "sse-rds")),
        tuple(
            Read(rtype, field)
            for rtype in (_CLUSTER, _SNAPSHOT, _GLOBAL)
            for field in ("StorageEncryptionType", "StorageEncrypted")
        ),
        "scanner.derive.storage_encryption",
    ),
    DerivedFact(
        "x_region",
        (_CLUSTER,),
        scalar("string", "x_region (the Region in DBClusterArn)"),
        (Read(_CLUSTER, "DBClusterArn"),),
        "scanner.derive.arn_region",
    ),
    DerivedFact(
        "x_major_engine_version",
        (_CLUSTER,),
        scalar("string", "x_major_engine_version"),
        (Read(_CLUSTER, "Engine"), Read(_CLUSTER, "EngineVersion")),
        "scanner.derive.major_engine_version",
    ),
    DerivedFact(
        "x_engine_major",
        (_CLUSTER, _MAJOR),
        scalar("string", "x_engine_major (engine/major)"),
        (
            Read(_CLUSTER, "Engine"),
            Read(_CLUSTER, "EngineVersion"),
            Read(_MAJOR, "Engine"),
            Read(_MAJOR, "MajorEngineVersion"),
        ),
        "scanner.derive.engine_major",
    ),
    DerivedFact(
        "x_standard_support_end",
        (_MAJOR,),
        scalar("timestamp", "SupportedEngineLifecycle.LifecycleSupportEndDate"),
        _LIFECYCLE_READS,
        "scanner.derive.lifecycle_end",
    ),
    DerivedFact(
        "x_extended_support_end",
        (_MAJOR,),
        scalar("timestamp", "SupportedEngineLifecycle.LifecycleSupportEndDate"),
        _LIFECYCLE_READS,
        "scanner.derive.lifecycle_end",
    ),
    DerivedFact(
        "x_failover_target",
        (_CLUSTER,),
        struct(
            "x_failover_target",
            DBInstanceIdentifier=scalar("string", "DBInstance.DBInstanceIdentifier"),
            DBInstanceClass=scalar("string", "DBInstance.DBInstanceClass"),
            PromotionTier=scalar("integer", "PromotionTier"),
            AvailabilityZone=scalar("string", "DBInstance.AvailabilityZone"),
            vs_writer=scalar(
                "string",
                "x_failover_target.vs_writer",
                enum=("larger", "same", "smaller", "unknown"),
            ),
            comparison=scalar("string", "x_failover_target.comparison"),
        ),
        (
            Read(_CLUSTER, "DBClusterMembers[].IsClusterWriter"),
            Read(_CLUSTER, "DBClusterMembers[].DBInstanceIdentifier"),
            Read(_CLUSTER, "DBClusterMembers[].PromotionTier"),
            Read(_CLUSTER, "ServerlessV2ScalingConfiguration.MaxCapacity"),
            Read(_INSTANCE, "DBInstanceIdentifier"),
            Read(_INSTANCE, "DBInstanceClass"),
            Read(_INSTANCE, "PromotionTier"),
            Read(_INSTANCE, "AvailabilityZone"),
        ),
        "scanner.derive.failover_target",
    ),
    DerivedFact(
        "x_reader_azs",
        (_CLUSTER,),
        list_of(scalar("string", "DBInstance.AvailabilityZone"), "x_reader_azs"),
        (
            Read(_CLUSTER, "DBClusterMembers[].IsClusterWriter"),
            Read(_CLUSTER, "DBClusterMembers[].DBInstanceIdentifier"),
            Read(_INSTANCE, "DBInstanceIdentifier"),
            Read(_INSTANCE, "AvailabilityZone"),
        ),
        "scanner.derive.reader_azs",
    ),
    DerivedFact(
        "x_effective_parameters",
        (_INSTANCE,),
        # The cluster group's values overlaid with the instance group's user-set ones.
        map_of(scalar("string", "Parameter.ParameterValue", loose=True), "x_effective_parameters"),
        (
            Read(_INSTANCE, "DBParameterGroups[].DBParameterGroupName"),
            Read(_INSTANCE, "DBClusterIdentifier"),
            Read(_CLUSTER, "DBClusterParameterGroup"),
            *_PARAMETER_READS,
        ),
        "scanner.edges._effective_parameters",
    ),
    DerivedFact(
        "x_effective_pgaudit_log",
        (_INSTANCE,),
        list_of(scalar("string", "pgaudit.log class"), "x_effective_pgaudit_log"),
        _PARAMETER_READS,
        "scanner.edges._effective_parameters",
    ),
    DerivedFact(
        "x_tag_keys",
        tuple(RESOURCE_TYPES),
        list_of(scalar("string", "tag key"), "x_tag_keys"),
        tuple(Read(rtype, f"{fld}[].Key") for rtype, fld in TAG_FIELDS.items() if fld is not None),
        "scanner.derive.derive_local",
    ),
    DerivedFact(
        "x_security_group_ids",
        (_CLUSTER,),
        list_of(scalar("string", "VpcSecurityGroupMembership.VpcSecurityGroupId")),
        (Read(_CLUSTER, "VpcSecurityGroups[].VpcSecurityGroupId"),),
        "scanner.derive._projected",
    ),
    DerivedFact(
        "x_member_ids",
        (_CLUSTER,),
        list_of(scalar("string", "DBClusterMember.DBInstanceIdentifier")),
        (Read(_CLUSTER, "DBClusterMembers[].DBInstanceIdentifier"),),
        "scanner.derive._projected",
    ),
    DerivedFact(
        "x_member_count",
        (_CLUSTER,),
        scalar("integer", "x_member_count"),
        (Read(_CLUSTER, "DBClusterMembers"),),
        "scanner.derive.member_count",
    ),
    DerivedFact(
        "x_members_out_of_sync",
        (_CLUSTER,),
        list_of(scalar("string", "DBClusterMember.DBInstanceIdentifier")),
        (
            Read(_CLUSTER, "DBClusterMembers[].DBInstanceIdentifier"),
            Read(_CLUSTER, "DBClusterMembers[].DBClusterParameterGroupStatus"),
        ),
        "scanner.derive.members_out_of_sync",
    ),
    DerivedFact(
        "x_encryption_key",
        (_CLUSTER, _SNAPSHOT),
        scalar("string", "x_encryption_key (the key, in words)"),
        tuple(
            Read(rtype, field)
            for rtype in (_CLUSTER, _SNAPSHOT)
            for field in ("KmsKeyId", "StorageEncryptionType", "StorageEncrypted")
        ),
        "scanner.derive.encryption_key",
    ),
    DerivedFact(
        "x_tls_parameter",
        (_CLUSTER,),
        struct(
            "x_tls_parameter",
            ParameterName=scalar("string", "Parameter.ParameterName"),
            ParameterValue=scalar("string", "Parameter.ParameterValue"),
        ),
        (Read(_CLUSTER, "Engine"),),
        "scanner.derive.tls_parameter",
    ),
    DerivedFact(
        "x_tls_value",
        (_PARAMS, _DB_PARAMS),
        scalar("string", "Parameter.ParameterValue", loose=True),
        tuple(
            Read(rtype, f"Parameters[].{member}")
            for rtype in (_PARAMS, _DB_PARAMS)
            for member in ("ParameterName", "ParameterValue")
        ),
        "scanner.derive.tls_value",
    ),
    DerivedFact(
        "x_subnet_az_count",
        ("aws.rds.db_subnet_group",),
        scalar("integer", "x_subnet_az_count"),
        (Read("aws.rds.db_subnet_group", "Subnets[].SubnetAvailabilityZone.Name"),),
        "scanner.derive.subnet_az_count",
    ),
    DerivedFact(
        "x_rotated_or_created",
        ("aws.secretsmanager.secret",),
        scalar("timestamp", "DescribeSecretResponse.LastRotatedDate or CreatedDate"),
        (
            Read("aws.secretsmanager.secret", "LastRotatedDate"),
            Read("aws.secretsmanager.secret", "CreatedDate"),
        ),
        "scanner.derive.rotated_or_created",
    ),
    DerivedFact(
        "x_reader_az_count",
        (_CLUSTER,),
        scalar("integer", "x_reader_az_count"),
        (
            Read(_CLUSTER, "DBClusterMembers[].IsClusterWriter"),
            Read(_CLUSTER, "DBClusterMembers[].DBInstanceIdentifier"),
            Read(_INSTANCE, "DBInstanceIdentifier"),
            Read(_INSTANCE, "AvailabilityZone"),
        ),
        "scanner.derive.member_facts",
    ),
    DerivedFact(
        "x_missing",
        tuple(RESOURCE_TYPES),
        # Field name -> why the call that returns it failed (scanner.provenance).
        map_of(scalar("string", "reason"), "x_missing (field -> reason)"),
        (),
        "scanner.provenance",
    ),
    DerivedFact(
        "x_restore",
        (_SNAPSHOT,),
        list_of(scalar("string", "account id or 'all'"), "x_restore"),
        (
            Read(_SNAPSHOT, "DBClusterSnapshotAttributes[].AttributeName"),
            Read(_SNAPSHOT, "DBClusterSnapshotAttributes[].AttributeValues"),
        ),
        "scanner.derive.restore_values",
    ),
    DerivedFact(
        "x_is_main",
        ("aws.ec2.route_table",),
        scalar("boolean", "x_is_main"),
        (Read("aws.ec2.route_table", "Associations[].Main"),),
        "scanner.derive.is_main_route_table",
    ),
    DerivedFact(
        "x_writer",
        (_CLUSTER,),
        struct(
            "x_writer",
            DBInstanceIdentifier=scalar("string", "DBInstance.DBInstanceIdentifier"),
            AvailabilityZone=scalar("string", "DBInstance.AvailabilityZone"),
            DBInstanceClass=scalar("string", "DBInstance.DBInstanceClass"),
        ),
        (
            Read(_CLUSTER, "DBClusterMembers[].IsClusterWriter"),
            Read(_CLUSTER, "DBClusterMembers[].DBInstanceIdentifier"),
            Read(_INSTANCE, "DBInstanceIdentifier"),
            Read(_INSTANCE, "AvailabilityZone"),
            Read(_INSTANCE, "DBInstanceClass"),
        ),
        "scanner.derive.writer_facts",
    ),
    DerivedFact(
        "x_is_cluster_writer",
        (_INSTANCE,),
        scalar("boolean", "x_is_cluster_writer"),
        (
            Read(_CLUSTER, "DBClusterMembers[].IsClusterWriter"),
            Read(_CLUSTER, "DBClusterMembers[].DBInstanceIdentifier"),
            Read(_INSTANCE, "DBClusterIdentifier"),
        ),
        "scanner.edges._writer_facts",
    ),
)


EVERY_TYPE = frozenset({"x_tags", "x_tag_keys", "x_missing"})


def derived_for(resource_type: str) -> dict[str, DerivedFact]:
    every = resource_type in RESOURCE_TYPES
    return {
        fact.name: fact
        for fact in DERIVED
        if resource_type in fact.types or (every and fact.name in EVERY_TYPE)
    }


@functools.cache
def record_shape(resource_type: str) -> Shape:
    """A stored record of ``resource_type`` as policies see it: raw, augmented, derived."""
    extra: dict[str, Shape] = {
        a.field: _augment_shape(a) for a in AUGMENTED if a.type == resource_type
    }
    extra.update({name: fact.shape for name, fact in derived_for(resource_type).items()})
    raw = raw_shape(resource_type)
    return raw.with_members(f"{raw.name} ({resource_type})", extra)


# Data on the edges of each relation (a path step's `where` reads it): routes
# carry the route's destination, every other relation carries nothing.
_ROUTE_DESTINATIONS = (
    "DestinationCidrBlock",
    "DestinationIpv6CidrBlock",
    "DestinationPrefixListId",
)


@functools.cache
def edge_shape(relation: str) -> Shape:
    if relation in ("routes_to", "routes_via_nat"):
        route = output_shape("ec2", "DescribeRouteTables").members["RouteTables"]
        element = route.element.members["Routes"].element
        return Shape(
            "structure",
            f"{relation} edge (ec2 Route destination)",
            members={k: v for k, v in element.members.items() if k in _ROUTE_DESTINATIONS},
        )
    return struct(f"{relation} edge (no data)")


EDGE_DATA_FIELDS = _ROUTE_DESTINATIONS


# ----- walking a JMESPath through a shape -------------------------------------------


@dataclass
class Reached:
    """What a walk reached, and every problem on the way."""

    shape: Shape
    problems: list[str]
    retired: list[str]


_PARSER = jmespath.parser.Parser()


def walk(expr: str, shape: Shape) -> Reached:
    """Follow ``expr`` through ``shape``; problems name the member that is wrong."""
    out = Reached(ANY, [], [])
    try:
        tree = _PARSER.parse(expr).parsed
    except JMESPathError as exc:
        out.problems.append(f"invalid JMESPath: {' '.join(str(exc).split())}")
        return out
    out.shape = _Walker(out).node(tree, shape)
    return out


def _hint(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def literal_shape(value: Any) -> Shape:
    if isinstance(value, bool):
        return Shape("boolean", "literal", literal=value)
    if isinstance(value, int | float):
        return Shape("double", "literal", literal=value)
    if isinstance(value, str):
        return Shape("string", "literal", literal=value)
    if isinstance(value, list):
        return list_of(literal_shape(value[0]) if value else ANY, "literal list")
    return ANY


def union(a: Shape, b: Shape) -> Shape:
    """``a || b``: either one; only a common kind is known."""
    if a.is_any or b.is_any:
        return ANY
    if a.kind == b.kind or (a.is_number and b.is_number):
        return a if a.literal is None else b
    return ANY


class _Walker:
    def __init__(self, out: Reached) -> None:
        self.out = out

    def problem(self, text: str) -> Shape:
        self.out.problems.append(text)
        return ANY

    def node(self, node: Mapping[str, Any], current: Shape) -> Shape:
        kind = node["type"]
        handler = getattr(self, "_" + kind, None)
        if handler is None:  # a node type this walk does not model: check nothing below
            return ANY
        result: Shape = handler(node, current)
        return result

    def _children(self, node: Mapping[str, Any]) -> list[Any]:
        return list(node.get("children") or [])

    def _field(self, node: Mapping[str, Any], current: Shape) -> Shape:
        name = str(node["value"])
        if current.is_any:
            return ANY
        if current.kind == "map":
            return current.value
        if current.kind == "list":
            return self.problem(
                f"'{name}' is read from {current.name}, which is {current.describe()}; "
                f"project it with [].{name}"
            )
        if current.kind != "structure":
            return self.problem(f"'{name}' is read from {current.describe()}, which has no fields")
        member = current.members.get(name)
        if member is None:
            if name.startswith("x_"):
                return self.problem(
                    f"'{name}' is not a declared derived fact of {current.name}: declare it in "
                    "scanner/shapes.py DERIVED (its shape and the raw fields it is derived from)"
                )
            return self.problem(
                f"{current.name} has no member '{name}'{_hint(name, current.members)}"
            )
        if member.retired:
            self.out.retired.append(f"{member.name} (retired per its botocore documentation)")
        return member

    def _subexpression(self, node: Mapping[str, Any], current: Shape) -> Shape:
        for child in self._children(node):
            current = self.node(child, current)
        return current

    _pipe = _subexpression

    def _identity(self, node: Mapping[str, Any], current: Shape) -> Shape:
        return current

    _current = _identity

    def _literal(self, node: Mapping[str, Any], current: Shape) -> Shape:
        return literal_shape(node.get("value"))

    def _list_of(self, shape: Shape, what: str) -> Shape | None:
        if shape.is_any:
            return ANY
        if shape.kind != "list":
            self.problem(f"{what} needs a list; {shape.name} is {shape.describe()}")
            return None
        return shape.element

    def _index_expression(self, node: Mapping[str, Any], current: Shape) -> Shape:
        left, right = self._children(node)
        base = self.node(left, current)
        element = self._list_of(base, "an index or slice")
        if element is None:
            return ANY
        if right.get("type") == "slice":
            return base
        return element

    def _flatten(self, node: Mapping[str, Any], current: Shape) -> Shape:
        (child,) = self._children(node)
        base = self.node(child, current)
        element = self._list_of(base, "[]")
        if element is None:
            return ANY
        if element.kind == "list":
            return list_of(element.element)
        return base if not base.is_any else ANY

    def _projection(self, node: Mapping[str, Any], current: Shape) -> Shape:
        left, right = self._children(node)
        element = self._list_of(self.node(left, current), "a projection")
        if element is None:
            return ANY
        return list_of(self.node(right, element))

    def _filter_projection(self, node: Mapping[str, Any], current: Shape) -> Shape:
        left, right, condition = self._children(node)
        element = self._list_of(self.node(left, current), "a filter [?...]")
        if element is None:
            return ANY
        self.node(condition, element)
        return list_of(self.node(right, element))

    def _value_projection(self, node: Mapping[str, Any], current: Shape) -> Shape:
        left, right = self._children(node)
        base = self.node(left, current)
        if base.kind == "map":
            return list_of(self.node(right, base.value))
        if base.kind == "structure":
            for member in base.members.values():
                self.node(right, member)
        return list_of(ANY)

    def _comparator(self, node: Mapping[str, Any], current: Shape) -> Shape:
        left, right = (self.node(c, current) for c in self._children(node))
        for value, other in ((left, right), (right, left)):
            if isinstance(value.literal, str) and other.enum and value.literal not in other.enum:
                self.problem(
                    f"'{value.literal}' is not a value of {other.name} "
                    f"({', '.join(other.enum)}; {other.enum_source})"
                )
            if value.literal is not None and not other.is_any and other.literal is None:
                why = literal_mismatch(value.literal, other)
                if why:
                    self.problem(why)
        return BOOLEAN

    def _not_expression(self, node: Mapping[str, Any], current: Shape) -> Shape:
        for child in self._children(node):
            self.node(child, current)
        return BOOLEAN

    def _and_expression(self, node: Mapping[str, Any], current: Shape) -> Shape:
        shapes = [self.node(c, current) for c in self._children(node)]
        return shapes[-1]

    def _or_expression(self, node: Mapping[str, Any], current: Shape) -> Shape:
        left, right = (self.node(c, current) for c in self._children(node))
        return union(left, right)

    def _multi_select_list(self, node: Mapping[str, Any], current: Shape) -> Shape:
        for child in self._children(node):
            self.node(child, current)
        return list_of(ANY)

    def _multi_select_dict(self, node: Mapping[str, Any], current: Shape) -> Shape:
        members = {
            str(pair["value"]): self.node(pair["children"][0], current)
            for pair in self._children(node)
        }
        return struct("multi-select", **members)

    def _expref(self, node: Mapping[str, Any], current: Shape) -> Shape:
        (child,) = self._children(node)
        return self.node(child, current)

    def _function_expression(self, node: Mapping[str, Any], current: Shape) -> Shape:
        name = str(node["value"])
        children = self._children(node)
        args: list[Shape] = []
        for child in children:
            if child.get("type") == "expref":
                # &expr runs on each element of the first argument (sort_by, map...)
                base = args[0] if args else ANY
                args.append(self.node(child, base.element if base.kind == "list" else ANY))
            else:
                args.append(self.node(child, current))
        return self._function(name, args)

    def _function(self, name: str, args: list[Shape]) -> Shape:
        first = args[0] if args else ANY
        if name == "length":
            if not first.is_any and first.kind not in ("string", "list", "map", "structure"):
                self.problem(f"length() needs a string, list or object; got {first.describe()}")
            return INTEGER
        if name in ("keys",):
            if not first.is_any and first.kind not in ("map", "structure"):
                self.problem(f"keys() needs an object; got {first.describe()}")
            return list_of(STRING)
        if name == "values":
            return list_of(first.value if first.kind == "map" else ANY)
        if name in ("unique", "sort", "reverse"):
            return first
        if name in ("lower", "upper", "to_string", "join", "type"):
            return STRING
        if name in ("contains", "starts_with", "ends_with"):
            return BOOLEAN
        if name in ("to_number", "abs", "ceil", "floor", "sum", "avg"):
            return NUMBER
        if name in ("max", "min"):
            return first.element if first.kind == "list" else ANY
        if name in ("sort_by", "max_by", "min_by"):
            return first if name == "sort_by" else first.element
        if name == "map":
            return list_of(args[1] if len(args) > 1 else ANY)
        if name == "not_null":
            result = first
            for other in args[1:]:
                result = union(result, other)
            return result
        return ANY


def literal_mismatch(value: Any, shape: Shape) -> str | None:
    """Why a literal can never equal a value of ``shape`` (eq compares types exactly)."""
    if shape.is_any or value is None:
        return None
    kind = shape.kind
    if isinstance(value, bool):
        ok = kind == "boolean"
    elif isinstance(value, int | float):
        ok = kind in NUMBER_KINDS
    elif isinstance(value, str):
        ok = kind in ("string", "timestamp")
    else:
        ok = True
    if ok:
        return None
    return f"{value!r} never equals {shape.name}, which is {shape.describe()}"
