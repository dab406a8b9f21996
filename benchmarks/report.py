"""Report sizes and Chromium load times at 200 and 10,000 clusters.

    python benchmarks/report.py                  # 200 and 10000 clusters
    python benchmarks/report.py --clusters 200   # one size

Each size synthesizes a ScanResult (50 findings per cluster: 20 cluster
policies, 3 instances x 10 instance policies; ~12% FAIL, 2% UNKNOWN), renders
every format, and prints render time, file size and gzipped size.  The HTML is
then opened in headless Debian Chromium via file://: "load" is goto until the
page's script has parsed the data and drawn the first page
(body[data-ready=1]); "filter" is selecting status=FAIL on the Findings tab
until the count updates.  Prints a table; never asserts.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "report"))

from report_factory import synthetic_result  # noqa: E402

from scanner.report import RENDERERS  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def mib(n: float) -> str:
    return f"{n / 2**20:.2f} MiB"


def gz_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def browser_times(html: Path, runs: int) -> dict[str, Any]:
    if not os.access(CHROMIUM, os.X_OK):
        return {"na": f"{CHROMIUM} missing"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"na": "playwright not installed"}
    loads, filters, heap = [], [], 0.0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for _ in range(runs):
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            t0 = time.perf_counter()
            page.goto(html.as_uri(), timeout=300_000)
            page.wait_for_selector("body[data-ready='1']", timeout=300_000)
            loads.append(time.perf_counter() - t0)
            page.click("button[data-tab=findings]")
            before = page.inner_text("#f-count")
            t0 = time.perf_counter()
            page.select_option("#f-status", label="FAIL")
            while page.inner_text("#f-count") == before:
                page.wait_for_timeout(5)
            filters.append(time.perf_counter() - t0)
            cdp = page.context.new_cdp_session(page)
            cdp.send("HeapProfiler.collectGarbage")
            cdp.send("Performance.enable")
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            heap = max(heap, float(metrics.get("JSHeapUsedSize", 0.0)))
            if errors:
                return {"na": f"page errors: {errors[:2]}"}
            page.close()
        browser.close()
    return {"load": statistics.median(loads), "filter": statistics.median(filters), "heap": heap}


def measure(clusters: int, runs: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    result = synthetic_result(clusters)
    build = time.perf_counter() - t0
    row: dict[str, Any] = {"clusters": clusters, "findings": len(result.findings), "build": build}
    with tempfile.TemporaryDirectory(prefix="aurora-bench-") as tmp:
        out = Path(tmp)
        for fmt, renderer in RENDERERS.items():
            t0 = time.perf_counter()
            path = renderer.write(result, out / renderer.filename, None)
            row[fmt] = {
                "seconds": time.perf_counter() - t0,
                "bytes": path.stat().st_size,
                "gzip": gz_size(path),
            }
        row["sarif_results"] = (
            (out / "results.sarif").read_text(encoding="utf-8").count('"ruleIndex"')
        )
        row["browser"] = browser_times(out / "report.html", runs)
    row["max_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--clusters", type=int, action="append", help="sizes (default 200 and 10000)"
    )
    parser.add_argument("--runs", type=int, default=3, help="browser loads per size (median)")
    args = parser.parse_args()
    sizes = args.clusters or [200, 10_000]
    print(
        f"{'clusters':>8} {'findings':>9} {'format':>6} {'render s':>9} {'size':>12} {'gzip':>12}"
    )
    for n in sizes:
        row = measure(n, args.runs)
        for fmt in RENDERERS:
            r = row[fmt]
            print(
                f"{n:>8} {row['findings']:>9} {fmt:>6} {r['seconds']:>9.2f} "
                f"{mib(r['bytes']):>12} {mib(r['gzip']):>12}"
            )
        b = row["browser"]
        if "na" in b:
            print(f"{n:>8} chromium: n/a ({b['na']})")
        else:
            print(
                f"{n:>8} chromium load {b['load']:.2f} s, "
                f"filter status=FAIL {b['filter'] * 1000:.0f} ms, "
                f"JS heap {mib(b['heap'])} (median of {args.runs})"
            )
        print(f"{n:>8} sarif results {row['sarif_results']}, python peak RSS {mib(row['max_rss'])}")


if __name__ == "__main__":
    main()
