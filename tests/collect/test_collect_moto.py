"""Collectors against moto, in-process and over HTTP."""

from __future__ import annotations

import collections
from typing import Any

import boto3
import pytest
from graph_paths import witness_paths
from moto_helpers import ACCOUNT, REGION, FailOperation, Seeded, ServerCallCounter, seed_estate

from scanner.collect.runner import CollectOptions, ProgressEvent, collect
from scanner.edges import build_graph
from scanner.model import Snapshot
from scanner.vocabulary import RESOURCE_TYPES

# A field each type's raw record must carry, exactly as boto3 names it.
RAW_FIELD = {
    "aws.rds.db_cluster": "DBClusterArn",
    "aws.rds.db_instance": "DBInstanceArn",
    "aws.rds.db_cluster_snapshot": "DBClusterSnapshotAttributes",
    "aws.rds.db_subnet_group": "Subnets",
    "aws.rds.db_cluster_parameter_group": "Parameters",
    "aws.rds.global_cluster": "GlobalClusterMembers",
    "aws.rds.event_subscription": "SourceType",
    "aws.rds.certificate": "ValidTill",
    "aws.rds.db_parameter_group": "Parameters",
    "aws.rds.major_engine_version": "SupportedEngineLifecycles",
    "aws.ec2.security_group": "IpPermissions",
    "aws.ec2.subnet": "SubnetId",
    "aws.ec2.route_table": "Routes",
    "aws.ec2.internet_gateway": "Attachments",
    "aws.ec2.nat_gateway": "NatGatewayAddresses",
    "aws.ec2.vpc": "CidrBlock",
    "aws.kms.key": "KeyManager",
    "aws.secretsmanager.secret": "ARN",
    "aws.backup.protected_resource": "ResourceArn",
}


def counts(snapshot: Snapshot) -> dict[str, int]:
    return dict(collections.Counter(r.type for r in snapshot.resources))


def check_estate(snapshot: Snapshot, seeded: Seeded) -> None:
    assert snapshot.errors == ()
    assert counts(snapshot) == {t: n for t, n in seeded.counts.items() if n}
    assert set(counts(snapshot)) == set(RESOURCE_TYPES)
    for r in snapshot.resources:
        assert RAW_FIELD[r.type] in r.attrs, (r.type, sorted(r.attrs))
        assert r.account == ACCOUNT and r.region == REGION
    assert snapshot.accounts == (ACCOUNT,)
    assert snapshot.regions == (REGION,)
    assert snapshot.context["caller_identity"]["Account"] == ACCOUNT

    ids = seeded.ids
    g = build_graph(snapshot.resources)
    arn = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:"
    to_igw = ["in_subnet_group", "in_subnet", "routed_by", "routes_to"]
    igw, nat_type = "aws.ec2.internet_gateway", "aws.ec2.nat_gateway"
    public = witness_paths(g, arn + "aurora-000", to_igw, igw)
    assert [p["edges"][-1] for p in public] == [{"DestinationCidrBlock": "0.0.0.0/0"}]
    assert witness_paths(g, arn + "aurora-001", to_igw, igw) == []  # private + main subnets only
    nat = witness_paths(g, arn + "aurora-001", [*to_igw[:-1], "routes_via_nat"], nat_type)
    assert [p["nodes"][-1].endswith(ids["nat"]) for p in nat] == [True]
    # the main subnet has no explicit association: routed by the VPC's main table
    subnet_main = next(
        r.id for r in g.of_type("aws.ec2.subnet") if r.id.endswith(ids["subnet_main"])
    )
    (main_table,) = g.neighbours(subnet_main, "routed_by")
    assert g.resource(main_table[0]).attrs["x_is_main"] is True

    open_sg = next(r for r in g.of_type("aws.ec2.security_group") if r.id.endswith(ids["sg_open"]))
    assert {(i["cidr"], i["from_port"], i["to_port"]) for i in open_sg.attrs["x_ingress"]} == {
        ("0.0.0.0/0", 0, 65535),
        ("::/0", 0, 65535),
    }
    db_sg = next(r for r in g.of_type("aws.ec2.security_group") if r.id.endswith(ids["sg_db"]))
    assert [i["group_id"] for i in db_sg.attrs["x_ingress_groups"]] == [ids["sg_app"]]

    c0 = arn + "aurora-000"
    assert next(t for t, _ in g.neighbours(c0, "protected_by")).endswith(ids["sg_open"])
    (key,) = g.neighbours(c0, "encrypted_with")
    assert g.resource(key[0]).attrs["KeyManager"] == "AWS"
    assert len(g.neighbours(c0, "master_secret")) == 1
    cmk = g.resource(ids["cmk"])
    assert cmk.attrs["KeyManager"] == "CUSTOMER"
    assert [t for t, _ in g.neighbours(c0, "activity_stream_key")] == [cmk.id]
    i0 = next(t for t, _ in g.neighbours(c0, "member"))
    assert [t for t, _ in g.neighbours(i0, "performance_insights_key")] == [cmk.id]
    assert len(g.neighbours(c0, "backed_up_by")) == 1
    assert len(g.neighbours(c0, "notified_by")) == 1
    assert len(g.neighbours(c0, "member")) == 1
    assert g.resource(c0).attrs["x_writer"]["DBInstanceIdentifier"] == "aurora-000-0"
    (global_cluster,) = g.of_type("aws.rds.global_cluster")
    assert [t for t, _ in g.neighbours(global_cluster.id, "global_member")] == [c0]
    snaps = {r.attrs["DBClusterSnapshotIdentifier"]: r for r in g.of_type(SNAPSHOT)}
    assert snaps["aurora-000-manual-0"].attrs["x_restore"] == ["all"]
    assert snaps["aurora-001-manual-0"].attrs["x_restore"] == []
    assert g.neighbours(snaps["aurora-001-manual-0"].id, "snapshot_of")[0][0] == arn + "aurora-001"
    groups = {r.attrs["DBClusterParameterGroupName"]: r for r in g.of_type(PARAMS)}
    assert groups["mysql-tls"].attrs["x_parameters"] == {"require_secure_transport": "ON"}


