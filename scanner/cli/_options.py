"""Options, input checks and the evaluate-and-write step shared by `evaluate` and `scan`.

``add_evaluation_options(parser)`` adds ``--policies``, ``--config``,
``--waivers``, ``--output-dir``, ``--format``, ``--fail-on``,
``--allow-incomplete``, ``--baseline`` and ``--previous``.  ``prepare_evaluation(args,
problems)`` reads and checks every one of those inputs *before* any AWS call
or snapshot evaluation, recording each problem in ``problems`` rather than
stopping at the first, so one run lists them all (exit 2 within a second,
not after minutes of collection).  ``run_evaluation(snapshot, args, inputs)``
then evaluates, writes the asked formats and returns the exit code (0 clean,
1 a non-waived FAIL at or above --fail-on, 3 incomplete unless allowed).

Stages (policies, YAML, jsonschema, rendering) are imported inside the
functions: building the parser for ``--help`` must stay cheap.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from scanner.cli._cache import load_policies_cached
from scanner.errors import UserInputError, UserInputErrors
from scanner.model import ExitCode, ScanResult, Severity, Snapshot, Status
from scanner.redact import redacted_command_line
from scanner.terminal import error_text, visible

if TYPE_CHECKING:
    from scanner.policy.config import Config
    from scanner.policy.loader import PolicySet
    from scanner.policy.waivers import Waivers

T = TypeVar("T")
FAIL_ON_CHOICES = (*(s.value for s in Severity), "none")
# The report formats, named here so that --help needs no renderer (Jinja) import;
# tests/product/test_cli_startup.py keeps this equal to scanner.report.FORMATS.
REPORT_FORMATS = ("json", "sarif", "html", "junit", "md", "ocsf", "csv")
FORMAT_ALIASES = {"markdown": "md", "xml": "junit", "sarif-json": "sarif"}
DEFAULT_OUTPUT_DIR = "aurora-scan-output"
DEFAULT_FORMATS = "json,sarif,html"


class Problems:
    """Every input problem of one command line, gathered so one run reports them all."""

    def __init__(self) -> None:
        self.errors: list[UserInputError] = []

    def check(self, step: Callable[[], T]) -> T | None:
        """Run ``step``; record its UserInputError(s) and return None, else its value."""
        try:
            return step()
        except UserInputErrors as exc:
            self.errors.extend(exc.errors)
        except UserInputError as exc:
            self.errors.append(exc)
        return None

    def raise_if_any(self) -> None:
        # The same file given twice (`diff a.json a.json`) is one problem, said once.
        unique = list({error.render(): error for error in self.errors}.values())
        if unique:
            raise UserInputErrors(unique)


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
        help=f"comma-separated formats: {', '.join(REPORT_FORMATS)} (default {DEFAULT_FORMATS}), "
        "e.g. --format json,sarif",
    )
    group.add_argument(
        "--include-passed",
        action="store_true",
        help="OCSF: one event per finding, PASS and NOT_APPLICABLE included "
        "(default: FAIL, UNKNOWN and WAIVED only)",
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


@dataclass(frozen=True)
class PreviousResults:
    """An earlier results file, read and checked up front: the source of each
    finding's first_seen / last_status_change."""

    path: Path
    result: ScanResult
    sha256: str


def read_previous(path: Path) -> PreviousResults:
    from scanner.result_file import parse_result, read_result_bytes

    raw = read_result_bytes(path)
    return PreviousResults(path, parse_result(raw, str(path)), hashlib.sha256(raw).hexdigest())


