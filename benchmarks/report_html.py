"""report.html at scale: file size, render time and Chromium open time.

    python benchmarks/report_html.py                    # 10,000 clusters, 3 runs
    python benchmarks/report_html.py --clusters 1000 --runs 1
    python benchmarks/report_html.py --results out/results.json   # a saved result

The estate is ``benchmarks/synthetic.py``'s (each cluster with 3 instances and
2 snapshots, settings varied so every policy sees PASS and FAIL), evaluated
by the real engine with the full catalogue: the findings, messages, evidence
and filled-in commands are what a scan of such an estate writes.  Then:

- render: ``render_html`` alone, wall and CPU seconds (median of --runs);
- size: report.html in MiB, and how much of it is the static non-PASS list
  and the JSON data block;
- Chromium (Debian's, headless, file://): "open" is goto until the page's
  script has run (``body[data-ready=1]``), "script" the script's own share
  (``data-script-ms``), "findings" clicking the Findings tab until its first
  page is drawn (the list is built on first use), "filter" selecting
  status=PASS until the count changes; medians of --runs fresh pages.

Goals (issue 15 item 9, docs/performance.md): report.html <= 50 MB and open
<= 3 s at 10,000 clusters.  Prints figures; never asserts.  Timings on a
shared machine are noisy: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scanner.model import ScanResult  # noqa: E402
from scanner.report.html import render_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
GOAL_MB = 50
GOAL_OPEN_S = 3.0


def scan_result(clusters: int) -> ScanResult:
    from benchmarks.synthetic import synthetic_snapshot
    from scanner.policy.engine import evaluate
    from scanner.policy.loader import load_policies

    return evaluate(synthetic_snapshot(clusters=clusters), load_policies(), snapshot_sha256="-")


def saved_result(path: Path) -> ScanResult:
    from scanner.result_file import read_result

    return read_result(path)


def render_times(result: ScanResult, out: Path, runs: int) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        render_html(result, out)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}


def composition(path: Path) -> dict[str, float]:
    text = path.read_text(encoding="utf-8")
    mib = 2**20
    start = text.find('<div id="issues-static">')
    end = text.find('<section id="resources"')
    data = text.find('id="report-data">')
    return {
        "static": (end - start) / mib if 0 <= start < end else 0.0,
        "data": (len(text) - data) / mib if data >= 0 else 0.0,
        "rows": float(text.count('<tr id="i')),
    }


def browser_times(html: Path, runs: int) -> dict[str, Any]:
    if not os.access(CHROMIUM, os.X_OK):
        return {"na": f"{CHROMIUM} missing"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"na": "playwright not installed"}
    opens: list[float] = []
    scripts: list[float] = []
    lists: list[float] = []
    filters: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            t0 = time.perf_counter()
            page.goto(html.as_uri(), timeout=600_000)
            page.wait_for_selector("body[data-ready='1']", timeout=600_000)
            opens.append(time.perf_counter() - t0)
            scripts.append(float(page.get_attribute("body", "data-script-ms") or "nan") / 1000)
            t0 = time.perf_counter()
            page.click("button[data-tab=findings]")
            page.wait_for_selector("#finding-table tbody tr.finding", timeout=600_000)
            lists.append(time.perf_counter() - t0)
            before = page.inner_text("#f-count")
            t0 = time.perf_counter()
            page.select_option("#f-status", label="PASS")
            while page.inner_text("#f-count") == before:
                page.wait_for_timeout(5)
            filters.append(time.perf_counter() - t0)
            page.close()
            if errors:
                return {"na": f"page errors: {errors[:2]}"}
        browser.close()
    return {
        "open": statistics.median(opens),
        "script": statistics.median(scripts),
        "findings": statistics.median(lists),
        "filter": statistics.median(filters),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clusters", type=int, default=10_000, help="estate size (10000)")
    parser.add_argument("--results", type=Path, help="render this results.json instead")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    if args.results:
        result, source = saved_result(args.results), str(args.results)
    else:
        result, source = scan_result(args.clusters), f"synthetic {args.clusters} clusters"
    built = time.perf_counter() - t0
    statuses = Counter(f.status.value for f in result.findings)
    print(f"report.html benchmark: {source}; {len(result.findings)} findings {dict(statuses)}")
    load = os.getloadavg()[0]
    print(
        f"(result built in {built:.1f} s; load average {load:.1f} on {os.cpu_count()} cores:"
        " other work on the machine skews timings)"
    )

    with tempfile.TemporaryDirectory(prefix="aurora-html-") as tmp:
        out = Path(tmp) / "report.html"
        render = render_times(result, out, args.runs)
        size = out.stat().st_size / 2**20
        parts = composition(out)
        browser = browser_times(out, args.runs)

    print(
        f"render      {render['wall']:7.2f} s wall  {render['cpu']:7.2f} s CPU"
        f"   (median of {args.runs})"
    )
    print(
        f"size        {size:7.2f} MiB   static non-PASS list {parts['static']:.2f} MiB"
        f" ({int(parts['rows'])} rows), data block {parts['data']:.2f} MiB"
        f"   goal <= {GOAL_MB} MB: {'met' if size * 2**20 <= GOAL_MB * 10**6 else 'MISSED'}"
    )
    if "na" in browser:
        print(f"chromium    n/a: {browser['na']}")
    else:
        print(
            f"chromium    open {browser['open']:.2f} s (script {browser['script']:.2f} s),"
            f" first findings page {browser['findings']:.2f} s, filter {browser['filter']:.2f} s"
            f"   goal open <= {GOAL_OPEN_S:.0f} s: "
            f"{'met' if browser['open'] <= GOAL_OPEN_S else 'MISSED'} (median of {args.runs})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
