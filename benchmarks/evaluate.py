"""Evaluation at scale: the full catalogue on synthetic estates of 1k / 5k / 10k clusters.

Each size runs in its own process (so peak RSS is that size's alone) and
reports, per stage, wall time and CPU time (this machine is shared: CPU time
is the steadier figure):

* build  -- ``build_graph`` over the snapshot's resources (derived facts, edges),
  with the cyclic GC paused as ``evaluate`` does
* eval   -- ``evaluate`` of every built-in policy on every resource
* total  -- build + eval (the figure the 10 s goal is about)
* peak RSS of the process, snapshot generation included.

Goal: <= 10 s and <= 2 GiB at 10,000 clusters (3 instances and 2 cluster
snapshots each, shared network), growing close to linearly.

    .venv/bin/python benchmarks/evaluate.py                 # 1000 5000 10000
    .venv/bin/python benchmarks/evaluate.py --sizes 200 2000 --json out.json
    .venv/bin/python benchmarks/evaluate.py --write-json     # also time results.json
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def measure(clusters: int, write_json: bool) -> dict[str, Any]:
    """One size, in this process."""
    from benchmarks.synthetic import synthetic_snapshot
    from scanner import gc_pause
    from scanner.edges import build_graph
    from scanner.policy.engine import evaluate
    from scanner.policy.loader import load_policies

    policy_set = load_policies()
    snapshot = synthetic_snapshot(clusters)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    with gc_pause.paused():  # as evaluate() builds it
        graph = build_graph(snapshot.resources)
    wall1, cpu1 = time.perf_counter(), time.process_time()
    result = evaluate(snapshot, policy_set, graph=graph, snapshot_sha256="-")
    wall2, cpu2 = time.perf_counter(), time.process_time()
    row: dict[str, Any] = {
        "clusters": clusters,
        "resources": len(snapshot.resources),
        "policies": len(policy_set),
        "findings": len(result.findings),
        "build_s": round(wall1 - wall0, 2),
        "build_cpu_s": round(cpu1 - cpu0, 2),
        "eval_s": round(wall2 - wall1, 2),
        "eval_cpu_s": round(cpu2 - cpu1, 2),
        "total_s": round(wall2 - wall0, 2),
        "total_cpu_s": round(cpu2 - cpu0, 2),
    }
    if write_json:
        from scanner.result_file import result_bytes

        wall3 = time.perf_counter()
        size = len(result_bytes(result))
        row["json_s"] = round(time.perf_counter() - wall3, 2)
        row["json_mb"] = round(size / 1e6, 1)
    # ru_maxrss is KiB on Linux.
    row["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    parser.add_argument("--write-json", action="store_true", help="also time results.json bytes")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        sys.stdout.write(json.dumps(measure(args.child, args.write_json)) + "\n")
        return 0
    rows = []
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--child", str(size)]
        if args.write_json:
            cmd.append("--write-json")
        done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    columns = [
        "clusters",
        "resources",
        "findings",
        "build_s",
        "eval_s",
        "total_s",
        "total_cpu_s",
        "peak_rss_mib",
    ]
    if args.write_json:
        columns += ["json_s", "json_mb"]
    sys.stdout.write("| " + " | ".join(columns) + " |\n")
    sys.stdout.write("|" + "---|" * len(columns) + "\n")
    for row in rows:
        sys.stdout.write("| " + " | ".join(str(row[c]) for c in columns) + " |\n")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
