"""Every pointer in the repository leads to a file in the repository.

Design notes that lived outside the repository (a design page, a check list,
notes on moto and on real AWS answers, a sibling ``shared`` folder) cannot be
followed by a maintainer, so no tracked file may name them: their content is
in ``docs/`` (architecture, testing, policy language, accuracy). And every
``docs/<name>.md`` a tracked file names must exist.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Spelled in pieces so this file does not name them itself.
_MD = r"\.md"
FORBIDDEN = re.compile(
    "|".join(
        [
            r"\bDESIGN" + _MD,
            r"\bCHECKS" + _MD,
            r"\bMOTO" + _MD,
            r"\bREAL_AWS" + _MD,
            re.escape("..") + r"/shared\b",
        ]
    )
)
DOC_POINTER = re.compile(r"\bdocs/([A-Za-z0-9_.-]+\.md)\b")

# Where no git metadata exists (an unpacked source tree), walk the tree instead.
_SKIP_DIRS = {".git", ".venv", ".mypy_cache", ".pytest_cache", ".ruff_cache", "demo-output"}


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        names = [n for n in out.decode("utf-8", "surrogateescape").split("\0") if n]
        if names:
            return [ROOT / n for n in names]
    except (OSError, subprocess.SubprocessError):
        pass
    return [
        p
        for p in ROOT.rglob("*")
        if p.is_file() and not _SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
    ]


def _text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:  # listed by git but deleted in the work tree
        return None
    if b"\0" in data[:8192]:
        return None  # binary
    return data.decode("utf-8", "replace")


def _hits(pattern: re.Pattern[str]) -> list[tuple[str, int, str]]:
    hits = []
    for path in _tracked_files():
        text = _text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for match in pattern.finditer(line):
                hits.append((str(path.relative_to(ROOT)), number, match.group(0)))
    return hits


def test_the_repository_is_listed() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _tracked_files()}
    assert {"pyproject.toml", "docs/architecture.md", "scanner/model.py"} <= names


def test_no_file_points_outside_the_repository() -> None:
    hits = _hits(FORBIDDEN)
    assert not hits, "point at a file in the repository instead:\n" + "\n".join(
        f"{path}:{line}: {text}" for path, line, text in hits
    )


def test_every_docs_pointer_names_an_existing_page() -> None:
    missing = [
        (path, line, text)
        for path, line, text in _hits(DOC_POINTER)
        if not (ROOT / "docs" / text.removeprefix("docs/")).is_file()
    ]
    assert not missing, "no such page:\n" + "\n".join(
        f"{path}:{line}: {text}" for path, line, text in missing
    )


@pytest.mark.parametrize(
    "line",
    [
        "see " + "DESIGN" + ".md 'Contracts'",
        "(" + "MOTO" + ".md §6 recipe A)",
        "the promises " + "CHECKS" + ".md makes",
        "shapes in " + "REAL_AWS" + ".md",
        "read .." + "/shared/notes",
    ],
)
def test_the_pattern_catches_each_outside_pointer(line: str) -> None:
    assert FORBIDDEN.search(line)


def test_the_pattern_leaves_repository_names_alone() -> None:
    for line in ("CREDENTIALS_BY_DESIGN", "docs/testing.md", "shared data", "README.md"):
        assert not FORBIDDEN.search(line), line
