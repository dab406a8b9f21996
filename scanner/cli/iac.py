"""`aurora-scan iac PATH...`: the policies on CloudFormation templates and Terraform plans."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scanner.cli._options import (
    Problems,
    add_evaluation_options,
    evaluate_snapshot,
    prepare_evaluation,
    print_errors,
    with_history,
    write_outputs,
)
from scanner.errors import UserInputError
from scanner.logging_setup import add_logging_options, configure_logging
from scanner.model import Status
from scanner.terminal import visible

ORDER = 25

EPILOG = """\
Templates (.yaml, .yml, .json, .template) and plans (`terraform show -json plan.out
> plan.json`) are read; directories are walked; other files are skipped with a note.
Policies that only a running estate can answer are NOT_APPLICABLE ("runtime only").
SARIF locations are the file (relative to the current directory) and the resource's line.

examples:
  aurora-scan iac infra/ --format sarif,json --output-dir out
  aurora-scan iac stack.yaml plan.json --fail-on high --waivers waivers.yml
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "iac",
        help="check CloudFormation templates and Terraform plans against the policies",
        description="Evaluate the policies on CloudFormation templates and Terraform plan "
        "JSON, before anything is deployed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths", type=Path, nargs="+", metavar="PATH", help="template, plan JSON or directory"
    )
    parser.add_argument(
        "--region",
        default="us-east-1",
        help="the region the templates deploy to (default us-east-1), e.g. --region eu-west-1",
    )
    add_evaluation_options(parser)
    add_logging_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from scanner.iac.results import for_iac
    from scanner.iac.sources import scan_paths

    configure_logging(quiet=args.quiet, verbose=args.verbose, log_format=args.log_format)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        problems = Problems()
        scanned = problems.check(lambda: scan_paths(args.paths, args.region, Path.cwd(), now))
        inputs = prepare_evaluation(args, problems)
        problems.raise_if_any()
        assert scanned is not None and inputs is not None
        if not args.quiet:
            for note in scanned.notes:
                sys.stderr.write(visible(f"aurora-scan: note: {note}") + "\n")
        result = for_iac(
            evaluate_snapshot(scanned.snapshot, inputs), scanned.sources, scanned.files
        )
        # Since when, as for scan: carried forward by fingerprint (logical id or
        # resource address, so stable when lines move) from --previous/--baseline.
        result = with_history(result, inputs.previous, from_baseline=inputs.history_from_baseline)
        written = write_outputs(result, inputs.formats, args.output_dir)
        code = result.exit_code(
            inputs.config.fail_on,
            allow_incomplete=inputs.config.allow_incomplete,
            ignore_fingerprints=inputs.baseline,
        )
        counts = result.counts()["by_status"]
        summary = ", ".join(f"{counts[s.value]} {s.value}" for s in Status if counts[s.value])
        if not args.quiet:
            line = (
                f"aurora-scan: {len(scanned.files)} files, {len(result.findings)} findings "
                f"({summary or 'none'}); wrote {', '.join(str(p) for p in written.values())}"
            )
            sys.stderr.write(visible(line) + "\n")
        return int(code)
    except UserInputError as exc:
        return print_errors(exc)
