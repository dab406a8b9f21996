"""Options and the evaluate-and-write step shared by `evaluate` and `scan`.

``add_evaluation_options(parser)`` adds ``--policies``, ``--config``,
``--waivers``, ``--output-dir``, ``--format``, ``--fail-on``,
``--allow-incomplete``, ``--baseline`` and ``--previous``; ``run_evaluation(snapshot, args)``
loads policies, config and waivers, evaluates, writes the asked formats and
returns the exit code (0 clean, 1 a non-waived FAIL at or above --fail-on,
3 incomplete unless allowed).  Bad input raises UserInputError (exit 2).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import UserInputError, UserInputErrors
from scanner.model import ExitCode, ScanResult, Snapshot, Status
from scanner.policy.config import (
    FAIL_ON_CHOICES,
    Config,
    default_config_path,
    load_config,
    parse_fail_on,
)
from scanner.redact import redacted_command_line
from scanner.terminal import error_text, visible

if TYPE_CHECKING:
    from scanner.policy.loader import PolicySet

DEFAULT_OUTPUT_DIR = "aurora-scan-output"
DEFAULT_FORMATS = "json,sarif,html"


def print_errors(exc: UserInputError) -> int:
    """One line per problem on stderr; exit code 2."""
    errors = exc.errors if isinstance(exc, UserInputErrors) else [exc]
    for error in errors:
        sys.stderr.write(f"aurora-scan: error: {error_text(error)}\n")
    if len(errors) > 1:
        sys.stderr.write(f"aurora-scan: {len(errors)} problems\n")
    return int(ExitCode.BAD_INPUT)


def add_policies_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--policies DIR`` (repeatable), the same for every verb that loads policies."""
    parser.add_argument(
        "--policies",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="extra policy directory beside the built-in catalogue (repeatable), "
        "e.g. --policies ./my-policies",
    )


def add_evaluation_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("policies and output")
    add_policies_option(group)
    group.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="config file: policy selection, params, fail_on, regions "
        "(default ./aurora-scan.yml when present), e.g. --config aurora-scan.yml",
    )
    group.add_argument(
        "--waivers",
        type=Path,
        metavar="FILE",
        help="waivers file (policy, resource, reason, owner, expires), e.g. --waivers waivers.yml",
    )
    group.add_argument(
        "--output-dir",
        type=Path,
        default=Path(DEFAULT_OUTPUT_DIR),
        metavar="DIR",
        help=f"where results go (default ./{DEFAULT_OUTPUT_DIR}), e.g. --output-dir out",
    )
    group.add_argument(
        "--format",
        default=DEFAULT_FORMATS,
        metavar="LIST",
        help=f"comma-separated formats: json, sarif, html, junit, md (default {DEFAULT_FORMATS}), "
        "e.g. --format json,sarif",
    )
    group.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default=None,
        metavar="SEVERITY",
        help="exit 1 when a non-waived FAIL is at or above this severity: "
        + "|".join(FAIL_ON_CHOICES)
        + " (default low, or the config file's fail_on), e.g. --fail-on high",
    )
    group.add_argument(
        "--allow-incomplete",
        action="store_true",
        default=None,
        help="exit 0 instead of 3 when data could not be collected (UNKNOWN findings)",
    )
    group.add_argument(
        "--baseline",
        type=Path,
        metavar="RESULTS.json",
        help="earlier results.json; FAILs already in it do not count towards --fail-on, "
        "e.g. --baseline main/results.json",
    )
    add_previous_option(group)


