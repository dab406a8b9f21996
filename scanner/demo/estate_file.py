"""The demo estate file, ``estate.yaml``: its specs, and reading and checking it.

The estate is data: ``estate.yaml`` next to this module, validated by
``estate.schema.json`` and then for names that refer to nothing, read into
the frozen specs below.  ``scanner.demo.estate`` seeds them on moto.  Each
resource may carry ``expect:``, the verdicts policies must give it
(:func:`expectations_of`, read by ``tests/e2e``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from scanner.errors import UserInputError
from scanner.policy.yaml_io import JsonPath, load_yaml_file, location

ESTATE_PATH = Path(__file__).with_name("estate.yaml")
SCHEMA_PATH = Path(__file__).with_name("estate.schema.json")

# Key references of the YAML: the default key of clusters and Performance
# Insights (declared under `keys:`), and the aws/rds AWS-managed key.
CMK = "cmk"
AWS_KEY = "aws"

# The verdict words of `expect:` (as in a policy's embedded test cases) -> finding status.
VERDICTS = {"pass": "PASS", "fail": "FAIL", "not_applicable": "NOT_APPLICABLE"}


@dataclass(frozen=True)
class InstanceSpec:
    name: str
    az: str
    instance_class: str = "db.r6g.large"
    tier: int = 1
    public: bool = False
    monitoring_interval: int = 60
    ca: str = "rds-ca-rsa2048-g1"
    auto_minor_version_upgrade: bool = True
    # The instance's own DB parameter group; None -> the engine's default.*
    # group, which overrides nothing.
    db_parameter_group: str | None = None
    # moto_gaps: (see scanner/demo/moto_gaps.py)
    performance_insights: str | None = CMK  # key ref, or None for off
    # DBClusterParameterGroupStatus reported for this member (moto: always in-sync)
    parameter_group_status: str = "in-sync"


@dataclass(frozen=True)
class ClusterSpec:
    name: str
    engine: str
    version: str
    subnet_group: str
    security_groups: tuple[str, ...]
    port: int
    region: str
    instances: tuple[InstanceSpec, ...] = ()
    parameter_group: str | None = None
    key: str | None = CMK  # None -> not encrypted
    deletion_protection: bool = True
    backup_retention: int = 14
    backtrack: int = 0
    copy_tags: bool = True
    iam_auth: bool = True
    master_username: str = "dbmaster"
    managed_secret: bool = True
    rotate_secret: bool = True
    log_exports: tuple[str, ...] = ()
    auto_minor_version_upgrade: bool = True
    engine_mode: str = "provisioned"
    serverless_v2: bool = False
    global_cluster: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    # moto_gaps: filled in by gap helpers (moto cannot represent them through its API).
    activity_stream_key: str | None = None  # key ref; None -> no activity stream
    lifecycle_support: str = "open-source-rds-extended-support-disabled"
    # A secondary of global_cluster: on AWS it has no writer member.
    global_secondary: bool = False
    backup_protected: bool = False


@dataclass(frozen=True)
class OtherEngineClusterSpec:
    """A cluster DescribeDBClusters returns that is not Aurora (Neptune, DocumentDB)."""

    name: str
    engine: str
    subnet_group: str
    parameter_group: str
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KeySpec:
    """A customer-managed KMS key, created in every region of the estate."""

    ref: str  # the name the estate's key references use
    description: str
    alias: str | None = None
    rotation: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SubnetSpec:
    name: str
    vpc: str
    cidr: str
    az: str
    route_table: str | None  # None -> no explicit association (main table applies)


@dataclass(frozen=True)
class IngressRule:
    protocol: str
    from_port: int
    to_port: int
    source: str  # a CIDR (IPv4 or IPv6) or "sg:<name>" for a group reference


@dataclass(frozen=True)
class SecurityGroupSpec:
    name: str
    vpc: str
    ingress: tuple[IngressRule, ...]
    description: str = ""


@dataclass(frozen=True)
class ParameterGroupSpec:
    name: str
    family: str
    parameters: Mapping[str, str]
    region: str


@dataclass(frozen=True)
class SnapshotSpec:
    name: str
    cluster: str
    shared_with: tuple[str, ...] = ()  # restore attribute values ("all" = public)
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EventSubscriptionSpec:
    name: str
    categories: tuple[str, ...]
    sources: tuple[str, ...]
    enabled: bool


@dataclass(frozen=True)
class Expectation:
    """A verdict the estate file says a policy must give one of its resources."""

    policy: str
    resource: str  # the AWS identifier the estate uses (cluster, instance, snapshot, ...)
    status: str  # PASS, FAIL or NOT_APPLICABLE


@dataclass(frozen=True)
class EstateSpec:
    """The whole estate file, read into specs."""

    account: str
    regions: tuple[str, ...]
    keys: tuple[KeySpec, ...]
    # name -> (region, CIDR, internet gateway?, IPv6?)
    vpcs: Mapping[str, tuple[str, str, bool, bool]]
    # name -> (vpc, routes); a route is (destination, target) with target "igw" or "nat"
    route_tables: Mapping[str, tuple[str, tuple[tuple[str, str], ...]]]
    nat_gateways: Mapping[str, str]  # vpc -> subnet
    subnets: tuple[SubnetSpec, ...]
    subnet_groups: Mapping[str, tuple[str, tuple[str, ...]]]  # name -> (region, subnets)
    security_groups: tuple[SecurityGroupSpec, ...]
    parameter_groups: tuple[ParameterGroupSpec, ...]
    db_parameter_groups: tuple[ParameterGroupSpec, ...]
    global_clusters: Mapping[str, tuple[bool, str, str]]  # name -> (encrypted, engine, version)
    clusters: tuple[ClusterSpec, ...]
    other_engine_clusters: tuple[OtherEngineClusterSpec, ...]
    snapshots: tuple[SnapshotSpec, ...]
    event_subscriptions: tuple[EventSubscriptionSpec, ...]
    expectations: tuple[Expectation, ...]

    @property
    def home_region(self) -> str:
        return self.regions[0]


# ---------------------------------------------------------------------------
# Reading estate.yaml
# ---------------------------------------------------------------------------


def read_estate_file(path: Path = ESTATE_PATH) -> dict[str, Any]:
    """The estate file as data, checked against estate.schema.json and for dangling names.

    Read by the project's strict YAML loader: duplicate keys are an error
    (PyYAML alone keeps the last), and every message carries the line.
    """
    doc = load_yaml_file(path, what="demo estate")
    data = doc.data
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(data)
    )
    if error is not None:
        raise UserInputError(
            error.message,
            file=doc.file,
            location=location(doc, tuple(error.absolute_path)),
            hint=f"the estate's format is {SCHEMA_PATH.name}",
        )
    for where, problem in dangling_names(data):
        raise UserInputError(problem, file=doc.file, location=location(doc, where))
    return dict(data)


def dangling_names(data: Mapping[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    """(path, problem) for every name that refers to nothing in the estate file."""
    defaults = {f"default:{region}" for region in data["regions"]}
    known = {
        "VPC": set(data["vpcs"]),
        "route table": set(data["route_tables"]),
        "subnet": set(data["subnets"]) | defaults,
        "subnet group": set(data["subnet_groups"]),
        "security group": set(data["security_groups"]) | defaults,
        "cluster parameter group": {g["name"] for g in data["cluster_parameter_groups"]},
        "DB parameter group": {g["name"] for g in data["db_parameter_groups"]},
        "global cluster": set(data["global_clusters"]),
        "cluster": set(data["clusters"]),
        "key": set(data["keys"]) | {AWS_KEY},
    }
    for path, name, kind in _references(data):
        if name is not None and name not in known[kind]:
            yield path, f"unknown {kind} {name!r}"


Reference = tuple[JsonPath, str | None, str]


def _references(data: Mapping[str, Any]) -> Iterator[Reference]:
    """(path, name, kind of resource named) for every name the estate file uses."""
    for name, table in data["route_tables"].items():
        yield ("route_tables", name, "vpc"), table["vpc"], "VPC"
    for vpc, subnet in data["nat_gateways"].items():
        yield ("nat_gateways",), vpc, "VPC"
        yield ("nat_gateways", vpc), subnet, "subnet"
    for name, subnet in data["subnets"].items():
        yield ("subnets", name, "vpc"), subnet["vpc"], "VPC"
        yield ("subnets", name, "route_table"), subnet["route_table"], "route table"
    for name, group in data["subnet_groups"].items():
        for i, subnet in enumerate(group["subnets"]):
            yield ("subnet_groups", name, "subnets", i), subnet, "subnet"
    where: JsonPath
    for name, group in data["security_groups"].items():
        yield ("security_groups", name, "vpc"), group["vpc"], "VPC"
        for i, rule in enumerate(group["ingress"]):
            if rule["source"].startswith("sg:"):
                where = ("security_groups", name, "ingress", i, "source")
                yield where, rule["source"][3:], "security group"
    for name, cluster in data["clusters"].items():
        yield ("clusters", name, "subnet_group"), cluster["subnet_group"], "subnet group"
        yield ("clusters", name, "key"), cluster.get("key", CMK), "key"
        gaps = cluster.get("moto_gaps") or {}
        where = ("clusters", name, "moto_gaps", "set_activity_stream")
        yield where, gaps.get("set_activity_stream"), "key"
        for i, group in enumerate(cluster["security_groups"]):
            yield ("clusters", name, "security_groups", i), group, "security group"
        where = ("clusters", name, "parameter_group")
        yield where, cluster.get("parameter_group"), "cluster parameter group"
        yield ("clusters", name, "global_cluster"), cluster.get("global_cluster"), "global cluster"
        for inst, spec in (cluster.get("instances") or {}).items():
            where = ("clusters", name, "instances", inst, "db_parameter_group")
            yield where, spec.get("db_parameter_group"), "DB parameter group"
            insights = (spec.get("moto_gaps") or {}).get("set_performance_insights", CMK)
            where = ("clusters", name, "instances", inst, "moto_gaps", "set_performance_insights")
            yield where, insights, "key"
    for name, other in data["other_engine_clusters"].items():
        yield ("other_engine_clusters", name, "subnet_group"), other["subnet_group"], "subnet group"
        where = ("other_engine_clusters", name, "parameter_group")
        yield where, other["parameter_group"], "cluster parameter group"
    for name, snapshot in data["snapshots"].items():
        yield ("snapshots", name, "cluster"), snapshot["cluster"], "cluster"
    for name, subscription in data["event_subscriptions"].items():
        for i, source in enumerate(subscription.get("sources", [])):
            yield ("event_subscriptions", name, "sources", i), source, "cluster"


def load_estate(path: Path = ESTATE_PATH) -> EstateSpec:
    """Read and check the estate file into specs."""
    return build_estate(read_estate_file(path))


def build_estate(data: Mapping[str, Any]) -> EstateSpec:
    home = data["regions"][0]
    return EstateSpec(
        account=data["account"],
        regions=tuple(data["regions"]),
        keys=tuple(KeySpec(ref, **key) for ref, key in data["keys"].items()),
        vpcs={
            name: (v["region"], v["cidr"], v["internet_gateway"], v["ipv6"])
            for name, v in data["vpcs"].items()
        },
        route_tables={
            name: (t["vpc"], tuple(t["routes"].items())) for name, t in data["route_tables"].items()
        },
        nat_gateways=dict(data["nat_gateways"]),
        subnets=tuple(SubnetSpec(name, **s) for name, s in data["subnets"].items()),
        subnet_groups={
            name: (g["region"], tuple(g["subnets"])) for name, g in data["subnet_groups"].items()
        },
        security_groups=tuple(
            SecurityGroupSpec(
                name,
                g["vpc"],
                tuple(_ingress(rule) for rule in g["ingress"]),
                g["description"],
            )
            for name, g in data["security_groups"].items()
        ),
        parameter_groups=tuple(_parameter_group(g, home) for g in data["cluster_parameter_groups"]),
        db_parameter_groups=tuple(_parameter_group(g, home) for g in data["db_parameter_groups"]),
        global_clusters={
            name: (g["encrypted"], g["engine"], g["version"])
            for name, g in data["global_clusters"].items()
        },
        clusters=tuple(_cluster(name, c, home) for name, c in data["clusters"].items()),
        other_engine_clusters=tuple(
            OtherEngineClusterSpec(
                name, c["engine"], c["subnet_group"], c["parameter_group"], c.get("tags", {})
            )
            for name, c in data["other_engine_clusters"].items()
        ),
        snapshots=tuple(
            SnapshotSpec(name, s["cluster"], tuple(s.get("shared_with", ())), s.get("tags", {}))
            for name, s in data["snapshots"].items()
        ),
        event_subscriptions=tuple(
            EventSubscriptionSpec(
                name, tuple(s.get("categories", ())), tuple(s.get("sources", ())), s["enabled"]
            )
            for name, s in data["event_subscriptions"].items()
        ),
        expectations=tuple(expectations_of(data)),
    )


def expectations_of(data: Mapping[str, Any]) -> Iterator[Expectation]:
    """Every `expect:` annotation of the estate file, in file order."""

    def of(name: str, spec: Mapping[str, Any]) -> Iterator[Expectation]:
        for policy, verdict in (spec.get("expect") or {}).items():
            yield Expectation(policy, name, VERDICTS[verdict])

    for kind in ("global_clusters", "clusters", "other_engine_clusters", "snapshots"):
        for name, spec in data[kind].items():
            yield from of(name, spec)
            for instance, inst_spec in (spec.get("instances") or {}).items():
                yield from of(instance, inst_spec)


def _ingress(rule: Mapping[str, Any]) -> IngressRule:
    from_port, to_port = rule.get("ports", (0, 0))
    return IngressRule(rule["protocol"], from_port, to_port, rule["source"])


def _parameter_group(group: Mapping[str, Any], home: str) -> ParameterGroupSpec:
    return ParameterGroupSpec(
        group["name"], group["family"], dict(group["parameters"]), group.get("region", home)
    )


# YAML moto_gaps helper name -> spec field holding its value.
_CLUSTER_GAPS = {
    "set_activity_stream": "activity_stream_key",
    "set_engine_lifecycle_support": "lifecycle_support",
    "make_global_secondary_readers_only": "global_secondary",
    "protect_resource": "backup_protected",
}
_INSTANCE_GAPS = {
    "set_performance_insights": "performance_insights",
    "set_member_parameter_group_status": "parameter_group_status",
}
_TUPLES = ("security_groups", "log_exports")


def _cluster(name: str, spec: Mapping[str, Any], home: str) -> ClusterSpec:
    fields = {k: v for k, v in spec.items() if k not in ("instances", "expect", "moto_gaps")}
    fields.update({_CLUSTER_GAPS[k]: v for k, v in (spec.get("moto_gaps") or {}).items()})
    for key in _TUPLES:
        if key in fields:
            fields[key] = tuple(fields[key])
    instances = tuple(
        _instance(inst, inst_spec) for inst, inst_spec in (spec.get("instances") or {}).items()
    )
    fields.setdefault("region", home)
    return ClusterSpec(name=name, instances=instances, **fields)


def _instance(name: str, spec: Mapping[str, Any]) -> InstanceSpec:
    fields = {k: v for k, v in spec.items() if k not in ("expect", "moto_gaps")}
    fields.update({_INSTANCE_GAPS[k]: v for k, v in (spec.get("moto_gaps") or {}).items()})
    return InstanceSpec(name=name, **fields)


@cache
def demo_estate() -> EstateSpec:
    """The shipped estate (estate.yaml), read once."""
    return load_estate()


ESTATE = demo_estate()
ACCOUNT = ESTATE.account
REGION = ESTATE.home_region
REGIONS = ESTATE.regions
CLUSTERS = ESTATE.clusters
# Not Aurora: DescribeDBClusters returns it too, every policy must say NOT_APPLICABLE.
NEPTUNE_CLUSTER = ESTATE.other_engine_clusters[0].name
