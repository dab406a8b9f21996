"""`aurora-scan --help` and every verb's `--help`: every option described, an example given.

Verbs are discovered, so this covers each verb as it lands.  Nested verbs
(`policies list`, …) are checked too.
"""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

from scanner.cli import build_parser, main


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _all_parsers() -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}

    def visit(prefix: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
        found[" ".join(prefix)] = parser
        for name, sub in _subparsers(parser).items():
            visit((*prefix, name), sub)

    visit((), build_parser())
    return found


PARSERS = _all_parsers()


def test_every_registered_verb_has_a_one_line_summary() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    summaries = {a.dest: a.help for a in sub._choices_actions}
    missing = sorted(name for name in sub.choices if not (summaries.get(name) or "").strip())
    assert not missing, f"verbs without help= in add_parser: {missing}"


@pytest.mark.parametrize("command", sorted(PARSERS), ids=lambda c: c or "aurora-scan")
def test_help_describes_every_option_and_gives_an_example(command: str) -> None:
    parser = PARSERS[command]
    argv = [*command.split(), "--help"] if command else ["--help"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert out.getvalue().startswith("usage: aurora-scan")
    undocumented = [
        "/".join(a.option_strings) or a.dest
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction | argparse._VersionAction)
        and not isinstance(a, argparse._SubParsersAction)
        and (not a.help or a.help == argparse.SUPPRESS or not a.help.strip())
    ]
    assert not undocumented, f"'{command}': options without help text: {undocumented}"
    assert parser.epilog and "example" in parser.epilog.lower(), (
        f"'{command or 'aurora-scan'}' --help has no example in its epilog"
    )
