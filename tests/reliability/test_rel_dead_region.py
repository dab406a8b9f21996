"""Item 3: a region or endpoint that does not answer.

The runner sends every region to one ``--endpoint-url``, so a dead region is
simulated by the fault proxy (recipe D), which routes on the region of the
SigV4 credential scope: eu-west-1 either hangs (the proxy accepts, reads the
request and never replies) or resets the connection (what a refusing or
crashed endpoint looks like to the client), while us-east-1 is forwarded to
the moto server.  A whole endpoint that refuses or hangs is tested too.

Time bound (see docs/reliability.md): one call to a dead endpoint costs at most
``max_attempts * (connect_timeout or read_timeout) + backoff`` where botocore's
backoff before retry i is at most min(20, 2**i) seconds; the tasks of the dead
region run on ``max_workers`` threads.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import pytest
from faults import FaultProxy, HangingListener, refused_url
from moto_helpers import REGION
from rel_support import findings_by_key

from scanner.collect.registry import LISTED
from scanner.collect.runner import CollectOptions, collect
from scanner.errors import UserInputError
from scanner.policy.engine import evaluate
from scanner.result_file import read_result

DEAD = "eu-west-1"
TIMEOUT = 1.0
ATTEMPTS = 2
WORKERS = 8


def backoff_budget(attempts: int) -> float:
    """botocore's longest total sleep between ``attempts`` tries (standard/adaptive)."""
    return float(sum(min(20, 2**i) for i in range(attempts - 1)))


def call_budget(attempts: int, timeout: float) -> float:
    """The longest one call to a dead endpoint can take."""
    return attempts * timeout + backoff_budget(attempts)


def scan_budget(tasks: int, workers: int, attempts: int, timeout: float) -> float:
    """The dead region's tasks in waves of ``workers``, each wave one call budget."""
    return math.ceil(tasks / workers) * call_budget(attempts, timeout)


@pytest.mark.parametrize("mode", ["hang", "reset"])
def test_a_dead_region_is_a_gap_and_the_other_region_completes(
    estate: Any, policy_set: Any, mode: str
) -> None:
    options = CollectOptions(
        regions=(REGION, DEAD),
        connect_timeout=TIMEOUT,
        read_timeout=TIMEOUT,
        max_attempts=ATTEMPTS,
        max_workers=WORKERS,
    )
    with FaultProxy(estate.url, regions={DEAD: mode}) as proxy:
        from dataclasses import replace

        started = time.monotonic()
        snapshot = collect(replace(options, endpoint_url=proxy.url))
        elapsed = time.monotonic() - started
    assert proxy.faults, "the dead region was never called"

    # Every listed type of the dead region is recorded as a gap, naming the region.
    dead_errors = [e for e in snapshot.errors if e.region == DEAD]
    gaps = {t for e in dead_errors for t in e.resource_types}
    assert {s.type for s in LISTED} <= gaps, sorted({s.type for s in LISTED} - gaps)
    assert not [e for e in snapshot.errors if e.region != DEAD], snapshot.errors
    assert DEAD in snapshot.regions

    # The live region is complete: same resources, same findings as the clean scan.
    live = [r for r in snapshot.resources if r.region == REGION]
    assert sorted(r.id for r in live) == sorted(r.id for r in estate.clean.resources)
    result = evaluate(snapshot, policy_set)
    clean = findings_by_key(estate.clean_result)
    now = {k: v for k, v in findings_by_key(result).items() if v["region"] == REGION}
    assert now == clean

    # Bounded: the dead region's tasks, in waves, each at most one call budget,
    # plus the live scan (measured clean-scan time is a few seconds here).
    bound = scan_budget(len(LISTED), WORKERS, ATTEMPTS, TIMEOUT) + 30
    assert elapsed < bound, (elapsed, bound)


def test_a_whole_endpoint_refusing_connections_is_a_clear_error_fast(aws_env: None) -> None:
    options = CollectOptions(
        regions=(REGION,), endpoint_url=refused_url(), connect_timeout=TIMEOUT, max_attempts=3
    )
    started = time.monotonic()
    with pytest.raises(UserInputError, match="cannot identify the AWS caller"):
        collect(options)
    assert time.monotonic() - started < call_budget(3, TIMEOUT) + 5


def test_a_whole_endpoint_that_never_replies_is_a_clear_error_in_bounded_time(
    aws_env: None,
) -> None:
    with HangingListener() as listener:
        options = CollectOptions(
            regions=(REGION,),
            endpoint_url=listener.url,
            connect_timeout=TIMEOUT,
            read_timeout=TIMEOUT,
            max_attempts=ATTEMPTS,
        )
        started = time.monotonic()
        with pytest.raises(UserInputError, match="cannot identify the AWS caller"):
            collect(options)
        elapsed = time.monotonic() - started
    assert elapsed < call_budget(ATTEMPTS, TIMEOUT) + 5, elapsed


def test_the_cli_reports_a_refusing_endpoint_in_one_line(tmp_path: Path, run_cli: Any) -> None:
    started = time.monotonic()
    run = run_cli(
        [
            "scan",
            "--region",
            REGION,
            "--endpoint-url",
            refused_url(),
            "--max-attempts",
            "2",
            "--output-dir",
            str(tmp_path / "out"),
            "--no-progress",
        ],
        cwd=tmp_path,
    )
    assert run.code == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert "cannot identify the AWS caller" in run.stderr
    assert not (tmp_path / "out" / "results.json").exists()
    # Connection refused is immediate; the default 5 s connect timeout never applies.
    assert time.monotonic() - started < 60


def test_listings_after_a_hanging_service_are_skipped(estate: Any) -> None:
    """After a read timeout outlasts the retries, the rest of that service is skipped."""
    from dataclasses import replace

    options = CollectOptions(
        regions=(REGION, DEAD),
        connect_timeout=0.5,
        read_timeout=0.5,
        max_attempts=1,
        max_workers=2,
    )
    with FaultProxy(estate.url, regions={DEAD: "hang"}) as proxy:
        snapshot = collect(replace(options, endpoint_url=proxy.url))
    codes = [e.error_code for e in snapshot.errors if e.region == DEAD]
    assert "RegionUnreachable" in codes, codes
    # Fewer requests reached the dead region than it has listings.
    assert sum(n for (region, _op), n in proxy.seen.items() if region == DEAD) < len(LISTED)


def test_the_cli_scan_of_a_hanging_region_ends_within_its_timeouts(
    estate: Any, tmp_path: Path, run_cli: Any
) -> None:
    """``aurora-scan scan`` with --connect-timeout/--read-timeout: a gap, exit 3, bounded."""

    with FaultProxy(estate.url, regions={DEAD: "hang"}) as proxy:
        started = time.monotonic()
        run = run_cli(
            [
                "scan",
                "--region",
                REGION,
                "--region",
                DEAD,
                "--endpoint-url",
                proxy.url,
                "--connect-timeout",
                "1",
                "--read-timeout",
                "1",
                "--max-attempts",
                "2",
                "--fail-on",
                "none",
                "--format",
                "json",
                "--output-dir",
                str(tmp_path / "out"),
                "--no-progress",
            ],
            cwd=tmp_path,
        )
        elapsed = time.monotonic() - started
    assert run.code == 3, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    results = read_result(tmp_path / "out" / "results.json").to_dict()
    assert {e["region"] for e in results["errors"]} == {DEAD}
    assert {f["region"] for f in results["findings"]} == {REGION}
    # Process start-up and the live region, plus one wave of dead calls.
    assert elapsed < call_budget(2, 1.0) * math.ceil(len(LISTED) / 8) + 60, elapsed
