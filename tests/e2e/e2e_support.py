"""Shared pieces of the end-to-end tests: the estate server and the scan runs.

The sample estate is served by ``estate_server.py`` in a child process (moto's
state is process-global, so it must not live in a pytest worker).  The scans
run through the real CLI in this process.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.result_file import read_result

HERE = Path(__file__).parent
REPO = HERE.parent.parent


@dataclass(frozen=True)
class CliRun:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class E2E:
    estate: dict[str, Any]  # SeededEstate as a dict (names -> ARNs)
    full: CliRun  # scan -v --log-format json, every format, --snapshot-out
    full_dir: Path
    quiet: CliRun  # scan --quiet --format json
    quiet_dir: Path

    @property
    def results(self) -> dict[str, Any]:
        data: dict[str, Any] = read_result(self.full_dir / "results.json").to_dict()
        return data

    def arn(self, name: str) -> str:
        for kind in ("clusters", "instances", "snapshots", "global_clusters"):
            if name in self.estate[kind]:
                return str(self.estate[kind][name])
        raise KeyError(name)


@contextlib.contextmanager
def estate_server() -> Iterator[tuple[str, dict[str, Any]]]:
    with tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "estate_server.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=REPO,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                code = proc.wait(timeout=10)
                errors.seek(0)
                raise RuntimeError(f"estate server exited with {code}:\n{errors.read()[-4000:]}")
            estate = json.loads(line)
            yield estate["endpoint_url"], estate
        finally:
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_cli(argv: list[str]) -> CliRun:
    from scanner.cli import main
    from scanner.demo.estate import isolated_aws_config
    from scanner.logging_setup import reset_logging

    out, err = io.StringIO(), io.StringIO()
    try:
        with (
            isolated_aws_config(),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = main(argv)
    finally:
        reset_logging()  # leave this worker's logging as pytest set it up
    return CliRun(code, out.getvalue(), err.getvalue())


def produce(root: Path) -> None:
    with estate_server() as (url, estate):
        regions = [arg for region in estate["regions"] for arg in ("--region", region)]
        common = ["scan", *regions, "--endpoint-url", url]
        full = run_cli(
            [
                *common,
                "--output-dir",
                str(root / "full"),
                "--format",
                "json,sarif,html,junit,md",
                "--snapshot-out",
                str(root / "full" / "snapshot.json"),
                "--config",
                str(HERE / "e2e-config.yml"),
                "--log-format",
                "json",
                "-v",
            ]
        )
        quiet = run_cli(
            [
                *common,
                "--output-dir",
                str(root / "quiet"),
                "--format",
                "json",
                # Output behaviour only: collecting clusters is enough.
                "--resource-types",
                "aws.rds.db_cluster",
                "--quiet",
            ]
        )
    (root / "estate.json").write_text(json.dumps(estate))
    for name, run in (("full", full), ("quiet", quiet)):
        (root / f"{name}.run.json").write_text(json.dumps(run.__dict__))
    (root / "done").write_text("ok")