def with_history(
    result: ScanResult, previous: PreviousResults | None, *, from_baseline: bool = False
) -> ScanResult:
    """``result`` with its findings' history carried forward from ``previous`` (if any).

    ``from_baseline``: ``previous`` is the ``--baseline`` standing in for
    ``--previous``.  A baseline from a later scan (re-evaluating an old
    snapshot) still gates, but gives no history: said on stderr, not refused.
    """
    if previous is None:
        return result
    from scanner.history import carry_forward

    try:
        return carry_forward(
            result,
            previous.result,
            previous_file=str(previous.path),
            previous_sha256=previous.sha256,
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
    from scanner.policy.config import Config, default_config_path, load_config, parse_fail_on

    path = args.config if args.config is not None else default_config_path()
    config = load_config(path) if path is not None else Config()
    if args.fail_on is not None:
        config = replace(config, fail_on=parse_fail_on(args.fail_on), fail_on_set=True)
    if args.allow_incomplete:
        config = replace(config, allow_incomplete=True)
    return config


def baseline_fingerprints(path: Path | None) -> frozenset[str]:
    if path is None:
        return frozenset()
    from scanner.result_file import read_result

    return failing_fingerprints(read_result(path))


def failing_fingerprints(result: ScanResult) -> frozenset[str]:
    """What a baseline contributes to the gate: its FAIL findings' fingerprints."""
    return frozenset(f.fingerprint for f in result.findings if f.status is Status.FAIL)


def check_output_dir(path: Path, option: str = "--output-dir") -> None:
    """The reports can be written there: a directory (or creatable), and writable.

    Nothing is created here: a run that stops for another problem leaves no
    empty directory behind.
    """
    if path.exists() and not path.is_dir():
        raise UserInputError(
            "the output directory is a file",
            file=str(path),
            location=option,
            expected="a directory (it is created when missing)",
        )
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UserInputError(
            f"cannot create the output directory: {existing} is not a directory",
            file=str(path),
            location=option,
            hint="choose a directory path",
        )
    import tempfile

    try:
        # A real write: os.access says yes to root on a read-only file system.
        with tempfile.TemporaryFile(dir=existing, prefix=".aurora-scan-probe-"):
            pass
    except OSError as exc:
        raise UserInputError(
            f"cannot write the reports to {existing}: {exc.strerror or exc}",
            file=str(path),
            location=option,
            hint="choose a writable output directory",
        ) from None


def parse_report_formats(text: str) -> list[str]:
    """``--format``, checked without importing the renderers (Jinja) before the first
    API call: names this module knows pass here, anything else gets the renderers'
    own message (``scanner.report.parse_formats``)."""
    names: list[str] = []
    for item in text.split(","):
        name = FORMAT_ALIASES.get(item.strip().lower(), item.strip().lower())
        if name and name not in names:
            names.append(name)
    if names and all(name in REPORT_FORMATS for name in names):
        return names
    from scanner.report import parse_formats

    return parse_formats(text)


@dataclass(frozen=True)
class EvaluationInputs:
    """Everything evaluation needs besides the snapshot, read and checked up front."""

    config: Config
    policy_set: PolicySet
    waivers: Waivers | None
    baseline: frozenset[str]
    formats: list[str]
    # --previous, else --baseline standing in for it (history_from_baseline).
    previous: PreviousResults | None = None
    history_from_baseline: bool = False


def prepare_evaluation(
    args: argparse.Namespace,
    problems: Problems,
    *,
    policy_set: PolicySet | None = None,
) -> EvaluationInputs | None:
    """Read config, policies, waivers and baseline, parse the formats and check the
    output directory; every problem goes to ``problems`` (None when there was one)."""
    formats = problems.check(lambda: parse_report_formats(args.format))
    problems.check(lambda: check_output_dir(args.output_dir))
    config = problems.check(lambda: effective_config(args))
    if policy_set is None:
        # From the start-up cache when no policy file changed (scanner/cli/_cache.py).
        policy_set = problems.check(lambda: load_policies_cached(args.policies))
    waivers = None
    if args.waivers is not None:
        from scanner.policy.waivers import load_waivers

        waivers = problems.check(lambda: load_waivers(args.waivers))
    explicit_previous: Path | None = getattr(args, "previous", None)
    history_path = explicit_previous or args.baseline
    previous = (
        problems.check(lambda: read_previous(history_path)) if history_path is not None else None
    )
    if previous is not None and history_path == args.baseline:
        # The baseline is the history file too: read once.
        baseline: frozenset[str] | None = failing_fingerprints(previous.result)
    else:
        baseline = problems.check(lambda: baseline_fingerprints(args.baseline))
    if problems.errors:
        return None
    assert config is not None and policy_set is not None  # no problem: all were read
    assert formats is not None and baseline is not None
    return EvaluationInputs(
        config,
        policy_set,
        waivers,
        baseline,
        formats,
        previous,
        history_from_baseline=explicit_previous is None and previous is not None,
    )


def evaluate_snapshot(
    snapshot: Snapshot,
    inputs: EvaluationInputs,
    *,
    snapshot_sha256: str | None = None,
) -> ScanResult:
    from scanner.policy.engine import evaluate

    return evaluate(
        snapshot,
        inputs.policy_set,
        config=inputs.config,
        waivers=inputs.waivers,
        command_line=redacted_command_line(),
        snapshot_sha256=snapshot_sha256,
    )


def write_outputs(
    result: ScanResult, formats: list[str], output_dir: Path, *, include_passed: bool = False
) -> dict[str, Path]:
    from scanner import report

    return report.render(
        result, formats, output_dir, ocsf_options=report.OcsfOptions(include_passed=include_passed)
    )


def run_evaluation(
    snapshot: Snapshot,
    args: argparse.Namespace,
    inputs: EvaluationInputs,
    *,
    snapshot_sha256: str | None = None,
) -> int:
    """Evaluate ``snapshot`` with the checked ``inputs``, write outputs, return the exit code."""
    from scanner import gc_pause

    # The result (up to millions of findings) lives until the process exits:
    # move it out of the collector's view (before the collector is back on,
    # so it never walks it) and rendering does not re-scan it either.
    with gc_pause.paused(freeze=True):
        result = evaluate_snapshot(snapshot, inputs, snapshot_sha256=snapshot_sha256)
        result = with_history(result, inputs.previous, from_baseline=inputs.history_from_baseline)
    written = write_outputs(
        result,
        inputs.formats,
        args.output_dir,
        include_passed=getattr(args, "include_passed", False),
    )
    code = result.exit_code(
        inputs.config.fail_on,
        allow_incomplete=inputs.config.allow_incomplete,
        ignore_fingerprints=inputs.baseline,
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
