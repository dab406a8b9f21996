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

SUBPACKAGES = ("collect", "policy", "report", "cli", "demo", "iac")
GROUP_OF_MODULE = {
    "typeinfo": "base",
    "resource_types": "base",
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
    "history": "files",
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
    "iac": {"base", "graph"},
    "cli": {"base", "collect", "policy", "report", "files", "perms", "demo", "graph", "iac"},
}

# (importing file, imported module): why it is still there.
KNOWN: dict[tuple[str, str], str] = {}


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


def _imports(path: Path, *, in_functions: bool = False) -> list[str]:
    """The scanner modules ``path`` imports (only those inside functions with ``in_functions``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in _function_imports(tree) if in_functions else ast.walk(tree):
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


def _function_imports(tree: ast.AST) -> list[ast.AST]:
    # Keyed by node: an import in a nested function is inside both functions.
    found = {
        id(node): node
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    }
    return list(found.values())


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


# Files whose functions import scanner modules on purpose, for start-up time
# (docs/architecture.md, "Collection and start-up"): the CLI imports only the
# verb being run, and each verb only what its options need.  Everywhere else
# an import sits at the top of its file; one moved into a function only hides
# an import cycle (the module belongs elsewhere).  Third-party imports deferred
# for start-up (networkx in scanner/graph.py, moto in scanner/demo) are not
# scanner modules and need no entry.
DEFERRED_FOR_START_UP = {
    "scanner/cli/_options.py": "evaluation, baselines and rendering only when a verb runs",
    "scanner/cli/_cache.py": "the policy loader only when policies are loaded",
    "scanner/cli/collect.py": "boto3 and the snapshot writer only for `collect`",
    "scanner/cli/diff.py": "the result reader (jsonschema) only for `diff`",
    "scanner/cli/merge.py": "the result reader, config and renderers only for `merge`",
    "scanner/cli/permissions.py": "policies, config and the engine only for `permissions`",
    "scanner/cli/report.py": "the result reader and renderers (Jinja) only for `report`",
    "scanner/cli/demo.py": "moto, the estate and the summary only for `demo`",
    "scanner/cli/evaluate.py": "the snapshot reader only when a snapshot is read",
    "scanner/cli/graph.py": "networkx, the graph builder and the snapshot reader only for `graph`",
    "scanner/cli/policies.py": "validation, testing and hints only for the sub-verb run",
    "scanner/cli/iac.py": "the template readers (cfn-lint) and evaluation only for `iac`",
    "scanner/cli/scan.py": "collection, permissions and snapshot writing only for `scan`",
    "scanner/cli/verify.py": "policy loading, snapshot and results readers only for `verify`",
}


def _deferred() -> dict[str, list[str]]:
    """file -> the scanner modules its functions import."""
    found = {}
    for path in sorted(SCANNER.rglob("*.py")):
        modules = _imports(path, in_functions=True)
        if modules:
            found[path.relative_to(ROOT).as_posix()] = modules
    return found


def test_no_scanner_module_is_imported_inside_a_function() -> None:
    hidden = [
        f"{file} imports {module} inside a function"
        for file, modules in _deferred().items()
        if file not in DEFERRED_FOR_START_UP
        for module in modules
    ]
    assert not hidden, (
        "import at the top of the file; if that makes a cycle, move the code to where it "
        "belongs (docs/architecture.md, 'Dependency rules'):\n" + "\n".join(hidden)
    )


def test_deferred_imports_are_still_deferred() -> None:
    stale = sorted(set(DEFERRED_FOR_START_UP) - set(_deferred()))
    assert not stale, f"no import inside a function any more: remove {stale}"


def _module_graph() -> dict[str, set[str]]:
    """module -> the scanner modules it imports when it is imported (top level only)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(SCANNER.rglob("*.py")):
        every = _imports(path)
        in_functions = _imports(path, in_functions=True)
        for module in in_functions:
            every.remove(module)
        graph[_module_of(path)] = set(every) - {_module_of(path)}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` (empty when there is none)."""
    done: set[str] = set()
    stack: list[str] = []

    def visit(module: str) -> list[str]:
        if module in stack:
            return [*stack[stack.index(module) :], module]
        if module in done:
            return []
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            found = visit(target)
            if found:
                return found
        stack.pop()
        done.add(module)
        return []

    for module in sorted(graph):
        found = visit(module)
        if found:
            return found
    return []


def test_no_import_cycle() -> None:
    cycle = _cycle(_module_graph())
    assert not cycle, " -> ".join(cycle)


def test_the_checks_catch_a_hidden_cycle() -> None:
    planted = ast.parse("def f():\n    def g():\n        from scanner.policy import engine\n")
    assert [type(n) for n in _function_imports(planted)] == [ast.ImportFrom]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []
