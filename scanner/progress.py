"""Progress on stderr for collect, scan and demo: redrawn on a terminal, silent elsewhere."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import defaultdict
from typing import IO

from scanner.collect.options import ProgressEvent
from scanner.logging_setup import get_logger
from scanner.model import Snapshot
from scanner.terminal import visible

log = get_logger("progress")


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
                self._draw(f"collecting {self._done}/{self._total} tasks  {regions}")

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
