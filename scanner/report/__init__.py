"""Renderers: one per output format, behind one registry.

Renderers see only a ScanResult (never the graph or the AWS clients), so
every format can be produced again later from a saved ``results.json``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from scanner import atomic_write, gc_pause
from scanner.errors import UserInputError
from scanner.model import ScanResult
from scanner.report._view import ReportView
from scanner.report.csv_format import render_csv
from scanner.report.html import render_html
from scanner.report.json_format import render_json
from scanner.report.junit import render_junit
from scanner.report.markdown import render_markdown
from scanner.report.ocsf import OcsfOptions, render_ocsf
from scanner.report.sarif import SarifOptions, render_sarif

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "RENDERERS",
    "OcsfOptions",
    "Renderer",
    "SarifOptions",
    "parse_formats",
    "render",
]


class WriteFormat(Protocol):
    def __call__(
        self, result: ScanResult, path: Path, options: Any = None, *, view: ReportView | None = None
    ) -> Path: ...


@dataclass(frozen=True)
class Renderer:
    format: str
    filename: str
    description: str
    write: WriteFormat


RENDERERS: dict[str, Renderer] = {
    r.format: r
    for r in (
        Renderer("json", "results.json", "the ScanResult (re-renderable)", render_json),
        Renderer("sarif", "results.sarif", "SARIF 2.1.0 for GitHub code scanning", render_sarif),
        Renderer("html", "report.html", "self-contained auditor report", render_html),
        Renderer("junit", "junit.xml", "JUnit XML for CI test views", render_junit),
        Renderer("md", "summary.md", "Markdown for $GITHUB_STEP_SUMMARY", render_markdown),
        Renderer("ocsf", "results.ocsf.json", "OCSF 1.5 Compliance Finding events", render_ocsf),
        Renderer("csv", "results.csv", "one row per finding, for spreadsheets", render_csv),
    )
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)
DEFAULT_FORMATS: tuple[str, ...] = ("json", "sarif", "html")
_ALIASES = {"markdown": "md", "xml": "junit", "sarif-json": "sarif"}


def parse_formats(text: str | Iterable[str]) -> list[str]:
    """``"html,sarif"`` -> ``["html", "sarif"]`` (deduplicated, in the order given)."""
    raw = text.split(",") if isinstance(text, str) else [p for t in text for p in t.split(",")]
    formats: list[str] = []
    for item in raw:
        name = item.strip().lower()
        if not name:
            continue
        name = _ALIASES.get(name, name)
        if name not in RENDERERS:
            raise UserInputError(
                f"unknown report format '{item.strip()}'",
                location="--format",
                expected="a comma-separated list of " + ", ".join(FORMATS),
                hint="for example --format json,sarif,html",
            )
        if name not in formats:
            formats.append(name)
    if not formats:
        raise UserInputError(
            "no report format given",
            location="--format",
            expected="a comma-separated list of " + ", ".join(FORMATS),
        )
    return formats


def render(
    result: ScanResult,
    formats: str | Iterable[str],
    output_dir: Path | str,
    *,
    sarif_options: SarifOptions | None = None,
    ocsf_options: OcsfOptions | None = None,
) -> dict[str, Path]:
    """Write each asked format into ``output_dir``; return format -> file path."""
    out = Path(output_dir)
    if out.exists() and not out.is_dir():
        raise UserInputError(
            "output directory is a file",
            file=str(out),
            expected="a directory (it is created when missing)",
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(
            f"cannot create output directory: {exc.strerror}", file=str(out)
        ) from exc
    names = parse_formats(formats if isinstance(formats, str) else list(formats))
    try:
        options = {"sarif": sarif_options, "ocsf": ocsf_options}
        return _render_staged(result, names, out, options)
    except OSError as exc:
        # Read-only or full file system, quota, permissions: one line, exit 2.
        raise UserInputError(
            f"cannot write the reports: {exc.strerror or exc}",
            file=str(out),
            location="--output-dir",
            hint="choose a writable output directory with free space; "
            "reports already there were left as they were",
        ) from None


def _render_staged(
    result: ScanResult, names: list[str], out: Path, options: dict[str, Any]
) -> dict[str, Path]:
    """Render every format into a hidden staging directory inside ``out``, then move
    them into place together: a full disk or a failing renderer leaves the previous
    reports all as they were, never a new results.json beside a stale report.html.
    """
    with atomic_write.staging_directory(out, ".aurora-scan-staging-") as staging:
        # One view for every format: sorting, counting and the policy views are
        # passes over every finding, done once rather than once per format.
        view = ReportView(result)
        staged: dict[str, Path] = {}
        with gc_pause.paused():
            for fmt in names:
                renderer = RENDERERS[fmt]
                staged[fmt] = renderer.write(
                    result, staging / renderer.filename, options.get(fmt), view=view
                )
        written: dict[str, Path] = {}
        # Renames within one directory need no space: once every file is staged,
        # these cannot fail for want of disk.
        for fmt, path in staged.items():
            target = out / RENDERERS[fmt].filename
            os.replace(path, target)
            written[fmt] = target
        return written
