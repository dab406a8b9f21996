"""Build the real-shape fixture snapshot from botocore's output shapes.

    .venv/bin/python tests/accuracy/build_fixtures.py      # rewrites fixtures/real_shapes.json

moto is our test double, not our oracle: it omits members real accounts
return (``StorageEncryptionType``, ``CertificateDetails``, an instance's whole
``DBSubnetGroup`` object...), invents some they do not (a ``KmsKeyId`` on an
unencrypted cluster) and rarely builds the topology real estates have.  This
script writes one snapshot, in the format ``aurora-scan evaluate`` reads,
whose records are built from the botocore shapes:

* one "full" record per resource type (``FULL``) starts from a skeleton with
  every member of the botocore output shape populated (recursively, lists
  with one element), then realistic values override the ones that matter;
  members a real account never returns on such a record are left out, each
  listed in ``EXCLUDED`` with the reason;
* every other record is written field by field the way real accounts return
  them, including the variants moto never produces (old records without
  ``DeletionProtection``..., empty lists absent, split default routes,
  prefix-list routes, egress-only and transit gateway routes, dangling
  references, a global secondary without a writer, a headless cluster,
  Serverless v1 and v2);
* every key of every record is checked against the botocore shape (member
  name, value type and enum) before anything is written, so the fixture can
  never carry an invented field;
* datetimes are serialised the way the collector stores them
  (``scanner.collect._calls.jsonable``), ids and owner accounts are computed
  by the collector specs themselves.

``tests/accuracy/test_accuracy_fixtures.py`` checks the committed file equals
this script's output and evaluates the catalogue on it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from scanner.collect._calls import jsonable  # noqa: E402
from scanner.collect.registry import SPECS  # noqa: E402
from scanner.collect.spec import DependentSpec  # noqa: E402
from scanner.model import Resource, Snapshot  # noqa: E402
from scanner.shapes import AUGMENTED, Shape, raw_shape, walk  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "real_shapes.json"
COLLECTED_AT = "2026-03-01T00:00:00Z"
A = "111122223333"  # the scanned account
B = "444455556666"  # another account: owns a shared security group and a KMS key
E1, W1, W2 = "us-east-1", "eu-west-1", "us-west-2"
ZONE = {E1: "Z2R2ITUGPM61AM", W1: "Z29XKXDKYMONMX", W2: "Z1PVIF0B656C1W"}
AZ_ID_PREFIX = {E1: "use1", W1: "euw1", W2: "usw2"}


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()  # in an override: drop this member from the skeleton


def ts(text: str) -> str:
    """A datetime as boto3 returns it, serialised as the collector stores it."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return str(jsonable(value))


# ----- shapes -------------------------------------------------------------------------


def stored_shape(rtype: str) -> Shape:
    """The botocore shape of a stored record: the listing's item plus augment fields."""
    raw = raw_shape(rtype)
    extra: dict[str, Shape] = {}
    for augment in AUGMENTED:
        if augment.type == rtype:
            shape = walk(augment.path, _output(augment.service, augment.operation)).shape
            if augment.keep is not None:
                shape = Shape("list", shape.name, element=shape.element.only(augment.keep))
            extra[augment.field] = shape
    return raw.with_members(raw.name, extra)


def _output(service: str, operation: str) -> Shape:
    from scanner.shapes import output_shape

    return output_shape(service, operation)


_SKELETON_TIME = ts("2025-11-02T08:15:30.123000+00:00")


def skeleton(shape: Shape, name: str, stack: tuple[str, ...] = ()) -> Any:
    """A type-correct value for every member, recursively (lists get one element)."""
    kind = shape.kind
    if kind == "structure":
        if shape.name in stack or len(stack) > 6:
            return {}
        return {
            member: skeleton(sub, member, (*stack, shape.name))
            for member, sub in shape.members.items()
        }
    if kind == "list":
        return [skeleton(shape.element, name, stack)]
    if kind == "map":
        return {"example": skeleton(shape.value, name, stack)}
    if kind == "string":
        if shape.enum:
            return shape.enum[0]
        if name.endswith(("Arn", "ARN")):
            return f"arn:aws:example:{E1}:{A}:{name.lower()}/example"
        return f"example-{name}"
    if kind in ("integer", "long"):
        return 1
    if kind in ("double", "float"):
        return 1.0
    if kind == "boolean":
        return False
    if kind == "timestamp":
        return _SKELETON_TIME
    if kind == "blob":
        return base64.b64encode(b"example").decode()
    return None


# Values real accounts return outside botocore's enum (with the evidence).
OFF_ENUM: dict[tuple[str, str], str] = {
    # The AWS CLI reference's describe-internet-gateways example shows an attached
    # gateway as "State": "available"; the AttachmentStatus enum lacks it.
    ("botocore enum AttachmentStatus", "available"): "EC2 DescribeInternetGateways",
}


def check_value(value: Any, shape: Shape, where: str, problems: list[str]) -> None:
    """The value fits the botocore shape: members exist, types and enums match."""
    kind = shape.kind
    if kind == "structure":
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object for {shape.name}")
            return
        for key, sub in value.items():
            member = shape.members.get(key)
            if member is None:
                problems.append(f"{where}.{key}: {shape.name} has no member {key!r}")
            else:
                check_value(sub, member, f"{where}.{key}", problems)
    elif kind == "list":
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list for {shape.name}")
            return
        for i, item in enumerate(value):
            check_value(item, shape.element, f"{where}[{i}]", problems)
    elif kind == "map":
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object for {shape.name}")
            return
        for key, sub in value.items():
            check_value(sub, shape.value, f"{where}.{key}", problems)
    elif kind == "string":
        if not isinstance(value, str):
            problems.append(f"{where}: expected a string, found {value!r}")
        elif (
            shape.enum
            and shape.enum_source.startswith("botocore enum")
            and value not in shape.enum
            and (shape.enum_source, value) not in OFF_ENUM
        ):
            problems.append(f"{where}: {value!r} is not one of {shape.enum}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{where}: expected an integer, found {value!r}")
    elif kind in ("double", "float"):
        if not isinstance(value, int | float) or isinstance(value, bool):
            problems.append(f"{where}: expected a number, found {value!r}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{where}: expected true/false, found {value!r}")
    elif kind == "timestamp":
        if not (isinstance(value, str) and value.endswith("Z")):
            problems.append(f"{where}: expected a serialised datetime, found {value!r}")
        else:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


# ----- the estate ------------------------------------------------------------------


@dataclass
class _Ctx:
    """What ResourceSpec.resource_id / owner need of a collection context."""

    account: str
    region: str
    partition: str = "aws"
    page_size: int | None = None

    def client(self, service: str) -> Any:
        raise AssertionError("no calls while building fixtures")


