"""Fixtures for the reliability suite: a real snapshot, CLI runners, the moto server.

* ``snapshot_file`` (session): one snapshot of a small seeded estate, collected
  over HTTP from the shared moto server and written by ``write_snapshot``; the
  file tests (bad files, determinism) evaluate it without touching moto again.
* ``run_cli``: ``aurora-scan ARGS`` in a fresh Python process (so a traceback
  would show on stderr exactly as a user would see it), with a given env.
* ``cli``: the same in-process (``scanner.cli.main``), much faster, for
  matrices of bad inputs; an uncaught exception fails the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

REPO = HERE.parent.parent


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no AWS profile or endpoint of the machine leaks in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "LC_", "LANG", "TZ")) and k != "PYTHONWARNINGS"
    }
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    env.update(extra or {})
    return env


def run_cli_process(
    args: list[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 240,
) -> Run:
    proc = subprocess.run(
        [sys.executable, "-c", "from scanner.cli import entry; entry()", *args],
        capture_output=True,
        text=True,
        env=clean_env(env),
        cwd=cwd,
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def run_cli() -> Any:
    return run_cli_process


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    from scanner.cli import main

    def call(args: list[str]) -> Run:
        capsys.readouterr()
        try:
            code = main(args)
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return call


@pytest.fixture(scope="session")
def snapshot_file(tmp_path_factory: pytest.TempPathFactory, moto_server: Any) -> Iterator[Path]:
    """A snapshot of a 4-cluster estate, collected once per test process."""
    from moto_helpers import REGION, seed_estate

    from scanner.collect.runner import CollectOptions, collect
    from scanner.snapshot_file import write_snapshot

    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    try:
        moto_server.reset()
        seed_estate(moto_server.client, clusters=4)
        snapshot = collect(CollectOptions(regions=(REGION,), endpoint_url=moto_server.url))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert snapshot.errors == (), snapshot.errors
    path = tmp_path_factory.mktemp("snapshot") / "snapshot.json"
    write_snapshot(snapshot, path)
    yield path


# ----- a seeded estate and its clean baseline, shared while moto keeps it ----------


@pytest.fixture(scope="session")
def policy_set() -> Any:
    from scanner.policy.loader import load_policies

    return load_policies()


@pytest.fixture
def estate(moto_server: Any, aws_env: None, policy_set: Any) -> Any:
    """The 4-cluster estate on the moto server and its clean snapshot and result."""
    from moto_helpers import REGION, seed_estate
    from rel_support import ESTATES, Estate, estate_still_there

    from scanner.collect.runner import CollectOptions, collect
    from scanner.policy.engine import evaluate

    cached = ESTATES.get("estate")
    if cached is not None and estate_still_there(moto_server, cached):
        return cached
    moto_server.reset()
    seeded = seed_estate(moto_server.client, clusters=4)
    clean = collect(CollectOptions(regions=(REGION,), endpoint_url=moto_server.url))
    assert clean.errors == (), clean.errors
    ESTATES["estate"] = Estate(seeded, moto_server.url, clean, evaluate(clean, policy_set))
    return ESTATES["estate"]