SNAPSHOT = "aws.rds.db_cluster_snapshot"
PARAMS = "aws.rds.db_cluster_parameter_group"


def test_in_process_every_type_with_raw_fields_and_edges(mocked_aws: None) -> None:
    seeded = seed_estate(lambda s: boto3.client(s, region_name=REGION), clusters=4)
    events: list[ProgressEvent] = []
    snapshot = collect(CollectOptions(regions=(REGION,), progress=events.append))
    check_estate(snapshot, seeded)
    # one event per listing and per dependent task, each stage counting to its total
    assert {e.resource_type for e in events} == set(RESOURCE_TYPES)
    assert sum(e.count for e in events) == len(snapshot.resources)
    assert [e.done for e in events if e.done == e.total] != []


@pytest.fixture
def server(moto_server: Any, aws_env: None) -> Any:
    moto_server.reset()
    return moto_server


def test_over_http_every_type_with_raw_fields_and_edges(server: Any) -> None:
    seeded = seed_estate(server.client, clusters=4)
    snapshot = collect(CollectOptions(regions=(REGION,), endpoint_url=server.url))
    check_estate(snapshot, seeded)


def test_access_denied_is_recorded_throttling_retried_and_the_rest_completes(server: Any) -> None:
    from moto.rds.responses import RDSResponse

    seeded = seed_estate(server.client, clusters=2)
    with (
        FailOperation(RDSResponse, "describe_db_instances", code="AccessDenied"),
        FailOperation(RDSResponse, "describe_db_cluster_snapshot_attributes", code="AccessDenied"),
        # throttled twice, then answered: the adaptive retries absorb it, no error
        FailOperation(RDSResponse, "describe_db_subnet_groups", code="Throttling", times=2),
    ):
        snapshot = collect(CollectOptions(regions=(REGION,), endpoint_url=server.url))
    errors = {e.operation: e for e in snapshot.errors}
    assert set(errors) == {"DescribeDBInstances", "DescribeDBClusterSnapshotAttributes"}
    denied = errors["DescribeDBInstances"]
    assert (denied.account, denied.region, denied.service, denied.error_code) == (
        ACCOUNT,
        REGION,
        "rds",
        "AccessDenied",
    )
    assert denied.resource_types == ("aws.kms.key", "aws.rds.db_instance")
    assert errors["DescribeDBClusterSnapshotAttributes"].resource_types == (SNAPSHOT,)
    got = counts(snapshot)
    assert "aws.rds.db_instance" not in got
    for rtype in ("aws.rds.db_cluster", SNAPSHOT, "aws.rds.db_subnet_group", "aws.kms.key"):
        assert got[rtype] == seeded.counts[rtype]
    # snapshots without their attributes: x_restore stays unknown, never []
    g = build_graph(snapshot.resources)
    assert all("x_restore" not in r.attrs for r in g.of_type(SNAPSHOT))


def test_pagination_over_more_clusters_than_one_page(server: Any) -> None:
    seed_estate(
        server.client, clusters=25, instances_per_cluster=0, snapshots_per_cluster=0, extras=False
    )
    options = CollectOptions(
        regions=(REGION,),
        endpoint_url=server.url,
        page_size=20,
        resource_types=("aws.rds.db_cluster",),
    )
    with ServerCallCounter() as counter:
        snapshot = collect(options)
    assert counts(snapshot) == {"aws.rds.db_cluster": 25}
    assert counter.calls[("rds", "DescribeDBClusters")] == 2
    assert snapshot.errors == ()


def test_unreachable_endpoint_is_recorded_per_region(aws_env: None) -> None:
    """A region that does not answer: STS identity fails first and is a user error."""
    from scanner.errors import UserInputError

    options = CollectOptions(
        regions=(REGION,),
        endpoint_url="http://127.0.0.1:9",
        max_attempts=1,
        connect_timeout=0.5,
        read_timeout=0.5,
    )
    with pytest.raises(UserInputError, match="cannot identify the AWS caller"):
        collect(options)


def test_an_unreachable_service_endpoint_is_recorded_and_skipped(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_estate(server.client, clusters=1, instances_per_cluster=0, snapshots_per_cluster=0)
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_RDS", "http://127.0.0.1:9")  # nothing listens there
    options = CollectOptions(
        regions=(REGION,), max_attempts=1, connect_timeout=0.5, read_timeout=0.5, max_workers=2
    )
    snapshot = collect(options)
    rds_types = {t for t in RESOURCE_TYPES if t.startswith("aws.rds.")}
    failed = {t for e in snapshot.errors for t in e.resource_types}
    assert rds_types <= failed
    assert {e.service for e in snapshot.errors} == {"rds"}
    codes = collections.Counter(e.error_code for e in snapshot.errors)
    assert set(codes) <= {"EndpointConnectionError", "RegionUnreachable"}
    assert codes["RegionUnreachable"] >= 1  # later listings did not retry the dead endpoint
    assert counts(snapshot)["aws.ec2.vpc"] == 1  # other services completed
