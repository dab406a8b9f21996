"""`aurora-scan report RESULTS.json`: re-render a saved result, no AWS needed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scanner.cli._options import (
    FAIL_ON_CHOICES,
    REPORT_FORMATS,
    Problems,
    add_previous_option,
    check_output_dir,
    parse_report_formats,
    read_previous,
    with_history,
)
from scanner.model import ExitCode, Severity
from scanner.terminal import visible

ORDER = 40
DEFAULT_REPORT_FORMATS = "html,sarif"

EPILOG = f"""\
formats: {", ".join(REPORT_FORMATS)}
  -> results.json, results.sarif, report.html, junit.xml, summary.md,
     results.ocsf.json, results.csv

exit codes (computed from the saved result, exactly as scan/evaluate do):
  0 clean; 1 a non-waived FAIL at or above --fail-on; 2 bad input (missing or
  malformed result file, unknown format, unwritable output directory: every
  problem is listed); 3 the scan was incomplete (UNKNOWN findings or collection
  errors) and nothing failed, unless --allow-incomplete; 4 internal error.

examples:
  aurora-scan report out/results.json --format html --output-dir out
  aurora-scan report results.json --format sarif,md --fail-on high --output-dir reports
  aurora-scan report results.json --format sarif --sarif-include-waived
  aurora-scan report results.json --format html,md --previous last-week/results.json
"""


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="re-render a saved results.json in other formats (no AWS needed)",
        description="Render a saved results.json as SARIF, HTML, JUnit, Markdown or JSON.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "results",
        metavar="RESULTS.json",
        type=Path,
        help="a results.json from scan/evaluate, e.g. out/results.json",
    )
    p.add_argument(
        "--format",
        default=DEFAULT_REPORT_FORMATS,
        metavar="LIST",
        help=f"comma-separated formats: {', '.join(REPORT_FORMATS)} "
        f"(default {DEFAULT_REPORT_FORMATS}), "
        "e.g. --format html,sarif,junit",
    )
    p.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to write (default: the directory of RESULTS.json), e.g. --output-dir reports",
    )
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default=None,
        metavar="SEVERITY",
        help="exit 1 when a non-waived FAIL is at or above this severity: "
        + "|".join(FAIL_ON_CHOICES)
        + " (default: the fail_on the scan recorded, else low), e.g. --fail-on high",
    )
    p.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="exit 0 instead of 3 when the scan was incomplete (UNKNOWN findings); "
        "also on when the scan recorded allow_incomplete",
    )
    p.add_argument(
        "--sarif-include-waived",
        action="store_true",
        help="also put WAIVED findings in the SARIF, as suppressions with the waiver "
        "(GitHub opens alerts for them: the Action's dismiss step dismisses those, "
        "see docs/github-actions.md)",
    )
    p.add_argument(
        "--include-passed",
        action="store_true",
        help="OCSF: one event per finding, PASS and NOT_APPLICABLE included "
        "(default: FAIL, UNKNOWN and WAIVED only)",
    )
    add_previous_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scanner.report import OcsfOptions, SarifOptions, render
    from scanner.result_file import read_result

    # Every problem listed at once: formats, the result file, the output directory.
    problems = Problems()
    formats = problems.check(lambda: parse_report_formats(args.format))
    result = problems.check(lambda: read_result(args.results))
    previous = (
        problems.check(lambda: read_previous(args.previous)) if args.previous is not None else None
    )
    output_dir = args.output_dir if args.output_dir is not None else args.results.parent
    problems.check(lambda: check_output_dir(output_dir))
    problems.raise_if_any()
    assert formats is not None and result is not None
    result = with_history(result, previous)
    written = render(
        result,
        formats,
        output_dir,
        sarif_options=SarifOptions(include_waived=args.sarif_include_waived),
        ocsf_options=OcsfOptions(include_passed=args.include_passed),
    )
    # Without flags, re-rendering reproduces the scan's own gate (its config).
    recorded = result.scan.get("fail_on")
    choice = args.fail_on or (recorded if recorded in FAIL_ON_CHOICES else "low")
    fail_on = None if choice == "none" else Severity(choice)
    allow = bool(args.allow_incomplete or result.scan.get("allow_incomplete") is True)
    code = result.exit_code(fail_on, allow_incomplete=allow)
    # Say why a re-render exits non-zero: nothing else on the terminal would.
    why = {
        ExitCode.FAILED: f" (exit 1: a non-waived FAIL at or above --fail-on {choice})",
        ExitCode.INCOMPLETE: " (exit 3: the scan was incomplete; see --allow-incomplete)",
    }.get(code, "")
    wrote = ", ".join(map(str, written.values()))
    sys.stderr.write(visible(f"aurora-scan: wrote {wrote}{why}") + "\n")
    return int(code)
