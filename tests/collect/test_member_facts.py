"""Cluster facts read from member instances: the failover target, reader AZs, the ARN's Region.

Shapes follow botocore's DBCluster/DBInstance: PromotionTier sits in
DBClusterMembers (and on the instance), the Serverless v2 capacity range in
ServerlessV2ScalingConfiguration, and a global database secondary lists only
readers (IsClusterWriter false).
"""

from __future__ import annotations

from typing import Any

import pytest

from scanner import derive
from scanner.edges import build_graph
from scanner.model import Resource

ACCT = "123456789012"


def _cluster(members: list[tuple[str, bool, int | None]], **attrs: Any) -> Resource:
    rows = []
    for ident, writer, tier in members:
        row: dict[str, Any] = {"DBInstanceIdentifier": ident, "IsClusterWriter": writer}
        if tier is not None:
            row["PromotionTier"] = tier
        rows.append(row)
    return Resource(
        "c1",
        "aws.rds.db_cluster",
        ACCT,
        "us-east-1",
        {"DBClusterIdentifier": "c1", "Engine": "aurora-mysql", "DBClusterMembers": rows, **attrs},
    )


def _instance(ident: str, cls: str | None, az: str = "us-east-1a") -> Resource:
    attrs: dict[str, Any] = {
        "DBInstanceIdentifier": ident,
        "DBClusterIdentifier": "c1",
        "AvailabilityZone": az,
    }
    if cls is not None:
        attrs["DBInstanceClass"] = cls
    return Resource(ident, "aws.rds.db_instance", ACCT, "us-east-1", attrs)


def _facts(cluster: Resource, *instances: Resource) -> dict[str, Any]:
    return dict(build_graph([cluster, *instances]).resource("c1").attrs)


@pytest.mark.parametrize(
    ("instance_class", "units"),
    [
        ("db.t3.micro", 1 / 8),
        ("db.t4g.medium", 0.5),
        ("db.r6g.large", 1.0),
        ("db.r5.xlarge", 2.0),
        ("db.r6i.32xlarge", 64.0),
        ("db.r5.metal", None),  # family-dependent: not in the order
        ("db.serverless", None),
        ("r6g.large", None),
    ],
)
def test_class_size_units(instance_class: str, units: float | None) -> None:
    assert derive.class_size_units(instance_class) == units


@pytest.mark.parametrize(
    ("candidate", "writer", "max_acu", "order"),
    [
        ("db.r6g.2xlarge", "db.r6g.xlarge", None, "larger"),
        ("db.r5.4xlarge", "db.r6g.4xlarge", None, "same"),  # another family, same size
        ("db.r6g.large", "db.r7g.xlarge", None, "smaller"),
        ("db.serverless", "db.serverless", None, "same"),
        ("db.serverless", "db.r6g.4xlarge", 64.0, "same"),  # 64 ACU ~ 128 GiB
        ("db.serverless", "db.r6g.4xlarge", 63.5, "smaller"),
        ("db.r6g.xlarge", "db.serverless", 16.0, "same"),  # writer at its maximum
        ("db.x2g.large", "db.serverless", 16.0, "same"),  # x2g: 32 GiB per large
        ("db.r4.large", "db.serverless", 8.0, "smaller"),  # r4: 15.25 GiB
        ("db.serverless", "db.r6g.large", None, None),  # no MaxCapacity
        ("db.r5.metal", "db.r6g.large", None, None),
        ("db.r5.metal", "db.r5.metal", None, "same"),
        (None, "db.r6g.large", None, None),
    ],
)
def test_compare_classes(
    candidate: str | None, writer: str | None, max_acu: float | None, order: str | None
) -> None:
    assert derive.compare_classes(candidate, writer, max_acu) == order


