"""A start-up cache: the loaded policy set and the known regions, keyed by their inputs.

Reading and validating the catalogue (YAML, JSON Schema, compiling every
expression) is most of what `scan` does before its first API call, and it
gives the same answer until a policy file changes.  The validated
``PolicySet`` is therefore pickled into the user's cache directory under a
key made of everything it depends on: the aurora-scan version, the source
files of ``scanner/policy`` (size and modification time, so an edited
checkout never reuses a stale set), the working directory (paths in messages
are shown relative to it) and every byte of every file under each policy
directory.  Any change is a new key; a cache that cannot be read or written
is ignored.  Only a set that loaded without a single problem is stored, so
bad policies are reported exactly as without the cache.

The cache directory is ``$AURORA_SCAN_CACHE_DIR``, else
``$XDG_CACHE_HOME/aurora-scan``, else ``~/.cache/aurora-scan``; it is created
0700 and an entry is only read when the current user owns it (a pickle runs
code when loaded).  ``AURORA_SCAN_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from scanner import __version__
from scanner.atomic_write import FileMode, write_bytes
from scanner.paths import builtin_policies_dir

if TYPE_CHECKING:
    from scanner.policy.loader import PolicySet

T = TypeVar("T")
_FORMAT = b"aurora-scan-startup-cache-1"


def cache_dir() -> Path | None:
    if os.environ.get("AURORA_SCAN_NO_CACHE"):
        return None
    explicit = os.environ.get("AURORA_SCAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aurora-scan"


def _source_stamp(digest: hashlib._Hash, package_dir: Path) -> None:
    for source in sorted(package_dir.glob("*.py")):
        stat = source.stat()
        digest.update(f"{source.name}:{stat.st_size}:{stat.st_mtime_ns}\0".encode())


def _tree(digest: hashlib._Hash, root: Path) -> bool:
    """Hash every file under ``root`` (names and bytes); False when it is not a directory."""
    if not root.is_dir():
        return False
    digest.update(f"root:{root.resolve()}\0".encode())
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return True


def _read(path: Path) -> object | None:
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_uid != os.getuid():
                return None  # someone else's file: never unpickled
            if handle.read(len(_FORMAT)) != _FORMAT:
                return None
            value: object = pickle.load(handle)
            return value
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None


def _write(path: Path, value: object) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_bytes(path, _FORMAT + pickle.dumps(value, pickle.HIGHEST_PROTOCOL), FileMode.PRIVATE)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # a cache that cannot be written only costs the next run its load


def cached(kind: str, key: str, build: Callable[[], T], accept: type) -> T:
    """``build()``, or the value stored under (kind, key) when it is an ``accept``."""
    directory = cache_dir()
    if directory is None:
        return build()
    path = directory / f"{kind}-{key}.pickle"
    value = _read(path)
    if isinstance(value, accept):
        return value  # type: ignore[return-value]
    built = build()
    _write(path, built)
    return built


def load_policies_cached(extra_dirs: Sequence[Path]) -> PolicySet:
    """``load_policies(extra_dirs)``, from the cache when no input changed."""
    from scanner.policy import loader

    digest = hashlib.sha256(f"{__version__}\0{sys.version}\0{os.getcwd()}\0".encode())
    try:
        _source_stamp(digest, Path(loader.__file__).parent)
        roots = [builtin_policies_dir(), *(Path(d) for d in extra_dirs)]
        complete = all(_tree(digest, root) for root in roots)
    except OSError:
        complete = False
    if not complete:
        # A missing or unreadable directory: the loader says what is wrong.
        return loader.load_policies(extra_dirs)
    return cached(
        "policies", digest.hexdigest(), lambda: loader.load_policies(extra_dirs), loader.PolicySet
    )


def known_regions_cached(build: Callable[[], frozenset[str]]) -> frozenset[str]:
    """The regions botocore knows, cached per botocore version (its JSON is ~1 MB)."""
    try:
        import botocore

        key = hashlib.sha256(f"{botocore.__version__}:{botocore.__file__}".encode()).hexdigest()
    except ImportError:
        return build()
    return cached("regions", key, build, frozenset)
