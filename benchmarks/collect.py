"""Collection cost against a moto server: wall time, API calls by operation, calls per resource.

Usage:  .venv/bin/python benchmarks/collect.py [--sizes 16,100,200] [--instances 2]
                                                [--snapshots 1] [--workers 8] [--runs 3]

For each size N it resets a ThreadedMotoServer on 127.0.0.1, seeds N Aurora
clusters (both engines) with their instances and manual snapshots plus the
network, keys and extras of tests/moto_helpers.seed_estate, runs the
scanner's collect() over HTTP and counts the calls moto answered, at the
server (every request passes moto's BaseResponse.call_action once, retries
and pages included).  moto's DescribeDBClusters pagination gap is patched
(``scanner/demo/moto_gaps.py``, docs/testing.md) so pages are real.

What to look for: calls grow with pages (clusters/100, instances/100) and
with manual snapshots (one DescribeDBClusterSnapshotAttributes each, which AWS
offers no batch form of), never with instances per cluster or SG rules.
Wall time here is moto's model code in this same process (it is CPU-bound
and shares the GIL with the scanner's threads), not AWS latency; so is the
CPU time (process time of scanner and moto together).  Each size is
collected ``--runs`` times from the same seed: the median wall and CPU time
are shown with the wall range, since other work on the machine skews single runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

for key, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ.setdefault(key, value)
os.environ.pop("AWS_PROFILE", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="16,100,200", help="cluster counts, e.g. 16,100,200")
    parser.add_argument("--instances", type=int, default=2, help="instances per cluster")
    parser.add_argument("--snapshots", type=int, default=1, help="manual snapshots per cluster")
    parser.add_argument("--workers", type=int, default=8, help="collector threads")
    parser.add_argument("--runs", type=int, default=3, help="collections per size, e.g. 3")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from conftest import MotoServer, free_port  # tests/conftest.py
    from moto_helpers import ServerCallCounter, seed_estate

    from scanner.collect.runner import CollectOptions, collect
    from scanner.demo import moto_gaps

    moto_gaps.apply_all()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    moto = MotoServer(f"http://127.0.0.1:{port}")
    rows = []
    try:
        # Warm-up: moto builds each service's app and backends on first use;
        # that one-off cost would otherwise land on the first size.
        moto.reset()
        seed_estate(moto.client, clusters=1, instances_per_cluster=1, snapshots_per_cluster=1)
        collect(CollectOptions(regions=("us-east-1",), endpoint_url=moto.url))
        for size in sizes:
            moto.reset()
            t0 = time.perf_counter()
            seed_estate(
                moto.client,
                clusters=size,
                instances_per_cluster=args.instances,
                snapshots_per_cluster=args.snapshots,
            )
            seed_s = time.perf_counter() - t0
            options = CollectOptions(
                regions=("us-east-1",), endpoint_url=moto.url, max_workers=args.workers
            )
            walls, cpus = [], []
            for _ in range(max(1, args.runs)):
                with ServerCallCounter() as counter:
                    t0, c0 = time.perf_counter(), time.process_time()
                    snapshot = collect(options)
                    walls.append(time.perf_counter() - t0)
                    cpus.append(time.process_time() - c0)
            rows.append((size, seed_s, walls, cpus, snapshot, counter))
    finally:
        server.stop()
    del boto3

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\naurora-scan collect against moto (ThreadedMotoServer, in-process), "
        f"{args.instances} instances + {args.snapshots} manual snapshot(s) per cluster, "
        f"{args.workers} workers; {os.cpu_count()} CPUs, load average {load}\n"
    )
    print(
        "| clusters | resources | errors | seed s | collect wall s (median, range) "
        "| CPU s (median, with moto) | runs | API calls | calls/resource |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, seed_s, walls, cpus, snapshot, counter in rows:
        n = len(snapshot.resources)
        print(
            f"| {size} | {n} | {len(snapshot.errors)} | {seed_s:.1f} | "
            f"{statistics.median(walls):.2f} ({min(walls):.2f}–{max(walls):.2f}) | "
            f"{statistics.median(cpus):.2f} | {len(walls)} | "
            f"{counter.total()} | {counter.total() / max(n, 1):.3f} |"
        )
    operations = sorted({op for *_, c in rows for op in c.by_operation()})
    # calls of the last run of each size (every run makes the same calls)
    print("\ncalls by operation\n")
    print("| operation | " + " | ".join(f"{r[0]} clusters" for r in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for op in operations:
        print(f"| {op} | " + " | ".join(str(r[5].by_operation().get(op, 0)) for r in rows) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