class _DescribeClient:
    """Stands in for a boto3 client so the dependent specs' fetch computes ids."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    def describe_key(self, KeyId: str) -> dict[str, Any]:
        return {"KeyMetadata": self.record}

    def describe_secret(self, SecretId: str) -> dict[str, Any]:
        return dict(self.record)


@dataclass
class Estate:
    resources: list[Resource] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # fixture name -> resource id
    problems: list[str] = field(default_factory=list)

    def add(
        self,
        rtype: str,
        name: str,
        fields: Mapping[str, Any],
        *,
        region: str = E1,
        account: str = A,
        full: bool = False,
    ) -> dict[str, Any]:
        shape = stored_shape(rtype)
        record: dict[str, Any] = {}
        if full:
            excluded = EXCLUDED.get(rtype, {})
            record = {k: v for k, v in skeleton(shape, rtype).items() if k not in excluded}
        for key, value in fields.items():
            if value is OMIT:
                record.pop(key, None)
            else:
                record[key] = value
        check_value(record, shape, f"{name} ({rtype})", self.problems)
        spec = SPECS[rtype]
        if isinstance(spec, DependentSpec):
            rid, owner, _ = spec.fetch(_DescribeClient(record), name)
            owner = owner or account
        else:
            ctx = _Ctx(account, region)
            rid, owner = spec.resource_id(record, ctx), spec.owner(record, ctx)
        assert name not in self.names, f"duplicate fixture name {name}"
        self.names[name] = rid
        self.resources.append(Resource(rid, rtype, owner, region, record))
        return record


def _rid(prefix: str, name: str) -> str:
    return prefix + name.upper().replace("-", "").ljust(26, "Q")[:26]


def _tags(**tags: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


# --- certificates


def certificates(e: Estate, region: str) -> None:
    for ident, valid_from, till, full in (
        ("rds-ca-2019", "2019-08-22T17:08:50", "2024-08-22T17:08:50", False),
        ("rds-ca-rsa2048-g1", "2021-05-25T23:34:57", "2061-05-25T23:59:59", True),
        ("rds-ca-rsa4096-g1", "2021-05-25T23:38:54", "2121-05-25T23:59:59", False),
        ("rds-ca-ecc384-g1", "2021-05-25T23:41:31", "2121-05-25T23:59:59", False),
    ):
        e.add(
            "aws.rds.certificate",
            f"{ident}@{region}",
            {
                "CertificateIdentifier": ident,
                "CertificateType": "CA",
                "Thumbprint": f"{abs(hash_text(ident)):040x}"[:40],
                "ValidFrom": ts(valid_from),
                "ValidTill": ts(till),
                "CertificateArn": f"arn:aws:rds:{region}::cert:{ident}",
                "CustomerOverride": False,
                "CustomerOverrideValidTill": ts("2061-05-25T23:59:59") if full else OMIT,
            },
            region=region,
            full=full and region == E1,
        )


def hash_text(text: str) -> int:
    """A stable number from text (Python's hash() is salted per process)."""
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % (1 << 160)
    return value


# --- network


def vpc(
    e: Estate, name: str, cidr: str, *, default: bool, region: str = E1, full: bool = False
) -> None:
    fields: dict[str, Any] = {
        "OwnerId": A,
        "InstanceTenancy": "default",
        "CidrBlockAssociationSet": [
            {
                "AssociationId": f"vpc-cidr-assoc-{name}",
                "CidrBlock": cidr,
                "CidrBlockState": {"State": "associated"},
            }
        ],
        "IsDefault": default,
        "VpcId": name,
        "State": "available",
        "CidrBlock": cidr,
        "DhcpOptionsId": "dopt-0a1b2c3d4e5f60718",
    }
    if full:
        fields |= {
            "Tags": _tags(Name="prod"),
            "Ipv6CidrBlockAssociationSet": [
                {
                    "AssociationId": f"vpc-cidr-assoc-6-{name}",
                    "Ipv6CidrBlock": "2600:1f18:abcd:1200::/56",
                    "Ipv6CidrBlockState": {"State": "associated"},
                    "NetworkBorderGroup": region,
                    "Ipv6Pool": "Amazon",
                }
            ],
            "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
            "NetworkFirewallAssociations": [],
        }
    e.add("aws.ec2.vpc", name, fields, region=region, full=full)


def subnet(
    e: Estate,
    name: str,
    vpc_id: str,
    cidr: str,
    az: str,
    *,
    old: bool = False,
    full: bool = False,
    default: bool = False,
    region: str = E1,
) -> None:
    fields: dict[str, Any] = {
        "SubnetId": name,
        "VpcId": vpc_id,
        "CidrBlock": cidr,
        "AvailabilityZone": az,
        "AvailableIpAddressCount": 251,
        "DefaultForAz": default,
        "MapPublicIpOnLaunch": default,
        "State": "available",
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
    }
    if not old:  # older subnets come back without these three
        fields |= {
            "AvailabilityZoneId": f"{AZ_ID_PREFIX[region]}-az{ord(az[-1]) - 96}",
            "OwnerId": A,
            "SubnetArn": f"arn:aws:ec2:{region}:{A}:subnet/{name}",
        }
    if full:
        fields |= {
            "Tags": _tags(Name=name, tier="private"),
            "EnableDns64": False,
            "Ipv6Native": False,
            "PrivateDnsNameOptionsOnLaunch": {
                "HostnameType": "ip-name",
                "EnableResourceNameDnsARecord": False,
                "EnableResourceNameDnsAAAARecord": False,
            },
            "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
        }
    e.add("aws.ec2.subnet", name, fields, region=region, full=full)


def route(destination: str, **target: str) -> dict[str, Any]:
    key = "DestinationIpv6CidrBlock" if ":" in destination else "DestinationCidrBlock"
    if destination.startswith("pl-"):
        key = "DestinationPrefixListId"
    origin = "CreateRouteTable" if target.get("GatewayId") == "local" else "CreateRoute"
    return {key: destination, **target, "Origin": origin, "State": "active"}


def route_table(
    e: Estate,
    name: str,
    vpc_id: str,
    routes: list[dict[str, Any]],
    *,
    subnets: tuple[str, ...] = (),
    main: bool = False,
    full: bool = False,
    region: str = E1,
) -> None:
    associations: list[dict[str, Any]] = []
    if main:
        associations.append(
            {
                "Main": True,
                "RouteTableAssociationId": f"rtbassoc-main-{name}",
                "RouteTableId": name,
                "AssociationState": {"State": "associated"},
            }
        )
    for subnet_id in subnets:
        associations.append(
            {
                "Main": False,
                "RouteTableAssociationId": f"rtbassoc-{subnet_id}",
                "RouteTableId": name,
                "SubnetId": subnet_id,
                "AssociationState": {"State": "associated"},
            }
        )
    fields: dict[str, Any] = {
        "Associations": associations,
        "PropagatingVgws": [],
        "RouteTableId": name,
        "Routes": routes,
        "Tags": [],
        "VpcId": vpc_id,
        "OwnerId": A,
    }
    if full:
        fields["Tags"] = _tags(Name=name)
        fields["PropagatingVgws"] = [{"GatewayId": "vgw-0a1b2c3d4e5f60718"}]
    e.add("aws.ec2.route_table", name, fields, region=region, full=full)


def rule(
    protocol: str,
    port: int | None,
    *,
    cidrs: tuple[str, ...] = (),
    cidrs6: tuple[str, ...] = (),
    groups: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """One IpPermission; Ipv6Ranges/PrefixListIds only when set, as older records show."""
    perm: dict[str, Any] = {"IpProtocol": protocol}
    if port is not None:
        perm |= {"FromPort": port, "ToPort": port}
    perm["IpRanges"] = [{"CidrIp": c} for c in cidrs]
    if cidrs6:
        perm["Ipv6Ranges"] = [{"CidrIpv6": c} for c in cidrs6]
    perm["UserIdGroupPairs"] = [{"GroupId": g, "UserId": u} for g, u in groups]
    return perm


def security_group(
    e: Estate,
    name: str,
    group_name: str,
    vpc_id: str,
    ingress: list[dict[str, Any]],
    *,
    tags: list[dict[str, str]] | None = None,
    full: bool = False,
    region: str = E1,
) -> None:
    fields: dict[str, Any] = {
        "GroupId": name,
        "GroupName": group_name,
        "Description": f"{group_name} security group",
        "OwnerId": A,
        "VpcId": vpc_id,
        "IpPermissions": ingress,
        "IpPermissionsEgress": [rule("-1", None, cidrs=("0.0.0.0/0",))],
        "SecurityGroupArn": f"arn:aws:ec2:{region}:{A}:security-group/{name}",
    }
    if tags is not None:  # security groups without tags have no Tags key
        fields["Tags"] = tags
    e.add("aws.ec2.security_group", name, fields, region=region, full=full)


def subnet_group_object(
    name: str, vpc_id: str, subnets: list[tuple[str, str]], *, with_arn: bool, region: str = E1
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "DBSubnetGroupName": name,
        "DBSubnetGroupDescription": f"{name} subnets",
        "VpcId": vpc_id,
        "SubnetGroupStatus": "Complete",
        "Subnets": [
            {
                "SubnetIdentifier": sid,
                "SubnetAvailabilityZone": {"Name": az},
                "SubnetOutpost": {},
                "SubnetStatus": "Active",
            }
            for sid, az in subnets
        ],
        "SupportedNetworkTypes": ["IPV4"],
    }
    if with_arn:
        out["DBSubnetGroupArn"] = f"arn:aws:rds:{region}:{A}:subgrp:{name}"
    return out


@dataclass(frozen=True)
class Net:
    """A DB subnet group and the VPC it is in."""

    name: str
    vpc: str
    subnets: tuple[tuple[str, str], ...]
    region: str = E1

    def embedded(self) -> dict[str, Any]:
        # DescribeDBInstances embeds the whole group, without its ARN.
        return subnet_group_object(self.name, self.vpc, list(self.subnets), with_arn=False)


def ec2_id(kind: str, label: str) -> str:
    """An EC2-style id ("subnet-0priva000000000"), readable in the fixture."""
    return f"{kind}-0{label}".ljust(len(kind) + 18, "0")


PROD_VPC, DEFAULT_VPC, EU_VPC = (
    ec2_id("vpc", "prod"),
    ec2_id("vpc", "default"),
    ec2_id("vpc", "euprod"),
)
PROD_IGW, DEFAULT_IGW = ec2_id("igw", "prod"), ec2_id("igw", "default")
NAT = ec2_id("nat", "prod")
SG_APP, SG_BASTION, SG_PG = ec2_id("sg", "app"), ec2_id("sg", "bastion"), ec2_id("sg", "pg")
SG_WORLD, SG_DEFAULT, SG_EU = ec2_id("sg", "world"), ec2_id("sg", "default"), ec2_id("sg", "euapp")
SG_SHARED_B = ec2_id("sg", "sharedb")  # owned by account B, not scanned
GONE_SUBNET = ec2_id("subnet", "gone")  # listed by a subnet group, unknown to DescribeSubnets


def network(e: Estate) -> dict[str, Net]:
    vpc(e, PROD_VPC, "10.0.0.0/16", default=False, full=True)
    vpc(e, DEFAULT_VPC, "172.31.0.0/16", default=True)
    e.add(
        "aws.ec2.internet_gateway",
        PROD_IGW,
        {
            "Attachments": [{"State": "available", "VpcId": PROD_VPC}],
            "InternetGatewayId": PROD_IGW,
            "OwnerId": A,
            "Tags": _tags(Name="prod-igw"),
        },
        full=True,
    )
    e.add(
        "aws.ec2.internet_gateway",
        DEFAULT_IGW,
        {
            "Attachments": [{"State": "available", "VpcId": DEFAULT_VPC}],
            "InternetGatewayId": DEFAULT_IGW,
            "OwnerId": A,
            "Tags": [],
        },
    )
    e.add(
        "aws.ec2.nat_gateway",
        NAT,
        {
            "CreateTime": ts("2023-04-12T09:20:11+00:00"),
            "NatGatewayAddresses": [
                {
                    "AllocationId": ec2_id("eipalloc", "prod"),
                    "NetworkInterfaceId": ec2_id("eni", "natprod"),
                    "PrivateIp": "10.0.3.25",
                    "PublicIp": "203.0.113.25",
                    "AssociationId": ec2_id("eipassoc", "prod"),
                    "IsPrimary": True,
                    "Status": "succeeded",
                }
            ],
            "NatGatewayId": NAT,
            "State": "available",
            "SubnetId": ec2_id("subnet", "puba"),
            "VpcId": PROD_VPC,
            "Tags": _tags(Name="prod-nat"),
            "ConnectivityType": "public",
            "AvailabilityMode": "zonal",
        },
        full=True,
    )
    nets: dict[str, Net] = {}
    plan: dict[str, list[dict[str, Any]]] = {
        "priv": [route("0.0.0.0/0", NatGatewayId=NAT)],
        "pub": [route("0.0.0.0/0", GatewayId=PROD_IGW), route("::/0", GatewayId=PROD_IGW)],
        # Two halves of the IPv4 space to the internet gateway: as public as 0.0.0.0/0.
        "split": [
            route("0.0.0.0/1", GatewayId=PROD_IGW),
            route("128.0.0.0/1", GatewayId=PROD_IGW),
        ],
        # A managed prefix list (a partner's ranges) routed to the internet gateway.
        "pl": [route(ec2_id("pl", "partner"), GatewayId=PROD_IGW)],
        # IPv6 egress only: outbound, never reachable from the internet.
        "eigw": [
            route("0.0.0.0/0", NatGatewayId=NAT),
            route("::/0", EgressOnlyInternetGatewayId=ec2_id("eigw", "prod")),
        ],
        # Everything to a transit gateway (central egress): private.
        "tgw": [route("0.0.0.0/0", TransitGatewayId=ec2_id("tgw", "central"))],
    }
    octet = 1
    for group, routes in plan.items():
        ids: list[tuple[str, str]] = []
        for az in ("a", "b"):
            sid = ec2_id("subnet", group + az)
            ids.append((sid, f"{E1}{az}"))
            subnet(
                e,
                sid,
                PROD_VPC,
                f"10.0.{octet}.0/24",
                f"{E1}{az}",
                full=(group == "priv" and az == "a"),
                old=(group == "tgw"),
            )
            octet += 1
        route_table(
            e,
            ec2_id("rtb", group),
            PROD_VPC,
            [route("10.0.0.0/16", GatewayId="local"), *routes],
            subnets=tuple(s for s, _ in ids),
            full=(group == "priv"),
        )
        nets[group] = Net(f"sng-{group}", PROD_VPC, tuple(ids))
    # No explicit association: these subnets take their VPC's main route table.
    subnet(e, ec2_id("subnet", "maina"), PROD_VPC, "10.0.50.0/24", f"{E1}a")
    subnet(e, ec2_id("subnet", "mainb"), PROD_VPC, "10.0.51.0/24", f"{E1}b")
    route_table(
        e, ec2_id("rtb", "main"), PROD_VPC, [route("10.0.0.0/16", GatewayId="local")], main=True
    )
    # The default VPC: its main route table goes to its internet gateway, as AWS creates it.
    default_subnets: list[tuple[str, str]] = []
    for az, third in (("a", 0), ("b", 16)):
        sid = ec2_id("subnet", "def" + az)
        default_subnets.append((sid, f"{E1}{az}"))
        subnet(e, sid, DEFAULT_VPC, f"172.31.{third}.0/20", f"{E1}{az}", old=True, default=True)
    route_table(
        e,
        ec2_id("rtb", "defmain"),
        DEFAULT_VPC,
        [route("172.31.0.0/16", GatewayId="local"), route("0.0.0.0/0", GatewayId=DEFAULT_IGW)],
        main=True,
    )
    nets["default"] = Net("default", DEFAULT_VPC, tuple(default_subnets))
    nets["main"] = Net(
        "sng-main",
        PROD_VPC,
        ((ec2_id("subnet", "maina"), f"{E1}a"), (ec2_id("subnet", "mainb"), f"{E1}b")),
    )
    # A subnet group that still lists a subnet DescribeSubnets does not return.
    nets["dangling"] = Net(
        "sng-dangling", PROD_VPC, ((ec2_id("subnet", "priva"), f"{E1}a"), (GONE_SUBNET, f"{E1}b"))
    )
    for net in nets.values():
        e.add(
            "aws.rds.db_subnet_group",
            net.name,
            subnet_group_object(net.name, net.vpc, list(net.subnets), with_arn=True),
            full=(net.name == "sng-priv"),
        )
    security_group(
        e,
        SG_APP,
        "aurora-app",
        PROD_VPC,
        # Clients in this account, and a group shared from the network account B,
        # which this scan does not cover.  No Ipv6Ranges key, no Tags key.
        [rule("tcp", 3307, groups=((SG_BASTION, A), (SG_SHARED_B, B)))],
    )
    security_group(e, SG_BASTION, "bastion", PROD_VPC, [rule("tcp", 22, cidrs=("10.0.0.0/8",))])
    security_group(
        e, SG_PG, "aurora-pg", PROD_VPC, [rule("tcp", 5432, cidrs=("10.0.0.0/16",))], tags=[]
    )
    security_group(
        e,
        SG_WORLD,
        "aurora-world",
        DEFAULT_VPC,
        [rule("tcp", 3306, cidrs=("0.0.0.0/0",), cidrs6=("::/0",))],
        tags=_tags(Name="legacy-open", owner="dba"),
        full=True,
    )
    security_group(
        e, SG_DEFAULT, "default", PROD_VPC, [rule("-1", None, groups=((SG_DEFAULT, A),))]
    )
    # eu-west-1: the global secondary's network.
    vpc(e, EU_VPC, "10.8.0.0/16", default=False, region=W1)
    eu: list[tuple[str, str]] = []
    for az, third in (("a", 1), ("b", 2)):
        sid = ec2_id("subnet", "eu" + az)
        eu.append((sid, f"{W1}{az}"))
        subnet(e, sid, EU_VPC, f"10.8.{third}.0/24", f"{W1}{az}", region=W1)
    route_table(
        e,
        ec2_id("rtb", "eumain"),
        EU_VPC,
        [route("10.8.0.0/16", GatewayId="local")],
        main=True,
        region=W1,
    )
    nets["eu"] = Net("sng-eu", EU_VPC, tuple(eu), W1)
    e.add(
        "aws.rds.db_subnet_group",
        "sng-eu",
        subnet_group_object("sng-eu", EU_VPC, eu, with_arn=True, region=W1),
        region=W1,
    )
    security_group(
        e, SG_EU, "aurora-app", EU_VPC, [rule("tcp", 3307, cidrs=("10.8.0.0/16",))], region=W1
    )
    # us-west-2: a private subnet group for the cluster there.
    west_vpc = ec2_id("vpc", "west")
    vpc(e, west_vpc, "10.9.0.0/16", default=False, region=W2)
    west: list[tuple[str, str]] = []
    for az, third in (("a", 1), ("b", 2)):
        sid = ec2_id("subnet", "west" + az)
        west.append((sid, f"{W2}{az}"))
        subnet(e, sid, west_vpc, f"10.9.{third}.0/24", f"{W2}{az}", region=W2)
    route_table(
        e,
        ec2_id("rtb", "westmain"),
        west_vpc,
        [route("10.9.0.0/16", GatewayId="local")],
        main=True,
        region=W2,
    )
    nets["west"] = Net("sng-west", west_vpc, tuple(west), W2)
    e.add(
        "aws.rds.db_subnet_group",
        "sng-west",
        subnet_group_object("sng-west", west_vpc, west, with_arn=True, region=W2),
        region=W2,
    )
    return nets


# --- keys and secrets

CMK = f"arn:aws:kms:{E1}:{A}:key/0a11c0de-1111-4a2b-9c3d-5e6f7a8b9c01"
AWS_RDS_KEY = f"arn:aws:kms:{E1}:{A}:key/0a11aaaa-2222-4b3c-8d4e-6f7a8b9c0d02"
EU_CMK = f"arn:aws:kms:{W1}:{A}:key/0a11c0de-5555-4e6f-8a7b-9c0d1e2f3a05"
B_KEY = f"arn:aws:kms:{E1}:{B}:key/0b22c0de-3333-4c4d-9e5f-7a8b9c0d1e03"
B_KEY_GONE = f"arn:aws:kms:{E1}:{B}:key/0b22dead-4444-4d5e-8f6a-8b9c0d1e2f04"  # never described
SECRET = (
    f"arn:aws:secretsmanager:{E1}:{A}:secret:"
    "rds!cluster-5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a-AbCdEf"
)


def kms_key(
    e: Estate, arn: str, manager: str, description: str, *, full: bool = False, old: bool = False
) -> None:
    region = arn.split(":")[3]
    fields: dict[str, Any] = {
        "AWSAccountId": arn.split(":")[4],
        "KeyId": arn.rsplit("/", 1)[1],
        "Arn": arn,
        "CreationDate": ts("2022-09-14T10:02:45.871000+00:00"),
        "Enabled": True,
        "Description": description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": manager,
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    if not old:  # keys described before KeySpec existed come back without it
        fields |= {"KeySpec": "SYMMETRIC_DEFAULT", "CurrentKeyMaterialId": "0a11" + "b" * 60}
    e.add("aws.kms.key", arn, fields, region=region, full=full)


def keys_and_secrets(e: Estate) -> None:
    kms_key(e, CMK, "CUSTOMER", "aurora prod data", full=True)
    kms_key(e, AWS_RDS_KEY, "AWS", "Default key that protects my RDS database volumes")
    kms_key(e, EU_CMK, "CUSTOMER", "aurora prod data (eu)", old=True)
    # A customer managed key in account B that B's key policy lets us describe.
    kms_key(e, B_KEY, "CUSTOMER", "shared data key", old=True)
    e.add(
        "aws.secretsmanager.secret",
        SECRET,
        {
            "ARN": SECRET,
            "Name": SECRET.rsplit(":", 1)[1].rsplit("-", 1)[0],
            "Description": "The secret associated with the primary RDS DB cluster: "
            f"arn:aws:rds:{E1}:{A}:cluster:c-mysql-full",
            "KmsKeyId": CMK,
            "RotationEnabled": True,
            "RotationRules": {"AutomaticallyAfterDays": 7, "ScheduleExpression": "rate(7 days)"},
            "LastRotatedDate": ts("2026-02-24T03:11:05.412000+00:00"),
            "LastChangedDate": ts("2026-02-24T03:11:05.439000+00:00"),
            "LastAccessedDate": ts("2026-02-28T00:00:00+00:00"),
            "NextRotationDate": ts("2026-03-03T23:59:59+00:00"),
            "Tags": _tags(
                **{
                    "aws:rds:primaryDBClusterArn": f"arn:aws:rds:{E1}:{A}:cluster:c-mysql-full",
                    "aws:secretsmanager:owningService": "rds",
                }
            ),
            "VersionIdsToStages": {
                "0a11f00d-6666-4f7a-9b8c-0d1e2f3a4b06": ["AWSCURRENT", "AWSPENDING"],
                "0a11f00d-7777-4a8b-8c9d-1e2f3a4b5c07": ["AWSPREVIOUS"],
            },
            "OwningService": "rds",
            "CreatedDate": ts("2023-04-12T09:14:31.512000+00:00"),
        },
        full=True,
    )


# --- parameter groups


def parameter(
    name: str,
    value: str,
    *,
    source: str = "user",
    apply_type: str = "dynamic",
    data_type: str = "string",
    modifiable: bool = True,
    method: str = "pending-reboot",
) -> dict[str, Any]:
    """A parameter with the fields the collector keeps (rds.PARAMETER_FIELDS)."""
    return {
        "ParameterName": name,
        "ParameterValue": value,
        "Source": source,
        "ApplyType": apply_type,
        "DataType": data_type,
        "IsModifiable": modifiable,
        "ApplyMethod": method,
        "SupportedEngineModes": ["provisioned"],
    }


def parameter_groups(e: Estate) -> None:
    def group(
        name: str,
        family: str,
        params: list[dict[str, Any]] | None,
        *,
        fixture: str | None = None,
        **kw: Any,
    ) -> None:
        fields: dict[str, Any] = {
            "DBClusterParameterGroupName": name,
            "DBParameterGroupFamily": family,
            "Description": f"{name} cluster parameters",
            "DBClusterParameterGroupArn": (
                f"arn:aws:rds:{kw.get('region', E1)}:{A}:cluster-pg:{name}"
            ),
        }
        if params is not None:  # None: a group no cluster uses, never augmented
            fields["Parameters"] = params
        e.add("aws.rds.db_cluster_parameter_group", fixture or name, fields, **kw)

    system = parameter(
        "server_id", "{ServerId}", source="system", modifiable=False, data_type="integer"
    )
    system_dir = parameter(
        "innodb_data_home_dir", "/rdsdbdata/db/innodb", source="system", modifiable=False
    )
    group(
        "pg-mysql-secure",
        "aurora-mysql8.0",
        [
            system,
            system_dir,
            parameter("require_secure_transport", "ON", data_type="boolean"),
            parameter("tls_version", "TLSv1.2,TLSv1.3", apply_type="static"),
            parameter("server_audit_logging", "1", data_type="boolean"),
            parameter("server_audit_events", "CONNECT,QUERY_DCL,QUERY_DDL"),
            {
                **parameter("binlog_format", "ROW", apply_type="static"),
                "MinimumEngineVersion": "8.0.23",
            },
        ],
        full=True,
    )
    group(
        "pg-mysql-legacy",
        "aurora-mysql8.0",
        [
            system,
            parameter("require_secure_transport", "OFF", data_type="boolean"),
            parameter("tls_version", "TLSv1.1,TLSv1.2", apply_type="static"),
        ],
    )
    # A default group as the collector stores it: every parameter that has a value.
    group(
        "default.aurora-mysql5.7",
        "aurora-mysql5.7",
        [
            parameter(
                "require_secure_transport", "OFF", source="engine-default", data_type="boolean"
            ),
            parameter(
                "tls_version",
                "TLSv1,TLSv1.1,TLSv1.2",
                source="engine-default",
                apply_type="static",
            ),
            parameter("server_audit_logging", "0", source="engine-default"),
            {**system, "SupportedEngineModes": ["provisioned", "serverless"]},
        ],
    )
    pg_common = [
        parameter("rds.force_ssl", "1", data_type="boolean"),
        parameter(
            "shared_preload_libraries",
            "pg_stat_statements,pgaudit",
            apply_type="static",
            data_type="list",
        ),
    ]
    group(
        "pg-postgres-pgaudit",
        "aurora-postgresql16",
        # pgaudit is loaded, but pgaudit.log = none logs nothing.
        [*pg_common, parameter("pgaudit.log", "none"), parameter("log_statement", "none")],
    )
    group(
        "pg-postgres-logging",
        "aurora-postgresql16",
        [
            *pg_common,
            parameter("pgaudit.log", "ddl,role"),
            parameter("log_statement", "ddl"),
            parameter("log_min_duration_statement", "1000", data_type="integer"),
        ],
    )
    group(
        "pg-mysql-eu",
        "aurora-mysql8.0",
        [parameter("require_secure_transport", "ON", data_type="boolean")],
        region=W1,
    )
    group(
        "pg-west",
        "aurora-postgresql16",
        [parameter("rds.force_ssl", "1", data_type="boolean")],
        region=W2,
    )
    group("default.aurora-postgresql16", "aurora-postgresql16", None)
    group("default.neptune1.3", "neptune1.3", [parameter("neptune_enable_audit_log", "0")])
    group("default.docdb5.0", "docdb5.0", [parameter("tls", "enabled", source="engine-default")])


def db_parameter_groups(e: Estate) -> None:
    """The DB (instance) parameter groups the fixture's instances name.

    The collector reads DescribeDBParameters with Source=user only (an Aurora DB
    parameter group overrides the cluster group only where a user set a value),
    and a default group has no user-set parameter: ``Parameters`` is empty.
    """
    for region, family, full in (
        (E1, "aurora-mysql8.0", True),
        (E1, "aurora-postgresql16", False),
        (W1, "aurora-mysql8.0", False),
    ):
        name = f"default.{family}"
        e.add(
            "aws.rds.db_parameter_group",
            # Cluster parameter groups share the default names: prefix the fixture name.
            f"db-pg:{name}" if region == E1 else f"db-pg:{name}@{region}",
            {
                "DBParameterGroupName": name,
                "DBParameterGroupFamily": family,
                "Description": f"Default parameter group for {family}",
                "DBParameterGroupArn": f"arn:aws:rds:{region}:{A}:pg:{name}",
                "Parameters": [],
            },
            region=region,
            full=full,
        )


def _lifecycle(name: str, start: str, end: str) -> dict[str, Any]:
    return {
        "LifecycleSupportName": name,
        "LifecycleSupportStartDate": ts(start),
        "LifecycleSupportEndDate": ts(end),
    }


def major_engine_versions(e: Estate) -> None:
    """DescribeDBMajorEngineVersions records for the engines and majors the clusters use.

    End dates are the release calendars' (policies/data/engine_lifecycle.yaml cites
    them), reported as the last day's 23:59:59.999 UTC as the API does.
    """
    std, ext = "open-source-rds-standard-support", "open-source-rds-extended-support"
    versions = (
        (
            "aurora-mysql",
            "8.0",
            [
                _lifecycle(std, "2021-11-18T00:00:00+00:00", "2028-04-30T23:59:59.999000+00:00"),
                _lifecycle(ext, "2028-05-01T00:00:00+00:00", "2029-07-31T23:59:59.999000+00:00"),
            ],
        ),
        (
            "aurora-mysql",
            "5.7",
            [
                _lifecycle(std, "2018-02-06T00:00:00+00:00", "2024-10-31T23:59:59.999000+00:00"),
                _lifecycle(ext, "2024-11-01T00:00:00+00:00", "2029-06-30T23:59:59.999000+00:00"),
            ],
        ),
        (
            "aurora-postgresql",
            "16",
            [
                _lifecycle(std, "2024-01-31T00:00:00+00:00", "2029-02-28T23:59:59.999000+00:00"),
                _lifecycle(ext, "2029-03-01T00:00:00+00:00", "2032-02-28T23:59:59.999000+00:00"),
            ],
        ),
    )
    # The records are the same in every Region; each scanned Region lists them.
    for region in (E1, W1, W2):
        for engine, major, lifecycles in versions:
            e.add(
                "aws.rds.major_engine_version",
                f"{engine}-{major}@{region}",
                {
                    "Engine": engine,
                    "MajorEngineVersion": major,
                    "SupportedEngineLifecycles": lifecycles,
                },
                region=region,
                full=(region == E1 and engine == "aurora-mysql" and major == "8.0"),
            )


# --- clusters and their instances


@dataclass(frozen=True)
class Member:
    name: str
    writer: bool
    tier: int
    cls: str
    az: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    full: bool = False  # the full DBInstance record (every member populated)


def _major(version: str) -> str:
    """Option group names: "8.0.mysql_aurora.3.08.0" -> "8-0", "16.4" -> "16"."""
    parts = version.split(".")
    return "-".join(parts[:2]) if ".mysql_aurora." in version else parts[0]


def _family_license(engine: str) -> tuple[str, str]:
    if engine == "aurora-postgresql":
        return "default.aurora-postgresql16", "postgresql-license"
    return "default.aurora-mysql8.0", "general-public-license"


def cluster(
    e: Estate,
    name: str,
    engine: str,
    version: str,
    *,
    net: Net,
    sgs: tuple[str, ...],
    param_group: str,
    members: tuple[Member, ...] = (),
    port: int = 3306,
    kms: str | None = CMK,
    encryption: str = "sse-kms",
    old: bool = False,
    full: bool = False,
    extra: Mapping[str, Any] | None = None,
    instance_extra: Mapping[str, Any] | None = None,
) -> None:
    region = net.region
    arn = f"arn:aws:rds:{region}:{A}:cluster:{name}"
    encrypted = encryption == "sse-kms"
    fields: dict[str, Any] = {
        "AllocatedStorage": 1,
        "AvailabilityZones": [f"{region}a", f"{region}b", f"{region}c"],
        "BackupRetentionPeriod": 7,
        "DBClusterIdentifier": name,
        "DBClusterParameterGroup": param_group,
        "DBSubnetGroup": net.name,
        "Status": "available",
        "EarliestRestorableTime": ts("2026-02-22T03:05:12.611000+00:00"),
        "Endpoint": f"{name}.cluster-c9akciq32xyz.{region}.rds.amazonaws.com",
        "ReaderEndpoint": f"{name}.cluster-ro-c9akciq32xyz.{region}.rds.amazonaws.com",
        "CustomEndpoints": [],
        "MultiAZ": len({m.az for m in members}) > 1,
        "Engine": engine,
        "EngineVersion": version,
        "LatestRestorableTime": ts("2026-02-28T23:55:41.118000+00:00"),
        "Port": port,
        "MasterUsername": "dbadmin",
        "DBClusterOptionGroupMemberships": [],
        "PreferredBackupWindow": "03:00-03:30",
        "PreferredMaintenanceWindow": "sun:05:00-sun:05:30",
        "ReadReplicaIdentifiers": [],
        "DBClusterMembers": [
            {
                "DBInstanceIdentifier": m.name,
                "IsClusterWriter": m.writer,
                "DBClusterParameterGroupStatus": "in-sync",
                "PromotionTier": m.tier,
            }
            for m in members
        ],
        "VpcSecurityGroups": [{"VpcSecurityGroupId": sg, "Status": "active"} for sg in sgs],
        "HostedZoneId": ZONE[region],
        "StorageEncrypted": encrypted,
        "StorageEncryptionType": encryption,
        "DbClusterResourceId": _rid("cluster-", name),
        "DBClusterArn": arn,
        "AssociatedRoles": [],
        "IAMDatabaseAuthenticationEnabled": False,
        "ClusterCreateTime": ts("2023-04-12T09:14:31.512000+00:00"),
        "EngineMode": "provisioned",
        "DeletionProtection": False,
        "HttpEndpointEnabled": False,
        "ActivityStreamStatus": "stopped",
        "CopyTagsToSnapshot": False,
        "CrossAccountClone": False,
        "DomainMemberships": [],
        "TagList": [],
        "AutoMinorVersionUpgrade": True,
        "NetworkType": "IPV4",
        "EngineLifecycleSupport": "open-source-rds-extended-support",
        "DatabaseInsightsMode": "standard",
        "CertificateDetails": {
            "CAIdentifier": "rds-ca-rsa2048-g1",
            "ValidTill": ts("2027-01-10T08:42:19+00:00"),
        },
        "ClusterScalabilityType": "standard",
    }
    if kms is not None:  # unencrypted clusters have no KmsKeyId at all
        fields["KmsKeyId"] = kms
    if old:
        # Records of clusters created before these members existed come back
        # without them (they are absent, not false or empty).
        for member in (
            "DeletionProtection",
            "CopyTagsToSnapshot",
            "IAMDatabaseAuthenticationEnabled",
            "EngineMode",
            "AutoMinorVersionUpgrade",
            "StorageEncryptionType",
            "CertificateDetails",
            "ClusterScalabilityType",
            "DatabaseInsightsMode",
            "EngineLifecycleSupport",
            "NetworkType",
            "ActivityStreamStatus",
            "CustomEndpoints",
        ):
            fields.pop(member)
    fields.update(extra or {})
    e.add("aws.rds.db_cluster", name, fields, region=region, full=full)
    for m in members:
        instance(
            e,
            name,
            engine,
            version,
            m,
            net=net,
            sgs=sgs,
            port=port,
            kms=kms,
            encryption=encryption,
            old=old,
            extra={**(instance_extra or {}), **m.extra},
        )


def instance(
    e: Estate,
    cluster_name: str,
    engine: str,
    version: str,
    m: Member,
    *,
    net: Net,
    sgs: tuple[str, ...],
    port: int,
    kms: str | None,
    encryption: str,
    old: bool,
    extra: Mapping[str, Any],
) -> None:
    region = net.region
    family, license_model = _family_license(engine)
    fields: dict[str, Any] = {
        "DBInstanceIdentifier": m.name,
        "DBInstanceClass": m.cls,
        "Engine": engine,
        "DBInstanceStatus": "available",
        "MasterUsername": "dbadmin",
        # An Aurora member reports its port here, and DbInstancePort 0.
        "Endpoint": {
            "Address": f"{m.name}.c9akciq32xyz.{region}.rds.amazonaws.com",
            "Port": port,
            "HostedZoneId": ZONE[region],
        },
        "AllocatedStorage": 1,
        "InstanceCreateTime": ts("2023-04-12T09:31:07.204000+00:00"),
        "PreferredBackupWindow": "03:00-03:30",
        "BackupRetentionPeriod": 7,
        "DBSecurityGroups": [],
        "VpcSecurityGroups": [{"VpcSecurityGroupId": sg, "Status": "active"} for sg in sgs],
        "DBParameterGroups": [{"DBParameterGroupName": family, "ParameterApplyStatus": "in-sync"}],
        "AvailabilityZone": m.az,
        "DBSubnetGroup": net.embedded(),
        "PreferredMaintenanceWindow": "sun:05:00-sun:05:30",
        "PendingModifiedValues": {},
        "MultiAZ": False,
        "EngineVersion": version,
        "AutoMinorVersionUpgrade": True,
        "ReadReplicaDBInstanceIdentifiers": [],
        "ReadReplicaDBClusterIdentifiers": [],
        "LicenseModel": license_model,
        "OptionGroupMemberships": [
            {"OptionGroupName": f"default:{engine}-{_major(version)}", "Status": "in-sync"}
        ],
        "PubliclyAccessible": False,
        "StorageType": "aurora",
        "StorageEncryptionType": encryption,
        "DbInstancePort": 0,
        "DBClusterIdentifier": cluster_name,
        "StorageEncrypted": encryption == "sse-kms",
        "DbiResourceId": _rid("db-", m.name),
        "CACertificateIdentifier": "rds-ca-rsa2048-g1",
        "DomainMemberships": [],
        "CopyTagsToSnapshot": False,
        "MonitoringInterval": 0,
        "PromotionTier": m.tier,
        "DBInstanceArn": f"arn:aws:rds:{region}:{A}:db:{m.name}",
        "IAMDatabaseAuthenticationEnabled": False,
        "DatabaseInsightsMode": "standard",
        "PerformanceInsightsEnabled": False,
        "DeletionProtection": False,
        "AssociatedRoles": [],
        "TagList": [],
        "CustomerOwnedIpEnabled": False,
        "BackupTarget": "region",
        "NetworkType": "IPV4",
        "CertificateDetails": {
            "CAIdentifier": "rds-ca-rsa2048-g1",
            "ValidTill": ts("2027-01-10T08:42:19+00:00"),
        },
        "DedicatedLogVolume": False,
        "IsStorageConfigUpgradeAvailable": False,
        "EngineLifecycleSupport": "open-source-rds-extended-support",
    }
    if kms is not None:
        fields["KmsKeyId"] = kms
    if old:
        for member in (
            "StorageEncryptionType",
            "CertificateDetails",
            "DatabaseInsightsMode",
            "NetworkType",
            "DedicatedLogVolume",
            "IsStorageConfigUpgradeAvailable",
            "EngineLifecycleSupport",
            "BackupTarget",
            "CustomerOwnedIpEnabled",
        ):
            fields.pop(member)
    fields.update(extra)
    e.add("aws.rds.db_instance", m.name, fields, region=region, full=m.full)


MYSQL8 = "8.0.mysql_aurora.3.08.0"
MYSQL57 = "5.7.mysql_aurora.2.11.2"
PG16 = "16.4"
CLUSTER_ARN = f"arn:aws:rds:{E1}:{A}:cluster:"


def clusters(e: Estate, nets: dict[str, Net]) -> None:
    pi = {
        "PerformanceInsightsEnabled": True,
        "PerformanceInsightsKMSKeyId": CMK,
        "PerformanceInsightsRetentionPeriod": 7,
        "MonitoringInterval": 60,
        "MonitoringRoleArn": f"arn:aws:iam::{A}:role/rds-monitoring-role",
        "EnhancedMonitoringResourceArn": (
            f"arn:aws:logs:{E1}:{A}:log-group:RDSOSMetrics:log-stream:db-0A11EXAMPLE"
        ),
    }
    prod_tags = _tags(Environment="Production", owner="payments")
    # The full record of an Aurora MySQL cluster: the primary of a global database,
    # I/O-optimized storage, an activity stream, a managed master secret.
    cluster(
        e,
        "c-mysql-full",
        "aurora-mysql",
        MYSQL8,
        net=nets["priv"],
        sgs=(SG_APP,),
        param_group="pg-mysql-secure",
        port=3307,
        full=True,
        members=(
            Member(
                "i-mysql-1",
                True,
                1,
                "db.r6g.large",
                f"{E1}a",
                {
                    **pi,
                    "DBName": "payments",
                    "CharacterSetName": "utf8mb4",
                    "UpgradeRolloutOrder": "last",
                    "VPCNetworkingEnabled": True,
                    "DatabaseInsightsMode": "advanced",
                    "PerformanceInsightsRetentionPeriod": 465,
                    "PendingModifiedValues": {"CACertificateIdentifier": "rds-ca-rsa4096-g1"},
                    "TagList": prod_tags,
                },
                full=True,
            ),
            Member(
                "i-mysql-2",
                False,
                1,
                "db.r6g.large",
                f"{E1}b",
                # Its server certificate expires within 30 days; its CA
                # (rds-ca-rsa2048-g1) rotates server certificates on its own.
                {
                    **pi,
                    "CertificateDetails": {
                        "CAIdentifier": "rds-ca-rsa2048-g1",
                        "ValidTill": ts("2026-03-15T08:42:19+00:00"),
                    },
                },
            ),
        ),
        extra={
            "BackupRetentionPeriod": 14,
            "DatabaseName": "payments",
            "CharacterSetName": "utf8mb4",
            "MasterUsername": "payments_admin",
            "DBClusterOptionGroupMemberships": [
                {"DBClusterOptionGroupName": "default:aurora-mysql-8-0", "Status": "in-sync"}
            ],
            "UpgradeRolloutOrder": "last",
            "AssociatedRoles": [
                {
                    "RoleArn": f"arn:aws:iam::{A}:role/aurora-s3-import",
                    "Status": "ACTIVE",
                    "FeatureName": "s3Import",
                }
            ],
            "IAMDatabaseAuthenticationEnabled": True,
            "CloneGroupId": "0a11c10e-8888-4b9c-8d0e-2f3a4b5c6d08",
            "EarliestBacktrackTime": ts("2026-02-27T23:55:41.118000+00:00"),
            "BacktrackWindow": 86400,
            "BacktrackConsumedChangeRecords": 1207715,
            "EnabledCloudwatchLogsExports": ["audit", "error", "general", "slowquery"],
            "PendingModifiedValues": {"EngineVersion": "8.0.mysql_aurora.3.08.1"},
            "StorageType": "aurora-iopt1",
            "IOOptimizedNextAllowedModificationTime": ts("2026-03-28T10:00:00+00:00"),
            "DeletionProtection": True,
            "CopyTagsToSnapshot": True,
            "ActivityStreamMode": "async",
            "ActivityStreamStatus": "started",
            "ActivityStreamKmsKeyId": CMK,
            "ActivityStreamKinesisStreamName": "aws-rds-das-cluster-C_MYSQL_FULL",
            "DomainMemberships": [],
            "TagList": prod_tags,
            "GlobalClusterIdentifier": "g-mysql",
            "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 16.0},
            "ServerlessV2PlatformVersion": "3",
            "MonitoringInterval": 60,
            "MonitoringRoleArn": f"arn:aws:iam::{A}:role/rds-monitoring-role",
            "DatabaseInsightsMode": "advanced",
            "PerformanceInsightsEnabled": True,
            "PerformanceInsightsKMSKeyId": CMK,
            "PerformanceInsightsRetentionPeriod": 465,
            "MasterUserSecret": {"SecretArn": SECRET, "SecretStatus": "active", "KmsKeyId": CMK},
            "LocalWriteForwardingStatus": "disabled",
            "AwsBackupRecoveryPointArn": f"arn:aws:backup:{E1}:{A}:recovery-point:continuous:"
            "cluster-c-mysql-full-1a2b3c4d",
            "EngineLifecycleSupport": "open-source-rds-extended-support-disabled",
            "VPCNetworkingEnabled": True,
            "CustomEndpoints": [f"analytics.cluster-custom-c9akciq32xyz.{E1}.rds.amazonaws.com"],
        },
    )
    # Aurora PostgreSQL encrypted with an AWS owned key: StorageEncrypted false,
    # StorageEncryptionType sse-rds, no KmsKeyId.  Serverless v2 writer beside a
    # provisioned reader; split default routes to the internet gateway.
    cluster(
        e,
        "c-pg-sserds",
        "aurora-postgresql",
        PG16,
        net=nets["split"],
        sgs=(SG_PG,),
        param_group="pg-postgres-pgaudit",
        port=5432,
        kms=None,
        encryption="sse-rds",
        members=(
            Member("i-pg-1", True, 0, "db.serverless", f"{E1}a"),
            Member("i-pg-2", False, 1, "db.r6g.large", f"{E1}b"),
        ),
        extra={
            "ServerlessV2ScalingConfiguration": {
                "MinCapacity": 0.0,
                "MaxCapacity": 8.0,
                "SecondsUntilAutoPause": 300,
            },
            "ServerlessV2PlatformVersion": "3",
            "EnabledCloudwatchLogsExports": ["postgresql"],
            "InternetAccessGatewayEnabled": False,
        },
    )
    # An old Aurora MySQL 2 record: no DeletionProtection, CopyTagsToSnapshot,
    # IAMDatabaseAuthenticationEnabled, EngineMode, AutoMinorVersionUpgrade,
    # EnabledCloudwatchLogsExports or KmsKeyId (unencrypted).  In the default
    # VPC, whose main route table goes to the internet gateway; open to the world.
    cluster(
        e,
        "c-old",
        "aurora-mysql",
        MYSQL57,
        net=nets["default"],
        sgs=(SG_WORLD,),
        param_group="default.aurora-mysql5.7",
        kms=None,
        encryption="none",
        old=True,
        members=(
            Member(
                "i-old-1",
                True,
                1,
                "db.t3.medium",
                f"{E1}a",
                {
                    "PubliclyAccessible": True,
                    "CACertificateIdentifier": "rds-ca-2019",
                    "CertificateDetails": {
                        "CAIdentifier": "rds-ca-2019",
                        "ValidTill": ts("2024-08-22T17:08:50+00:00"),
                    },
                },
            ),
        ),
        extra={"StorageEncrypted": False, "TagList": _tags(env="prod")},
    )
    for name, net, group, engine, port, sgs in (
        # A managed prefix list routed to the internet gateway.
        ("c-pl", "pl", "pg-postgres-logging", "aurora-postgresql", 5432, (SG_PG,)),
        # IPv6 egress-only gateway and transit gateway routes: not internet-facing.
        ("c-eigw", "eigw", "pg-mysql-legacy", "aurora-mysql", 3307, (SG_APP,)),
        ("c-tgw", "tgw", "pg-mysql-secure", "aurora-mysql", 3307, (SG_APP,)),
        # A security group owned by account B (not scanned) beside one of ours.
        ("c-shared-sg", "priv", "pg-mysql-secure", "aurora-mysql", 3307, (SG_APP, SG_SHARED_B)),
        # Its subnet group lists a subnet DescribeSubnets does not return.
        ("c-dangling-subnet", "dangling", "pg-mysql-secure", "aurora-mysql", 3307, (SG_APP,)),
        # Only a subnet without an explicit route table association (main table).
        ("c-main-rt", "main", "pg-mysql-secure", "aurora-mysql", 3307, (SG_DEFAULT,)),
    ):
        cluster(
            e,
            name,
            engine,
            PG16 if engine == "aurora-postgresql" else MYSQL8,
            net=nets[net],
            sgs=sgs,
            param_group=group,
            port=port,
            members=(
                Member(f"{name}-1", True, 0, "db.r6g.large", f"{E1}a"),
                Member(f"{name}-2", False, 1, "db.r6g.large", f"{E1}b"),
            ),
        )
    # Encrypted with a customer managed key of account B (described), and with
    # one of B's keys that DescribeKey says no longer exists.
    for name, key in (("c-xacct-key", B_KEY), ("c-xacct-key-missing", B_KEY_GONE)):
        cluster(
            e,
            name,
            "aurora-mysql",
            MYSQL8,
            net=nets["priv"],
            sgs=(SG_APP,),
            param_group="pg-mysql-secure",
            port=3307,
            kms=key,
        )
    # A headless cluster: no instances at all.
    cluster(
        e,
        "c-headless",
        "aurora-postgresql",
        PG16,
        net=nets["priv"],
        sgs=(SG_PG,),
        param_group="pg-postgres-logging",
        port=5432,
    )
    # Failover targets: AWS promotes the lowest tier, the largest class on a tie.
    cluster(
        e,
        "c-failover-larger",
        "aurora-mysql",
        MYSQL8,
        net=nets["priv"],
        sgs=(SG_APP,),
        param_group="pg-mysql-secure",
        port=3307,
        members=(
            Member("c-failover-larger-w", True, 1, "db.r6g.xlarge", f"{E1}a"),
            Member("c-failover-larger-r", False, 0, "db.r6g.2xlarge", f"{E1}b"),
        ),
    )
    cluster(
        e,
        "c-failover-smaller-first",
        "aurora-mysql",
        MYSQL8,
        net=nets["priv"],
        sgs=(SG_APP,),
        param_group="pg-mysql-secure",
        port=3307,
        members=(
            Member("c-failover-sf-w", True, 1, "db.r6g.xlarge", f"{E1}a"),
            Member("c-failover-sf-r0", False, 0, "db.r6g.large", f"{E1}b"),
            Member("c-failover-sf-r1", False, 1, "db.r6g.xlarge", f"{E1}b"),
        ),
    )
    # Aurora Serverless v1: EngineMode serverless, no instances, a capacity.
    cluster(
        e,
        "c-serverless-v1",
        "aurora-mysql",
        "5.7.mysql_aurora.2.08.3",
        net=nets["priv"],
        sgs=(SG_APP,),
        param_group="default.aurora-mysql5.7",
        extra={
            "EngineMode": "serverless",
            "Capacity": 2,
            "ScalingConfigurationInfo": {
                "MinCapacity": 1,
                "MaxCapacity": 8,
                "AutoPause": True,
                "SecondsUntilAutoPause": 300,
                "TimeoutAction": "RollbackCapacityChange",
                "SecondsBeforeTimeout": 300,
            },
            "HttpEndpointEnabled": True,
            "MultiAZ": False,
            "CertificateDetails": OMIT,
        },
    )
    # Neptune and DocumentDB clusters come back from DescribeDBClusters too.
    for name, engine, version, port in (
        ("c-neptune", "neptune", "1.3.2.1", 8182),
        ("c-docdb", "docdb", "5.0.0", 27017),
    ):
        cluster(
            e,
            name,
            engine,
            version,
            net=nets["priv"],
            sgs=(SG_APP,),
            param_group=f"default.{engine}{version[:3]}",
            port=port,
        )
    # The global database's secondary in eu-west-1: two readers, no writer.
    cluster(
        e,
        "c-mysql-secondary",
        "aurora-mysql",
        MYSQL8,
        net=nets["eu"],
        sgs=(SG_EU,),
        param_group="pg-mysql-eu",
        port=3307,
        kms=EU_CMK,
        members=(
            Member("i-eu-1", False, 1, "db.r6g.large", f"{W1}a"),
            Member("i-eu-2", False, 1, "db.r6g.large", f"{W1}b"),
        ),
        extra={
            "GlobalClusterIdentifier": "g-mysql",
            "GlobalWriteForwardingStatus": "disabled",
            "GlobalWriteForwardingRequested": False,
            "ReplicationSourceIdentifier": CLUSTER_ARN + "c-mysql-full",
            "CertificateDetails": OMIT,
        },
        instance_extra={"CertificateDetails": OMIT},
    )
    # us-west-2: covered only by a subscription without SourceType.
    cluster(
        e,
        "c-west",
        "aurora-postgresql",
        PG16,
        net=nets["west"],
        sgs=(),
        param_group="pg-west",
        port=5432,
        kms=None,
        encryption="sse-rds",
    )


# --- snapshots, the global database, event subscriptions, AWS Backup


def snapshot(
    e: Estate,
    name: str,
    of: str,
    engine: str,
    version: str,
    *,
    restore: list[str],
    encryption: str = "sse-kms",
    kms: str | None = CMK,
    full: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> None:
    fields: dict[str, Any] = {
        "AvailabilityZones": [f"{E1}a", f"{E1}b", f"{E1}c"],
        "DBClusterSnapshotIdentifier": name,
        "DBClusterIdentifier": of,
        "SnapshotCreateTime": ts("2026-02-01T03:12:44.907000+00:00"),
        "Engine": engine,
        "EngineMode": "provisioned",
        "AllocatedStorage": 0,  # Aurora snapshots report 0
        "Status": "available",
        "Port": 0,  # and port 0
        "VpcId": PROD_VPC,
        "ClusterCreateTime": ts("2023-04-12T09:14:31.512000+00:00"),
        "MasterUsername": "dbadmin",
        "EngineVersion": version,
        "LicenseModel": engine,
        "SnapshotType": "manual",
        "PercentProgress": 100,
        "StorageEncrypted": encryption == "sse-kms",
        "StorageEncryptionType": encryption,
        "DBClusterSnapshotArn": f"arn:aws:rds:{E1}:{A}:cluster-snapshot:{name}",
        "IAMDatabaseAuthenticationEnabled": False,
        "TagList": [],
        "DbClusterResourceId": _rid("cluster-", of),
        # DescribeDBClusterSnapshotAttributes, added by the collector.
        "DBClusterSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": restore}],
    }
    if kms is not None:
        fields["KmsKeyId"] = kms
    fields.update(extra or {})
    e.add("aws.rds.db_cluster_snapshot", name, fields, full=full)


def snapshots(e: Estate) -> None:
    snapshot(
        e,
        "s-mysql-full",
        "c-mysql-full",
        "aurora-mysql",
        MYSQL8,
        restore=[],
        full=True,
        extra={
            # A copy of an automated snapshot.
            "SourceDBClusterSnapshotArn": f"arn:aws:rds:{E1}:{A}:cluster-snapshot:"
            "rds:c-mysql-full-2026-02-01-03-10",
            "IAMDatabaseAuthenticationEnabled": True,
            "BackupRetentionPeriod": 14,
            "PreferredBackupWindow": "03:00-03:30",
            "StorageType": "aurora-iopt1",
            "TagList": _tags(Environment="Production", owner="payments"),
        },
    )
    snapshot(e, "s-shared", "c-mysql-full", "aurora-mysql", MYSQL8, restore=[B])
    snapshot(e, "s-public", "c-mysql-full", "aurora-mysql", MYSQL8, restore=["all"])
    snapshot(
        e,
        "s-pg-sserds",
        "c-pg-sserds",
        "aurora-postgresql",
        PG16,
        restore=[],
        encryption="sse-rds",
        kms=None,
    )
    # An unencrypted snapshot of the old cluster: StorageEncryptionType none, no KmsKeyId.
    snapshot(
        e,
        "s-old",
        "c-old",
        "aurora-mysql",
        MYSQL57,
        restore=[],
        encryption="none",
        kms=None,
        extra={"EngineMode": OMIT, "StorageEncrypted": False},
    )


def global_cluster(e: Estate) -> None:
    e.add(
        "aws.rds.global_cluster",
        "g-mysql",
        {
            "GlobalClusterIdentifier": "g-mysql",
            "GlobalClusterResourceId": "cluster-0a11g10ba1000000000000000",
            "GlobalClusterArn": f"arn:aws:rds::{A}:global-cluster:g-mysql",
            "Status": "available",
            "Engine": "aurora-mysql",
            "EngineVersion": MYSQL8,
            "EngineLifecycleSupport": "open-source-rds-extended-support-disabled",
            "DatabaseName": "payments",
            "StorageEncrypted": True,
            "StorageEncryptionType": "sse-kms",
            "DeletionProtection": True,
            "GlobalClusterMembers": [
                {
                    "DBClusterArn": CLUSTER_ARN + "c-mysql-full",
                    "Readers": [f"arn:aws:rds:{W1}:{A}:cluster:c-mysql-secondary"],
                    "IsWriter": True,
                    "SynchronizationStatus": "connected",
                },
                {
                    "DBClusterArn": f"arn:aws:rds:{W1}:{A}:cluster:c-mysql-secondary",
                    "Readers": [],
                    "IsWriter": False,
                    "GlobalWriteForwardingStatus": "disabled",
                    "SynchronizationStatus": "connected",
                },
            ],
            "Endpoint": "g-mysql.global-0a11xyz.global.rds.amazonaws.com",
            "TagList": _tags(Environment="Production"),
        },
        full=True,
    )


def event_subscriptions(e: Estate) -> None:
    e.add(
        "aws.rds.event_subscription",
        "es-prod",
        {
            "CustomerAwsId": A,
            "CustSubscriptionId": "es-prod",
            "SnsTopicArn": f"arn:aws:sns:{E1}:{A}:db-oncall",
            "Status": "active",
            # A plain string in the API, not an ISO datetime.
            "SubscriptionCreationTime": "2020-07-16 04:08:23.406",
            "SourceType": "db-cluster",
            "SourceIdsList": ["c-mysql-full"],
            "EventCategoriesList": ["failure", "maintenance", "notification"],
            "Enabled": True,
            "EventSubscriptionArn": f"arn:aws:rds:{E1}:{A}:es:es-prod",
        },
        full=True,
    )
    # Its SNS topic was deleted: it delivers nothing.
    e.add(
        "aws.rds.event_subscription",
        "es-broken",
        {
            "CustomerAwsId": A,
            "CustSubscriptionId": "es-broken",
            "SnsTopicArn": f"arn:aws:sns:{E1}:{A}:deleted-topic",
            "Status": "topic-not-exist",
            "SubscriptionCreationTime": "2019-03-02 11:40:02.118",
            "SourceType": "db-cluster",
            "Enabled": True,
            "EventSubscriptionArn": f"arn:aws:rds:{E1}:{A}:es:es-broken",
        },
    )
    # No SourceType, no source ids, no categories: every event of every source.
    e.add(
        "aws.rds.event_subscription",
        "es-all",
        {
            "CustomerAwsId": A,
            "CustSubscriptionId": "es-all",
            "SnsTopicArn": f"arn:aws:sns:{W2}:{A}:all-rds-events",
            "Status": "active",
            "SubscriptionCreationTime": "2021-11-30 17:02:51.77",
            "Enabled": True,
            "EventSubscriptionArn": f"arn:aws:rds:{W2}:{A}:es:es-all",
        },
        region=W2,
    )


def backups(e: Estate) -> None:
    for cluster_name, last in (
        ("c-mysql-full", "2026-02-28T05:12:44.123000+00:00"),  # yesterday
        ("c-pg-sserds", "2026-01-15T05:02:10.551000+00:00"),  # six weeks ago
    ):
        arn = CLUSTER_ARN + cluster_name
        e.add(
            "aws.backup.protected_resource",
            cluster_name + "@backup",
            {
                "ResourceArn": arn,
                "ResourceType": "Aurora",
                "LastBackupTime": ts(last),
                "ResourceName": cluster_name,
                "LastBackupVaultArn": f"arn:aws:backup:{E1}:{A}:backup-vault:Default",
                "LastRecoveryPointArn": f"arn:aws:rds:{E1}:{A}:cluster-snapshot:"
                f"awsbackup:job-{cluster_name}",
            },
            full=(cluster_name == "c-mysql-full"),
        )


# ----- the snapshot ------------------------------------------------------------------------

# The full record of each type, and the members it leaves out (with why).
FULL: dict[str, str] = {
    "aws.rds.db_cluster": "c-mysql-full",
    "aws.rds.db_instance": "i-mysql-1",
    "aws.rds.db_cluster_snapshot": "s-mysql-full",
    "aws.rds.db_subnet_group": "sng-priv",
    "aws.rds.db_cluster_parameter_group": "pg-mysql-secure",
    "aws.rds.db_parameter_group": "db-pg:default.aurora-mysql8.0",
    "aws.rds.major_engine_version": f"aurora-mysql-8.0@{E1}",
    "aws.rds.global_cluster": "g-mysql",
    "aws.rds.event_subscription": "es-prod",
    "aws.rds.certificate": "rds-ca-rsa2048-g1@us-east-1",
    "aws.ec2.security_group": ec2_id("sg", "world"),
    "aws.ec2.subnet": ec2_id("subnet", "priva"),
    "aws.ec2.route_table": ec2_id("rtb", "priv"),
    "aws.ec2.internet_gateway": ec2_id("igw", "prod"),
    "aws.ec2.nat_gateway": ec2_id("nat", "prod"),
    "aws.ec2.vpc": ec2_id("vpc", "prod"),
    "aws.kms.key": CMK,
    "aws.secretsmanager.secret": SECRET,
    "aws.backup.protected_resource": "c-mysql-full@backup",
}

_NON_AURORA = "only for non-Aurora Multi-AZ DB clusters (botocore documentation)"
_RESERVED = "Reserved for future use (botocore documentation)"
_V1 = "Aurora Serverless v1 only (EngineMode serverless): set on c-serverless-v1"
_NOT_AURORA_INSTANCE = "an RDS (not Aurora) instance setting; Aurora members do not return it"
_OUTPOSTS = "RDS on Outposts / EC2 Outposts only"

EXCLUDED: dict[str, dict[str, str]] = {
    "aws.rds.db_cluster": {
        "DBClusterInstanceClass": _NON_AURORA,
        "Iops": _NON_AURORA,
        "StorageThroughput": _NON_AURORA,
        "PubliclyAccessible": _NON_AURORA,
        "Capacity": _V1,
        "ScalingConfigurationInfo": _V1,
        "RdsCustomClusterConfiguration": _RESERVED,
        "StatusInfos": _RESERVED,
        "DBSystemId": _RESERVED,
        "LimitlessDatabase": "only for ClusterScalabilityType limitless",
        "ReplicationSourceIdentifier": "only on a replica cluster: set on c-mysql-secondary",
        "AutomaticRestartTime": "only while the cluster is stopped",
        "PercentProgress": "only while an operation is in progress",
        "GlobalWriteForwardingStatus": "a global secondary's: set on c-mysql-secondary",
        "GlobalWriteForwardingRequested": "a global secondary's: set on c-mysql-secondary",
        "InternetAccessGatewayEnabled": "Aurora PostgreSQL only: set on c-pg-sserds",
    },
    "aws.rds.db_instance": {
        "ReadReplicaSourceDBInstanceIdentifier": _NOT_AURORA_INSTANCE,
        "ReadReplicaSourceDBClusterIdentifier": _NOT_AURORA_INSTANCE,
        "ReplicaMode": "RDS for Oracle replicas only",
        "StatusInfos": "read replica status; blank when not a read replica (botocore doc)",
        "Iops": "Aurora storage belongs to the cluster",
        "StorageThroughput": "Aurora storage belongs to the cluster",
        "MaxAllocatedStorage": "RDS storage autoscaling; Aurora storage belongs to the cluster",
        "SecondaryAvailabilityZone": "RDS Multi-AZ instance deployments only",
        "NcharCharacterSetName": "RDS for Oracle only",
        "TdeCredentialArn": "RDS for Oracle / SQL Server TDE only",
        "Timezone": "RDS for SQL Server only",
        "ProcessorFeatures": "RDS for Oracle only",
        "ListenerEndpoint": "RDS for SQL Server Multi-AZ only",
        "AutomationMode": "RDS Custom only",
        "ResumeFullAutomationModeTime": "RDS Custom only",
        "CustomIamInstanceProfile": "RDS Custom only",
        "ActivityStreamStatus": "instance activity streams are Oracle/SQL Server; Aurora's are "
        "on the cluster",
        "ActivityStreamKmsKeyId": "see ActivityStreamStatus",
        "ActivityStreamKinesisStreamName": "see ActivityStreamStatus",
        "ActivityStreamMode": "see ActivityStreamStatus",
        "ActivityStreamEngineNativeAuditFieldsIncluded": "see ActivityStreamStatus",
        "ActivityStreamPolicyStatus": "see ActivityStreamStatus",
        "DBInstanceAutomatedBackupsReplications": "RDS cross-Region automated backups only",
        "AutomaticRestartTime": "only while the instance is stopped",
        "DBSystemId": "RDS for Oracle CDB only",
        "MasterUserSecret": "Aurora keeps the managed master secret on the cluster",
        "PercentProgress": "only while an operation is in progress",
        "MultiTenant": "RDS for Oracle only",
        "AdditionalStorageVolumes": "RDS storage volumes; Aurora storage belongs to the cluster",
        "StorageVolumeStatus": "RDS storage volumes; Aurora storage belongs to the cluster",
        "StorageOperationStatus": "RDS storage volumes; Aurora storage belongs to the cluster",
        "StorageOperationPercentProgress": "RDS storage volumes only",
        "DBCapacityReservationIdentifier": "not returned without a DB capacity reservation "
        "(botocore documentation)",
        "PrimaryEndpoint": "RDS instance switchover endpoint; Aurora uses cluster endpoints",
        "AwsBackupRecoveryPointArn": "Aurora backups are the cluster's (set on c-mysql-full)",
        "EnabledCloudwatchLogsExports": "Aurora exports logs per cluster (set on c-mysql-full)",
        "LatestRestorableTime": "Aurora restores are per cluster (set on c-mysql-full)",
    },
    "aws.rds.db_cluster_snapshot": {
        "DBSystemId": _RESERVED,
        "StorageThroughput": _NON_AURORA,
    },
    "aws.rds.global_cluster": {
        "FailoverState": "empty unless a switchover or failover is in progress (botocore doc)",
    },
    "aws.ec2.subnet": {
        "OutpostArn": _OUTPOSTS,
        "CustomerOwnedIpv4Pool": _OUTPOSTS,
        "MapCustomerOwnedIpOnLaunch": _OUTPOSTS,
        "EnableLniAtDeviceIndex": _OUTPOSTS,
        "Type": "Elastic VMware Service subnets only (botocore documentation)",
        "NetworkFirewallConnectivityType": "only in a VPC with an Automated Internet Firewall",
    },
    "aws.ec2.nat_gateway": {
        "ProvisionedBandwidth": "reserved by AWS",
        "DeleteTime": "only for a deleted NAT gateway",
        "FailureCode": "only for a failed NAT gateway",
        "FailureMessage": "only for a failed NAT gateway",
        "AutoScalingIps": "regional NAT gateways only (botocore documentation)",
        "AutoProvisionZones": "regional NAT gateways only (botocore documentation)",
        "RouteTableId": "regional NAT gateways only (botocore documentation)",
        "AttachedAppliances": "only with attached proxy appliances",
    },
    "aws.ec2.vpc": {"EncryptionControl": "only when VPC encryption controls are set"},
    "aws.kms.key": {
        "DeletionDate": "only for a key pending deletion",
        "PendingDeletionWindowInDays": "only for a key pending deletion",
        "ValidTo": "only for imported key material (Origin EXTERNAL)",
        "ExpirationModel": "present only when Origin is EXTERNAL (botocore documentation)",
        "CustomKeyStoreId": "custom key stores only",
        "CloudHsmClusterId": "CloudHSM key stores only",
        "XksKeyConfiguration": "external key stores only",
        "SigningAlgorithms": "asymmetric signing keys only",
        "KeyAgreementAlgorithms": "key agreement keys only",
        "EncapsulationAlgorithms": "ML-KEM keys only",
        "MacAlgorithms": "HMAC keys only",
        "MultiRegionConfiguration": "present only when MultiRegion is true (botocore doc)",
    },
    "aws.secretsmanager.secret": {
        "Type": "managed external secrets only",
        "ExternalSecretRotationMetadata": "managed external secrets only",
        "ExternalSecretRotationRoleArn": "managed external secrets only",
        "RotationLambdaARN": "managed rotation (OwningService rds) has no Lambda of yours",
        "DeletedDate": "only for a secret scheduled for deletion",
        "PrimaryRegion": "replicated secrets only",
        "ReplicationStatus": "replicated secrets only",
        "CrossAccountPrimary": "cross-account replicas only",
        "CrossAccountReplicas": "cross-account replicas only",
    },
}

# References no collected resource satisfies, on purpose (fixture name, edge ref, value).
DANGLING: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("c-shared-sg", "VpcSecurityGroups[].VpcSecurityGroupId", SG_SHARED_B),
        ("c-shared-sg-1", "VpcSecurityGroups[].VpcSecurityGroupId", SG_SHARED_B),
        ("c-shared-sg-2", "VpcSecurityGroups[].VpcSecurityGroupId", SG_SHARED_B),
        ("sng-dangling", "Subnets[].SubnetIdentifier", GONE_SUBNET),
        ("c-xacct-key-missing", "KmsKeyId", B_KEY_GONE),
    }
)
# Relations whose missing target is a fact, not a dangling reference.
_ABSENCE_IS_A_FACT = frozenset({"backed_up_by"})  # not protected by AWS Backup


