"""`aurora-scan report RESULTS.json`: re-render a saved result, no AWS needed."""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from scanner.errors import UserInputError
from scanner.model import ScanResult, Severity
from scanner.report import FORMATS, SarifOptions, parse_formats, render

ORDER = 40
FAIL_ON_CHOICES = (*(s.value for s in Severity), "none")
DEFAULT_REPORT_FORMATS = "html,sarif"

EPILOG = f"""\
formats: {", ".join(FORMATS)} -> results.json, results.sarif, report.html, junit.xml, summary.md

exit codes (computed from the saved result, exactly as scan/evaluate do):
  0 clean; 1 a non-waived FAIL at or above --fail-on; 2 bad input (missing or
  malformed result file, unknown format); 3 the scan was incomplete (UNKNOWN
  findings or collection errors) and nothing failed, unless --allow-incomplete.

examples:
  aurora-scan report out/results.json --format html --output-dir out
  aurora-scan report results.json --format sarif,md --fail-on high --output-dir reports
  aurora-scan report results.json --format sarif --sarif-include-waived
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
        "results", metavar="RESULTS.json", type=Path, help="a results.json from scan/evaluate"
    )
    p.add_argument(
        "--format",
        default=DEFAULT_REPORT_FORMATS,
        metavar="LIST",
        help=f"comma-separated formats: {', '.join(FORMATS)} (default {DEFAULT_REPORT_FORMATS}), "
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
        help="also put WAIVED findings in the SARIF, as suppressions (GitHub ignores "
        "suppressions, so they would show as open alerts)",
    )
    p.set_defaults(func=run)


def _reader() -> Callable[[Path], ScanResult]:
    """The schema-validating reader once it exists, else a tolerant local one."""
    try:
        module = importlib.import_module("scanner.result_file")
    except ImportError:
        return _read_result
    return cast(Callable[[Path], ScanResult], module.read_result)


def _read_result(path: Path) -> ScanResult:
    expected = "a results.json written by aurora-scan scan/evaluate"
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserInputError(
            f"cannot read result file: {exc.strerror}", file=str(path), expected=expected
        ) from exc
    except UnicodeDecodeError as exc:
        raise UserInputError(
            "result file is not UTF-8 text", file=str(path), expected=expected
        ) from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UserInputError(
            f"not valid JSON: {exc.msg}",
            file=str(path),
            location=f"line {exc.lineno} column {exc.colno}",
            expected=expected,
        ) from exc
    try:
        return ScanResult.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UserInputError(
            f"not an aurora-scan result ({type(exc).__name__}: {exc})",
            file=str(path),
            expected=expected,
            hint="pass the results.json from an --output-dir, not the SARIF or a snapshot",
        ) from exc


def run(args: argparse.Namespace) -> int:
    formats = parse_formats(args.format)  # bad formats fail before any file is read
    result = _reader()(args.results)
    output_dir = args.output_dir if args.output_dir is not None else args.results.parent
    render(
        result,
        formats,
        output_dir,
        sarif_options=SarifOptions(include_waived=args.sarif_include_waived),
    )
    # Without flags, re-rendering reproduces the scan's own gate (its config).
    recorded = result.scan.get("fail_on")
    choice = args.fail_on or (recorded if recorded in FAIL_ON_CHOICES else "low")
    fail_on = None if choice == "none" else Severity(choice)
    allow = bool(args.allow_incomplete or result.scan.get("allow_incomplete") is True)
    return int(result.exit_code(fail_on, allow_incomplete=allow))
