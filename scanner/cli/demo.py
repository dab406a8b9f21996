"""`aurora-scan demo`: scan an embedded sample estate and write every report.

Needs the optional ``demo`` extra (moto); without it the verb says how to
install it and exits 2.  No AWS account or credentials are used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scanner.errors import UserInputError
from scanner.logging_setup import add_logging_options, configure_logging
from scanner.model import ExitCode, ScanResult, Severity
from scanner.terminal import error_text

ORDER = 90
FAIL_ON_CHOICES = (*(s.value for s in Severity), "none")

EPILOG = """\
The demo starts a moto server on 127.0.0.1 (a free port) inside this process,
seeds a sample Aurora estate (both engines, 13 Aurora clusters and a Neptune
cluster, two regions, public and private subnets, open and closed security
groups, customer and AWS-managed keys, public and shared snapshots), scans it
with the full policy catalogue and writes results.json, results.sarif,
report.html, junit.xml and summary.md. It never reads your AWS credentials.
Needs the 'demo' extra: pip install 'aurora-scan[demo]' (make demo does it).

exit codes: 0 the demo ran and wrote its reports (the sample estate fails
many policies on purpose); 1 with --fail-on, a FAIL at or above it; 2 moto is
missing or the output directory cannot be written; 4 internal error (a crash
report file is named).

examples:
  aurora-scan demo
  aurora-scan demo --output-dir /tmp/aurora-demo
  aurora-scan demo --fail-on critical; echo "gate exit code: $?"
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="scan an embedded sample estate (moto) and write every report format",
        description="Run the whole pipeline on a sample Aurora estate served by an embedded "
        "moto server: no AWS account needed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("demo-output"),
        metavar="DIR",
        help="where the five reports go (default ./demo-output), e.g. --output-dir /tmp/demo",
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default="none",
        metavar="SEVERITY",
        help="show the CI gate: exit 1 when a FAIL is at or above this severity "
        "(" + "|".join(FAIL_ON_CHOICES) + ", default none), e.g. --fail-on high",
    )
    add_logging_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scanner.demo.server import require_moto

    configure_logging(quiet=args.quiet, verbose=args.verbose, log_format=args.log_format)
    try:
        require_moto()
    except UserInputError as exc:
        sys.stderr.write(f"aurora-scan: error: {error_text(exc)}\n")
        return int(ExitCode.BAD_INPUT)

    from scanner.demo.run import run_demo
    from scanner.demo.summary import render_summary

    if args.output_dir.exists() and not args.output_dir.is_dir():
        sys.stderr.write(
            f"aurora-scan: error: {args.output_dir}: the output directory is a file "
            "(expected a directory; it is created when missing)\n"
        )
        return int(ExitCode.BAD_INPUT)

    from scanner.progress import progress_for

    progress = progress_for(args)

    try:
        outcome = run_demo(
            args.output_dir,
            progress=progress.collected,
            on_stage=progress.status,
            on_seed=progress.seeding,
            fail_on=_severity(args.fail_on),
        )
    finally:
        progress.finished()
    if not args.quiet:
        sys.stdout.write(
            render_summary(
                outcome.result,
                outcome.reports,
                heading=outcome.heading,
                timings=outcome.timings,
            )
        )
        sys.stdout.flush()
    return gate_exit_code(outcome.result, args.fail_on)


def _severity(fail_on: str) -> Severity | None:
    return None if fail_on == "none" else Severity(fail_on)


def gate_exit_code(result: ScanResult, fail_on: str) -> int:
    """0 unless --fail-on names a severity that a FAIL reaches (then 1)."""
    return int(result.exit_code(_severity(fail_on), allow_incomplete=True))
