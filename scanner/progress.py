"""Progress on stderr for collect, scan and demo: redrawn on a terminal, silent elsewhere.

The status line shows calls done out of the calls known so far and, once a
few have finished, an estimate of the time left (the rate so far applied to
the calls still to do).  The total grows while listings reveal dependent
calls (a cluster's parameter group, its snapshots), so the estimate is
recomputed on every redraw rather than promised up front.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import IO

from scanner.collect.options import ProgressEvent
from scanner.logging_setup import get_logger
from scanner.model import Snapshot
from scanner.terminal import visible

log = get_logger("progress")

# An estimate from fewer finished tasks, or less time, than this is noise.
MIN_TASKS_FOR_ESTIMATE = 3
MIN_SECONDS_FOR_ESTIMATE = 0.5


def format_duration(seconds: float) -> str:
    """``7s``, ``2m05s``, ``1h04m``: short enough for a status line."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def time_left(done: int, total: int, elapsed: float) -> float | None:
    """Seconds left at the rate so far, or None while there is too little to go on."""
    if done < MIN_TASKS_FOR_ESTIMATE or elapsed < MIN_SECONDS_FOR_ESTIMATE or total <= done:
        return None if total > done else 0.0
    return elapsed / done * (total - done)


class Progress:
    """Resources collected per region, and the evaluation stage, on stderr.

    On a terminal one status line is redrawn in place; elsewhere nothing is
    drawn and the per-region totals become INFO log lines (shown with -v).
    Collector callbacks may come from worker threads.
    """

    def __init__(self, stream: IO[str] | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = _is_tty(self.stream) if enabled is None else enabled
        self._lock = threading.Lock()
        self._per_region: dict[str, int] = defaultdict(int)
        # The runner counts tasks per stage (accounts, listings, dependents);
        # the display adds the finished stages so the counter never goes back.
        self._stage_total = 0
        self._base = 0
        self._done = 0
        self._total = 0
        self._started = time.monotonic()
        self._width = 0
        self._clock: Callable[[], float] = time.monotonic
        self._seed_started = self._started

    def collected(self, event: ProgressEvent) -> None:
        with self._lock:
            self._per_region[event.region] += event.count
            if event.total != self._stage_total and event.done == 1:
                self._base += self._stage_total
                self._stage_total = event.total
            self._done, self._total = self._base + event.done, self._base + event.total
            log.debug(
                "collected %d %s in %s/%s",
                event.count,
                event.resource_type,
                event.account,
                event.region,
                extra={
                    "account": event.account,
                    "region": event.region,
                    "resource_type": event.resource_type,
                    "count": event.count,
                },
            )
            if self.live:
                regions = "  ".join(
                    f"{r}: {n}" for r, n in sorted(self._per_region.items()) if r != "*"
                )
                eta = self._eta(self._done, self._total, self._started)
                self._draw(f"collecting {self._done}/{self._total} calls{eta}  {regions}")

    def collection_finished(self, snapshot: Snapshot) -> None:
        elapsed = time.monotonic() - self._started
        per_region: dict[str, int] = defaultdict(int)
        for resource in snapshot.resources:
            per_region[resource.region] += 1
        self._end_line()
        for region, count in sorted(per_region.items()):
            log.info("collected %d resources in %s", count, region, extra={"region": region})
        text = ", ".join(f"{r} {n}" for r, n in sorted(per_region.items()))
        message = (
            f"collected {len(snapshot.resources)} resources in {elapsed:.1f}s ({text or 'none'})"
        )
        if snapshot.errors:
            message += f"; {len(snapshot.errors)} collection errors"
        if self.live:
            self.stream.write(f"aurora-scan: {visible(message)}\n")
        else:
            log.info(message)
        for error in snapshot.errors:
            log.warning(
                "could not collect %s in %s/%s: %s %s",
                ", ".join(error.resource_types) or error.operation,
                error.account,
                error.region,
                error.error_code,
                error.message,
            )

    def evaluating(self) -> None:
        # A whole line: the evaluation's own summary follows on the next one.
        if self.live:
            self._end_line()
            self.stream.write("aurora-scan: evaluating policies ...\n")
            self.stream.flush()
        else:
            log.info("evaluating policies")

    def finished(self) -> None:
        """Clear the status line, so whatever the verb prints next starts on a clean line."""
        self._end_line()

    def seeding(self, step: str, done: int, total: int) -> None:
        """The demo's seeder finished step ``done`` of ``total`` (a callback of the seeder)."""
        if done == 1:
            self._seed_started = self._clock()
        if self.live:
            eta = self._eta(done, total, self._seed_started)
            self._draw(f"seeding the sample estate {done}/{total}{eta}  {step}")
        else:
            log.info("seeded %s (%d/%d)", step, done, total)

    def _eta(self, done: int, total: int, since: float) -> str:
        left = time_left(done, total, self._clock() - since)
        return "" if left is None else f", ~{format_duration(left)} left"

    def status(self, text: str) -> None:
        """Show a stage name (terminal only)."""
        if self.live:
            self._draw(f"{text} ...")

    def _draw(self, text: str) -> None:
        line = f"aurora-scan: {visible(text)}"
        pad = max(0, self._width - len(line))
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._width = len(line)

    def _end_line(self) -> None:
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def progress_for(args: argparse.Namespace) -> Progress:
    """The display a verb's flags ask for: live on a terminal unless --quiet,
    --no-progress or JSON logs (a log shipper reads stderr: no carriage-return redraws)."""
    silent = args.quiet or getattr(args, "no_progress", False) or args.log_format == "json"
    return Progress(enabled=False if silent else None)
