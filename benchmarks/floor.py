"""The floor: only the API calls no scanner can avoid for the catalogue's coverage.

What the catalogue needs, and the cheapest way to get it:

- every describe family once, paged at the largest page size AWS allows:
  RDS clusters, instances, cluster snapshots, subnet groups, cluster
  parameter groups, global clusters, event subscriptions, CA certificates; EC2 VPCs, subnets,
  route tables, internet gateways, security groups (no NAT gateways: no policy
  of the catalogue reads them, and `scan` collects only what its policies need); STS caller identity
  (the account id); AWS Backup protected resources;
- one DescribeDBClusterSnapshotAttributes per manual snapshot (sharing is
  not in the describe output);
- one DescribeDBClusterParameters per distinct custom cluster parameter
  group in use (paged);
- one KMS DescribeKey per distinct key referenced (KeyManager is not in
  any RDS output);
- one Secrets Manager DescribeSecret per distinct managed master secret.

Dependent calls start as soon as the describe they depend on returns, all on
one thread pool (``--workers``, default as many as the scanner), one shared
(thread-safe) client per service. The script prints one JSON line: elapsed seconds and the calls it
made by operation (the benchmark also counts them at the server).

Run alone: ``python benchmarks/floor.py --endpoint-url http://127.0.0.1:PORT``
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

DEFAULT_WORKERS = 8

# (service, operation, paginate kwargs, result key)
FAMILIES: list[tuple[str, str, dict[str, Any], str]] = [
    ("rds", "describe_db_clusters", {"MaxRecords": 100}, "DBClusters"),
    ("rds", "describe_db_instances", {"MaxRecords": 100}, "DBInstances"),
    ("rds", "describe_db_cluster_snapshots", {"MaxRecords": 100}, "DBClusterSnapshots"),
    ("rds", "describe_db_subnet_groups", {"MaxRecords": 100}, "DBSubnetGroups"),
    (
        "rds",
        "describe_db_cluster_parameter_groups",
        {"MaxRecords": 100},
        "DBClusterParameterGroups",
    ),
    ("rds", "describe_global_clusters", {"MaxRecords": 100}, "GlobalClusters"),
    ("rds", "describe_event_subscriptions", {"MaxRecords": 100}, "EventSubscriptionsList"),
    ("rds", "describe_certificates", {"MaxRecords": 100}, "Certificates"),
    ("ec2", "describe_vpcs", {"MaxResults": 1000}, "Vpcs"),
    ("ec2", "describe_subnets", {"MaxResults": 1000}, "Subnets"),
    ("ec2", "describe_route_tables", {"MaxResults": 100}, "RouteTables"),
    ("ec2", "describe_internet_gateways", {"MaxResults": 1000}, "InternetGateways"),
    ("ec2", "describe_security_groups", {"MaxResults": 1000}, "SecurityGroups"),
]


class Floor:
    def __init__(self, endpoint: str, region: str, workers: int) -> None:
        self.endpoint, self.region = endpoint, region
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.clients: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.seen: set[tuple[str, str]] = set()
        self.pending: list[Future[Any]] = []
        self.session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )
        self.config = Config(retries={"mode": "adaptive", "max_attempts": 5})

    def client(self, service: str) -> Any:
        # botocore clients are thread-safe: one per service, shared by all
        # threads, is the cheapest correct set-up (creating one costs tens of ms).
        with self.lock:
            if service not in self.clients:
                self.clients[service] = self.session.client(
                    service, endpoint_url=self.endpoint, config=self.config
                )
            return self.clients[service]

    def call(self, service: str, op: str, **kwargs: Any) -> dict[str, Any]:
        with self.lock:
            self.calls[f"{service}:{op}"] += 1
        try:
            result: dict[str, Any] = getattr(self.client(service), op)(**kwargs)
            return result
        except (ClientError, BotoCoreError) as exc:
            with self.lock:
                self.errors[f"{service}:{op}: {type(exc).__name__}"] += 1
            return {}

    def paged(self, service: str, op: str, page: dict[str, Any], key: str, **kw: Any) -> list[Any]:
        items: list[Any] = []
        token_in = "Marker" if service == "rds" else "NextToken"
        token_out = "Marker" if service == "rds" else "NextToken"
        args = {**page, **kw}
        while True:
            result = self.call(service, op, **args)
            items.extend(result.get(key, []))
            token = result.get(token_out)
            if not token:
                return items
            args[token_in] = token

    def submit(self, fn: Any, *args: Any) -> None:
        with self.lock:
            self.pending.append(self.pool.submit(fn, *args))

    def once(self, kind: str, ident: str | None) -> bool:
        if not ident:
            return False
        with self.lock:
            if (kind, ident) in self.seen:
                return False
            self.seen.add((kind, ident))
            return True

    # dependants -----------------------------------------------------------
    def family(self, service: str, op: str, page: dict[str, Any], key: str) -> None:
        items = self.paged(service, op, page, key)
        if op == "describe_db_clusters":
            for c in items:
                if self.once("key", c.get("KmsKeyId")) and c.get("StorageEncrypted"):
                    self.submit(self.key, c["KmsKeyId"])
                if self.once("key", c.get("ActivityStreamKmsKeyId")):
                    self.submit(self.key, c["ActivityStreamKmsKeyId"])
                group = c.get("DBClusterParameterGroup")
                if self.once("pg", group):
                    self.submit(self.parameters, group)
                secret = (c.get("MasterUserSecret") or {}).get("SecretArn")
                if self.once("secret", secret):
                    self.submit(self.secret, secret)
        elif op == "describe_db_instances":
            for i in items:
                if self.once("key", i.get("PerformanceInsightsKMSKeyId")):
                    self.submit(self.key, i["PerformanceInsightsKMSKeyId"])
        elif op == "describe_db_cluster_snapshots":
            for s in items:
                if s.get("SnapshotType") == "manual":
                    self.submit(self.attributes, s["DBClusterSnapshotIdentifier"])
                if s.get("StorageEncrypted") and self.once("key", s.get("KmsKeyId")):
                    self.submit(self.key, s["KmsKeyId"])

    def key(self, key_id: str) -> None:
        self.call("kms", "describe_key", KeyId=key_id)

    def parameters(self, group: str) -> None:
        self.paged(
            "rds",
            "describe_db_cluster_parameters",
            {"MaxRecords": 100},
            "Parameters",
            DBClusterParameterGroupName=group,
        )

    def secret(self, arn: str) -> None:
        self.call("secretsmanager", "describe_secret", SecretId=arn)

    def attributes(self, snapshot: str) -> None:
        self.call(
            "rds", "describe_db_cluster_snapshot_attributes", DBClusterSnapshotIdentifier=snapshot
        )

    def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        self.submit(self.call, "sts", "get_caller_identity")
        self.submit(self.call, "backup", "list_protected_resources")
        for family in FAMILIES:
            self.submit(self.family, *family)
        # Futures are appended while we wait; drain until none is left.
        done = 0
        while True:
            with self.lock:
                if done == len(self.pending):
                    break
                future = self.pending[done]
            future.result()
            done += 1
        elapsed = time.perf_counter() - started
        self.pool.shutdown()
        return {
            "seconds": round(elapsed, 3),
            "calls": dict(self.calls),
            "total": sum(self.calls.values()),
            "errors": dict(self.errors),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint-url", required=True, help="e.g. http://127.0.0.1:5000")
    parser.add_argument("--region", default="us-east-1", help="e.g. us-east-1")
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help="thread pool size, e.g. 8"
    )
    args = parser.parse_args()
    print(json.dumps(Floor(args.endpoint_url, args.region, args.workers).run()))


if __name__ == "__main__":
    main()