def dangling_references(e: Estate) -> set[tuple[str, str, str]]:
    """(fixture name, edge ref path, value) of every reference no resource satisfies."""
    import jmespath

    from scanner.edges import EDGE_SPECS, TargetIndex

    index = TargetIndex(e.resources)
    name_of = {rid: name for name, rid in e.names.items()}
    found: set[tuple[str, str, str]] = set()
    for spec in EDGE_SPECS:
        if spec.relation in _ABSENCE_IS_A_FACT:
            continue
        for r in e.resources:
            if r.type != spec.source:
                continue
            values = jmespath.search(spec.refs, r.attrs)
            for value in values if isinstance(values, list) else [values]:
                resolved = isinstance(value, str) and (
                    not value or index.lookup(spec.target, value, r.account, r.region)
                )
                if isinstance(value, str) and not resolved:
                    found.add((name_of[r.id], spec.refs, value))
    return found


def build_estate() -> Estate:
    e = Estate()
    certificates(e, E1)
    certificates(e, W1)
    nets = network(e)
    keys_and_secrets(e)
    parameter_groups(e)
    db_parameter_groups(e)
    major_engine_versions(e)
    clusters(e, nets)
    snapshots(e)
    global_cluster(e)
    event_subscriptions(e)
    backups(e)
    return e


