"""Find and read IaC files: CloudFormation templates and Terraform plan JSON.

Directories are walked; a file that is neither (a README, a Terraform source,
a JSON that is no plan) is skipped with a note, so pointing the verb at a
repository just works.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scanner.errors import UserInputError
from scanner.iac import cfn, terraform
from scanner.iac.build import Built, Declared, build
from scanner.iac.mapping import CLOUDFORMATION, TERRAFORM
from scanner.model import Resource, Snapshot

SUFFIXES = (".yaml", ".yml", ".json", ".template")
ACCOUNT = "000000000000"  # templates are not bound to an account


@dataclass
class Scanned:
    snapshot: Snapshot
    sources: dict[str, dict[str, object]]
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _files(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """(file, whether it was named on the command line) for every file to read."""
    out: list[tuple[Path, bool]] = []
    for path in paths:
        if not path.exists():
            raise UserInputError(
                "path not found",
                file=str(path),
                expected="a CloudFormation template, a Terraform plan JSON or a directory",
            )
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and ".git" not in p.parts)
            out += [(p, False) for p in found]
        else:
            out.append((path, True))
    return out


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (the current directory: the repository root in CI).

    Always relative, ``../`` when outside it: SARIF for GitHub needs relative
    URIs, and ids (so fingerprints) must not depend on where the checkout is.
    """
    return Path(os.path.relpath(path.resolve(), root)).as_posix()


def _read(path: Path, rel: str, region: str, notes: list[str], named: bool) -> list[Declared]:
    if path.suffix.lower() not in SUFFIXES:
        notes.append(f"{rel}: skipped (not a template or plan: {path.suffix or 'no suffix'})")
        return []
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            notes.append(f"{rel}: skipped (not JSON: {exc})")
            return []
        if terraform.is_plan(data):
            folder = rel.rpartition("/")[0]
            return terraform.declared(data, rel, terraform.TfSources(path.parent, folder))
    try:
        template = cfn.decode(path)
    except UserInputError as exc:
        if named:
            raise
        # A YAML file of a walked directory that is no template (a Helm chart...).
        notes.append(f"{rel}: skipped ({exc.problem})")
        return []
    if not cfn.is_template(template):
        notes.append(f"{rel}: skipped (neither a CloudFormation template nor a Terraform plan)")
        return []
    return cfn.declared(template, rel, ACCOUNT, region)


def scan_paths(paths: Iterable[Path], region: str, root: Path, collected_at: str) -> Scanned:
    """Every template and plan under ``paths`` as one snapshot, with source locations."""
    notes: list[str] = []
    declared: list[Declared] = []
    files: list[str] = []
    for path, named in _files(paths):
        rel = _relative(path, root.resolve())
        found = _read(path, rel, region, notes, named)
        if found:
            files.append(rel)
        declared += found
    built: Built = build(declared, ACCOUNT, region)
    resources: tuple[Resource, ...] = tuple(built.resources)
    types = sorted({r.type for r in resources} | _MAPPED_TYPES)
    snapshot = Snapshot(
        collected_at=collected_at,
        accounts=(ACCOUNT,),
        regions=(region,),
        resources=resources,
        context={"resource_types": types, "source": "iac"},
    )
    return Scanned(snapshot, built.sources, notes + built.notes, files)


# Types the mapping tables can produce: a policy following a relation to one of
# them that finds nothing gets a decided answer, any other type is "not collected".
_MAPPED_TYPES = {m.type for m in (*CLOUDFORMATION.values(), *TERRAFORM.values()) if m.type}
