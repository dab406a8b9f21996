"""The dependency rules of docs/architecture.md, read from every import in scanner/.

Imports inside functions count too: an import moved into a function still
ties the two modules together. A rule broken on purpose is listed in
``KNOWN`` with the reason; an entry that no longer matches an import fails,
so it is removed when the code is mended.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNER = ROOT / "scanner"

SUBPACKAGES = ("collect", "policy", "report", "cli", "demo")
GROUP_OF_MODULE = {
    "__init__": "base",  # scanner/__init__.py: __version__ only
    "model": "base",
    "errors": "base",
    "vocabulary": "base",
    "derive": "base",
    "paths": "base",
    "gc_pause": "base",
    "schema_check": "base",
    "logging_setup": "base",
    "redact": "base",
    "terminal": "base",
    "atomic_write": "base",
    "strict_json": "base",
    "input_check": "base",
    "graph": "graph",
    "edges": "graph",
    "provenance": "graph",
    "snapshot_file": "files",
    "result_file": "files",
    "merge": "files",
    "diff": "files",
    "shapes": "shapes",
    "shapecheck": "shapes",
    "permissions": "perms",
    "progress": "perms",
}

# Which groups each group may import (its own modules always).
ALLOWED = {
    "base": set(),
    "collect": {"base"},
    "graph": {"base"},
    "policy": {"base", "graph"},
    "report": {"base", "files"},
    "files": {"base"},
    "shapes": {"base", "collect", "graph", "policy"},
    "perms": {"base", "collect", "policy"},
    "demo": {"base", "collect", "policy", "report"},
    "cli": {"base", "collect", "policy", "report", "files", "perms", "demo", "graph"},
}

# (importing file, imported module): why it is still there.
KNOWN = {
    ("scanner/demo/run.py", "scanner.cli._options"): (
        "the demo reaches up into the CLI for redacted_command_line (issue 15)"
    ),
}


def _group(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "base"
    if parts[1] in SUBPACKAGES:
        return parts[1]
    return GROUP_OF_MODULE[parts[1]]


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 2:
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    return (SCANNER / f"{name}.py").is_file() or (SCANNER / name).is_dir()


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "scanner":
                # A submodule (``from scanner import report``) or a name of
                # scanner/__init__.py (``__version__``).
                found += [
                    f"scanner.{alias.name}" if _is_module(alias.name) else "scanner"
                    for alias in node.names
                ]
            elif node.module.startswith("scanner."):
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("scanner.")]
    return found


def _crossings() -> list[tuple[str, str, str, str]]:
    """(file, imported module, its group, the file's group) for imports across groups."""
    rows = []
    for path in sorted(SCANNER.rglob("*.py")):
        source = _group(_module_of(path))
        for module in _imports(path):
            target = _group(module)
            if target != source:
                rows.append((path.relative_to(ROOT).as_posix(), module, target, source))
    return rows


def test_every_module_has_a_group() -> None:
    for path in SCANNER.rglob("*.py"):
        _group(_module_of(path))  # KeyError names a module missing from the table


def test_imports_follow_the_dependency_rules() -> None:
    broken = [
        f"{file} imports {module} ({source} -> {target})"
        for file, module, target, source in _crossings()
        if target not in ALLOWED[source] and (file, module) not in KNOWN
    ]
    assert not broken, "see docs/architecture.md, 'Dependency rules':\n" + "\n".join(broken)


def test_known_departures_still_exist() -> None:
    present = {(file, module) for file, module, _t, _s in _crossings()}
    stale = sorted(set(KNOWN) - present)
    assert not stale, f"mended: remove from KNOWN {stale}"


def test_the_rules_catch_an_upward_import() -> None:
    assert "policy" not in ALLOWED["collect"]
    assert _group("scanner.policy.engine") == "policy"
    assert _group("scanner.collect.runner") == "collect"
    assert _group("scanner.edges") == "graph"
