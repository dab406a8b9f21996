"""Issue 15's scale figures at 10,000 clusters, this code beside an earlier one.

The estate is ``benchmarks/synthetic.py``'s (settings vary with the cluster
index, spread over several accounts and regions: not identical clones), written
once as a snapshot file.  For each code version (``--before DIR``: a checkout
of an earlier commit, e.g. ``git worktree add /tmp/base 2d0561c``; and this
checkout) every stage runs in its own process, ``--runs`` times, and the
median is printed:

- ``cli``: ``aurora-scan evaluate SNAPSHOT --format json,sarif,html,junit,md``
  end to end: wall time, CPU time and peak RSS (VmHWM);
- ``results.json``: its size in bytes (from the CLI run);
- ``read``: ``scanner.result_file.read_result`` of that results.json, what
  ``report``, ``diff`` and ``merge`` pay before anything else.

Goals (issue 15 item 9): evaluate and all formats <= 15 s wall on 2 cores,
peak RSS <= 1 GiB, results.json <= 250 MB, read back <= 3 s.

    .venv/bin/python benchmarks/scale10k.py --before /work/wt-base --runs 3
    .venv/bin/python benchmarks/scale10k.py --clusters 1000 --runs 1

The older checkout runs on this checkout's virtualenv: the editable install's
import hook is removed in the child and the checkout put first on sys.path.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _proc import PeakRss  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
FORMATS = "json,sarif,html,junit,md"
GOALS = {"cli s": 15.0, "peak RSS MiB": 1024.0, "results.json MB": 250.0, "read s": 3.0}
# Measured before issue 15 (the issue's own figures, on a 10k estate cloned from
# a real snapshot): shown for orientation beside the figures measured here.
ISSUE_FIGURES = {"cli s": "40-55", "results.json MB": "618", "read s": "~15"}


def _child(code: str, kind: str, args: list[str]) -> int:
    """Run ``kind`` with the scanner package of checkout ``code``."""
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    for name in [m for m in sys.modules if m == "scanner" or m.startswith("scanner.")]:
        del sys.modules[name]
    sys.path.insert(0, code)
    if kind == "cli":
        from scanner.cli import main

        return int(main(args))
    from scanner.result_file import read_result

    started, cpu = time.perf_counter(), time.process_time()
    result = read_result(args[0])
    timings = {
        "read": time.perf_counter() - started,
        "read cpu": time.process_time() - cpu,
        "findings": len(result.findings),
    }
    print(json.dumps(timings))
    return 0


def _run(argv: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    peak = PeakRss(proc.pid)
    while True:
        peak.poll()
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
    wall = time.perf_counter() - started
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        raise SystemExit(f"{' '.join(argv)} failed (exit {code}): {err[-800:]}")
    lines = out.strip().splitlines()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": peak.mib,
        "inner": json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {},
    }


def measure(code: Path, snapshot: Path, work: Path, runs: int) -> dict[str, float]:
    me = [str(PYTHON), str(Path(__file__).resolve()), "--child", str(code)]
    out_dir = work / code.name
    cli = [_run([*me, "cli", "evaluate", str(snapshot), "--output-dir", str(out_dir),
                 "--format", FORMATS]) for _ in range(runs)]  # fmt: skip
    results = out_dir / "results.json"
    reads = [_run([*me, "read", str(results)]) for _ in range(runs)]
    return {
        "cli s": statistics.median(r["wall"] for r in cli),
        "cli CPU s": statistics.median(r["cpu"] for r in cli),
        "peak RSS MiB": statistics.median(r["rss"] for r in cli),
        "results.json MB": results.stat().st_size / 1e6,
        "report.html MB": (out_dir / "report.html").stat().st_size / 1e6,
        "read s": statistics.median(r["inner"]["read"] for r in reads),
        "read CPU s": statistics.median(r["inner"]["read cpu"] for r in reads),
        "read process s": statistics.median(r["wall"] for r in reads),
        "read peak RSS MiB": statistics.median(r["rss"] for r in reads),
    }


def _describe(code: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(code), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    return done.stdout.strip() or code.name


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clusters", type=int, default=10000, help="e.g. 10000")
    parser.add_argument("--before", type=Path, help="checkout of the code to compare with")
    parser.add_argument("--after", type=Path, default=ROOT, help="code measured (default: here)")
    parser.add_argument("--runs", type=int, default=3, help="runs per stage (median)")
    parser.add_argument("--work", type=Path, default=ROOT / ".bench" / "scale10k")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        code, kind, *rest = args.child
        return _child(code, kind, rest)
    args.work.mkdir(parents=True, exist_ok=True)
    snapshot = args.work / f"snapshot-{args.clusters}.json"
    if not snapshot.exists():
        subprocess.run(
            [str(PYTHON), str(HERE / "synthetic.py"), "--clusters", str(args.clusters),
             "--accounts", "10", "--regions", "us-east-1,eu-west-1", "--output", str(snapshot)],
            check=True,
        )  # fmt: skip
    codes = [c for c in (args.before, args.after) if c is not None]
    measured = {}
    for code in codes:
        print(f"measuring {code} ({args.runs} runs per stage) ...", file=sys.stderr, flush=True)
        measured[code] = measure(code.resolve(), snapshot, args.work, args.runs)
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    heads = [f"{_describe(c)}" for c in codes]
    print(
        f"{args.clusters} clusters, medians of {args.runs}; load average {load} "
        "(a shared machine skews wall times; CPU seconds are steadier)\n"
    )
    print("| figure | issue 15 (before) | " + " | ".join(heads) + " | goal |")
    print("|---|---|" + "---|" * len(codes) + "---|")
    for key in measured[codes[0]]:
        row = [f"{measured[c][key]:.1f}" for c in codes]
        goal = GOALS.get(key)
        print(
            f"| {key} | {ISSUE_FIGURES.get(key, '')} | {' | '.join(row)} | "
            f"{f'<= {goal:g}' if goal else ''} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
