"""`aurora-scan collect`: snapshot AWS into a JSON file."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner.cli._collect_options import EPILOG as OPTIONS_EPILOG
from scanner.cli._collect_options import add_collect_options, collect_options_from_args
from scanner.cli._options import Problems
from scanner.logging_setup import add_logging_options, configure_logging
from scanner.progress import progress_for
from scanner.redact import redact
from scanner.terminal import visible

ORDER = 10

EPILOG = f"""\
Writes the raw API records (no verdicts) to --output, atomically. Evaluate it
later, as often as you like, with 'aurora-scan evaluate FILE'. A name ending
in .gz is gzip-compressed.

exit codes: 0 the snapshot was written, even when some calls failed (each
failure is recorded in the snapshot's "errors" and counted on stderr; the
findings it affects become UNKNOWN when evaluated); 2 bad input or no usable
credentials; 3 the snapshot was written but --deadline cut the collection
short (DeadlineExceeded errors name what was not read); 130 interrupted
(Ctrl-C: nothing is written); 4 internal error (a crash report is named).

{OPTIONS_EPILOG}
examples:
  aurora-scan collect --region us-east-1 --output snap.json
  aurora-scan collect --all-regions --org --role-name AuroraScanReadOnly --output org.json.gz
"""


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "collect",
        help="snapshot AWS (Aurora and the resources around it) into a JSON file",
        description="Collect Aurora clusters, instances, snapshots and their network, key, "
        "secret and backup resources into a snapshot file. Read-only.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        required=True,
        metavar="FILE",
        help="snapshot file to write, e.g. --output snap.json",
    )
    add_collect_options(p)
    add_logging_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scanner.collect.runner import collect
    from scanner.snapshot_file import check_snapshot_target, write_snapshot

    configure_logging(quiet=args.quiet, verbose=args.verbose, log_format=args.log_format)
    problems = Problems()
    options = problems.check(lambda: collect_options_from_args(args))
    # Before collecting: a long organisation scan must not end in "cannot write".
    problems.check(lambda: check_snapshot_target(args.output, location="--output"))
    problems.raise_if_any()
    assert options is not None
    progress = progress_for(args)
    try:
        snapshot = collect(replace(options, progress=progress.collected))
    finally:
        progress.finished()
    path = write_snapshot(snapshot, args.output)
    code = 3 if snapshot.context.get("deadline_exceeded") else 0
    if args.quiet:
        return code
    types = len({r.type for r in snapshot.resources})
    sys.stderr.write(
        f"aurora-scan: wrote {visible(str(path))}: {len(snapshot.resources)} resources of "
        f"{types} types, "
        f"{len(snapshot.accounts)} account(s), {len(snapshot.regions)} region(s)\n"
    )
    if snapshot.errors:
        sys.stderr.write(
            f"aurora-scan: {len(snapshot.errors)} collection error(s) recorded in the snapshot; "
            "affected findings will be UNKNOWN\n"
        )
        for error in snapshot.errors[:5]:
            line = (
                f"  {error.account} {error.region} {error.service}:{error.operation} "
                f"{error.error_code}: {redact(error.message)}"
            )
            sys.stderr.write(visible(line) + "\n")
    if code:
        sys.stderr.write(
            "aurora-scan: the collection deadline (--deadline) passed; the snapshot is incomplete\n"
        )
    return code
