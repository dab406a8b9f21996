"""scanner/logging_setup.py and scanner/progress.py: stderr only, TTY-aware, JSON on demand."""

from __future__ import annotations

import io
import json
import logging

from scanner.collect.options import ProgressEvent
from scanner.logging_setup import configure_logging, get_logger, level_for
from scanner.model import Resource, Snapshot
from scanner.progress import Progress


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
    assert "\raurora-scan: collecting 2/3 tasks  eu-west-1: 1  us-east-1: 2" in text
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