def add_previous_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--previous RESULTS.json``: where each finding's first_seen / last_status_change
    come from (scan, evaluate, report)."""
    parser.add_argument(
        "--previous",
        type=Path,
        metavar="RESULTS.json",
        help="results of the scan before this one: each finding keeps its first_seen and "
        "'failing since' (last_status_change) by fingerprint (default: --baseline when given), "
        "e.g. --previous yesterday/results.json",
    )


def with_history(
    result: ScanResult, previous: Path | None, *, from_baseline: bool = False
) -> ScanResult:
    """``result`` with its findings' history carried forward from ``previous`` (if any).

    ``from_baseline``: ``previous`` is the ``--baseline`` standing in for
    ``--previous``.  A baseline from a later scan (re-evaluating an old
    snapshot) still gates, but gives no history: said on stderr, not refused.
    """
    if previous is None:
        return result
    from scanner.history import carry_forward
    from scanner.result_file import parse_result, read_result_bytes

    raw = read_result_bytes(previous)
    try:
        return carry_forward(
            result,
            parse_result(raw, str(previous)),
            previous_file=str(previous),
            previous_sha256=hashlib.sha256(raw).hexdigest(),
        )
    except UserInputError as exc:
        if not from_baseline or exc.location != "--previous":
            raise
        sys.stderr.write(
            visible(f"aurora-scan: note: no first_seen history from --baseline: {exc.problem}")
            + "\n"
        )
        return result


def effective_config(args: argparse.Namespace) -> Config:
    path = args.config if args.config is not None else default_config_path()
    config = load_config(path) if path is not None else Config()
    if args.fail_on is not None:
        config = replace(config, fail_on=parse_fail_on(args.fail_on), fail_on_set=True)
    if args.allow_incomplete:
        config = replace(config, allow_incomplete=True)
    return config


def baseline_fingerprints(path: Path | None) -> set[str]:
    if path is None:
        return set()
    from scanner.result_file import read_result

    baseline = read_result(path)
    return {f.fingerprint for f in baseline.findings if f.status is Status.FAIL}


def evaluate_snapshot(
    snapshot: Snapshot,
    args: argparse.Namespace,
    *,
    snapshot_sha256: str | None = None,
    policy_set: PolicySet | None = None,
) -> tuple[ScanResult, Config]:
    """Evaluate with the policies of ``args`` (or ``policy_set``, already loaded by the caller)."""
    from scanner.policy.engine import evaluate
    from scanner.policy.loader import load_policies
    from scanner.policy.waivers import load_waivers

    errors: list[UserInputError] = []
    config: Config | None = None
    waivers = None
    # Gather every input problem before giving up, so one run shows them all.
    for step in ("config", "policies", "waivers"):
        try:
            if step == "config":
                config = effective_config(args)
            elif step == "policies":
                if policy_set is None:
                    policy_set = load_policies(args.policies)
            elif args.waivers is not None:
                waivers = load_waivers(args.waivers)
        except UserInputErrors as exc:
            errors.extend(exc.errors)
        except UserInputError as exc:
            errors.append(exc)
    if errors or config is None or policy_set is None:
        raise UserInputErrors(errors)
    result = evaluate(
        snapshot,
        policy_set,
        config=config,
        waivers=waivers,
        command_line=redacted_command_line(),
        snapshot_sha256=snapshot_sha256,
    )
    return result, config


def write_outputs(result: ScanResult, formats: list[str], output_dir: Path) -> dict[str, Path]:
    from scanner import report

    return report.render(result, formats, output_dir)


def run_evaluation(
    snapshot: Snapshot,
    args: argparse.Namespace,
    *,
    snapshot_sha256: str | None = None,
    policy_set: PolicySet | None = None,
) -> int:
    """Evaluate ``snapshot`` with the options in ``args``, write outputs, return the exit code."""
    from scanner import gc_pause, report

    formats = report.parse_formats(args.format)
    ignored = baseline_fingerprints(args.baseline)
    # The result (up to millions of findings) lives until the process exits:
    # move it out of the collector's view (before the collector is back on,
    # so it never walks it) and rendering does not re-scan it either.
    with gc_pause.paused(freeze=True):
        result, config = evaluate_snapshot(
            snapshot, args, snapshot_sha256=snapshot_sha256, policy_set=policy_set
        )
        result = with_history(
            result,
            args.previous or args.baseline,
            from_baseline=args.previous is None and args.baseline is not None,
        )
    written = write_outputs(result, formats, args.output_dir)
    code = result.exit_code(
        config.fail_on,
        allow_incomplete=config.allow_incomplete,
        ignore_fingerprints=ignored,
    )
    counts = result.counts()["by_status"]
    summary = ", ".join(f"{counts[s.value]} {s.value}" for s in Status if counts[s.value])
    wrote = ", ".join(str(p) for p in written.values())
    line = f"aurora-scan: {len(result.findings)} findings ({summary or 'none'}); wrote {wrote}"
    sys.stderr.write(visible(line) + "\n")
    return int(code)


@contextlib.contextmanager
def quiet_stderr(quiet: bool) -> Iterator[None]:
    """Hold back the stage summaries written to stderr when --quiet is given."""
    if not quiet:
        yield
        return
    with contextlib.redirect_stderr(io.StringIO()):
        yield
