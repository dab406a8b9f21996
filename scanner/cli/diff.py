"""`aurora-scan diff OLD.json NEW.json`: what changed between two scans."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scanner.atomic_write import write_private_output
from scanner.cli._options import Problems
from scanner.model import ExitCode, Severity

ORDER = 60

EPILOG = """\
categories (keyed by finding fingerprint):
  new        only in NEW                      fixed      FAIL in OLD, passing or gone in NEW
  changed    another status change            unchanged  same status in both
  removed    not failing in OLD, gone from NEW
FAIL -> UNKNOWN is 'changed', never 'fixed': a partial scan does not close a failure.

exit codes: 0 no new failure at or above --fail-on-new (or no gate); 1 at least one
FAIL in NEW that was not FAIL in OLD at or above --fail-on-new; 2 bad input (both
files checked, every problem listed); 4 internal error.

examples:
  aurora-scan diff last-week/results.json out/results.json
  aurora-scan diff last-week/results.json out/results.json --show-unchanged
  aurora-scan diff old.json new.json --format json --fail-on-new high > diff.json
"""


def parse_severity(text: str) -> Severity:
    """argparse type: a severity name, any case; argparse reports a bad one."""
    try:
        return Severity(text.strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in Severity)
        raise argparse.ArgumentTypeError(f"unknown severity {text!r} (expected {names})") from None


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "diff",
        help="compare two results: new, fixed, changed and unchanged findings",
        description="Compare two results.json files finding by finding.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "old",
        metavar="OLD.json",
        type=Path,
        help="the earlier results.json, e.g. last-week/results.json",
    )
    p.add_argument(
        "new", metavar="NEW.json", type=Path, help="the later results.json, e.g. out/results.json"
    )
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people (default), json for tools, e.g. --format json",
    )
    p.add_argument(
        "--fail-on-new",
        metavar="SEVERITY",
        type=parse_severity,
        help="exit 1 when NEW has a FAIL at or above this severity "
        "(critical, high, medium, low, info) that was not FAIL in OLD, e.g. --fail-on-new high",
    )
    p.add_argument(
        "--show-unchanged",
        action="store_true",
        help="text format: also list findings still failing (or UNKNOWN) in both scans "
        "and failures that disappeared with their resource's removal, e.g. --show-unchanged",
    )
    p.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="write the diff to FILE instead of standard output, e.g. --output diff.json",
    )
    p.set_defaults(func=run)


def write_diff(path: Path, text: str) -> None:
    """A diff names resources and findings: written like results.json."""
    write_private_output(path, text, "the diff")


def run(args: argparse.Namespace) -> int:
    from scanner.diff import diff_results, render_json, render_text
    from scanner.merge import read_shard

    problems = Problems()
    old = problems.check(lambda: read_shard(args.old).result)
    new = problems.check(lambda: read_shard(args.new).result)
    problems.raise_if_any()
    assert old is not None and new is not None
    diff = diff_results(old, new)
    if args.format == "json":
        text = render_json(diff, fail_on_new=args.fail_on_new)
    else:
        text = render_text(diff, fail_on_new=args.fail_on_new, show_unchanged=args.show_unchanged)
    if args.output is not None:
        write_diff(args.output, text)
    else:
        sys.stdout.write(text)
    if args.fail_on_new is not None and diff.new_failures(args.fail_on_new):
        return int(ExitCode.FAILED)
    return int(ExitCode.CLEAN)
