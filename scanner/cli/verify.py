"""`aurora-scan verify RESULTS.json`: do the inputs still hash to what the report states?

A report names the sha256 of the snapshot it judged, of the policy set that
judged it, of the waiver file and of the config file.  ``verify`` recomputes
each from the files at hand and prints one line per input: MATCH, MISMATCH,
or NOT CHECKED (with what to pass).  An auditor who archived the report with
its inputs can show, later and without AWS, that the findings came from
exactly these files.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.cli._options import add_policies_option, print_errors
from scanner.errors import UserInputError
from scanner.model import ExitCode, ScanResult
from scanner.terminal import visible

ORDER = 75

MATCH, MISMATCH, NOT_CHECKED = "MATCH", "MISMATCH", "NOT CHECKED"

EPILOG = """\
Each input the report names is hashed again and compared with the sha256 the
report states (results.json scan.*_sha256 and scan.config.sha256):
  policy set  the built-in policies plus every --policies DIR, as scan/evaluate hash them
  snapshot    --snapshot FILE (the file's bytes; a snapshot `scan` collected without
              --snapshot-out was hashed as canonical JSON, which is accepted too)
  waivers     --waivers FILE, else the waiver file the report names, if it is there
  config      --config FILE, else the config file the report names, if it is there

exit codes: 0 every checked input matches; 1 at least one MISMATCH; 2 bad input
(unreadable or malformed results, snapshot, policies).

examples:
  aurora-scan verify out/results.json --snapshot snapshot.json
  aurora-scan verify results.json --snapshot snap.json --policies ./my-policies \\
      --waivers waivers.yml --config aurora-scan.yml
"""


@dataclass(frozen=True)
class Check:
    what: str
    outcome: str  # MATCH | MISMATCH | NOT CHECKED
    detail: str


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "verify",
        help="recompute a report's snapshot, policy-set, waiver and config hashes and compare",
        description="Check that the snapshot, policies, waivers and config at hand are the ones "
        "a results.json was produced from (sha256 of each, as the report states).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "results",
        metavar="RESULTS.json",
        type=Path,
        help="a results.json from scan/evaluate/report, e.g. out/results.json",
    )
    p.add_argument(
        "--snapshot",
        type=Path,
        metavar="FILE",
        help="the snapshot the scan evaluated, e.g. --snapshot snapshot.json",
    )
    add_policies_option(p)
    p.add_argument(
        "--waivers",
        type=Path,
        metavar="FILE",
        help="the waiver file the scan used (default: the file the report names, when present)",
    )
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="the config file the scan used (default: the file the report names, when present)",
    )
    p.set_defaults(func=run)


def file_sha256(path: Path, what: str) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        raise UserInputError(f"{what} file not found", file=str(path)) from None
    except IsADirectoryError:
        raise UserInputError(
            f"is a directory, not a {what} file", file=str(path), hint="pass the file inside it"
        ) from None
    except OSError as exc:
        raise UserInputError(f"cannot read the file: {exc.strerror}", file=str(path)) from None


def _short(digest: str) -> str:
    return digest[:16] + "…" if len(digest) > 16 else digest


def _compare(what: str, stated: str | None, actual: str, source: str) -> Check:
    if not stated:
        return Check(what, MISMATCH, f"{source} hashes to {_short(actual)}, the report states none")
    if stated == actual:
        return Check(what, MATCH, f"{actual} ({source})")
    return Check(
        what, MISMATCH, f"the report states {_short(stated)}, {source} hashes to {_short(actual)}"
    )


def check_policies(result: ScanResult, dirs: list[Path]) -> Check:
    from scanner.policy.loader import load_policies

    policy_set = load_policies(dirs)
    source = "built-in policies" + "".join(f" + {d}" for d in dirs)
    return _compare("policy set", result.scan.get("policy_set_sha256"), policy_set.sha256, source)


def check_snapshot(result: ScanResult, path: Path | None) -> Check:
    stated = result.scan.get("snapshot_sha256")
    if path is None:
        return Check("snapshot", NOT_CHECKED, "pass --snapshot FILE (the snapshot the scan judged)")
    actual = file_sha256(path, "snapshot")
    if stated and actual != stated:
        # `scan` without --snapshot-out hashes the snapshot it collected as canonical
        # JSON (no file existed); a file with the same content matches that digest.
        from scanner.policy.engine import snapshot_digest
        from scanner.snapshot_file import read_snapshot

        canonical = snapshot_digest(read_snapshot(path))
        if canonical == stated:
            return Check("snapshot", MATCH, f"{stated} ({path}, as canonical JSON)")
    return _compare("snapshot", stated, actual, str(path))


def _recorded_or_given(given: Path | None, recorded: Any) -> tuple[Path | None, str]:
    """The file to hash: the one given, else the one the report names if it exists."""
    if given is not None:
        return given, str(given)
    if isinstance(recorded, str) and recorded and Path(recorded).is_file():
        return Path(recorded), f"{recorded}, named in the report"
    return None, ""


def check_optional_file(
    what: str, option: str, stated: str | None, given: Path | None, recorded: Any
) -> Check:
    """Waivers or config: optional inputs, so 'none used and none given' matches."""
    path, source = _recorded_or_given(given, recorded)
    if path is None:
        if not stated:
            return Check(what, MATCH, f"the scan used no {option.lstrip('-')} file")
        named = f" ({recorded})" if isinstance(recorded, str) and recorded else ""
        return Check(what, NOT_CHECKED, f"pass {option} FILE: the scan used one{named}")
    return _compare(what, stated, file_sha256(path, what), source)


def verify(result: ScanResult, args: argparse.Namespace) -> list[Check]:
    config = result.scan.get("config")
    config = config if isinstance(config, Mapping) else {}
    return [
        check_policies(result, list(args.policies)),
        check_snapshot(result, args.snapshot),
        check_optional_file(
            "waivers",
            "--waivers",
            result.scan.get("waivers_sha256"),
            args.waivers,
            result.waivers.get("file"),
        ),
        check_optional_file(
            "config", "--config", config.get("sha256"), args.config, config.get("file")
        ),
    ]


def run(args: argparse.Namespace) -> int:
    from scanner.result_file import read_result

    try:
        result = read_result(args.results)
        checks = verify(result, args)
    except UserInputError as exc:
        return print_errors(exc)
    width = max(len(c.what) for c in checks)
    for c in checks:
        sys.stdout.write(visible(f"{c.what:<{width}}  {c.outcome:<11}  {c.detail}") + "\n")
    counts = {o: sum(c.outcome == o for c in checks) for o in (MATCH, MISMATCH, NOT_CHECKED)}
    verdict = (
        f"{args.results}: {counts[MATCH]} match, {counts[MISMATCH]} mismatch, "
        f"{counts[NOT_CHECKED]} not checked"
    )
    sys.stdout.write(visible(verdict) + "\n")
    return int(ExitCode.FAILED if counts[MISMATCH] else ExitCode.CLEAN)