def test_the_lowest_tier_decides_even_when_a_larger_reader_sits_higher() -> None:
    cluster = _cluster([("w", True, 1), ("big", False, 15), ("small", False, 2)])
    facts = _facts(
        cluster,
        _instance("w", "db.r6g.4xlarge"),
        _instance("big", "db.r6g.4xlarge", "us-east-1b"),
        _instance("small", "db.r6g.xlarge", "us-east-1c"),
    )
    target = facts["x_failover_target"]
    assert (target["DBInstanceIdentifier"], target["PromotionTier"]) == ("small", 2)
    assert target["vs_writer"] == "smaller"
    assert facts["x_reader_azs"] == ["us-east-1b", "us-east-1c"]


def test_ties_in_a_tier_go_to_the_largest_reader_and_missing_tiers_default_to_1() -> None:
    cluster = _cluster([("w", True, None), ("a", False, None), ("b", False, 1)])
    facts = _facts(
        cluster,
        _instance("w", "db.r6g.2xlarge"),
        _instance("a", "db.r6g.large"),
        _instance("b", "db.r6g.2xlarge"),
    )
    target = facts["x_failover_target"]
    assert (target["DBInstanceIdentifier"], target["vs_writer"]) == ("b", "same")


def test_unordered_ties_pass_only_when_every_candidate_is_large_enough() -> None:
    members = [("w", True, 0), ("s", False, 0), ("m", False, 0)]
    # db.serverless cannot be ordered against db.m6g (no known memory per size), so
    # which one Aurora promotes is unknown; both are larger than the writer.
    enough = _facts(
        _cluster(members, ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 64}),
        _instance("w", "db.r6g.large"),
        _instance("s", "db.serverless"),
        _instance("m", "db.m6g.4xlarge"),
    )
    assert enough["x_failover_target"]["vs_writer"] == "larger"
    assert "each at least the size" in enough["x_failover_target"]["comparison"]
    short = _facts(
        _cluster(members, ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4}),
        _instance("w", "db.r6g.large"),
        _instance("s", "db.serverless"),  # 4 ACU ~ 8 GiB: smaller than 16 GiB
        _instance("m", "db.m6g.4xlarge"),
    )
    assert short["x_failover_target"]["vs_writer"] == "unknown"
    assert "cannot tell which" in short["x_failover_target"]["comparison"]


def test_a_reader_missing_from_the_snapshot_makes_the_comparison_unknown() -> None:
    cluster = _cluster([("w", True, 1), ("gone", False, 0)])
    target = _facts(cluster, _instance("w", "db.r6g.large"))["x_failover_target"]
    assert target["DBInstanceIdentifier"] == "gone"
    assert target["DBInstanceClass"] is None
    assert target["vs_writer"] == "unknown"


def test_global_secondary_and_headless_clusters_have_no_failover_target() -> None:
    secondary = _cluster([("r1", False, 1), ("r2", False, 1)])
    facts = _facts(
        secondary,
        _instance("r1", "db.r6g.large", "eu-west-1a"),
        _instance("r2", "db.r6g.large", "eu-west-1b"),
    )
    assert facts["x_writer"] is None
    assert facts["x_failover_target"] is None
    assert facts["x_reader_azs"] == ["eu-west-1a", "eu-west-1b"]
    headless = _facts(_cluster([]))
    assert headless["x_failover_target"] is None
    assert headless["x_reader_azs"] == []


def test_a_writer_without_readers_has_no_failover_target() -> None:
    facts = _facts(_cluster([("w", True, 1)]), _instance("w", "db.r6g.large"))
    assert facts["x_failover_target"] is None
    assert facts["x_reader_azs"] == []


def test_cluster_region_comes_from_its_arn() -> None:
    arn = f"arn:aws-cn:rds:cn-north-1:{ACCT}:cluster:c1"
    assert _facts(_cluster([], DBClusterArn=arn))["x_region"] == "cn-north-1"
    assert "x_region" not in _facts(_cluster([]))
    assert derive.arn_region("not-an-arn") is None
