"""Seed the sample Aurora estate that `aurora-scan demo` and the end-to-end tests scan.

The estate is data (``estate.yaml``, read by ``scanner.demo.estate_file``);
this module seeds it through the public AWS API with boto3 against one
endpoint (a moto server), one step per kind of resource, in the file's order:
``seed_estate(endpoint_url)``.

Some facts cannot be set through moto's API (activity streams, Performance
Insights, AWS-managed keys, ...).  The YAML names the helper of
``scanner.demo.moto_gaps`` that writes each one (``moto_gaps:``), and
``scanner.demo.gaps.apply_estate_gaps`` applies them after seeding.  Nothing
here talks to real AWS: every client gets fake credentials and the explicit
endpoint.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session

from scanner.demo.estate_file import (
    AWS_KEY,
    CMK,
    ClusterSpec,
    EstateSpec,
    IngressRule,
    OtherEngineClusterSpec,
    ParameterGroupSpec,
    demo_estate,
)

__all__ = [
    "ACCOUNT",
    "AWS_KEY",
    "CLUSTERS",
    "CMK",
    "NEPTUNE_CLUSTER",
    "REGION",
    "REGIONS",
    "SeededEstate",
    "client_factory",
    "isolated_aws_config",
    "key_arn",
    "seed_estate",
]

# Fake credentials: moto accepts anything, and the demo never reads the
# user's own credentials or profile.
FAKE_CREDENTIALS = {
    "aws_access_key_id": "AKIAAURORASCANDEMO00",
    "aws_secret_access_key": "aurora-scan-demo-not-a-secret",
}

ESTATE = demo_estate()
ACCOUNT = ESTATE.account
REGION = ESTATE.home_region
REGIONS = ESTATE.regions
CLUSTERS = ESTATE.clusters
# Not Aurora: DescribeDBClusters returns it too, every policy must say NOT_APPLICABLE.
NEPTUNE_CLUSTER = ESTATE.other_engine_clusters[0].name


@dataclass
class SeededEstate:
    """What the seeder created, with the facts the gap helpers still have to add."""

    endpoint_url: str
    account: str = ACCOUNT
    regions: tuple[str, ...] = REGIONS
    clusters: dict[str, str] = field(default_factory=dict)  # name -> ARN
    instances: dict[str, str] = field(default_factory=dict)  # name -> ARN
    snapshots: dict[str, str] = field(default_factory=dict)
    parameter_groups: dict[str, str] = field(default_factory=dict)
    db_parameter_groups: dict[str, str] = field(default_factory=dict)  # name@region -> ARN
    keys: dict[str, str] = field(default_factory=dict)  # key ref -> key ARN
    key_ids: dict[str, str] = field(default_factory=dict)  # key ref -> key id
    security_groups: dict[str, str] = field(default_factory=dict)  # name -> sg id
    subnets: dict[str, str] = field(default_factory=dict)
    vpcs: dict[str, str] = field(default_factory=dict)
    global_clusters: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------


@contextmanager
def isolated_aws_config() -> Iterator[None]:
    """Hide the user's AWS profile and config files from boto3 for a while.

    A stray ``AWS_PROFILE`` naming a profile that does not exist would make
    boto3 fail before any request; the demo needs none of it.  Only this
    process's environment changes, and it is restored on exit.
    """
    overrides = {
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    removed = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL")
    # The embedded server is on 127.0.0.1: never send its traffic to a proxy.
    for name in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(name, "")
        overrides[name] = ",".join(p for p in (current, "127.0.0.1", "localhost") if p)
    saved = {k: os.environ.get(k) for k in (*overrides, *removed)}
    os.environ.update(overrides)
    for name in removed:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Clients:
    """boto3 clients for one endpoint, one per (service, region), fake credentials."""

    def __init__(self, endpoint_url: str, default_region: str = REGION) -> None:
        self.endpoint_url = endpoint_url
        self.default_region = default_region
        core = botocore.session.Session()
        # Never read the user's config or credentials files.
        core.set_config_variable("config_file", os.devnull)
        core.set_config_variable("credentials_file", os.devnull)
        self._session = boto3.session.Session(botocore_session=core, **FAKE_CREDENTIALS)
        self._cache: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str | None = None) -> Any:
        region = region or self.default_region
        key = (service, region)
        if key not in self._cache:
            self._cache[key] = self._session.client(
                service, region_name=region, endpoint_url=self.endpoint_url
            )
        return self._cache[key]


def client_factory(endpoint_url: str) -> _Clients:
    """Clients for ``endpoint_url`` with fake credentials: ``clients("rds", region)``."""
    return _Clients(endpoint_url)


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


# Called after each seeding step with (step, steps done, steps in all): the
# demo's progress line.  Any seeder keeps the same contract.
SeedProgress = Callable[[str, int, int], None]


def seed_estate(
    endpoint_url: str, spec: EstateSpec | None = None, on_step: SeedProgress | None = None
) -> SeededEstate:
    """Create the whole estate (default: estate.yaml) on the moto server at ``endpoint_url``."""
    spec = spec or demo_estate()
    clients = _Clients(endpoint_url, spec.home_region)
    estate = SeededEstate(endpoint_url=endpoint_url, account=spec.account, regions=spec.regions)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("keys", functools.partial(_seed_keys, clients, estate, spec)),
        ("network", functools.partial(_seed_network, clients, estate, spec)),
        ("parameter groups", functools.partial(_seed_parameter_groups, clients, estate, spec)),
        ("subnet groups", functools.partial(_seed_subnet_groups, clients, estate, spec)),
        ("global clusters", functools.partial(_seed_global_clusters, clients, estate, spec)),
        *(
            (f"cluster {cluster.name}", functools.partial(_seed_cluster, clients, estate, cluster))
            for cluster in spec.clusters
        ),
        *(
            (
                f"cluster {other.name}",
                functools.partial(_seed_other_engine_cluster, clients, estate, other),
            )
            for other in spec.other_engine_clusters
        ),
        ("snapshots", functools.partial(_seed_snapshots, clients, estate, spec)),
        (
            "event subscriptions",
            functools.partial(_seed_event_subscriptions, clients, estate, spec),
        ),
    ]
    for number, (name, step) in enumerate(steps, start=1):
        step()
        if on_step is not None:
            on_step(name, number, len(steps))
    return estate


def _seed_keys(clients: _Clients, estate: SeededEstate, spec: EstateSpec) -> None:
    for region in estate.regions:
        kms = clients("kms", region)
        suffix = _key_suffix(estate, region)
        for key_spec in spec.keys:
            key = kms.create_key(
                Description=key_spec.description,
                Tags=[{"TagKey": k, "TagValue": v} for k, v in key_spec.tags.items()],
            )["KeyMetadata"]
            if key_spec.alias is not None:
                kms.create_alias(AliasName=key_spec.alias, TargetKeyId=key["KeyId"])
            if key_spec.rotation:
                kms.enable_key_rotation(KeyId=key["KeyId"])
            estate.keys[key_spec.ref + suffix] = key["Arn"]
            estate.key_ids[key_spec.ref + suffix] = key["KeyId"]
        # aws/rds exists lazily in AWS and in moto: describing it creates it.
        aws = kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]
        estate.keys[AWS_KEY + suffix] = aws["Arn"]
        estate.key_ids[AWS_KEY + suffix] = aws["KeyId"]


def _key_suffix(estate: SeededEstate, region: str) -> str:
    """Keys of the home region are named by their reference, others ``ref@region``."""
    return "" if region == estate.regions[0] else f"@{region}"


def key_arn(estate: SeededEstate, ref: str | None, region: str) -> str | None:
    """The ARN of key reference ``ref`` (cmk, aws) in ``region``; None for None."""
    if ref is None:
        return None
    return estate.keys[ref + _key_suffix(estate, region)]


def _seed_network(clients: _Clients, estate: SeededEstate, spec: EstateSpec) -> None:
    vpcs = spec.vpcs
    igws: dict[str, str] = {}
    nats: dict[str, str] = {}
    for name, (region, cidr, with_igw, ipv6) in vpcs.items():
        ec2 = clients("ec2", region)
        vpc = ec2.create_vpc(
            CidrBlock=cidr,
            AmazonProvidedIpv6CidrBlock=ipv6,
            TagSpecifications=[{"ResourceType": "vpc", "Tags": _tag_list({"Name": name})}],
        )["Vpc"]
        estate.vpcs[name] = vpc["VpcId"]
        if with_igw:
            igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
            ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc["VpcId"])
            igws[name] = igw

    for subnet_spec in spec.subnets:
        ec2 = clients("ec2", vpcs[subnet_spec.vpc][0])
        subnet = ec2.create_subnet(
            VpcId=estate.vpcs[subnet_spec.vpc],
            CidrBlock=subnet_spec.cidr,
            AvailabilityZone=subnet_spec.az,
            TagSpecifications=[
                {"ResourceType": "subnet", "Tags": _tag_list({"Name": subnet_spec.name})}
            ],
        )["Subnet"]
        estate.subnets[subnet_spec.name] = subnet["SubnetId"]

    for vpc_name, subnet_name in spec.nat_gateways.items():
        ec2 = clients("ec2", vpcs[vpc_name][0])
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nats[vpc_name] = ec2.create_nat_gateway(
            SubnetId=estate.subnets[subnet_name], AllocationId=eip
        )["NatGateway"]["NatGatewayId"]

    tables: dict[str, str] = {}
    for table_name, (vpc_name, routes) in spec.route_tables.items():
        ec2 = clients("ec2", vpcs[vpc_name][0])
        vpc_id = estate.vpcs[vpc_name]
        if table_name.startswith("main:"):
            table_id = ec2.describe_route_tables(
                Filters=[
                    {"Name": "vpc-id", "Values": [vpc_id]},
                    {"Name": "association.main", "Values": ["true"]},
                ]
            )["RouteTables"][0]["RouteTableId"]
        else:
            table_id = ec2.create_route_table(
                VpcId=vpc_id,
                TagSpecifications=[
                    {"ResourceType": "route-table", "Tags": _tag_list({"Name": table_name})}
                ],
            )["RouteTable"]["RouteTableId"]
        tables[table_name] = table_id
        for destination, target in routes:
            route: dict[str, str] = {"RouteTableId": table_id}
            route["DestinationIpv6CidrBlock" if ":" in destination else "DestinationCidrBlock"] = (
                destination
            )
            if target == "igw":
                route["GatewayId"] = igws[vpc_name]
            else:
                route["NatGatewayId"] = nats[vpc_name]
            ec2.create_route(**route)

    for subnet_spec in spec.subnets:
        if subnet_spec.route_table is not None:
            clients("ec2", vpcs[subnet_spec.vpc][0]).associate_route_table(
                RouteTableId=tables[subnet_spec.route_table],
                SubnetId=estate.subnets[subnet_spec.name],
            )

    for region in estate.regions:
        ec2 = clients("ec2", region)
        default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])[
            "Vpcs"
        ][0]["VpcId"]
        estate.vpcs[f"default:{region}"] = default_vpc
        default_sg = ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [default_vpc]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        )["SecurityGroups"][0]["GroupId"]
        estate.security_groups[f"default:{region}"] = default_sg

    for sg in spec.security_groups:
        ec2 = clients("ec2", vpcs[sg.vpc][0])
        group_id = ec2.create_security_group(
            GroupName=sg.name,
            Description=sg.description or sg.name,
            VpcId=estate.vpcs[sg.vpc],
        )["GroupId"]
        estate.security_groups[sg.name] = group_id
        permissions = [_permission(estate, rule) for rule in sg.ingress]
        if permissions:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=permissions)


def _permission(estate: SeededEstate, rule: IngressRule) -> dict[str, Any]:
    source = rule.source
    permission: dict[str, Any] = {"IpProtocol": rule.protocol}
    if rule.protocol != "-1":
        permission.update(FromPort=rule.from_port, ToPort=rule.to_port)
    if source.startswith("sg:"):
        permission["UserIdGroupPairs"] = [
            {"GroupId": estate.security_groups[source[3:]], "UserId": estate.account}
        ]
    elif ":" in source:
        permission["Ipv6Ranges"] = [{"CidrIpv6": source}]
    else:
        permission["IpRanges"] = [{"CidrIp": source}]
    return permission


def _seed_parameter_groups(clients: _Clients, estate: SeededEstate, spec: EstateSpec) -> None:
    # A cluster group's parameters apply at reboot; an instance group's at once.
    _seed_groups(
        clients, spec.parameter_groups, "DBCluster", "pending-reboot", estate.parameter_groups
    )
    _seed_groups(clients, spec.db_parameter_groups, "DB", "immediate", estate.db_parameter_groups)


def _seed_groups(
    clients: _Clients,
    specs: tuple[ParameterGroupSpec, ...],
    kind: str,
    apply_method: str,
    arns: dict[str, str],
) -> None:
    """Create and fill one kind of parameter group: ``kind`` is the API's prefix
    (``DBCluster``: create_db_cluster_parameter_group, ``DB``: create_db_parameter_group)."""
    operation = "db_cluster_parameter_group" if kind == "DBCluster" else "db_parameter_group"
    name_key = f"{kind}ParameterGroupName"
    for group_spec in specs:
        rds = clients("rds", group_spec.region)
        group = getattr(rds, f"create_{operation}")(
            **{name_key: group_spec.name},
            DBParameterGroupFamily=group_spec.family,
            Description=f"aurora-scan demo: {group_spec.name}",
        )[f"{kind}ParameterGroup"]
        arns[f"{group_spec.name}@{group_spec.region}"] = group[f"{kind}ParameterGroupArn"]
        if group_spec.parameters:
            getattr(rds, f"modify_{operation}")(
                **{name_key: group_spec.name},
                Parameters=[
                    {"ParameterName": k, "ParameterValue": v, "ApplyMethod": apply_method}
                    for k, v in group_spec.parameters.items()
                ],
            )


def _seed_subnet_groups(clients: _Clients, estate: SeededEstate, spec: EstateSpec) -> None:
    for name, (region, subnets) in spec.subnet_groups.items():
        ec2 = clients("ec2", region)
        subnet_ids: list[str] = []
        for subnet in subnets:
            if subnet.startswith("default:"):
                default_vpc = estate.vpcs[subnet]
                found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default_vpc]}])
                subnet_ids.extend(s["SubnetId"] for s in found["Subnets"][:3])
            else:
                subnet_ids.append(estate.subnets[subnet])
        clients("rds", region).create_db_subnet_group(
            DBSubnetGroupName=name,
            DBSubnetGroupDescription=f"aurora-scan demo: {name}",
            SubnetIds=subnet_ids,
        )


def _seed_global_clusters(clients: _Clients, estate: SeededEstate, spec: EstateSpec) -> None:
    rds = clients("rds", spec.home_region)
    for name, (encrypted, engine, version) in spec.global_clusters.items():
        created = rds.create_global_cluster(
            GlobalClusterIdentifier=name,
            Engine=engine,
            EngineVersion=version,
            StorageEncrypted=encrypted,
            DeletionProtection=encrypted,
        )["GlobalCluster"]
        estate.global_clusters[name] = created["GlobalClusterArn"]


def _seed_cluster(clients: _Clients, estate: SeededEstate, spec: ClusterSpec) -> None:
    rds = clients("rds", spec.region)
    sgs = [estate.security_groups[sg] for sg in spec.security_groups]
    params: dict[str, Any] = {
        "DBClusterIdentifier": spec.name,
        "Engine": spec.engine,
        "EngineVersion": spec.version,
        "EngineMode": spec.engine_mode,
        "DBSubnetGroupName": spec.subnet_group,
        "VpcSecurityGroupIds": sgs,
        "Port": spec.port,
        "MasterUsername": spec.master_username,
        "DeletionProtection": spec.deletion_protection,
        "BackupRetentionPeriod": spec.backup_retention,
        "CopyTagsToSnapshot": spec.copy_tags,
        "EnableIAMDatabaseAuthentication": spec.iam_auth,
        "AutoMinorVersionUpgrade": spec.auto_minor_version_upgrade,
        "Tags": _tag_list(spec.tags),
    }
    key = key_arn(estate, spec.key, spec.region)
    params["StorageEncrypted"] = key is not None
    if key is not None:
        params["KmsKeyId"] = key
    if spec.parameter_group is not None:
        params["DBClusterParameterGroupName"] = spec.parameter_group
    if spec.managed_secret:
        params["ManageMasterUserPassword"] = True
    else:
        params["MasterUserPassword"] = "demo-password-not-secret"
    if spec.log_exports:
        params["EnableCloudwatchLogsExports"] = list(spec.log_exports)
    if spec.engine == "aurora-mysql" and spec.engine_mode == "provisioned":
        params["BacktrackWindow"] = spec.backtrack
    if spec.engine_mode == "serverless":
        params["ScalingConfiguration"] = {
            "MinCapacity": 1,
            "MaxCapacity": 8,
            "AutoPause": True,
            "SecondsUntilAutoPause": 300,
        }
    if spec.serverless_v2:
        params["ServerlessV2ScalingConfiguration"] = {"MinCapacity": 0.5, "MaxCapacity": 16.0}
    if spec.global_cluster is not None:
        params["GlobalClusterIdentifier"] = spec.global_cluster
    cluster = rds.create_db_cluster(**params)["DBCluster"]
    estate.clusters[spec.name] = cluster["DBClusterArn"]

    if spec.managed_secret and spec.rotate_secret:
        secret_arn = cluster["MasterUserSecret"]["SecretArn"]
        clients("secretsmanager", spec.region).rotate_secret(
            SecretId=secret_arn, RotationRules={"AutomaticallyAfterDays": 7}
        )

    # Instances are created in order: moto (like AWS at creation) makes the
    # first one the writer.
    for inst in spec.instances:
        created = rds.create_db_instance(
            DBInstanceIdentifier=inst.name,
            DBClusterIdentifier=spec.name,
            Engine=spec.engine,
            DBInstanceClass=inst.instance_class,
            AvailabilityZone=inst.az,
            PromotionTier=inst.tier,
            PubliclyAccessible=inst.public,
            MonitoringInterval=inst.monitoring_interval,
            CACertificateIdentifier=inst.ca,
            AutoMinorVersionUpgrade=inst.auto_minor_version_upgrade,
            # AWS copies the cluster's subnet group to its members; moto only
            # reports it when the instance names it too.
            DBSubnetGroupName=spec.subnet_group,
            Tags=_tag_list(spec.tags),
            **(
                {"MonitoringRoleArn": f"arn:aws:iam::{estate.account}:role/rds-monitoring-role"}
                if inst.monitoring_interval
                else {}
            ),
            **(
                {"DBParameterGroupName": inst.db_parameter_group} if inst.db_parameter_group else {}
            ),
        )["DBInstance"]
        estate.instances[inst.name] = created["DBInstanceArn"]


def _seed_other_engine_cluster(
    clients: _Clients, estate: SeededEstate, spec: OtherEngineClusterSpec
) -> None:
    rds = clients("rds", estate.regions[0])
    cluster = rds.create_db_cluster(
        DBClusterIdentifier=spec.name,
        Engine=spec.engine,
        StorageEncrypted=False,
        DBClusterParameterGroupName=spec.parameter_group,
        DBSubnetGroupName=spec.subnet_group,
        Tags=_tag_list(spec.tags),
    )["DBCluster"]
    estate.clusters[spec.name] = cluster["DBClusterArn"]


def _seed_snapshots(clients: _Clients, estate: SeededEstate, spec: EstateSpec) -> None:
    specs = {c.name: c for c in spec.clusters}
    for snap in spec.snapshots:
        rds = clients("rds", specs[snap.cluster].region)
        created = rds.create_db_cluster_snapshot(
            DBClusterSnapshotIdentifier=snap.name,
            DBClusterIdentifier=snap.cluster,
            Tags=_tag_list(snap.tags),
        )["DBClusterSnapshot"]
        estate.snapshots[snap.name] = created["DBClusterSnapshotArn"]
        if snap.shared_with:
            rds.modify_db_cluster_snapshot_attribute(
                DBClusterSnapshotIdentifier=snap.name,
                AttributeName="restore",
                ValuesToAdd=list(snap.shared_with),
            )


def _seed_event_subscriptions(clients: _Clients, estate: SeededEstate, spec: EstateSpec) -> None:
    sns = clients("sns", spec.home_region)
    topic = sns.create_topic(Name="aurora-events")["TopicArn"]
    rds = clients("rds", spec.home_region)
    for sub in spec.event_subscriptions:
        params: dict[str, Any] = {
            "SubscriptionName": sub.name,
            "SnsTopicArn": topic,
            "SourceType": "db-cluster",
            "Enabled": sub.enabled,
        }
        if sub.categories:
            params["EventCategories"] = list(sub.categories)
        if sub.sources:
            params["SourceIds"] = list(sub.sources)
        rds.create_event_subscription(**params)
