"""How collect() schedules its calls: no stage barriers, batches, dedup, groups in use.

Nothing here measures time.  A slow call is simulated by holding one moto
response method on an Event (``BlockOperation``); the tests then wait for
other calls to be *answered* while it is held, which a barrier between
listings and the calls they lead to (or one serial task per dependent type)
would make impossible: such a regression fails these tests on a timeout.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from moto_helpers import (
    ACCOUNT,
    REGION,
    BlockOperation,
    FailOperation,
    ServerCallCounter,
    seed_estate,
    wait_until,
)

from scanner.collect.runner import CollectOptions, collect
from scanner.model import Snapshot

PARAMS = "aws.rds.db_cluster_parameter_group"
SNAPSHOT = "aws.rds.db_cluster_snapshot"
SECRET = "aws.secretsmanager.secret"


@pytest.fixture
def server(moto_server: Any, aws_env: None) -> Any:
    moto_server.reset()
    return moto_server


class Background:
    """collect() on another thread, so the test can watch the server meanwhile."""

    def __init__(self, options: CollectOptions) -> None:
        self.snapshot: Snapshot | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(options,), daemon=True)
        self.thread.start()

    def _run(self, options: CollectOptions) -> None:
        try:
            self.snapshot = collect(options)
        except BaseException as exc:  # re-raised in result()
            self.error = exc

    def result(self) -> Snapshot:
        self.thread.join(120)
        assert not self.thread.is_alive(), "collect() did not finish"
        if self.error is not None:
            raise self.error
        assert self.snapshot is not None
        return self.snapshot


def _managed_secret_clusters(server: Any, count: int) -> None:
    """More clusters with an RDS-managed master secret (seed_estate gives one)."""
    rds = server.client("rds")
    for n in range(count):
        rds.create_db_cluster(
            DBClusterIdentifier=f"secret-{n}",
            Engine="aurora-postgresql",
            MasterUsername="admin",
            ManageMasterUserPassword=True,
            DBClusterParameterGroupName="pg-ssl",
        )


def test_dependent_calls_run_while_a_slow_listing_is_still_paging(server: Any) -> None:
    """Snapshot attributes, parameters, keys and secrets are answered while
    DescribeDBInstances is held: nothing waits for the other listings."""
    from moto.rds.responses import RDSResponse

    seeded = seed_estate(server.client, clusters=4, snapshots_per_cluster=1)
    _managed_secret_clusters(server, 2)
    options = CollectOptions(regions=(REGION,), endpoint_url=server.url)
    with (
        ServerCallCounter() as counter,
        BlockOperation(RDSResponse, "describe_db_instances") as held,
    ):
        run = Background(options)
        expected = {
            ("rds", "DescribeDBClusterSnapshotAttributes"): seeded.counts[SNAPSHOT],
            ("rds", "DescribeDBClusterParameters"): 2,  # mysql-tls and pg-ssl
            ("kms", "DescribeKey"): seeded.counts["aws.kms.key"],
            ("secretsmanager", "DescribeSecret"): 3,
        }

        def answered() -> bool:
            done = all(counter.completed[op] >= n for op, n in expected.items())
            return done and held.entered.is_set()

        try:
            reached = wait_until(answered)
            assert counter.completed[("rds", "DescribeDBInstances")] == 0
        finally:
            held.release()
        assert reached, {op: counter.completed[op] for op in expected}
        snapshot = run.result()
    assert snapshot.errors == ()
    assert {op: counter.calls[op] for op in expected} == expected
    instances = [r for r in snapshot.resources if r.type == "aws.rds.db_instance"]
    assert len(instances) == seeded.counts["aws.rds.db_instance"]


def test_secrets_are_described_in_parallel_batches(server: Any) -> None:
    """With the first secret's DescribeSecret held, the other secrets are still answered."""
    from moto.secretsmanager.responses import SecretsManagerResponse

    seed_estate(server.client, clusters=2, instances_per_cluster=0, snapshots_per_cluster=0)
    _managed_secret_clusters(server, 3)
    arns = sorted(
        c["MasterUserSecret"]["SecretArn"]
        for c in server.client("rds").describe_db_clusters()["DBClusters"]
        if c.get("MasterUserSecret")
    )
    assert len(arns) == 4
    first = arns[0]  # the one a serial loop over the sorted values would start with
    options = CollectOptions(regions=(REGION,), endpoint_url=server.url, max_workers=8)
    op = ("secretsmanager", "DescribeSecret")
    with (
        ServerCallCounter() as counter,
        BlockOperation(
            SecretsManagerResponse,
            "describe_secret",
            when=lambda resp: resp._get_param("SecretId") == first,
        ) as held,
    ):
        run = Background(options)
        try:
            # The held call has arrived and every other secret is answered meanwhile.
            reached = wait_until(
                lambda: held.entered.is_set() and counter.completed[op] >= len(arns) - 1
            )
        finally:
            held.release()
        assert reached, counter.completed[op]
        snapshot = run.result()
    assert counter.calls[op] == len(arns)
    assert sorted(r.id for r in snapshot.resources if r.type == SECRET) == arns


