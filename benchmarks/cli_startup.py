"""How fast the command line answers: --help, --version, verb help, bad input, first API call.

    python benchmarks/cli_startup.py              # medians of 10
    python benchmarks/cli_startup.py --runs 3     # quicker, on a shared machine

Each figure is the median wall time of separate processes running the
installed `aurora-scan` console script (the path a user takes):

* `--help`, `--version`, `scan --help`: start-up alone (targets: 0.3 s);
* bad input: `scan` with a missing waivers file and an unknown format,
  which must exit 2 before any API call (target: 2 s);
* first API call: `scan` against a moto server seeded with 16 clusters, from
  process start to the first request the server receives (target: 0.5 s),
  beside the same figure for a bare boto3 script making one call (the floor).

No timed assertion anywhere: this prints figures (docs/testing.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import estate  # noqa: E402
from server import CountingMotoServer  # noqa: E402

BARE_BOTO3 = """
import boto3
boto3.client("rds", region_name="us-east-1", endpoint_url={url!r}).describe_db_clusters()
"""


def _aurora_scan() -> str:
    beside = Path(sys.executable).with_name("aurora-scan")
    found = str(beside) if beside.exists() else shutil.which("aurora-scan")
    if not found:
        raise SystemExit("aurora-scan is not installed (make venv)")
    return found


def _env(url: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    env.update(AWS_DEFAULT_REGION=estate.REGION)
    env.pop("AWS_PROFILE", None)
    # Measure what a user gets: bytecode cached after the first run (some CI
    # images set PYTHONDONTWRITEBYTECODE, recompiling every module each start).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if url:
        env["AWS_ENDPOINT_URL"] = url
    return env


def _wall(argv: list[str], env: dict[str, str], runs: int, cwd: str) -> tuple[float, int]:
    times, code = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        code = proc.returncode
    return statistics.median(times), code


def _first_call(argv: list[str], server: CountingMotoServer, runs: int, cwd: str) -> float:
    """Median seconds from starting ``argv`` to the first request the server sees."""
    firsts = []
    for _ in range(runs):
        server.reset_counts()
        started = time.perf_counter()
        subprocess.run(argv, env=_env(server.url), cwd=cwd, capture_output=True, check=False)
        assert server.counter is not None
        trace = list(server.counter.trace)
        if trace:
            firsts.append(min(begin for _, begin, _ in trace) - started)
    return statistics.median(firsts) if firsts else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per figure (median)")
    parser.add_argument("--clusters", type=int, default=16, help="clusters seeded for the scan")
    args = parser.parse_args()
    cli = _aurora_scan()
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as work:
        _wall([cli, "scan", "--help"], _env(), 1, work)  # writes the bytecode caches
        for label, argv in (
            ("aurora-scan --help", [cli, "--help"]),
            ("aurora-scan --version", [cli, "--version"]),
            ("aurora-scan scan --help", [cli, "scan", "--help"]),
            ("aurora-scan scna (did you mean)", [cli, "scna"]),
        ):
            seconds, _ = _wall(argv, _env(), args.runs, work)
            rows.append((label, seconds, "target < 0.3 s" if "help" in label else ""))
        bad = [cli, "scan", "--region", "us-east-1", "--waivers", "missing.yml"]
        seconds, code = _wall([*bad, "--format", "json,pdf"], _env(), args.runs, work)
        rows.append((f"bad input, exit {code}", seconds, "target < 2 s, no API call"))
        with CountingMotoServer() as server:
            estate.seed(server.url, args.clusters)
            scan = [cli, "scan", "--region", estate.REGION, "--output-dir", "out"]
            first = _first_call([*scan, "--format", "json"], server, args.runs, work)
            rows.append((f"scan: first API call ({args.clusters} clusters)", first, "< 0.5 s"))
            floor = [sys.executable, "-c", BARE_BOTO3.format(url=server.url)]
            bare = _first_call(floor, server, args.runs, work)
            rows.append(("bare boto3 script: first API call", bare, "the floor"))
    print(f"CLI start-up, median of {args.runs} runs (seconds)")
    for label, seconds, note in rows:
        print(f"  {label:<44} {seconds:6.3f}  {note}")


if __name__ == "__main__":
    main()
