"""`make bench`: aurora-scan against moto, side by side with Prowler, Cloud
Custodian and the floor, then offline at scale. Prints one table per part.

    python benchmarks/run_all.py                 # full: N=16,200, median of 3, peers, 1k-10k
    python benchmarks/run_all.py --quick         # N=16, one run, no peers, offline 1k
    python benchmarks/run_all.py --quick --peers # ... with Prowler and Custodian

For each N a fresh ThreadedMotoServer on 127.0.0.1 is seeded (benchmarks/estate.py)
and every tool scans it as a separate process. API calls are counted at the
server (benchmarks/server.py), so every tool is counted the same way; peak RSS
is the kernel's VmHWM of each tool's processes (benchmarks/_proc.py). A tool that is
missing, cannot be installed or fails is shown as n/a with the reason.
Raw figures go to .bench/results-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import estate  # noqa: E402
import peers  # noqa: E402
from _proc import PeakRss  # noqa: E402
from server import CountingMotoServer  # noqa: E402

ROOT = HERE.parent
REGION = estate.REGION
OK_CODES = {0, 1, 3}  # clean / findings / incomplete: the scan itself worked
TIMEOUT = 1800


@dataclass
class Run:
    seconds: float
    returncode: int
    max_rss_mib: float
    calls: dict[str, Any]
    note: str = ""
    # Seconds from process start to its first API call, and from its last
    # API call to its exit: start-up, and evaluation + rendering after collection.
    before_calls: float = 0.0
    after_calls: float = 0.0
    cpu_seconds: float = 0.0  # user + system of the tool's process tree


@dataclass
class ToolResult:
    tool: str
    n: int
    runs: list[Run] = field(default_factory=list)
    na: str = ""  # reason the tool could not be measured
    detail: str = ""

    @property
    def ok_runs(self) -> list[Run]:
        return [r for r in self.runs if not r.note]

    @property
    def median(self) -> float | None:
        ok = self.ok_runs
        return statistics.median(r.seconds for r in ok) if ok else None

    @property
    def calls(self) -> dict[str, Any]:
        ok = self.ok_runs
        return ok[0].calls if ok else {}

    @property
    def rss(self) -> float | None:
        ok = self.ok_runs
        return max(r.max_rss_mib for r in ok) if ok else None


# --------------------------------------------------------------------------- processes
def measure(
    argv: list[str],
    env: dict[str, str],
    workdir: Path,
    server: CountingMotoServer,
    trap: peers.TrapProxy,
    timeout: float = TIMEOUT,
) -> Run:
    """Run one tool to completion: wall time, rusage of its tree, server-side calls."""
    server.reset_counts()
    trap.attempts.clear()
    workdir.mkdir(parents=True, exist_ok=True)
    with (workdir / "stdout.txt").open("wb") as out, (workdir / "stderr.txt").open("wb") as err:
        started = time.perf_counter()
        try:
            proc = subprocess.Popen(
                argv, env=env, cwd=workdir, stdout=out, stderr=err, start_new_session=True
            )
        except OSError as exc:
            return Run(0.0, -1, 0.0, {}, f"cannot start: {exc}")
        note = ""
        peak = PeakRss(proc.pid)
        while True:
            peak.poll()
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if trap.attempts:
                note = f"aborted: tried to reach {sorted(set(trap.attempts))[:3]} outside 127.0.0.1"
            elif time.perf_counter() - started > timeout:
                note = f"aborted: no result after {timeout:.0f} s"
            if note:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
    ended = time.perf_counter()
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert server.counter is not None
    trace = list(server.counter.trace)
    before = min((s for _, s, _ in trace), default=ended) - started
    after = ended - max((e for _, _, e in trace), default=ended)
    # Peak RSS from /proc (VmHWM), not ru_maxrss: see benchmarks/_proc.py.
    return Run(
        round(elapsed, 3),
        proc.returncode,
        peak.mib,
        server.counts(),
        note,
        round(before, 2),
        round(after, 2),
        round(usage.ru_utime + usage.ru_stime, 2),
    )


def tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:])[:300]


# --------------------------------------------------------------------------- tools
def aurora_scan_plan() -> tuple[str, list[str]]:
    """Which verbs exist: 'scan', or 'collect+evaluate', or why neither."""
    exe = ROOT / ".venv" / "bin" / "aurora-scan"
    if not exe.exists():
        found = shutil.which("aurora-scan")
        if not found:
            return "n/a", ["aurora-scan is not installed (run make venv)"]
        exe = Path(found)

    def has(verb: str) -> bool:
        done = subprocess.run([str(exe), verb, "--help"], capture_output=True, timeout=120)
        return done.returncode == 0

    if has("scan"):
        return "scan", [str(exe)]
    if has("collect") and has("evaluate"):
        return "collect+evaluate", [str(exe)]
    return "n/a", ["neither the scan verb nor collect+evaluate exists yet"]


def run_aurora_scan(
    plan: tuple[str, list[str]], server: CountingMotoServer, trap: peers.TrapProxy, work: Path
) -> Run:
    mode, extra = plan
    env = peers.peer_env(server.url, REGION, work / "home", trap.url)
    common = ["--region", REGION, "--endpoint-url", server.url]
    formats = ["--output-dir", str(work / "out"), "--format", "json,sarif,html"]
    if mode == "scan":
        run = measure([extra[0], "scan", *common, *formats], env, work, server, trap)
    else:
        snap = work / "snapshot.json"
        collect = measure(
            [extra[0], "collect", *common, "--output", str(snap)],
            env,
            work / "collect",
            server,
            trap,
        )
        if collect.note or collect.returncode not in OK_CODES:
            collect.note = (
                collect.note
                or f"collect exit {collect.returncode}: {tail(work / 'collect' / 'stderr.txt')}"
            )
            return collect
        evaluate = measure(
            [extra[0], "evaluate", str(snap), *formats], env, work / "evaluate", server, trap
        )
        run = Run(
            round(collect.seconds + evaluate.seconds, 3),
            evaluate.returncode,
            max(collect.max_rss_mib, evaluate.max_rss_mib),
            collect.calls,
            evaluate.note,
            collect.before_calls,
            collect.after_calls + evaluate.seconds,
            collect.cpu_seconds + evaluate.cpu_seconds,
        )
        work = work / "evaluate"
    if not run.note and run.returncode not in OK_CODES:
        run.note = f"exit {run.returncode}: {tail(work / 'stderr.txt')}"
    return run


def run_floor(server: CountingMotoServer, trap: peers.TrapProxy, work: Path, workers: int) -> Run:
    env = peers.peer_env(server.url, REGION, work / "home", trap.url)
    argv = [
        sys.executable,
        str(HERE / "floor.py"),
        "--endpoint-url",
        server.url,
        "--region",
        REGION,
        "--workers",
        str(workers),
    ]
    run = measure(argv, env, work, server, trap)
    if not run.note and run.returncode != 0:
        run.note = f"exit {run.returncode}: {tail(work / 'stderr.txt')}"
    return run


def run_peer(
    peer: peers.Peer, server: CountingMotoServer, trap: peers.TrapProxy, work: Path
) -> Run:
    exe = peer.exe
    env = peers.peer_env(server.url, REGION, work / "home", trap.url)
    work.mkdir(parents=True, exist_ok=True)
    if peer is peers.PROWLER:
        argv = peers.prowler_argv(exe, work / "out", REGION)
    else:
        argv = peers.custodian_argv(exe, work, REGION)
    run = measure(argv, env, work, server, trap)
    # Prowler exits 3 when it has FAIL findings (we pass --ignore-exit-code-3).
    if not run.note and run.returncode not in (0, 3):
        run.note = f"exit {run.returncode}: {tail(work / 'stderr.txt')}"
    return run


# --------------------------------------------------------------------------- the online benchmark
def bench_size(
    n: int, runs: int, with_peers: bool, floor_workers: int, scratch: Path
) -> tuple[list[ToolResult], dict[str, Any]]:
    plan = aurora_scan_plan()
    results = {
        "aurora-scan": ToolResult("aurora-scan", n, detail=plan[0]),
        "floor": ToolResult("floor", n, detail=f"{floor_workers} threads"),
    }
    peer_list: list[peers.Peer] = []
    if with_peers:
        for peer in (peers.CUSTODIAN, peers.PROWLER):
            results[peer.name] = ToolResult(peer.name, n)
            try:
                peer.ensure_installed(scratch.parent / f"install-{peer.name}.log")
                results[peer.name].detail = f"{peer.package} {peer.version()}"
                peer_list.append(peer)
            except peers.PeerUnavailable as exc:
                results[peer.name].na = str(exc)
    if plan[0] == "n/a":
        results["aurora-scan"].na = plan[1][0]

    info: dict[str, Any] = {}
    with CountingMotoServer() as server, peers.TrapProxy() as trap:
        print(f"  N={n}: seeding {server.url} ...", file=sys.stderr)
        seeded = estate.seed(server.url, n)
        info = {
            "estate": seeded.describe(),
            "seed_seconds": round(seeded.seconds, 1),
            "patch": server.patch_source,
        }
        # moto builds each service's app on its first request (~1 s for some):
        # one unmeasured pass of the floor so no tool pays that for the others.
        run_floor(server, trap, scratch / f"n{n}" / "warm-up", floor_workers)
        for r in range(runs):
            jobs: list[tuple[str, Any]] = [
                ("floor", lambda w: run_floor(server, trap, w, floor_workers))
            ]
            if not results["aurora-scan"].na:
                jobs.append(("aurora-scan", lambda w: run_aurora_scan(plan, server, trap, w)))
            for peer in peer_list:
                jobs.append((peer.name, lambda w, p=peer: run_peer(p, server, trap, w)))
            for name, job in jobs:
                print(
                    f"  N={n} run {r + 1}/{runs}: {name} ...", file=sys.stderr, end="", flush=True
                )
                run = job(scratch / f"n{n}" / f"{name}-{r}")
                results[name].runs.append(run)
                shown = run.note or f"{run.seconds:.2f} s, {run.calls.get('total', 0)} calls"
                print(f" {shown}", file=sys.stderr)
    for res in results.values():
        if not res.na and not res.ok_runs and res.runs:
            res.na = res.runs[-1].note
    return list(results.values()), info


# --------------------------------------------------------------------------- tables
def fmt_s(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.1f}×"


def edges(res: ToolResult) -> str:
    ok = res.ok_runs
    if not ok:
        return "n/a"
    before = statistics.median(r.before_calls for r in ok)
    after = statistics.median(r.after_calls for r in ok)
    return f"{before:.2f} / {after:.2f}"


def online_table(all_results: dict[int, list[ToolResult]]) -> str:
    head = (
        "| N | tool | wall s (median) | CPU s | runs | API calls | peak RSS MiB "
        "| s before 1st call / after last | tool ÷ aurora-scan | note |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = [head]
    for n, results in all_results.items():
        ours = next((r.median for r in results if r.tool == "aurora-scan"), None)
        for res in results:
            if res.na:
                rows.append(
                    f"| {n} | {res.tool} | n/a | n/a | 0 | n/a | n/a | n/a | n/a | {res.na} |"
                )
                continue
            rel = "1.0×" if res.tool == "aurora-scan" else ratio(res.median, ours)
            spread = ""
            ok = res.ok_runs
            if len(ok) > 1:
                spread = f" ({min(r.seconds for r in ok):.2f}–{max(r.seconds for r in ok):.2f})"
            rows.append(
                f"| {n} | {res.tool} | {fmt_s(res.median)}{spread} | "
                f"{statistics.median(r.cpu_seconds for r in ok):.2f} | {len(ok)} | "
                f"{res.calls.get('total', 'n/a')} | {fmt_s(res.rss)} | {edges(res)} | {rel} | "
                f"{res.detail} |"
            )
    return "\n".join(rows)


def calls_table(n: int, results: list[ToolResult]) -> str:
    tools = [r for r in results if not r.na]
    ops = sorted({op for r in tools for op in r.calls.get("calls", {})})
    head = "| operation | " + " | ".join(r.tool for r in tools) + " |"
    rows = [head, "|---" * (len(tools) + 1) + "|"]
    for op in ops:
        cells = [str(r.calls.get("calls", {}).get(op, "")) for r in tools]
        rows.append(f"| {op} | " + " | ".join(cells) + " |")
    rows.append("| **total** | " + " | ".join(str(r.calls.get("total", "")) for r in tools) + " |")
    secs = [sum(r.calls.get("server_seconds", {}).values()) for r in tools]
    # Summed per request: concurrent requests overlap and share moto's GIL, so
    # this is not CPU time; it shows where a serial tool waits.
    rows.append("| moto s (summed per request) | " + " | ".join(f"{s:.2f}" for s in secs) + " |")
    return f"API calls by operation at N={n} (counted at the server):\n\n" + "\n".join(rows)


def goals(all_results: dict[int, list[ToolResult]]) -> str:
    lines = []
    for n, results in all_results.items():
        by = {r.tool: r for r in results}
        ours = by.get("aurora-scan")
        if not ours or ours.na:
            lines.append(f"N={n}: aurora-scan n/a, no goal can be checked")
            continue
        t = ours.median
        for tool, want in (("prowler", 20.0), ("custodian", 5.0)):
            peer = by.get(tool)
            if peer and not peer.na and peer.median and t:
                speed = peer.median / t
                verdict = "met" if speed >= want else "NOT met"
                lines.append(
                    f"N={n}: {speed:.1f}× faster than {tool} (goal ≥{want:.0f}×): {verdict}"
                )
        floor = by.get("floor")
        if floor and not floor.na and floor.median and t:
            m = t / floor.median
            verdict = "met" if m <= 1.5 else "NOT met"
            lines.append(f"N={n}: {m:.2f}× the floor (goal ≤1.5×): {verdict}")
        prowler = by.get("prowler")
        if prowler and not prowler.na:
            ours_calls, theirs = ours.calls.get("total", 0), prowler.calls.get("total", 0)
            verdict = "met" if ours_calls < theirs else "NOT met"
            lines.append(f"N={n}: {ours_calls} API calls vs Prowler's {theirs}: {verdict}")
        if floor and not floor.na:
            excess = []
            floor_calls = floor.calls.get("calls", {})
            for op, count in ours.calls.get("calls", {}).items():
                if op.split(":", 1)[1].startswith(("Describe", "List")) and count > floor_calls.get(
                    op, 0
                ):
                    excess.append(f"{op} {count} (floor {floor_calls.get(op, 0)})")
            verdict = "met" if not excess else "NOT met: " + ", ".join(excess)
            lines.append(f"N={n}: describe/list calls no more than the floor's: {verdict}")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    try:
        head = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        head = "?"
    return (
        f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, "
        f"{platform.system()}; code {head}; load average {load} "
        "(other work on the machine skews timings)"
    )


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="N=16, one run, offline 1k only")
    parser.add_argument(
        "--peers",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run Prowler and Custodian (default: on in full mode, off with --quick)",
    )
    parser.add_argument("--sizes", default=None, help="cluster counts, e.g. 16,200")
    parser.add_argument("--runs", type=int, default=None, help="runs per tool (median), e.g. 3")
    parser.add_argument("--floor-workers", type=int, default=8, help="floor thread pool, e.g. 8")
    parser.add_argument(
        "--offline",
        default=None,
        help="offline sizes, e.g. 1000,5000,10000; 'none' to skip (default: 1000 quick, all full)",
    )
    parser.add_argument(
        "--stage-timeout", type=float, default=900, help="offline: seconds per stage, e.g. 900"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in (args.sizes or ("16" if args.quick else "16,200")).split(",")]
    runs = args.runs or (1 if args.quick else 3)
    with_peers = args.peers if args.peers is not None else not args.quick
    offline = args.offline or ("1000" if args.quick else "1000,5000,10000")

    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    bench_dir = ROOT / ".bench"
    bench_dir.mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"run-{stamp}-", dir=bench_dir))
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())

    all_results: dict[int, list[ToolResult]] = {}
    infos: dict[int, dict[str, Any]] = {}
    for n in sizes:
        all_results[n], infos[n] = bench_size(n, runs, with_peers, args.floor_workers, scratch)

    print(f"\naurora-scan benchmark, {started}; {machine()}")
    for n, info in infos.items():
        print(
            f"N={n}: {info['estate']} (seeded in {info['seed_seconds']} s; "
            f"moto gaps filled: {info['patch']})"
        )
    print()
    print(online_table(all_results))
    for n, results in all_results.items():
        print()
        print(calls_table(n, results))
    print("\nGoals:")
    print(goals(all_results))

    offline_rows: list[dict[str, Any]] = []
    if offline != "none":
        import scale_offline

        offline_rows = scale_offline.run(
            [int(s) for s in offline.split(",")],
            scratch / "offline",
            stage_timeout=args.stage_timeout,
            runs=runs,
        )
        print()
        print(scale_offline.table(offline_rows))
        print(scale_offline.goals(offline_rows))

    raw = {
        "started": started,
        "machine": machine(),
        "estates": infos,
        "online": {n: [asdict(r) for r in res] for n, res in all_results.items()},
        "offline": offline_rows,
    }
    out = bench_dir / f"results-{stamp}.json"
    out.write_text(json.dumps(raw, indent=1, default=str))
    print(f"\nraw figures: {out.relative_to(ROOT)}; tool output: {scratch.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
