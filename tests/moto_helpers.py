"""Seed a small Aurora estate into moto, in-process or over HTTP, and say what was seeded.

``seed_estate(make_client)`` builds, in one account and region:

* a VPC (IPv4 + IPv6) with four subnets: public (explicit table -> igw),
  private (explicit table -> NAT), main (no association: the VPC's main table,
  local only) and ipv6 (explicit table, ::/0 -> igw); the default VPC removed
  so EC2 counts are exactly what was seeded;
* security groups: one allowing tcp/3306 from 10.0.0.0/8 and tcp/5432 from
  another SG, one open to the world on every protocol (0.0.0.0/0 and ::/0);
* a customer KMS key and the AWS-managed aws/rds key (moto gap §5c);
* two cluster parameter groups (mysql with TLS on, postgresql with force_ssl);
* ``clusters`` Aurora clusters alternating aurora-mysql / aurora-postgresql,
  ``instances_per_cluster`` instances each, ``snapshots_per_cluster`` manual
  snapshots each (the first one public), plus one Neptune cluster;
* the ``default.*`` DB parameter group of each engine with instances (moto
  makes them on the first instance), the Aurora major versions' support dates
  (moto gap);
* one global cluster, one event subscription, the first cluster's managed
  master password (a Secrets Manager secret), activity stream and AWS Backup
  protection, and its first instance's Performance Insights (moto gaps, see
  scanner.demo.moto_gaps).

It returns a ``Seeded`` with the expected count per resource type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.demo import moto_gaps

ACCOUNT = "123456789012"
REGION = "us-east-1"

MakeClient = Callable[[str], Any]


@dataclass
class Seeded:
    counts: dict[str, int] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # notable ids: vpc, subnets, sgs, keys


def remove_default_vpc(ec2: Any) -> None:
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
        vpc_id = vpc["VpcId"]
        flt = [{"Name": "vpc-id", "Values": [vpc_id]}]
        for subnet in ec2.describe_subnets(Filters=flt)["Subnets"]:
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
        igw_filter = [{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
        for igw in ec2.describe_internet_gateways(Filters=igw_filter)["InternetGateways"]:
            ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
            ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
        ec2.delete_vpc(VpcId=vpc_id)


def seed_network(ec2: Any, seeded: Seeded) -> None:
    remove_default_vpc(ec2)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    vpc_id = vpc["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    subnets = {}
    for n, (name, az) in enumerate(
        [("public", "a"), ("private", "b"), ("main", "c"), ("ipv6", "d")]
    ):
        subnets[name] = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"10.0.{n}.0/24", AvailabilityZone=f"{REGION}{az}"
        )["Subnet"]["SubnetId"]
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnets["public"], AllocationId=alloc)["NatGateway"]
    nat_id = nat["NatGatewayId"]

    def table(subnet: str, **route: str) -> str:
        rt = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rt, **route)
        ec2.associate_route_table(RouteTableId=rt, SubnetId=subnet)
        return rt

    rt_public = table(subnets["public"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    rt_private = table(subnets["private"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    rt_ipv6 = table(subnets["ipv6"], DestinationIpv6CidrBlock="::/0", GatewayId=igw)

    app = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc_id)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3306,
                "ToPort": 3306,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": app}],
            },
        ],
    )
    open_sg = ec2.create_security_group(GroupName="open", Description="open", VpcId=vpc_id)
    ec2.authorize_security_group_ingress(
        GroupId=open_sg["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "-1",
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            }
        ],
    )
    seeded.ids.update(
        vpc=vpc_id,
        igw=igw,
        nat=nat_id,
        rt_public=rt_public,
        rt_private=rt_private,
        rt_ipv6=rt_ipv6,
        sg_app=app,
        sg_db=db,
        sg_open=open_sg["GroupId"],
        **{f"subnet_{k}": v for k, v in subnets.items()},
    )
    seeded.counts.update(
        {
            "aws.ec2.vpc": 1,
            "aws.ec2.subnet": 4,
            "aws.ec2.route_table": 4,  # main + 3 explicit
            "aws.ec2.internet_gateway": 1,
            "aws.ec2.nat_gateway": 1,
            "aws.ec2.security_group": 4,  # the VPC's default + 3
        }
    )


def seed_estate(
    make_client: MakeClient,
    *,
    clusters: int = 4,
    instances_per_cluster: int = 1,
    snapshots_per_cluster: int = 1,
    extras: bool = True,
) -> Seeded:
    """Seed the estate described in the module docstring; see ``Seeded.counts``."""
    moto_gaps.apply_all()
    seeded = Seeded()
    ec2, rds, kms = make_client("ec2"), make_client("rds"), make_client("kms")
    seed_network(ec2, seeded)
    ids = seeded.ids

    rds.create_db_subnet_group(
        DBSubnetGroupName="public-sng",
        DBSubnetGroupDescription="public and private",
        SubnetIds=[ids["subnet_public"], ids["subnet_private"]],
    )
    rds.create_db_subnet_group(
        DBSubnetGroupName="private-sng",
        DBSubnetGroupDescription="private only",
        SubnetIds=[ids["subnet_private"], ids["subnet_main"]],
    )
    cmk = kms.create_key(Description="aurora cmk")["KeyMetadata"]
    ids["cmk"] = cmk["Arn"]
    ids["aws_rds_key"] = moto_gaps.make_aws_managed_rds_key(kms, ACCOUNT)

    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="mysql-tls",
        DBParameterGroupFamily="aurora-mysql8.0",
        Description="tls",
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="mysql-tls",
        Parameters=[
            {
                "ParameterName": "require_secure_transport",
                "ParameterValue": "ON",
                "ApplyMethod": "immediate",
            }
        ],
    )
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="pg-ssl",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="ssl",
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="pg-ssl",
        Parameters=[
            {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}
        ],
    )

    cluster_arns: list[str] = []
    for n in range(clusters):
        mysql = n % 2 == 0
        ident = f"aurora-{n:03d}"
        params: dict[str, Any] = {
            "DBClusterIdentifier": ident,
            "Engine": "aurora-mysql" if mysql else "aurora-postgresql",
            "EngineVersion": "8.0.mysql_aurora.3.05.2" if mysql else "15.4",
            "MasterUsername": "admin",
            "DBSubnetGroupName": "public-sng" if n % 4 == 0 else "private-sng",
            "DBClusterParameterGroupName": "mysql-tls" if mysql else "pg-ssl",
            "VpcSecurityGroupIds": [ids["sg_open"] if n % 4 == 0 else ids["sg_db"]],
            "StorageEncrypted": True,
            "KmsKeyId": ids["cmk"] if n % 3 else ids["aws_rds_key"],
            "DeletionProtection": n % 2 == 1,
            "BackupRetentionPeriod": 7,
            "Tags": [{"Key": "env", "Value": "prod" if n % 2 else "dev"}],
        }
        if n == 0 and extras:
            params["ManageMasterUserPassword"] = True
        else:
            params["MasterUserPassword"] = "not-a-real-password-1"
        cluster = rds.create_db_cluster(**params)["DBCluster"]
        cluster_arns.append(cluster["DBClusterArn"])
        for i in range(instances_per_cluster):
            rds.create_db_instance(
                DBInstanceIdentifier=f"{ident}-{i}",
                DBClusterIdentifier=ident,
                Engine=params["Engine"],
                DBInstanceClass="db.r6g.large",
                AvailabilityZone=f"{REGION}{'abc'[i % 3]}",
                CACertificateIdentifier="rds-ca-rsa2048-g1",
            )
        for s in range(snapshots_per_cluster):
            snap = f"{ident}-manual-{s}"
            rds.create_db_cluster_snapshot(
                DBClusterSnapshotIdentifier=snap, DBClusterIdentifier=ident
            )
            if n == 0 and s == 0:
                rds.modify_db_cluster_snapshot_attribute(
                    DBClusterSnapshotIdentifier=snap, AttributeName="restore", ValuesToAdd=["all"]
                )
    other = 0
    if extras and clusters:
        # moto gap §5b: activity stream and Performance Insights, both on the customer key
        moto_gaps.set_activity_stream(ACCOUNT, REGION, "aurora-000", ids["cmk"])
        if instances_per_cluster:
            moto_gaps.set_performance_insights(ACCOUNT, REGION, "aurora-000-0", ids["cmk"])
    if extras:
        rds.create_db_cluster(
            DBClusterIdentifier="graph-1",
            Engine="neptune",
            MasterUsername="admin",
            MasterUserPassword="not-a-real-password-1",
        )
        other = 1
        if cluster_arns:
            rds.create_global_cluster(
                GlobalClusterIdentifier="global-1", SourceDBClusterIdentifier=cluster_arns[0]
            )
            moto_gaps.protect_resource(ACCOUNT, REGION, cluster_arns[0])
        rds.create_event_subscription(
            SubscriptionName="cluster-events",
            SnsTopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:rds-events",
            SourceType="db-cluster",
            EventCategories=["failure", "maintenance"],
        )
    seeded.counts.update(
        {
            "aws.rds.db_cluster": clusters + other,
            "aws.rds.db_instance": clusters * instances_per_cluster,
            "aws.rds.db_cluster_snapshot": clusters * snapshots_per_cluster,
            "aws.rds.db_subnet_group": 2,
            "aws.rds.db_cluster_parameter_group": 2,
            "aws.rds.global_cluster": 1 if extras and cluster_arns else 0,
            "aws.rds.event_subscription": 1 if extras else 0,
            "aws.secretsmanager.secret": 1 if extras and clusters else 0,
            "aws.backup.protected_resource": 1 if extras and clusters else 0,
            # aws/rds (cluster 0) and the customer key (clusters 1, 2, cluster
            # 0's activity stream); not the key moto gives the managed master
            # secret, which no relation reaches
            "aws.kms.key": (1 if clusters else 0)
            + (1 if clusters > 1 or (extras and clusters) else 0),
            "aws.rds.certificate": len(moto_gaps.RDS_CA_CERTIFICATES),
            # moto makes an engine's default.* DB parameter group when an
            # instance of it is created (AWS has them in every account)
            "aws.rds.db_parameter_group": min(clusters, 2) if instances_per_cluster else 0,
            "aws.rds.major_engine_version": len(moto_gaps.RDS_MAJOR_ENGINE_VERSIONS),
        }
    )
    return seeded


class ServerCallCounter:
    """Counts the API calls moto serves, by (service, operation), at the server side.

    Wraps moto's ``BaseResponse.call_action`` (the one place every request of
    every service passes through), so it counts retries and pages exactly as
    AWS would bill them, whatever client made them.
    """

    def __init__(self) -> None:
        import collections
        import threading

        self.calls: collections.Counter[tuple[str, str]] = collections.Counter()
        # Calls moto has answered (counted when the response is built).
        self.completed: collections.Counter[tuple[str, str]] = collections.Counter()
        self._lock = threading.Lock()
        self._original: Any = None

    def __enter__(self) -> ServerCallCounter:
        from moto.core.responses import BaseResponse

        self._original = original = BaseResponse.call_action
        counter = self

        def call_action(resp: Any) -> Any:
            try:
                name = resp._get_action()
            except Exception:
                name = "?"
            key = (str(resp.service_name), str(name))
            with counter._lock:
                counter.calls[key] += 1
            try:
                return original(resp)
            finally:
                with counter._lock:
                    counter.completed[key] += 1

        response_class: Any = BaseResponse
        response_class.call_action = call_action
        return self

    def __exit__(self, *exc: object) -> None:
        from moto.core.responses import BaseResponse

        response_class: Any = BaseResponse
        response_class.call_action = self._original

    def by_operation(self) -> dict[str, int]:
        return {f"{s}:{o}": n for (s, o), n in sorted(self.calls.items())}

    def total(self) -> int:
        return sum(self.calls.values())


class FailOperation:
    """Fault recipe A (docs/testing.md): make one moto response method raise an AWS error.

    ``FailOperation(RDSResponse, "describe_db_instances", code="AccessDenied")``
    fails the next ``times`` calls (default: all) with that code.
    """

    def __init__(
        self,
        response_class: Any,
        method: str,
        *,
        code: str = "AccessDenied",
        message: str = "User is not authorized to perform this operation",
        times: int = 10**9,
    ) -> None:
        from moto.core.exceptions import ServiceException

        self.cls, self.method, self.times = response_class, method, times
        self.original = getattr(response_class, method)
        # moto finds the service of an error from its module (moto.<service>...).
        self.exc = type(
            code,
            (ServiceException,),
            {"code": code, "message": message, "__module__": response_class.__module__},
        )
        self.message = message

    def __enter__(self) -> FailOperation:
        outer = self

        def wrapper(resp_self: Any, *a: Any, **kw: Any) -> Any:
            if outer.times > 0:
                outer.times -= 1
                raise outer.exc(outer.message)
            return outer.original(resp_self, *a, **kw)

        setattr(self.cls, self.method, wrapper)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self.cls, self.method, self.original)


class BlockOperation:
    """Hold one moto response method until ``release()`` (or ``timeout`` seconds).

    ``BlockOperation(RDSResponse, "describe_db_instances")`` keeps every such
    call waiting inside moto; ``when(response)`` limits it to some calls (e.g.
    one SecretId).  ``entered`` is set once a held call has arrived.  Used to
    show that other calls go on while one is slow, without timing anything.
    """

    def __init__(
        self,
        response_class: Any,
        method: str,
        *,
        when: Callable[[Any], bool] = lambda _resp: True,
        timeout: float = 60.0,
    ) -> None:
        import threading

        self.cls, self.method, self.when, self.timeout = response_class, method, when, timeout
        self.original = getattr(response_class, method)
        self.entered = threading.Event()
        self._release = threading.Event()

    def release(self) -> None:
        self._release.set()

    def __enter__(self) -> BlockOperation:
        outer = self

        def wrapper(resp_self: Any, *a: Any, **kw: Any) -> Any:
            if outer.when(resp_self):
                outer.entered.set()
                outer._release.wait(outer.timeout)
            return outer.original(resp_self, *a, **kw)

        setattr(self.cls, self.method, wrapper)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        setattr(self.cls, self.method, self.original)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds pass (False)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()
