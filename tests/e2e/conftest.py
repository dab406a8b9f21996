"""One seeded moto server and one pair of scans, shared by every e2e test.

Under pytest-xdist every worker would otherwise seed and scan again: the
first worker does the work under a file lock and leaves the outputs in the
shared temp directory; the others read them.
"""

from __future__ import annotations

import fcntl
import json
import os

import pytest
from e2e_support import E2E, CliRun, produce


@pytest.fixture(scope="session")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> E2E:
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by every worker of this run
    root = base / "e2e-estate"
    root.mkdir(exist_ok=True)
    with open(root.parent / "e2e-estate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (root / "done").exists():
                produce(root)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

    def load(name: str) -> CliRun:
        return CliRun(**json.loads((root / f"{name}.run.json").read_text()))

    return E2E(
        estate=json.loads((root / "estate.json").read_text()),
        full=load("full"),
        full_dir=root / "full",
        quiet=load("quiet"),
        quiet_dir=root / "quiet",
    )
