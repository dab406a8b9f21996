"""`aurora-scan evaluate SNAPSHOT`: check a saved snapshot against the policies."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from scanner.cli._options import (
    Problems,
    add_evaluation_options,
    prepare_evaluation,
    print_errors,
    quiet_stderr,
    run_evaluation,
)
from scanner.errors import UserInputError
from scanner.logging_setup import add_logging_options, configure_logging
from scanner.model import Snapshot

ORDER = 20

EPILOG = """\
The same snapshot and policies always give a byte-identical results.json: the
evaluation clock is the snapshot's collection time (date checks, waiver
expiry) and the recorded scan start/end come from the snapshot too.

examples:
  aurora-scan evaluate snapshot.json --output-dir out --format json
  aurora-scan evaluate snapshot.json --policies ./my-policies --config aurora-scan.yml \\
      --waivers waivers.yml --fail-on high
  aurora-scan evaluate snapshot.json --baseline main-results.json --format sarif
  aurora-scan evaluate snapshot.json --quiet --fail-on critical   # errors only on stderr
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="check a snapshot against policies and write results",
        description="Evaluate the policies on a snapshot written by `aurora-scan collect` and "
        "write the results in the asked formats.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "snapshot",
        type=Path,
        metavar="SNAPSHOT",
        help="snapshot JSON written by `aurora-scan collect`, e.g. snapshot.json",
    )
    add_evaluation_options(parser)
    add_logging_options(parser)
    parser.set_defaults(func=run)


def read_snapshot_file(path: Path) -> tuple[Snapshot, str]:
    """The snapshot and the sha256 of its bytes (recorded in the results)."""
    from scanner.snapshot_file import read_snapshot

    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        raise UserInputError(
            "snapshot file not found",
            file=str(path),
            expected="a snapshot JSON file",
            hint="write one with `aurora-scan collect --output snapshot.json`",
        ) from None
    except IsADirectoryError:
        raise UserInputError(
            "is a directory, not a snapshot file",
            file=str(path),
            expected="a snapshot JSON file",
            hint="give the file `aurora-scan collect --output` wrote",
        ) from None
    except OSError as exc:
        raise UserInputError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    snapshot = read_snapshot(path)  # parsed with the cyclic GC paused
    return snapshot, digest


def run(args: argparse.Namespace) -> int:
    configure_logging(quiet=args.quiet, verbose=args.verbose, log_format=args.log_format)
    try:
        # Every input checked, and every problem listed, before evaluating anything.
        problems = Problems()
        read = problems.check(lambda: read_snapshot_file(args.snapshot))
        inputs = prepare_evaluation(args, problems)
        problems.raise_if_any()
        assert read is not None and inputs is not None
        snapshot, digest = read
        with quiet_stderr(args.quiet):
            return run_evaluation(snapshot, args, inputs, snapshot_sha256=digest)
    except UserInputError as exc:
        return print_errors(exc)