def test_each_key_and_secret_is_described_once(server: Any) -> None:
    """Keys named on several pages and by several types (clusters, instances,
    snapshots) are described once; the master secrets' own key is not."""
    seeded = seed_estate(server.client, clusters=25, instances_per_cluster=1)
    _managed_secret_clusters(server, 3)
    options = CollectOptions(regions=(REGION,), endpoint_url=server.url, page_size=20)
    with ServerCallCounter() as counter:
        snapshot = collect(options)
    assert snapshot.errors == ()
    assert counter.calls[("rds", "DescribeDBClusters")] == 2  # the keys recur on both pages
    assert counter.calls[("rds", "DescribeDBInstances")] == 2
    keys = [r for r in snapshot.resources if r.type == "aws.kms.key"]
    # aws/rds and the customer key: the secrets' key (moto gives them one) is not read
    assert len(keys) == seeded.counts["aws.kms.key"] == 2
    assert counter.calls[("kms", "DescribeKey")] == 2
    secrets = [r for r in snapshot.resources if r.type == SECRET]
    assert len(secrets) == 4
    assert counter.calls[("secretsmanager", "DescribeSecret")] == 4


def _unused_group(server: Any) -> None:
    server.client("rds").create_db_cluster_parameter_group(
        DBClusterParameterGroupName="unused",
        DBParameterGroupFamily="aurora-mysql8.0",
        Description="no cluster uses it",
    )


def _groups(snapshot: Snapshot) -> dict[str, Any]:
    return {
        r.attrs["DBClusterParameterGroupName"]: r.attrs
        for r in snapshot.resources
        if r.type == PARAMS
    }


def test_only_parameter_groups_in_use_are_described(server: Any) -> None:
    seed_estate(server.client, clusters=2)
    _unused_group(server)
    with ServerCallCounter() as counter:
        snapshot = collect(CollectOptions(regions=(REGION,), endpoint_url=server.url))
    assert snapshot.errors == ()
    assert counter.calls[("rds", "DescribeDBClusterParameters")] == 2
    groups = _groups(snapshot)
    assert set(groups) == {"mysql-tls", "pg-ssl", "unused"}  # still listed
    assert "Parameters" in groups["mysql-tls"] and "Parameters" in groups["pg-ssl"]
    assert "Parameters" not in groups["unused"]
    assert snapshot.context["not_augmented_unused"] == [
        {
            "type": PARAMS,
            "name": "unused",
            "account": ACCOUNT,
            "region": REGION,
            "reason": "no collected aws.rds.db_cluster uses it",
        }
    ]


def test_every_listed_group_is_described_when_clusters_are_not_collected(server: Any) -> None:
    seed_estate(server.client, clusters=2)
    _unused_group(server)
    options = CollectOptions(regions=(REGION,), endpoint_url=server.url, resource_types=(PARAMS,))
    with ServerCallCounter() as counter:
        snapshot = collect(options)
    assert snapshot.errors == ()
    assert counter.calls[("rds", "DescribeDBClusterParameters")] == 3
    assert all("Parameters" in g for g in _groups(snapshot).values())
    assert snapshot.context["not_augmented_unused"] == []


def test_every_listed_group_is_described_when_the_cluster_listing_fails(server: Any) -> None:
    """Which groups are in use is unknown then: read them all, record only the cluster error."""
    from moto.rds.responses import RDSResponse

    seed_estate(server.client, clusters=2)
    _unused_group(server)
    options = CollectOptions(regions=(REGION,), endpoint_url=server.url)
    with (
        ServerCallCounter() as counter,
        FailOperation(RDSResponse, "describe_db_clusters", code="AccessDenied"),
    ):
        snapshot = collect(options)
    assert [(e.operation, e.error_code) for e in snapshot.errors] == [
        ("DescribeDBClusters", "AccessDenied")
    ]
    assert counter.calls[("rds", "DescribeDBClusterParameters")] == 3
    assert all("Parameters" in g for g in _groups(snapshot).values())


def test_a_failed_parameter_read_is_recorded_once_and_stops_the_type(server: Any) -> None:
    from moto.rds.responses import RDSResponse

    seed_estate(server.client, clusters=2)
    options = CollectOptions(regions=(REGION,), endpoint_url=server.url, max_workers=1)
    with FailOperation(RDSResponse, "describe_db_cluster_parameters", code="AccessDenied"):
        snapshot = collect(options)
    errors = [(e.operation, e.error_code, e.resource_types) for e in snapshot.errors]
    assert errors == [("DescribeDBClusterParameters", "AccessDenied", (PARAMS,))]
    assert all("Parameters" not in g for g in _groups(snapshot).values())
