"""Command-line entry point: argument parsing and exit codes only.

Each verb lives in its own module in this package and exposes
``ORDER: int``, ``add_parser(subparsers) -> None`` (which must set
``func=run`` via ``set_defaults``) and ``run(args) -> int``.  Verbs are
discovered, so adding one never edits this file.
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
from scanner.errors import UserInputError
from scanner.model import ExitCode
from scanner.redact import redact
from scanner.terminal import error_text, visible

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
3 the scan was incomplete (UNKNOWN findings or collection errors) and nothing failed.

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
        sys.stderr.write(
            f"{self.prog}: error: {visible(redact(message))}; hint: run '{self.prog} --help'\n"
        )
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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerant_streams()
    parser = build_parser(_requested_verb(argv))
    args = parser.parse_args(argv)
    # A scheduler's SIGTERM must not leave hidden temporaries behind.
    remove_temporaries_on_signal()
    try:
        code = int(args.func(args))
    except UserInputError as exc:
        sys.stderr.write(f"aurora-scan: error: {error_text(exc)}\n")
        return int(ExitCode.BAD_INPUT)
    except KeyboardInterrupt:
        sys.stderr.write("aurora-scan: interrupted\n")
        return 130
    return code


def entry() -> None:
    sys.exit(main())
