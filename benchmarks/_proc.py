"""Peak RSS of a running process tree, read from /proc.

``os.wait4``'s ``ru_maxrss`` cannot be used for a child of a big process: on
Linux a forked child starts with its parent's high-water mark and exec keeps
it, so every tool would report at least the benchmark's own RSS (the moto
server with its estate, or a tiled 10k snapshot). ``VmHWM`` in
/proc/PID/status belongs to the process's own address space after exec, so
polling it (it only grows) while the process runs gives its true peak.
"""

from __future__ import annotations

import os
from pathlib import Path


def vm_hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (a tool may run helpers in subprocesses)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces.
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1:
            parents[int(entry)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        kids = [child for child, parent in parents.items() if parent == current]
        found.extend(kids)
        frontier.extend(kids)
    return found


class PeakRss:
    """Track the largest VmHWM seen for a process and its descendants, in KiB."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak: dict[int, int] = {}
        self._polls = 0

    def poll(self) -> None:
        pids = [self.pid]
        # Walking /proc costs a little CPU: look for helpers every 10th poll.
        if self._polls % 10 == 0:
            pids += descendants(self.pid)
            self._known = pids
        else:
            pids = getattr(self, "_known", pids)
        self._polls += 1
        for pid in pids:
            value = vm_hwm_kib(pid)
            if value > self.peak.get(pid, 0):
                self.peak[pid] = value

    @property
    def mib(self) -> float:
        """The largest single process of the tree (as ru_maxrss would have meant it)."""
        return round(max(self.peak.values(), default=0) / 1024, 1)
