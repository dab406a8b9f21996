"""The demo pipeline: embedded moto, sample estate, full scan, every report format.

Runs the real stages (collect -> evaluate -> render) against a moto server in
this process.  The user's AWS environment is never read: fake credentials and
the explicit endpoint are set for the duration of the run and restored after.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scanner import report
from scanner.collect.options import CollectOptions, ProgressEvent
from scanner.collect.runner import collect
from scanner.demo.estate import (
    CLUSTERS,
    NEPTUNE_CLUSTER,
    SeededEstate,
    SeedProgress,
    isolated_aws_config,
)
from scanner.demo.gaps import seed_demo_estate
from scanner.demo.server import EmbeddedMoto
from scanner.model import ScanResult, Severity, Snapshot
from scanner.policy.config import Config
from scanner.policy.engine import evaluate
from scanner.policy.loader import load_policies
from scanner.redact import redacted_command_line

ALL_FORMATS = ("json", "sarif", "html", "junit", "md")
DEFAULT_OUTPUT_DIR = Path("demo-output")

# aurora.resources.required_tags is off until a tag list is configured; the
# demo turns it on, as a team would in its aurora-scan.yml.
DEMO_PARAMS = {"aurora.resources.required_tags": {"required": ["owner", "environment"]}}


def demo_config(fail_on: Severity | None = None) -> Config:
    """The demo ignores ./aurora-scan.yml: its estate and settings are fixed.

    The gate is recorded as the demo applies it (``--fail-on``, default none;
    an incomplete scan never fails it), so `aurora-scan report` on the demo's
    results.json exits as the demo did.
    """
    return Config(params=DEMO_PARAMS, fail_on=fail_on, allow_incomplete=True)


@dataclass
class DemoOutcome:
    estate: SeededEstate
    snapshot: Snapshot
    result: ScanResult
    reports: dict[str, Path]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def heading(self) -> str:
        instances = sum(len(c.instances) for c in CLUSTERS)
        regions = ", ".join(self.estate.regions)
        return (
            f"aurora-scan demo: {len(CLUSTERS)} Aurora clusters (+ Neptune cluster "
            f"{NEPTUNE_CLUSTER}), {instances} instances, {len(self.snapshot.resources)} "
            f"resources in {regions}, scanned with {len(self.result.policies)} policies "
            f"on a moto server at {self.estate.endpoint_url}"
        )


def run_demo(
    output_dir: Path,
    *,
    formats: tuple[str, ...] = ALL_FORMATS,
    progress: Callable[[ProgressEvent], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_seed: SeedProgress | None = None,
    fail_on: Severity | None = None,
) -> DemoOutcome:
    """Start moto, seed, scan with the full catalogue, render; always stop moto."""

    def stage(name: str) -> None:
        if on_stage is not None:
            on_stage(name)

    timings: dict[str, float] = {}
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        timings[name] = now - clock
        clock = now

    # Load the catalogue first: a broken policy should fail before moto starts.
    policy_set = load_policies()
    with isolated_aws_config(), EmbeddedMoto() as server:
        lap("start")
        stage("seeding the sample estate")
        estate = seed_demo_estate(server.endpoint_url, on_seed)
        lap("seed")
        stage("collecting")
        snapshot = collect(
            CollectOptions(
                regions=estate.regions, endpoint_url=server.endpoint_url, progress=progress
            )
        )
        lap("collect")
    stage("evaluating")
    result = evaluate(
        snapshot, policy_set, config=demo_config(fail_on), command_line=redacted_command_line()
    )
    lap("evaluate")
    stage("rendering")
    reports = report.render(result, formats, output_dir)
    lap("render")
    return DemoOutcome(estate, snapshot, result, reports, timings)
