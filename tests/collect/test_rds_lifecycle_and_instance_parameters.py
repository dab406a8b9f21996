"""Instance DB parameter groups and engine major versions: collected from moto, then judged.

moto ignores DescribeDBParameters' ``Source`` filter and its parameters carry
no ``Source``, and it does not implement DescribeDBMajorEngineVersions (the
gap helper answers it, ``scanner.demo.moto_gaps``).  Where a test needs the
real AWS answer, the moto response method is replaced for the test by one
that answers in the botocore shape, with the fields real records carry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto_helpers import ACCOUNT, REGION, FailOperation

from scanner.collect.runner import CollectOptions, collect
from scanner.demo import moto_gaps
from scanner.edges import build_graph
from scanner.model import ExitCode, Snapshot, Status
from scanner.policy.engine import evaluate
from scanner.policy.loader import PolicySet, load_policies

DB_PARAMS = "aws.rds.db_parameter_group"
VERSIONS = "aws.rds.major_engine_version"
QUERY_LOGGING = "aurora.postgresql.query_logging"
SUPPORTED = "aurora.cluster.engine_version_supported"

pytestmark = pytest.mark.filterwarnings("ignore:Exception.*does not match an error shape")


@pytest.fixture(scope="module")
def policies() -> PolicySet:
    return load_policies().subset([QUERY_LOGGING, SUPPORTED])


def _user(name: str, value: str) -> dict[str, Any]:
    # DescribeDBParameters' Parameter as AWS returns it for a user-set value.
    return {
        "ParameterName": name,
        "ParameterValue": value,
        "Description": name,
        "Source": "user",
        "ApplyType": "dynamic",
        "DataType": "string",
        "IsModifiable": True,
        "ApplyMethod": "pending-reboot",
    }


def _engine_default(name: str, value: str) -> dict[str, Any]:
    return {**_user(name, value), "Source": "engine-default", "ApplyMethod": "pending-reboot"}


# DB parameter group -> what DescribeDBParameters answers for it when asked for
# every source: the user-set parameters and the engine defaults (abridged).
ANSWERS: dict[str, list[dict[str, Any]]] = {
    "reader-quiet": [_user("log_statement", "none"), _engine_default("log_connections", "0")],
    "default.aurora-postgresql15": [_engine_default("log_statement", "none")],
    "unused": [_user("log_statement", "all")],
}


@pytest.fixture
def db_parameters_answer() -> Iterator[list[dict[str, Any]]]:
    """DescribeDBParameters answering with ``ANSWERS``, ignoring ``Source`` (as moto does).

    Returns the request parameters of every call made.
    """
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    calls: list[dict[str, Any]] = []
    original = RDSResponse.describe_db_parameters

    def describe_db_parameters(self: Any) -> Any:
        name = self.params.get("DBParameterGroupName")
        calls.append({"DBParameterGroupName": name, "Source": self.params.get("Source")})
        return ActionResult({"Parameters": ANSWERS[name]})

    response_class: Any = RDSResponse
    response_class.describe_db_parameters = describe_db_parameters
    try:
        yield calls
    finally:
        response_class.describe_db_parameters = original


def _seed_postgresql_cluster() -> None:
    """One Aurora PostgreSQL 15 cluster whose cluster group logs DDL; its reader's
    own DB parameter group turns log_statement off."""
    rds = boto3.client("rds", region_name=REGION)
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="pg-cluster",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="logs ddl",
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="pg-cluster",
        Parameters=[
            {"ParameterName": "log_statement", "ParameterValue": "ddl", "ApplyMethod": "immediate"}
        ],
    )
    for name in ("reader-quiet", "unused"):
        rds.create_db_parameter_group(
            DBParameterGroupName=name,
            DBParameterGroupFamily="aurora-postgresql15",
            Description=name,
        )
    rds.create_db_cluster(
        DBClusterIdentifier="c1",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="dbadmin",
        MasterUserPassword="not-a-real-password-1",
        DBClusterParameterGroupName="pg-cluster",
    )
    for instance, group in (("c1-writer", None), ("c1-reader", "reader-quiet")):
        extra = {"DBParameterGroupName": group} if group else {}
        rds.create_db_instance(
            DBInstanceIdentifier=instance,
            DBClusterIdentifier="c1",
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
            **extra,
        )


def _collect() -> Snapshot:
    return collect(CollectOptions(regions=(REGION,)))


def _status(snapshot: Snapshot, policies: PolicySet, policy: str, cluster: str) -> Status:
    arn = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{cluster}"
    result = evaluate(snapshot, policies)
    (finding,) = [f for f in result.findings if f.policy_id == policy and f.resource_id == arn]
    return finding.status


def test_instance_parameter_groups_in_use_are_read_as_user_overrides(
    mocked_aws: None, db_parameters_answer: list[dict[str, Any]], policies: PolicySet
) -> None:
    _seed_postgresql_cluster()
    snapshot = _collect()
    assert snapshot.errors == ()

    # Only the groups instances use, and only the parameters a user set there.
    asked = sorted(c["DBParameterGroupName"] for c in db_parameters_answer)
    assert asked == ["default.aurora-postgresql15", "reader-quiet"]
    assert {c.get("Source") for c in db_parameters_answer} == {"user"}
    groups = {r.attrs["DBParameterGroupName"]: r for r in snapshot.resources if r.type == DB_PARAMS}
    assert groups["reader-quiet"].attrs["Parameters"] == [
        {k: v for k, v in _user("log_statement", "none").items() if k != "Description"}
    ]
    assert groups["default.aurora-postgresql15"].attrs["Parameters"] == []
    assert "Parameters" not in groups["unused"].attrs
    unused = snapshot.context["not_augmented_unused"]
    assert {(u["type"], u["name"]) for u in unused} >= {(DB_PARAMS, "unused")}

    graph = build_graph(snapshot.resources)
    reader = next(r for r in graph.of_type("aws.rds.db_instance") if r.id.endswith(":c1-reader"))
    targets = [t for t, _ in graph.neighbours(reader.id, "uses_db_parameter_group")]
    assert targets == [groups["reader-quiet"].id]
    # The cluster group logs DDL, but the reader's own group turns it off there.
    assert _status(snapshot, policies, QUERY_LOGGING, "c1") is Status.FAIL


def test_a_denied_instance_parameter_read_is_recorded_and_the_cluster_is_unknown(
    mocked_aws: None, policies: PolicySet
) -> None:
    from moto.rds.responses import RDSResponse

    _seed_postgresql_cluster()
    with FailOperation(RDSResponse, "describe_db_parameters", code="AccessDenied"):
        snapshot = _collect()
    (error,) = snapshot.errors
    assert (error.operation, error.error_code, error.resource_types) == (
        "DescribeDBParameters",
        "AccessDenied",
        (DB_PARAMS,),
    )
    assert _status(snapshot, policies, QUERY_LOGGING, "c1") is Status.UNKNOWN


@pytest.fixture
def every_engine_listed() -> Iterator[list[dict[str, Any]]]:
    """DescribeDBMajorEngineVersions as AWS answers it without ``Engine``: every
    engine's major versions, RDS for MySQL's among them."""
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    moto_gaps.add_rds_describe_db_major_engine_versions()
    calls: list[dict[str, Any]] = []
    original = RDSResponse.describe_db_major_engine_versions

    def describe(self: Any) -> Any:
        calls.append(dict(self.params))
        aurora = [
            moto_gaps.major_engine_version_record(*r) for r in moto_gaps.RDS_MAJOR_ENGINE_VERSIONS
        ]
        mysql = moto_gaps.major_engine_version_record(
            "mysql", "8.0", "2018-10-23", "2026-07-31", "2029-07-31"
        )
        return ActionResult({"DBMajorEngineVersions": [mysql, *aurora]})

    response_class: Any = RDSResponse
    response_class.describe_db_major_engine_versions = describe
    try:
        yield calls
    finally:
        response_class.describe_db_major_engine_versions = original


def test_major_engine_versions_are_collected_for_aurora_and_reached_by_clusters(
    mocked_aws: None, every_engine_listed: list[dict[str, Any]], policies: PolicySet
) -> None:
    _seed_postgresql_cluster()
    snapshot = collect(
        CollectOptions(regions=(REGION,), resource_types=("aws.rds.db_cluster", VERSIONS))
    )
    assert snapshot.errors == ()
    assert [c.get("Engine") for c in every_engine_listed] == [None]  # one listing, every engine
    versions = [r for r in snapshot.resources if r.type == VERSIONS]
    assert {r.attrs["Engine"] for r in versions} == {"aurora-mysql", "aurora-postgresql"}
    assert len(versions) == len(moto_gaps.RDS_MAJOR_ENGINE_VERSIONS)
    pg15 = next(r for r in versions if r.attrs["MajorEngineVersion"] == "15")
    assert pg15.id == f"major-engine-version/{ACCOUNT}/{REGION}/aurora-postgresql/15"
    assert (pg15.account, pg15.region) == (ACCOUNT, REGION)

    graph = build_graph(snapshot.resources)
    cluster = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:c1"
    assert graph.resource(cluster).attrs["x_major_engine_version"] == "15"
    assert [t for t, _ in graph.neighbours(cluster, "major_engine_version")] == [pg15.id]
    end = graph.resource(pg15.id).attrs["x_standard_support_end"]
    assert end == "2028-02-29T23:59:59.999000Z"
    assert _status(snapshot, policies, SUPPORTED, "c1") is Status.PASS


def test_denied_support_dates_are_a_collection_error_and_the_table_decides(
    mocked_aws: None, policies: PolicySet
) -> None:
    from moto.rds.responses import RDSResponse

    moto_gaps.add_rds_describe_db_major_engine_versions()
    _seed_postgresql_cluster()
    with FailOperation(RDSResponse, "describe_db_major_engine_versions", code="AccessDenied"):
        snapshot = _collect()
    (error,) = snapshot.errors
    assert (error.service, error.operation, error.error_code, error.resource_types) == (
        "rds",
        "DescribeDBMajorEngineVersions",
        "AccessDenied",
        (VERSIONS,),
    )
    assert not [r for r in snapshot.resources if r.type == VERSIONS]
    # The lifecycle table is the documented fallback when the caller may not
    # read the dates: the verdict is decided, the scan still incomplete.
    assert _status(snapshot, policies, SUPPORTED, "c1") is Status.PASS
    assert evaluate(snapshot, policies).exit_code(None) is ExitCode.INCOMPLETE


def test_support_dates_are_kept_per_account_and_region() -> None:
    """Every account and region lists the same versions: ids must not collide."""
    from scanner.collect.registry import SPECS

    spec: Any = SPECS[VERSIONS]

    class Ctx:
        partition = "aws"

        def __init__(self, account: str, region: str) -> None:
            self.account, self.region = account, region

    record = {"Engine": "aurora-mysql", "MajorEngineVersion": "8.0"}
    ids = {
        spec.resource_id(record, Ctx(a, r))
        for a in ("111111111111", "222222222222")
        for r in ("us-east-1", "eu-west-1")
    }
    assert len(ids) == 4
