"""Exit code 4: an internal error is reported as a bug, never mistaken for findings.

An exception nothing else handled is a defect of aurora-scan, not of the
estate or of the input.  It must not exit 1 (a CI gate would read "new
failures") nor 2 (the user would hunt for a typo).  ``report_crash`` writes a
crash report (the traceback, the command line, the versions of Python and of
every library the scanner uses, all passed through ``redact``) to a file,
prints one line naming it, and the CLI exits 4.

Reports are written through a staging directory (``scanner.report.render``),
so a crash mid-render leaves no new ``results.sarif`` beside it: whatever the
output directory held before is untouched, and a CI step that trusts exit
codes 0, 1 and 3 only never uploads it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from scanner import __version__
from scanner.atomic_write import FileMode, write_text
from scanner.model import ExitCode
from scanner.redact import redact, redact_argv
from scanner.terminal import visible

ISSUES_HINT = "please report it with this file attached"
# Libraries whose version explains most crashes: the AWS SDK, the parsers, the renderers.
_LIBRARIES = (
    "boto3",
    "botocore",
    "jinja2",
    "jsonschema",
    "networkx",
    "pyyaml",
    "jmespath",
    "google-re2",
    "moto",
)


def _versions() -> list[str]:
    # Imported here, on the crash path only: importlib.metadata alone costs
    # more start-up than every verb's parser together.
    import platform
    from importlib import metadata

    lines = [
        f"aurora-scan {__version__}",
        f"python {platform.python_version()} ({sys.executable})",
        f"platform {platform.platform()}",
    ]
    for name in _LIBRARIES:
        try:
            lines.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{name} not installed")
    return lines


def crash_report_text(exc: BaseException, argv: Sequence[str], when: datetime.datetime) -> str:
    """The report: what ran, with which versions, and where it failed (credentials masked)."""
    import traceback

    trace = "".join(traceback.format_exception(exc))
    parts = [
        "aurora-scan crash report",
        f"time: {when.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "command: aurora-scan " + " ".join(redact_argv(list(argv))),
        f"cwd: {os.getcwd()}",
        "",
        "versions:",
        *(f"  {line}" for line in _versions()),
        "",
        trace.rstrip(),
        "",
    ]
    return redact("\n".join(parts))


def _candidate_dirs(args: argparse.Namespace | None) -> list[Path]:
    """Where the report goes: beside the verb's outputs when it has any (a CI job
    uploads that folder), else the working directory, else the temp directory."""
    dirs: list[Path] = []
    output_dir = getattr(args, "output_dir", None)
    if isinstance(output_dir, Path):
        dirs.append(output_dir)
    output = getattr(args, "output", None)
    if isinstance(output, Path):
        dirs.append(output.parent)
    import tempfile

    dirs += [Path.cwd(), Path(tempfile.gettempdir())]
    return dirs


def write_crash_report(
    exc: BaseException, argv: Sequence[str], args: argparse.Namespace | None
) -> Path | None:
    """Write the report to the first writable candidate directory; None if none is."""
    when = datetime.datetime.now(datetime.UTC)
    text = crash_report_text(exc, argv, when)
    name = f"aurora-scan-crash-{when.strftime('%Y%m%dT%H%M%SZ')}-{os.getpid()}.txt"
    for directory in _candidate_dirs(args):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / name
            # Private: a traceback may quote resource names from the account.
            write_text(path, text, FileMode.PRIVATE)
            return path
        except OSError:
            continue
    return None


def report_crash(exc: BaseException, argv: Sequence[str], args: argparse.Namespace | None) -> int:
    """Write the crash report, print one line naming it, return exit code 4."""
    path = write_crash_report(exc, argv, args)
    what = visible(redact(f"{type(exc).__name__}: {exc}"))[:300]
    where = f"crash report written to {visible(str(path))}" if path else "no crash report"
    sys.stderr.write(
        f"aurora-scan: internal error (a bug in aurora-scan, not a finding): {what}; "
        f"{where}; treat this run's outputs as missing; {ISSUES_HINT}\n"
    )
    return int(ExitCode.INTERNAL_ERROR)
