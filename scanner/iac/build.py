"""Interpret the mapping tables: declared IaC resources -> snapshot records.

The format readers (``cfn.py``, ``terraform.py``) resolve each resource's
properties (references become the identifiers AWS would return) and hand
``Declared`` resources here; this module applies ``scanner/iac/mapping.py``
and the AWS defaults of ``scanner/iac/defaults.py`` and returns the records
the collectors would have stored, so the graph builder and every policy run
unchanged.  A value the template cannot determine is an ``Unresolved``: its
field goes to the record's ``x_missing`` and the findings reading it are
UNKNOWN with the reason.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from scanner.iac.defaults import apply_defaults, has_default
from scanner.iac.mapping import DEFAULT_SECURITY_GROUP_ID, Child, Mapping
from scanner.model import Resource
from scanner.provenance import MISSING

# ARNs AWS would give the records, for relations that match by ARN (GetAtt Arn,
# AWS Backup lookups).  {region} {account} {id}.
ARN_FORMATS: dict[str, tuple[str, str]] = {
    "aws.rds.db_cluster": ("DBClusterArn", "arn:aws:rds:{region}:{account}:cluster:{id}"),
    "aws.rds.db_instance": ("DBInstanceArn", "arn:aws:rds:{region}:{account}:db:{id}"),
    "aws.kms.key": ("Arn", "arn:aws:kms:{region}:{account}:key/{id}"),
    "aws.rds.global_cluster": ("GlobalClusterArn", "arn:aws:rds::{account}:global-cluster:{id}"),
    "aws.rds.db_cluster_snapshot": (
        "DBClusterSnapshotArn",
        "arn:aws:rds:{region}:{account}:cluster-snapshot:{id}",
    ),
    "aws.rds.event_subscription": (
        "EventSubscriptionArn",
        "arn:aws:rds:{region}:{account}:es:{id}",
    ),
}


@dataclass(frozen=True)
class Unresolved:
    """A value only deployment knows (a parameter without default, an import...)."""

    reason: str


@dataclass(frozen=True)
class Computed:
    """An argument the configuration leaves out and AWS computes ("known after apply").

    Terraform plans show an omitted Optional+Computed argument (``port``,
    ``db_cluster_parameter_group_name``...) as unknown; AWS fills it with the
    same default a template leaving the property out gets, so the record takes
    that default.  A field without a known default stays unknown (``reason``).
    """

    reason: str


@dataclass
class Declared:
    """One resource of a template or plan, its properties resolved."""

    address: str  # logical id or Terraform resource address
    source_type: str  # AWS::RDS::DBCluster, aws_rds_cluster...
    mapping: Mapping
    physical_id: str
    properties: dict[str, Any]
    file: str  # repository-relative path of the template or plan (part of the id)
    line: int  # 1-based line of the resource
    # Where the resource is written when that is another file (a plan's .tf source).
    location_file: str = ""
    # property -> its 1-based line, where the reader knows it (templates).
    property_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Built:
    resources: list[Resource] = field(default_factory=list)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # resource id -> file, line
    notes: list[str] = field(default_factory=list)


_ID_CHARS = re.compile(r"[^a-z0-9-]+")


def generated_id(prefix: str, address: str, file: str) -> str:
    """The identifier of a resource the template does not name (AWS would generate one).

    Unique per file: two templates both declaring ``SubnetA`` deploy two
    subnets, and relations must not join one stack's cluster to the other's.
    """
    name = _ID_CHARS.sub("-", address.lower()).strip("-") or "resource"
    return f"{prefix}{name}-{hashlib.sha256(file.encode()).hexdigest()[:8]}"


def _convert(value: Any, transform: str) -> Any:
    if transform == "int" and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if transform == "bool" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if transform == "str" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if transform == "tags" and isinstance(value, dict):
        return [{"Key": str(k), "Value": str(v)} for k, v in sorted(value.items())]
    if transform == "parameters" and isinstance(value, dict):
        return [
            {"ParameterName": str(k), "ParameterValue": str(v), "Source": "user"}
            for k, v in sorted(value.items())
        ]
    return value


def set_path(record: dict[str, Any], target: str, value: Any) -> None:
    """Write ``value`` at ``target`` (``A.B``, ``A[].B``, optional ``|transform``)."""
    path, _, transform = target.partition("|")
    value = _convert(value, transform)
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        items = value if isinstance(value, list) else [value]
        out = record.setdefault(head[:-2], [])
        for item in items:
            entry: dict[str, Any] = {}
            set_path(entry, rest, item) if rest else None
            out.append(entry if rest else item)
    elif rest:
        set_path(record.setdefault(head, {}), rest, value)
    else:
        record[head] = value


# Derived facts (scanner/derive.py) computed from a raw field: when the raw
# field is unresolved, so are they (shapes.DERIVED declares the same reads).
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "StorageEncrypted": ("x_encryption",),
    "StorageEncryptionType": ("x_encryption",),
    "VpcSecurityGroups": ("x_ingress",),
    "IpPermissions": ("x_ingress",),
    "Parameters": ("x_parameters",),
    "TagList": ("x_tags",),
}


def _top_field(target: str) -> str:
    return target.partition("|")[0].partition(".")[0].removesuffix("[]")


def _fill(
    record: dict[str, Any],
    fields: dict[str, str],
    properties: dict[str, Any],
    defaults: bool = False,
) -> None:
    """Write ``properties`` at their targets; ``defaults``: the record takes AWS defaults.

    A ``Computed`` value is left out, like an omitted property, only where the
    defaults apply (a top-level record: ``_record`` checks one filled it);
    in a block or child entry, which has no defaults, it is unknown.
    """
    for prop, target in fields.items():
        value = properties.get(prop)
        if value is None or (defaults and isinstance(value, Computed)):
            continue
        if isinstance(value, Computed):
            value = Unresolved(value.reason)
        if isinstance(value, Unresolved):
            missing = record.setdefault(MISSING, {})
            for name in (_top_field(target), *DERIVED_FROM.get(_top_field(target), ())):
                missing[name] = value.reason
            continue
        set_path(record, target, value)


def _record(item: Declared, account: str, region: str) -> dict[str, Any]:
    mapping = item.mapping
    record: dict[str, Any] = dict(mapping.constant)
    _fill(record, mapping.fields, item.properties, defaults=True)
    for prop, (list_field, item_fields) in mapping.blocks.items():
        blocks = item.properties.get(prop)
        if isinstance(blocks, Computed):
            continue
        if isinstance(blocks, Unresolved):
            # The derived facts too (x_ingress from IpPermissions): rules attached
            # later by separate resources must not make the list look complete.
            missing = record.setdefault(MISSING, {})
            for name in (list_field, *DERIVED_FROM.get(list_field, ())):
                missing[name] = blocks.reason
        elif isinstance(blocks, list):
            entries = record.setdefault(list_field, [])
            for block in blocks:
                entry: dict[str, Any] = {}
                _fill(entry, item_fields, block if isinstance(block, dict) else {})
                entries.append(entry)
    record[mapping.id_field] = item.physical_id
    for prop, implied in mapping.implied.items():
        value = item.properties.get(prop)
        if isinstance(value, Unresolved):
            record.setdefault(MISSING, {})[_top_field(implied.target)] = value.reason
        elif _convert(value, "bool") is True:
            names = {"region": region, "account": account, "id": item.physical_id}
            set_path(
                record, implied.target, {k: v.format(**names) for k, v in implied.value.items()}
            )
    if mapping.type in ARN_FORMATS:
        arn_field, arn_format = ARN_FORMATS[mapping.type]
        if not isinstance(record.get(arn_field), str):
            record[arn_field] = arn_format.format(
                region=region, account=account, id=item.physical_id
            )
    apply_defaults(mapping.type, record)
    for prop, value in item.properties.items():
        if not isinstance(value, Computed):
            continue
        target = mapping.fields.get(prop) or (
            mapping.blocks[prop][0] if prop in mapping.blocks else ""
        )
        top = _top_field(target) if target else ""
        if top and not has_default(mapping.type, top, record):
            # No AWS default to stand for the computed value: unknown, never PASS.
            missing = record.setdefault(MISSING, {})
            for name in (top, *DERIVED_FROM.get(top, ())):
                missing.setdefault(name, value.reason)
    return record


def _attach(child: Child, item: Declared, records: dict[tuple[str, str], dict[str, Any]]) -> str:
    """Append the child's entry to its parent's list; a note when that is impossible."""
    if child.when is not None and item.properties.get(child.when[0]) != child.when[1]:
        return ""
    parent = item.properties.get(child.parent)
    if isinstance(parent, Unresolved) or not isinstance(parent, str):
        why = parent.reason if isinstance(parent, Unresolved) else "not set"
        return f"{item.file}: {item.address}: {child.parent} cannot be resolved ({why})"
    record = records.get((child.parent_type, parent))
    if record is None:
        return f"{item.file}: {item.address}: {child.parent} {parent} is not declared here"
    entry: dict[str, Any] = dict(child.constant)
    _fill(entry, child.fields, item.properties)
    if MISSING in entry:
        # The parent's list is then partly unknown: so is every finding reading it.
        reasons = entry.pop(MISSING)
        record.setdefault(MISSING, {}).setdefault(child.list_field, next(iter(reasons.values())))
    record.setdefault(child.list_field, []).append(entry)
    return ""


def _copy_fields(
    mapping: Mapping, record: dict[str, Any], records: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """Fill what AWS copies from the records a list (or the record itself) names."""
    for copy in mapping.copies:
        entries = [record] if not copy.list_field else record.get(copy.list_field) or ()
        for entry in entries:
            key = entry.get(copy.key) if isinstance(entry, dict) else None
            source = records.get((copy.source_type, key)) if isinstance(key, str) else None
            unknown = (source.get(MISSING) or {}).get(copy.source_field) if source else None
            if source is None and isinstance(key, str) and not copy.list_field:
                unknown = f"{copy.key} {key} is not declared in the scanned files"
            elif source is None:
                continue
            if unknown is not None and not copy.list_field:
                # The source cannot tell: neither can the copy (a default must not fill it).
                top = _top_field(copy.target)
                for name in (top, *DERIVED_FROM.get(top, ())):
                    record.setdefault(MISSING, {}).setdefault(name, unknown)
                continue
            if source is None or copy.source_field not in source:
                continue
            value = source[copy.source_field]
            if copy.target.startswith("/"):
                record.setdefault(copy.target[1:], value)
            elif not copy.list_field:
                if _get_path(entry, copy.target) is None:
                    set_path(entry, copy.target, _copy_value(value))
                    # A plan leaves what AWS copies "known after apply": the copy is known.
                    top = _top_field(copy.target)
                    for name in (top, *DERIVED_FROM.get(top, ())):
                        (entry.get(MISSING) or {}).pop(name, None)
                    if entry.get(MISSING) == {}:
                        del entry[MISSING]
            else:
                set_path(entry, copy.target, value)


def _publicly_accessible(
    record: dict[str, Any],
    records: dict[tuple[str, str], dict[str, Any]],
    gateways: list[dict[str, Any]],
) -> None:
    """An omitted ``PubliclyAccessible``: AWS makes the instance public when the
    VPC of its DB subnet group has an internet gateway attached (CreateDBInstance,
    defaults.py); unknown when the scanned files cannot show which VPC that is."""
    if "PubliclyAccessible" in record or "PubliclyAccessible" in (record.get(MISSING) or {}):
        return
    group = record.get("DBSubnetGroup")
    name = group.get("DBSubnetGroupName") if isinstance(group, dict) else None
    why = None
    if not isinstance(name, str):
        why = (
            "PubliclyAccessible is not set and there is no DB subnet group: the default "
            "VPC's internet gateway decides, which the scanned files do not show"
        )
    else:
        declared = records.get(("aws.rds.db_subnet_group", name))
        missing = (declared.get(MISSING) or {}) if declared else {}
        vpc = declared.get("VpcId") if declared else None
        if not isinstance(vpc, str) or "VpcId" in missing:
            why = (
                f"PubliclyAccessible is not set and the VPC of DB subnet group {name} is not "
                "known from the scanned files: its internet gateway decides"
            )
        else:
            if any("Attachments" in (g.get(MISSING) or {}) for g in gateways):
                why = "PubliclyAccessible is not set and an internet gateway's VPC is not known"
            else:
                record["PubliclyAccessible"] = any(
                    isinstance(a, dict) and a.get("VpcId") == vpc
                    for g in gateways
                    for a in g.get("Attachments") or ()
                )
                return
    record.setdefault(MISSING, {})["PubliclyAccessible"] = why


def _get_path(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _copy_value(value: Any) -> Any:
    return deepcopy(value)


def _field_lines(item: Declared) -> dict[str, int]:
    """Record field (and the derived facts read from it) -> line of the property setting it."""
    out: dict[str, int] = {}
    for prop, line in item.property_lines.items():
        target = item.mapping.fields.get(prop) or (
            item.mapping.blocks[prop][0] if prop in item.mapping.blocks else ""
        )
        if target:
            top = _top_field(target)
            for name in (top, *DERIVED_FROM.get(top, ())):
                out.setdefault(name, line)
    return out


def _implicit(vpc: Resource) -> list[Resource]:
    """What AWS creates with every VPC: its main route table and default security group.

    A default VPC also gets an internet gateway and a main-table route from
    0.0.0.0/0 to it, which makes its subnets public (Default VPCs,
    https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html).
    """
    vpc_id = vpc.attrs["VpcId"]
    group_id = DEFAULT_SECURITY_GROUP_ID.format(id=vpc_id)
    # "Allows inbound traffic from network interfaces assigned to the same
    # security group; allows all outbound traffic" (Default security groups,
    # https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html).
    group = {
        "GroupId": group_id,
        "GroupName": "default",
        "Description": "default VPC security group",
        "VpcId": vpc_id,
        "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group_id}]}],
        "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        "Tags": [],
        "x_iac_implicit": "the default security group AWS creates with the VPC",
    }
    out = [
        _main_route_table(vpc),
        Resource(
            f"{vpc.id}#default-security-group",
            "aws.ec2.security_group",
            vpc.account,
            vpc.region,
            group,
        ),
    ]
    if vpc.attrs.get("IsDefault") is True:
        gateway_id = f"igw-default-{vpc_id}"
        out.append(
            Resource(
                f"{vpc.id}#internet-gateway",
                "aws.ec2.internet_gateway",
                vpc.account,
                vpc.region,
                {
                    "InternetGatewayId": gateway_id,
                    "Attachments": [{"VpcId": vpc_id, "State": "available"}],
                    "x_iac_implicit": "the internet gateway AWS creates with the default VPC",
                },
            )
        )
        out[0].attrs["Routes"].append(
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway_id, "State": "active"}
        )
    return out


def _main_route_table(vpc: Resource) -> Resource:
    """The main route table AWS creates with every VPC: the local route only."""
    vpc_id = vpc.attrs["VpcId"]
    table_id = f"rtb-main-{vpc_id}"
    attrs = {
        "RouteTableId": table_id,
        "VpcId": vpc_id,
        "Associations": [
            {"Main": True, "RouteTableId": table_id, "AssociationState": {"State": "associated"}}
        ],
        "Routes": [
            {
                "DestinationCidrBlock": vpc.attrs.get("CidrBlock", "local"),
                "GatewayId": "local",
                "State": "active",
            }
        ],
        "x_iac_implicit": "the main route table AWS creates with the VPC",
    }
    return Resource(
        f"{vpc.id}#main-route-table", "aws.ec2.route_table", vpc.account, vpc.region, attrs
    )


def build(declared: Iterable[Declared], account: str, region: str) -> Built:
    """The snapshot records of ``declared``, their source locations and notes."""
    items = list(declared)
    out = Built()
    records: dict[tuple[str, str], dict[str, Any]] = {}
    owners: list[tuple[Declared, dict[str, Any]]] = []
    for item in items:
        if item.mapping.type:
            record = _record(item, account, region)
            records[(item.mapping.type, item.physical_id)] = record
            arn_field = ARN_FORMATS.get(item.mapping.type, ("", ""))[0]
            if isinstance(record.get(arn_field), str):
                # References by ARN (a global cluster's SourceDBClusterIdentifier).
                records.setdefault((item.mapping.type, record[arn_field]), record)
            owners.append((item, record))
    for item in items:
        for child in item.mapping.children:
            note = _attach(child, item, records)
            if note:
                out.notes.append(note)
    for item, record in owners:
        _copy_fields(item.mapping, record, records)
    gateways = [r for item, r in owners if item.mapping.type == "aws.ec2.internet_gateway"]
    for item, record in owners:
        if item.mapping.type == "aws.rds.db_instance":
            _publicly_accessible(record, records, gateways)
    for item, record in owners:
        rid = f"{item.file}#{item.address}"
        resource = Resource(rid, item.mapping.type, account, region, record)
        out.resources.append(resource)
        out.sources[rid] = {"file": item.location_file or item.file, "line": item.line}
        lines = _field_lines(item)
        if lines:
            out.sources[rid]["fields"] = lines
        if item.mapping.type == "aws.ec2.vpc":
            for implicit in _implicit(resource):
                out.resources.append(implicit)
                out.sources[implicit.id] = {
                    "file": item.location_file or item.file,
                    "line": item.line,
                }
    return out