def build_snapshot() -> Snapshot:
    e = build_estate()
    if e.problems:
        raise SystemExit("fixture records do not fit botocore's shapes:\n" + "\n".join(e.problems))
    dangling = dangling_references(e)
    if dangling != DANGLING:
        raise SystemExit(
            f"unplanned dangling references: {sorted(dangling - DANGLING)}; "
            f"planned but resolved: {sorted(DANGLING - dangling)}"
        )
    return Snapshot(
        collected_at=COLLECTED_AT,
        accounts=(A,),
        regions=(E1, W1, W2),
        resources=tuple(e.resources),
        scanner={"name": "aurora-scan", "version": "fixtures"},
        context={
            "caller_identity": {
                "Account": A,
                "Arn": f"arn:aws:sts::{A}:assumed-role/aurora-scan/ci",
                "UserId": "AROA0A11EXAMPLE:ci",
            },
            "started_at": COLLECTED_AT,
            "finished_at": "2026-03-01T00:01:12Z",
            "regions_requested": [E1, W1, W2],
            "regions_skipped": [],
            "accounts": {A: {"via": "caller", "regions": [E1, W1, W2]}},
            "resource_types": sorted(SPECS),
            "missing_references": [{"type": "aws.kms.key", "reference": B_KEY_GONE, "region": E1}],
            "not_augmented_unused": [
                {
                    "type": "aws.rds.db_cluster_parameter_group",
                    "account": A,
                    "region": E1,
                    "name": "default.aurora-postgresql16",
                }
            ],
        },
    )


def render() -> str:
    """The fixture file's text: sorted keys, one-space indent, reviewable in a diff."""
    return json.dumps(build_snapshot().to_dict(), indent=1, sort_keys=True) + "\n"


def main() -> None:
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(render(), encoding="utf-8")
    print(f"wrote {FIXTURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
