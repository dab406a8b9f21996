"""scanner/logging_setup.py and scanner/progress.py: stderr only, TTY-aware, JSON on demand."""

from __future__ import annotations

import io
import json
import logging

from scanner.collect.options import ProgressEvent
from scanner.logging_setup import configure_logging, get_logger, level_for
from scanner.model import Resource, Snapshot
from scanner.progress import Progress, format_duration, time_left


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_levels_follow_the_flags() -> None:
    assert level_for(quiet=True, verbose=0) == logging.ERROR
    assert level_for(quiet=False, verbose=0) == logging.WARNING
    assert level_for(quiet=False, verbose=1) == logging.INFO
    assert level_for(quiet=False, verbose=2) == logging.DEBUG


def test_json_lines_carry_level_logger_message_and_extras() -> None:
    stream = io.StringIO()
    configure_logging(verbose=1, log_format="json", stream=stream)
    get_logger("scan").info("collected %d resources", 3, extra={"region": "eu-west-1"})
    record = json.loads(stream.getvalue())
    assert record["level"] == "info"
    assert record["logger"] == "aurora_scan.scan"
    assert record["message"] == "collected 3 resources"
    assert record["region"] == "eu-west-1"
    assert record["time"].endswith("+00:00")


def test_text_lines_and_quiet() -> None:
    stream = io.StringIO()
    configure_logging(verbose=1, stream=stream)
    get_logger().info("hello")
    get_logger().warning("careful")
    assert stream.getvalue() == "aurora-scan: hello\naurora-scan: warning: careful\n"
    quiet = io.StringIO()
    configure_logging(quiet=True, stream=quiet)
    get_logger().warning("hidden")
    assert quiet.getvalue() == ""


def test_module_loggers_share_the_configuration() -> None:
    stream = io.StringIO()
    configure_logging(verbose=1, log_format="json", stream=stream)
    logging.getLogger("scanner.collect.runner").info("from a module")
    assert json.loads(stream.getvalue())["logger"] == "scanner.collect.runner"


def test_configuring_twice_does_not_duplicate_lines() -> None:
    stream = io.StringIO()
    configure_logging(verbose=1, stream=stream)
    configure_logging(verbose=1, stream=stream)
    get_logger().info("once")
    assert stream.getvalue().count("once") == 1


def _event(region: str, count: int, done: int) -> ProgressEvent:
    return ProgressEvent("123456789012", region, "aws.rds.db_cluster", count, done, 3)


def _snapshot() -> Snapshot:
    resources = tuple(
        Resource(f"arn:{i}", "aws.rds.db_cluster", "123456789012", region, {})
        for i, region in enumerate(["us-east-1", "us-east-1", "eu-west-1"])
    )
    return Snapshot(
        collected_at="2026-11-28T00:00:00Z",
        accounts=("123456789012",),
        regions=("us-east-1", "eu-west-1"),
        resources=resources,
    )


def test_progress_redraws_per_region_on_a_terminal() -> None:
    configure_logging(stream=io.StringIO())
    tty = _Tty()
    progress = Progress(tty)
    assert progress.live
    progress.collected(_event("us-east-1", 2, 1))
    progress.collected(_event("eu-west-1", 1, 2))
    progress.collection_finished(_snapshot())
    text = tty.getvalue()
    assert "\raurora-scan: collecting 2/3 calls  eu-west-1: 1  us-east-1: 2" in text
    assert "aurora-scan: collected 3 resources in " in text
    assert text.endswith("(eu-west-1 1, us-east-1 2)\n")


def test_progress_is_silent_when_not_a_terminal() -> None:
    configure_logging(stream=io.StringIO())
    plain = io.StringIO()
    progress = Progress(plain)
    assert not progress.live
    progress.collected(_event("us-east-1", 2, 1))
    progress.status("evaluating")
    progress.collection_finished(_snapshot())
    progress.finished()
    assert plain.getvalue() == ""


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_estimates_the_time_left_from_the_rate_so_far() -> None:
    configure_logging(stream=io.StringIO())
    tty = _Tty()
    progress = Progress(tty)
    clock = _Clock()
    progress._clock = clock
    progress._started = clock.now
    # Two calls in: too few to estimate.
    for done in (1, 2):
        clock.now += 1.0
        progress.collected(ProgressEvent("1", "us-east-1", "aws.rds.db_cluster", 1, done, 10))
    assert "left" not in tty.getvalue()
    # Four of ten done in 4 s: 6 to go at 1 s each.
    for done in (3, 4):
        clock.now += 1.0
        progress.collected(ProgressEvent("1", "us-east-1", "aws.rds.db_cluster", 1, done, 10))
    assert "collecting 4/10 calls, ~6s left" in tty.getvalue()


def test_time_left_and_its_format() -> None:
    assert time_left(0, 10, 5.0) is None
    assert time_left(5, 10, 10.0) == 10.0
    assert time_left(10, 10, 3.0) == 0.0
    assert [format_duration(s) for s in (0.4, 7, 125, 3840)] == ["0s", "7s", "2m05s", "1h04m"]


def test_seeding_shows_its_steps_and_an_estimate() -> None:
    configure_logging(stream=io.StringIO())
    tty = _Tty()
    progress = Progress(tty)
    clock = _Clock()
    progress._clock = clock
    for done in range(1, 6):
        progress.seeding(f"cluster c{done}", done, 20)
        clock.now += 0.5
    text = tty.getvalue()
    assert "seeding the sample estate 1/20  cluster c1" in text
    assert "seeding the sample estate 5/20, ~6s left  cluster c5" in text
    quiet = io.StringIO()
    Progress(quiet).seeding("keys", 1, 20)
    assert quiet.getvalue() == ""
