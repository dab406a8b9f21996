"""`aurora-scan evaluate SNAPSHOT`: check a saved snapshot against the policies."""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
from pathlib import Path

from scanner.cli._options import add_evaluation_options, print_errors, run_evaluation
from scanner.errors import UserInputError
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
    parser.set_defaults(func=run)


def read_snapshot_file(path: Path) -> tuple[Snapshot, str]:
    """The snapshot and the sha256 of its bytes (recorded in the results)."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        raise UserInputError(
            "snapshot file not found", file=str(path), hint="write one with aurora-scan collect"
        ) from None
    except OSError as exc:
        raise UserInputError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    try:
        module = importlib.import_module("scanner.snapshot_file")
    except ImportError:
        module = None
    if module is not None:
        from scanner.policy.engine import paused_gc

        with paused_gc():  # parsing allocates one object per JSON node
            snapshot: Snapshot = module.read_snapshot(path)
        return snapshot, digest
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Snapshot.from_dict(data), digest
    except json.JSONDecodeError as exc:
        raise UserInputError(
            f"not valid JSON: {exc.msg}",
            file=str(path),
            location=f"line {exc.lineno}, column {exc.colno}",
        ) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise UserInputError(
            f"not an aurora-scan snapshot ({exc})",
            file=str(path),
            hint="write one with aurora-scan collect",
        ) from None


def run(args: argparse.Namespace) -> int:
    try:
        snapshot, digest = read_snapshot_file(args.snapshot)
        return run_evaluation(snapshot, args, snapshot_sha256=digest)
    except UserInputError as exc:
        return print_errors(exc)
