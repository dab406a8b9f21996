"""`aurora-scan scan`: collect and evaluate in one go.

Every option of `collect` and of `evaluate` is accepted (shared through
``_collect_options`` and ``_options``), plus ``--snapshot-out`` to keep the
snapshot.  Progress goes to stderr, redrawn in place when stderr is a
terminal and silent otherwise; reports go to the output directory and nothing
is printed on stdout, so logs never mix with machine output.
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import replace
from pathlib import Path

from scanner.cli._collect_options import add_collect_options, collect_options_from_args
from scanner.cli._options import (
    EvaluationInputs,
    Problems,
    add_evaluation_options,
    prepare_evaluation,
    print_errors,
    quiet_stderr,
    run_evaluation,
)
from scanner.collect.options import CollectOptions
from scanner.errors import UserInputError
from scanner.logging_setup import add_logging_options, configure_logging, get_logger
from scanner.model import Snapshot
from scanner.progress import Progress, progress_for

ORDER = 30

EPILOG = """\
Writes DIR/results.json, results.sarif, report.html, junit.xml and summary.md
(only the formats asked for). Progress is shown on stderr when it is a
terminal; in CI stderr stays quiet apart from one summary line. stdout is
never written to.

exit codes: 0 clean; 1 a non-waived FAIL at or above --fail-on; 2 bad input
(every argument and file is checked before the first API call, and every
problem is listed); 3 the scan was incomplete (UNKNOWN findings or collection
errors, including calls --deadline cut short) and nothing failed, unless
--allow-incomplete; 4 internal error (a bug: one line names a crash report
file, and no new report is written); 130 interrupted (Ctrl-C stops at once,
even during a stuck call, and writes nothing: the previous reports stay as
they were).

examples:
  aurora-scan scan --region us-east-1 --region eu-west-1 --output-dir out
  aurora-scan scan --all-regions --format json,sarif,html,junit,md --fail-on high
  aurora-scan scan --accounts 111111111111,222222222222 --role-name AuroraScanRead \\
      --snapshot-out snapshot.json --log-format json
  AWS_ENDPOINT_URL=http://127.0.0.1:5000 aurora-scan scan --region us-east-1 --quiet
"""

log = get_logger("scan")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="collect and evaluate in one go (the everyday command)",
        description="Snapshot the AWS estate the credentials can see, evaluate the policies "
        "on it and write the results in the asked formats.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_collect_options(parser)
    add_evaluation_options(parser)
    parser.add_argument(
        "--snapshot-out",
        type=Path,
        metavar="FILE",
        help="also keep the collected snapshot (re-evaluate it later with `aurora-scan "
        "evaluate FILE`), e.g. --snapshot-out snapshot.json",
    )
    add_logging_options(parser)
    parser.set_defaults(func=run)


def collect_options(
    options: CollectOptions, inputs: EvaluationInputs, progress: Progress
) -> CollectOptions:
    if not options.regions and not options.all_regions:
        # A config file may name the regions to scan.
        regions = tuple(getattr(inputs.config, "regions", ()) or ())
        if regions:
            options = replace(options, regions=regions)
    if not options.resource_types:
        # Collect only what the selected policies read: a role holding exactly
        # `aurora-scan permissions` then never meets an AccessDenied.
        from scanner.permissions import required_resource_types

        types = required_resource_types(inputs.policy_set, inputs.config)
        options = replace(options, resource_types=tuple(types))
    return replace(options, progress=progress.collected)


def check_inputs(args: argparse.Namespace) -> tuple[CollectOptions, EvaluationInputs]:
    """Every argument and file the scan will need, checked before the first API call;
    all problems are reported together (UserInputErrors)."""
    problems = Problems()
    options = problems.check(lambda: collect_options_from_args(args))
    inputs = prepare_evaluation(args, problems)
    if args.snapshot_out is not None:
        problems.check(lambda: prepare_snapshot_out(args.snapshot_out))
    problems.raise_if_any()
    assert options is not None and inputs is not None
    return options, inputs


def prepare_snapshot_out(path: Path) -> None:
    """Before collecting: create the directory (like --output-dir) and refuse a directory."""
    from scanner.snapshot_file import check_snapshot_target

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(
            f"cannot create the directory for the snapshot: {exc.strerror}",
            file=str(path),
            location="--snapshot-out",
        ) from exc
    check_snapshot_target(path, location="--snapshot-out")


def write_snapshot_out(snapshot: Snapshot, path: Path) -> str:
    """Write the snapshot, return the sha256 of the file as written."""
    from scanner.snapshot_file import write_snapshot

    write_snapshot(snapshot, path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(args: argparse.Namespace) -> int:
    configure_logging(quiet=args.quiet, verbose=args.verbose, log_format=args.log_format)
    progress = progress_for(args)
    try:
        from scanner.collect.runner import collect

        # Read once, before collecting: a bad input fails in a second, not
        # after minutes of API calls, and evaluation reuses what was read.
        options, inputs = check_inputs(args)
        snapshot = collect(collect_options(options, inputs, progress))
        progress.collection_finished(snapshot)
        digest = None
        if args.snapshot_out is not None:
            digest = write_snapshot_out(snapshot, args.snapshot_out)
            log.info("wrote snapshot %s", args.snapshot_out)
        progress.evaluating()
        with quiet_stderr(args.quiet):
            code = run_evaluation(snapshot, args, inputs, snapshot_sha256=digest)
        progress.finished()
        return code
    except UserInputError as exc:
        progress.finished()
        return print_errors(exc)
    except BaseException:
        # Ctrl-C (exit 130) or a bug (exit 4, a crash report): the CLI prints one
        # line about it, and the progress line is cleared first.
        progress.finished()
        raise
