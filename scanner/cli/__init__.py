"""Command-line entry point: argument parsing and exit codes only.

Each verb lives in its own module in this package and exposes
``ORDER: int``, ``add_parser(subparsers) -> None`` (which must set
``func=run`` via ``set_defaults``) and ``run(args) -> int``.  Verbs are
discovered, so adding one never edits this file.

Start-up is part of the interface: ``--version`` builds no parser, and the
verb modules import only argparse-level code at the top (their stages are
imported inside ``run``), so ``aurora-scan --help`` and ``aurora-scan VERB
--help`` never load boto3, Jinja or jsonschema (``benchmarks/cli_startup.py``).
A mistyped verb or option gets a "did you mean" (``_suggest``); an exception
nothing else handled is exit 4 with a crash report (``_crash``).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from scanner import __version__
from scanner.atomic_write import remove_temporaries_on_signal
from scanner.cli._crash import report_crash
from scanner.cli._options import print_errors
from scanner.cli._suggest import suggest_choice, unknown_arguments_message
from scanner.errors import UserInputError
from scanner.model import ExitCode
from scanner.redact import redact
from scanner.terminal import visible

DESCRIPTION = """\
aurora-scan checks Amazon Aurora estates against declarative policies.

  collect   snapshot AWS into a JSON file          evaluate  check a snapshot against policies
  scan      collect + evaluate in one go           report    re-render a saved result
  policies  list / validate / test / show          permissions  least-privilege IAM policy
  diff      compare two results                    merge     combine sharded results
  graph     export the resource graph (json, graphml, dot)
  verify    check a report's snapshot, policy, waiver and config hashes
  demo      scan an embedded sample estate
"""

EPILOG = """\
exit codes: 0 clean; 1 a non-waived FAIL at or above --fail-on; 2 bad input;
3 the scan was incomplete (UNKNOWN findings or collection errors) and nothing failed;
4 internal error (a bug: a crash report file is named on stderr, no outputs to trust).

example:
  aurora-scan scan --region us-east-1 --output-dir out --format json,sarif,html
"""


def verb_names() -> list[str]:
    """The verb modules of this package, found without importing them."""
    return [info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")]


def _verb_modules(only: str | None = None) -> list[ModuleType]:
    modules = []
    for name in verb_names():
        if only is not None and name != only:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        if hasattr(module, "add_parser"):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


class _Parser(argparse.ArgumentParser):
    """argparse, but bad arguments print one line and a hint, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = suggest_choice(message) or f"run '{self.prog} --help'"
        sys.stderr.write(f"{self.prog}: error: {visible(redact(message))}; hint: {hint}\n")
        sys.exit(ExitCode.BAD_INPUT)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or just the verb ``only`` (each verb imports its stage)."""
    parser = _Parser(
        prog="aurora-scan",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"aurora-scan {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for module in _verb_modules(only):
        module.add_parser(subparsers)
    return parser


def _requested_verb(argv: Sequence[str]) -> str | None:
    """The verb on the command line, when it names one: then only it is imported.

    Importing every verb (and with them boto3, networkx, jsonschema, Jinja)
    costs about 0.4 s; a scan needs only its own.  Anything else (no verb, a
    typo, top-level --help) builds the full parser, so help and "invalid
    choice" messages still list every verb.
    """
    first = next((a for a in argv if not a.startswith("-")), None)
    if first is None or argv[0] != first:
        return None
    return first if first in verb_names() else None


def _tolerant_streams() -> None:
    """Text the terminal cannot encode (a lone surrogate in a name) is escaped, not fatal."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """parse_args, but an unknown option is named with the verb's closest option."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        verb, message = unknown_arguments_message(parser, args, extras)
        verb.error(message)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerant_streams()
    if argv == ["--version"]:
        # The most common scripted call: no parser, no verb imported.
        sys.stdout.write(f"aurora-scan {__version__}\n")
        return int(ExitCode.CLEAN)
    args: argparse.Namespace | None = None
    try:
        args = _parse(build_parser(_requested_verb(argv)), argv)
        # A scheduler's SIGTERM must not leave hidden temporaries behind.
        remove_temporaries_on_signal()
        return int(args.func(args))
    except UserInputError as exc:
        return print_errors(exc)
    except KeyboardInterrupt:
        sys.stderr.write("aurora-scan: interrupted\n")
        return 130
    except Exception as exc:  # the catch-all that makes a bug exit 4, never 1 or 2
        return report_crash(exc, argv, args)


def entry() -> None:
    sys.exit(main())
