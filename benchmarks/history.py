"""Cost of "since when" (scanner/history.py) at 200 and 10,000 clusters.

    python benchmarks/history.py                  # 200 and 10000 clusters
    python benchmarks/history.py --clusters 200   # one size

Synthesizes a ScanResult (50 findings per cluster, as benchmarks/report.py)
stamped as a scan of day 2, and a previous one of day 1 with the same
fingerprints where every tenth finding had another status.  Times
``carry_forward`` (what --previous adds to scan/evaluate/report), ``diff``'s
history on the same pair, and the HTML report with and without history
(rows then carry two time indexes).  Prints medians of --runs; never asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "report"))

from report_factory import synthetic_result  # noqa: E402

from scanner.diff import diff_results  # noqa: E402
from scanner.history import carry_forward  # noqa: E402
from scanner.model import ScanResult, Status  # noqa: E402
from scanner.report import render  # noqa: E402

DAY1, DAY2 = "2026-03-01T09:00:00Z", "2026-03-02T09:00:00Z"


def stamped(result: ScanResult, when: str, *, flip_every: int = 0) -> ScanResult:
    findings = tuple(
        replace(
            f,
            first_seen=when,
            last_status_change=when,
            status=Status.PASS
            if flip_every and i % flip_every == 0 and f.status is Status.FAIL
            else f.status,
        )
        for i, f in enumerate(result.findings)
    )
    return replace(result, findings=findings, scan={**result.scan, "collected_at": when})


def median_seconds(run: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(clusters: int, runs: int) -> dict[str, Any]:
    base = synthetic_result(clusters)
    current = stamped(base, DAY2)
    previous = stamped(base, DAY1, flip_every=10)
    carried = carry_forward(current, previous, previous_file="prev.json", previous_sha256="0" * 64)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        html_plain = median_seconds(lambda: render(current, ["html"], out / "a"), runs)
        size_plain = (out / "a" / "report.html").stat().st_size
        html_hist = median_seconds(lambda: render(carried, ["html"], out / "b"), runs)
        size_hist = (out / "b" / "report.html").stat().st_size
    return {
        "clusters": clusters,
        "findings": len(current.findings),
        "carry_forward_s": median_seconds(
            lambda: carry_forward(
                current, previous, previous_file="prev.json", previous_sha256="0" * 64
            ),
            runs,
        ),
        "diff_s": median_seconds(lambda: diff_results(previous, current), runs),
        "html_s": (html_plain, html_hist),
        "html_mib": (size_plain / 2**20, size_hist / 2**20),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, action="append")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(
        f"{'clusters':>8} {'findings':>9} {'carry_forward':>14} {'diff':>8} "
        f"{'html (no history / history)':>30} {'html size':>22}"
    )
    for clusters in args.clusters or [200, 10_000]:
        m = measure(clusters, args.runs)
        print(
            f"{m['clusters']:>8} {m['findings']:>9} {m['carry_forward_s']:>13.2f}s "
            f"{m['diff_s']:>7.2f}s {m['html_s'][0]:>14.2f}s / {m['html_s'][1]:.2f}s "
            f"{m['html_mib'][0]:>10.1f} / {m['html_mib'][1]:.1f} MiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
