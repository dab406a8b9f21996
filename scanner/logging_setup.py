"""Logging for the long-running verbs (scan, demo): stderr only, text or JSON lines.

Machine output (reports, JSON on stdout) never goes through logging, so a
pipeline that reads stdout or the output directory never sees a log line.
``--quiet`` keeps errors only, ``--verbose`` adds per-task detail (INFO, and
DEBUG from our own modules when given twice), ``--log-format json`` writes one
JSON object per line for log shippers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from typing import IO, Any

from scanner.redact import RedactingFilter, redact
from scanner.terminal import visible

LOGGER_NAME = "aurora_scan"
LOG_FORMATS = ("text", "json")

# Third-party loggers that are chatty at INFO (every HTTP request, every retry).
_NOISY = ("botocore", "boto3", "urllib3", "werkzeug", "moto")


def add_logging_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output on the terminal")
    noise = group.add_mutually_exclusive_group()
    noise.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print errors only: no progress and no summary on stderr, e.g. --quiet in cron jobs",
    )
    noise.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more detail on stderr: each collector task (-v), debug messages (-vv), e.g. -v",
    )
    group.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="text",
        help="log lines on stderr as plain text or one JSON object per line "
        "(default text), e.g. --log-format json",
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and extras."""

    _STANDARD = frozenset(vars(logging.makeLogRecord({})))

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, sort_keys=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("aurora-scan: %(levelname)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        # One line per record, whatever the message holds: a resource name with
        # ESC sequences or newlines must not forge or recolour other lines.
        message = visible(redact(record.getMessage()))
        if record.levelno == logging.INFO:
            return f"aurora-scan: {message}"
        text = f"aurora-scan: {record.levelname.lower()}: {message}"
        if record.exc_info:
            text += "\n" + redact(self.formatException(record.exc_info))
        return text


def level_for(quiet: bool, verbose: int) -> int:
    if quiet:
        return logging.ERROR
    if verbose >= 2:
        return logging.DEBUG
    if verbose == 1:
        return logging.INFO
    return logging.WARNING


def configure_logging(
    *,
    quiet: bool = False,
    verbose: int = 0,
    log_format: str = "text",
    stream: IO[str] | None = None,
) -> logging.Logger:
    """Send our logger to ``stream`` (stderr) at the level the flags ask for.

    Idempotent: a second call replaces the handler rather than adding one, so
    in-process callers (tests, the demo) never get duplicated lines.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler._aurora_scan = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    # On the handler, not the loggers: records propagated from any module pass it.
    handler.addFilter(RedactingFilter())
    # Our named logger, and modules that log with getLogger(__name__) ("scanner.*").
    for name in (LOGGER_NAME, "scanner"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            if getattr(old, "_aurora_scan", False):
                logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level_for(quiet, verbose))
        logger.propagate = False
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose >= 3 else logging.WARNING)
    # Third-party warnings (botocore, urllib3) reach stderr through Python's
    # last-resort handler; they may quote a URL with its userinfo.
    last = logging.lastResort
    if last is not None and not any(isinstance(f, RedactingFilter) for f in last.filters):
        last.addFilter(RedactingFilter())
    return logging.getLogger(LOGGER_NAME)


def reset_logging() -> None:
    """Undo ``configure_logging`` (for in-process callers such as tests)."""
    for name in (LOGGER_NAME, "scanner"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            if getattr(old, "_aurora_scan", False):
                logger.removeHandler(old)
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.NOTSET)


def get_logger(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)
