"""Issue 14 item 9: terminal escape injection.

A resource name with ESC sequences, CR/LF and bidirectional overrides must
not reach the terminal raw (it could clear the screen, recolour, or forge a
line of our own output) nor the HTML report raw (U+202E reorders what a
reader sees); both show it as visible escapes (``\\x1b``, ``\\u202e``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sec_outputs_support import HOSTILE_NAME, UNSAFE_CHARS, run_cli, write_result

from scanner.model import Status


@pytest.fixture
def hostile_results(tmp_path: Path) -> tuple[Path, Path]:
    """OLD passes, NEW fails, on a cluster whose name is an escape-sequence attack."""

    from product_fixtures import finding, result

    old = finding("c1", Status.PASS)
    new = msgspec.structs.replace(
        finding("c1", Status.FAIL, message=f"cluster {HOSTILE_NAME} is not encrypted"),
        resource_name=HOSTILE_NAME,
    )
    return (
        write_result(tmp_path / "old.json", result([old])),
        write_result(tmp_path / "new.json", result([new])),
    )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _no_raw_controls(text: str) -> list[str]:
    return [repr(c) for c in UNSAFE_CHARS if c in text]


def test_diff_prints_hostile_names_as_visible_escapes(
    hostile_results: tuple[Path, Path],
) -> None:
    old, new = hostile_results
    run = run_cli(["diff", str(old), str(new)], timeout=60)
    assert run.code == 0, run.stderr
    assert not _no_raw_controls(run.stdout), _no_raw_controls(run.stdout)
    # The name stays on its one line: nothing forged a line of its own.
    assert not any(line.startswith("FAIL forged-line") for line in run.stdout.splitlines())
    assert "\\x1b[2J" in run.stdout and "\\u202e" in run.stdout and "\\n" in run.stdout


def test_error_naming_a_hostile_file_is_one_visible_line(tmp_path: Path) -> None:
    missing = tmp_path / f"old{HOSTILE_NAME}.json"
    run = run_cli(["diff", str(missing), str(missing)], timeout=60)
    assert run.code == 2, run.stderr
    assert not _no_raw_controls(run.stderr), _no_raw_controls(run.stderr)
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "aurora-scan: error:" in run.stderr and "old.json" not in run.stderr


def test_log_lines_show_hostile_text_visibly() -> None:
    from scanner.logging_setup import configure_logging, get_logger, reset_logging

    stream = io.StringIO()
    configure_logging(verbose=0, stream=stream)
    try:
        get_logger("collect").warning("could not collect %s: %s", HOSTILE_NAME, "boom")
    finally:
        reset_logging()
    text = stream.getvalue()
    assert not _no_raw_controls(text), _no_raw_controls(text)
    assert len(text.splitlines()) == 1, text


def test_html_report_shows_controls_and_bidi_visibly(
    hostile_results: tuple[Path, Path], tmp_path: Path
) -> None:
    _old, new = hostile_results
    out = tmp_path / "out"
    run = run_cli(
        ["report", str(new), "--output-dir", str(out), "--format", "html", "--fail-on", "none"],
        timeout=120,
    )
    assert run.code == 0, run.stderr
    assert not _no_raw_controls(run.stderr)
    html = (out / "report.html").read_text(encoding="utf-8")
    # Neither in the markup nor in the embedded data: the parsed data is the
    # same (JSON escapes), and the page script shows them as \x1b / \u202e.
    assert not _no_raw_controls(html), _no_raw_controls(html)
    from scanner.report.html import extract_data

    assert any(HOSTILE_NAME in text for text in _strings(extract_data(html)))
