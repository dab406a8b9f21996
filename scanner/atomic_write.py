"""The one way the scanner writes a file: atomically, with a deliberate mode.

``atomic_file(path, mode)`` yields a binary handle on a temporary file in the
target's directory and renames it over ``path`` when the block succeeds, so
a reader never sees half a file, and a symlink planted at ``path`` is
replaced, never followed (``rename`` acts on the name).  On any error, and
on SIGTERM or SIGHUP once ``remove_temporaries_on_signal`` is installed, the
temporary is removed: an interrupted write leaves the old file or nothing.

Two modes, chosen by what the file holds:

* ``FileMode.PRIVATE`` (0600): snapshots and results.json, raw account data
  (names, tags, network layout) that only the scan's owner should read.
* ``FileMode.SHARED`` (0666 less the umask): reports meant to be published,
  as any other file the user creates (an 077 umask keeps them private).
"""

from __future__ import annotations

import contextlib
import enum
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import IO

from scanner.errors import UserInputError


class FileMode(enum.Enum):
    PRIVATE = "private"
    SHARED = "shared"


def _read_umask() -> int:
    # Read-only on Linux; elsewhere set-and-restore (once, at import, before
    # any worker thread exists).
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def permissions(mode: FileMode) -> int:
    if mode is FileMode.PRIVATE:
        return 0o600
    return 0o666 & ~_read_umask()


# Temporaries being written now: removed by the signal handler.
_pending: set[str] = set()
_pending_dirs: set[str] = set()  # staging directories, removed whole
_pending_lock = threading.Lock()


@contextlib.contextmanager
def atomic_file(
    path: str | os.PathLike[str], mode: FileMode, *, durable: bool = False
) -> Iterator[IO[bytes]]:
    """A handle whose content replaces ``path`` atomically when the block ends.

    ``durable`` fsyncs before the rename (a snapshot that took an hour to
    collect must survive a crash right after "wrote").  The caller creates
    the directory; errors (``OSError``) propagate after the temporary is gone.
    """
    target = Path(path)
    tmp = _register(target)
    try:
        # Registered before it exists: a signal between creating and
        # registering would otherwise leave it behind.
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600
        )
    except BaseException:
        _unregister(tmp)
        raise
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fchmod(handle.fileno(), permissions(mode))
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        _unregister(tmp)


def _register(target: Path) -> str:
    """A fresh hidden name beside ``target``, recorded as pending."""
    while True:
        tmp = str(target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp")
        with _pending_lock:
            if tmp not in _pending and not os.path.lexists(tmp):
                _pending.add(tmp)
                return tmp


def _unregister(tmp: str) -> None:
    with _pending_lock:
        _pending.discard(tmp)


@contextlib.contextmanager
def staging_directory(parent: Path, prefix: str) -> Iterator[Path]:
    """A hidden directory inside ``parent`` for files that are moved into place
    together; removed when the block ends, and by the signal handler.

    The name is recorded before the directory exists, so a signal at any moment
    leaves nothing behind.
    """
    while True:
        path = str(parent / f"{prefix}{secrets.token_hex(6)}")
        with _pending_lock:
            if path not in _pending_dirs and not os.path.lexists(path):
                _pending_dirs.add(path)
                break
    try:
        os.mkdir(path, 0o700)
        yield Path(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)
        with _pending_lock:
            _pending_dirs.discard(path)


def write_bytes(
    path: str | os.PathLike[str], data: bytes, mode: FileMode, *, durable: bool = False
) -> None:
    with atomic_file(path, mode, durable=durable) as handle:
        handle.write(data)


def write_private_output(path: Path, text: str, what: str) -> None:
    """Write a verb's ``--output`` file (``what``: "the diff", "the graph") atomically
    and privately, replacing rather than following a symlink there: such files name
    the account's resources.  A failure is one line naming ``--output``, exit 2."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, text, FileMode.PRIVATE)
    except OSError as exc:
        raise UserInputError(
            f"cannot write {what}: {exc.strerror or exc}",
            location="--output",
            file=str(path),
            hint="choose a writable file path",
        ) from None


def write_text(path: str | os.PathLike[str], text: str, mode: FileMode) -> None:
    # backslashreplace only fires on lone surrogates (unencodable in UTF-8).
    write_bytes(path, text.encode("utf-8", errors="backslashreplace"), mode)


def _remove_pending() -> None:
    # No lock: the handler may interrupt a holder of it; set() copies atomically.
    for tmp in set(_pending):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    for directory in set(_pending_dirs):
        shutil.rmtree(directory, ignore_errors=True)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _remove_pending()
    # Then die of the same signal, as without the handler: a scheduler sees
    # "killed by SIGTERM", and no worker thread can delay the exit.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def remove_temporaries_on_signal() -> None:
    """Install the handler (main thread only; elsewhere Python refuses it)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) in (signal.SIG_DFL, None):
            signal.signal(signum, _on_signal)
