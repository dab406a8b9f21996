"""`aurora-scan merge A.json B.json …`: one result from the shards of a scan."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path
from typing import Any

from scanner.cli._options import (
    FAIL_ON_CHOICES,
    REPORT_FORMATS,
    Problems,
    check_output_dir,
    parse_report_formats,
)
from scanner.model import ExitCode, Status
from scanner.terminal import visible

ORDER = 70

EPILOG = """\
Findings are de-duplicated by fingerprint (FAIL > WAIVED > PASS > NOT_APPLICABLE >
UNKNOWN when shards disagree), policies, errors and waivers unioned, the scan
header merged (accounts and regions unioned, earliest start, latest finish, every
shard listed with its hashes) and the summary recomputed.  Shards scanned with
different policy definitions, or with different sets of policies, are refused
(exit 2); with --allow-partial, shards with different policy sets are merged and
every (policy, account) pair no shard evaluated is listed as not assessed
(scan.not_assessed in results.json, shown in the reports) and the merged result
is incomplete (exit 3 with --fail-on, unless --allow-incomplete).

exit codes: without --fail-on, 0 once the merged reports are written; with it, as
for scan: 0 clean, 1 a non-waived FAIL at or above --fail-on, 3 incomplete;
2 bad input (every unreadable shard, format or output problem listed at once);
4 internal error.

examples:
  aurora-scan merge shards/*/results.json --output-dir merged --format json,sarif,html
  aurora-scan merge a.json b.json --output-dir merged --fail-on high --baseline last.json
"""


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "merge",
        help="combine the results of sharded scans into one result",
        description="Merge results.json files of scans sharded by account or region.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "results",
        metavar="RESULT.json",
        type=Path,
        nargs="+",
        help="results.json files of the shards (any order; the output does not depend on it), "
        "e.g. shards/*/results.json",
    )
    p.add_argument(
        "--output-dir",
        metavar="DIR",
        type=Path,
        default=Path("aurora-scan-output"),
        help="where to write the merged reports (default: aurora-scan-output), "
        "e.g. --output-dir merged",
    )
    p.add_argument(
        "--format",
        metavar="FORMATS",
        default="json,sarif,html",
        help=f"comma-separated output formats: {', '.join(REPORT_FORMATS)} "
        "(default: json,sarif,html), e.g. --format json,sarif",
    )
    p.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        choices=FAIL_ON_CHOICES,
        help="exit 1 when the merged result has a non-waived FAIL at or above this severity: "
        + "|".join(FAIL_ON_CHOICES)
        + " (none: never 1, but still 3 when incomplete), e.g. --fail-on high",
    )
    p.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="with --fail-on: exit 0 rather than 3 when a shard had collection errors, "
        "e.g. --fail-on high --allow-incomplete",
    )
    p.add_argument(
        "--allow-partial",
        action="store_true",
        help="merge shards evaluated with different policy sets; the (policy, account) pairs "
        "no shard evaluated are reported as not assessed, e.g. --allow-partial",
    )
    p.add_argument(
        "--baseline",
        metavar="FILE",
        type=Path,
        help="with --fail-on: a previous results.json whose failures do not count, "
        "e.g. --baseline last/results.json",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scanner.merge import merge_results, read_shard
    from scanner.policy.config import parse_fail_on
    from scanner.report import render

    problems = Problems()
    formats = problems.check(lambda: parse_report_formats(args.format))
    read = [problems.check(functools.partial(read_shard, path)) for path in args.results]
    baseline = None
    if args.baseline is not None:
        baseline = problems.check(lambda: read_shard(args.baseline))
    problems.check(lambda: check_output_dir(args.output_dir))
    problems.raise_if_any()
    assert formats is not None
    shards = [shard for shard in read if shard is not None]
    merged = merge_results(shards, allow_partial=args.allow_partial)
    written = render(merged, formats, args.output_dir)
    counts = merged.counts()["by_status"]
    sys.stderr.write(
        f"merged {len(shards)} result(s): {len(merged.findings)} findings "
        f"({counts['FAIL']} FAIL, {counts['UNKNOWN']} UNKNOWN), {len(merged.errors)} errors\n"
    )
    missing = merged.scan.get("not_assessed") or []
    if missing:
        sys.stderr.write(
            f"not assessed: {len(missing)} (policy, account) pair(s) no shard evaluated "
            "(listed in the reports)\n"
        )
    for fmt in sorted(written):
        sys.stdout.write(f"{visible(str(written[fmt]))}\n")
    if args.fail_on is None:
        return int(ExitCode.CLEAN)
    known: set[str] = set()
    if baseline is not None:
        known = {f.fingerprint for f in baseline.result.findings if f.status is Status.FAIL}
    return int(
        merged.exit_code(
            parse_fail_on(args.fail_on),
            allow_incomplete=args.allow_incomplete,
            ignore_fingerprints=known,
        )
    )
