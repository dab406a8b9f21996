"""A thread pool whose workers never hold the process up.

``concurrent.futures.ThreadPoolExecutor`` joins its workers when the ``with``
block ends and again at interpreter exit.  A worker blocked in a socket (an
endpoint that hangs, or drips a byte at a time so that no read timeout ever
fires) then keeps the scan alive past its deadline, and past Ctrl-C.  These
workers are daemon threads and ``shutdown`` never waits: the calling thread
decides when the collection is over, and a stuck call dies with the process.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_Task = tuple[Future[Any], Callable[[], Any]]


class DaemonPool:
    def __init__(self, workers: int, name: str = "aurora-scan") -> None:
        self._tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._shut = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        if self._shut:
            future.cancel()
        else:
            self._tasks.put((future, fn))
        return future

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None or self._shut:
                return
            future, fn = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn()
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self) -> None:
        """Start no queued task; do not wait for the running ones."""
        self._shut = True
        for _ in self._threads:
            self._tasks.put(None)

    def __enter__(self) -> DaemonPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
