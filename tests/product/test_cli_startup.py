"""`--help` and `--version` stay fast: building the parser imports no stage (issue 17 item 5).

Timing lives in benchmarks/cli_startup.py (medians); here, the structural
cause of slowness is pinned: which heavy libraries a fresh interpreter has
imported after printing help.  A verb module that imports boto3, Jinja,
jsonschema or YAML at its top level fails this test.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scanner.cli import verb_names
from scanner.cli._options import FORMAT_ALIASES, REPORT_FORMATS, parse_report_formats

HEAVY = ("boto3", "botocore", "jinja2", "jsonschema", "yaml", "networkx", "re2", "moto")

PROBE = """
import contextlib, io, json, sys
from scanner.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
heavy = {heavy!r}
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def _heavy_after(argv: list[str]) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return list(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["scna"]], ids=" ".join)
def test_top_level_help_imports_no_stage(argv: list[str]) -> None:
    assert _heavy_after(argv) == []


@pytest.mark.parametrize("verb", verb_names())
def test_verb_help_never_imports_boto3(verb: str) -> None:
    assert _heavy_after([verb, "--help"]) == []


def test_the_formats_named_in_help_are_the_registered_renderers() -> None:
    from scanner.report import FORMATS

    assert tuple(REPORT_FORMATS) == tuple(FORMATS), (
        "scanner/cli/_options.py REPORT_FORMATS must list every renderer of scanner.report"
    )


@pytest.mark.parametrize(
    "text", ["json", "json,sarif,html", "HTML, markdown,xml", "sarif-json,json,sarif", "md,,junit"]
)
def test_the_light_format_check_agrees_with_the_renderers(text: str) -> None:
    from scanner.report import _ALIASES, parse_formats

    assert FORMAT_ALIASES == _ALIASES
    assert parse_report_formats(text) == parse_formats(text)
