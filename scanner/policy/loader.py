"""Load policy directories into a PolicySet, strictly.

A policy directory holds ``<area>/<id>.yaml`` (one policy per file; files at
the top level get the area ``custom``), ``frameworks/*.yaml`` and
``data/*.yaml`` (tables a parameter default can name with ``{data: NAME}``).
Each policy file goes through three phases -- structure, schema, meaning --
and every problem of the whole set is collected; if there is any, the set is
refused with :class:`UserInputErrors` (the CLI prints one line per problem and
exits 2).  A bad policy is never skipped.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import UserInputError, UserInputErrors
from scanner.paths import builtin_policies_dir
from scanner.policy.frameworks import (
    Framework,
    check_references,
    mapping_by_policy,
    parse_framework,
)
from scanner.policy.policy import Policy
from scanner.policy.schema import policy_schema
from scanner.policy.validation import make_validator, schema_error, structure_errors
from scanner.policy.yaml_io import YamlDoc, load_yaml_file, location

RESERVED_DIRS = ("frameworks", "data")
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class PolicySet:
    policies: tuple[Policy, ...]
    frameworks: tuple[Framework, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)
    sha256: str = ""
    directories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._by_id = {p.id: p for p in self.policies}
        self._frameworks = mapping_by_policy(self.frameworks)

    def __len__(self) -> int:
        return len(self.policies)

    def __iter__(self) -> Any:
        return iter(self.policies)

    def get(self, policy_id: str) -> Policy | None:
        return self._by_id.get(policy_id)

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def frameworks_of(self, policy_id: str) -> list[dict[str, str]]:
        return list(self._frameworks.get(policy_id, []))

    def framework(self, framework_id: str) -> Framework | None:
        return next((f for f in self.frameworks if f.id == framework_id), None)

    def subset(self, ids: Iterable[str]) -> PolicySet:
        keep = set(ids)
        return PolicySet(
            policies=tuple(p for p in self.policies if p.id in keep),
            frameworks=self.frameworks,
            data=self.data,
            sha256=self.sha256,
            directories=self.directories,
        )


def display_path(path: Path) -> str:
    """Relative to the working directory when under it: shorter, stable messages."""
    absolute = Path(os.path.abspath(path))  # no symlink resolution wanted
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(absolute)


def _yaml_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def _policy_files(root: Path) -> list[Path]:
    return [
        p
        for p in _yaml_files(root)
        if p.relative_to(root).parts[0] not in RESERVED_DIRS and not p.name.startswith(".")
    ]


def load_policies(extra_dirs: Sequence[Path] = (), *, include_builtin: bool = True) -> PolicySet:
    roots: list[Path] = []
    if include_builtin:
        roots.append(builtin_policies_dir())
    errors: list[UserInputError] = []
    for extra in extra_dirs:
        path = Path(extra)
        if not path.is_dir():
            errors.append(
                UserInputError(
                    "policy directory does not exist" if not path.exists() else "not a directory",
                    file=str(extra),
                    hint="--policies takes a directory of <area>/<id>.yaml files",
                )
            )
        elif path.resolve() not in [r.resolve() for r in roots]:
            roots.append(path)
    if errors:
        raise UserInputErrors(errors)
    return load_roots(roots)


def load_roots(roots: Sequence[Path]) -> PolicySet:
    errors: list[UserInputError] = []
    digest = hashlib.sha256()
    data: dict[str, Any] = {}
    policies: list[Policy] = []
    seen: dict[str, Policy] = {}
    validator = make_validator(policy_schema())
    framework_docs: list[tuple[Framework, YamlDoc]] = []

    for root_index, root in enumerate(roots):
        for path in _yaml_files(root / "data") if (root / "data").is_dir() else []:
            doc = _load(path, errors, digest, root, root_index, what="data table")
            if doc is not None:
                add_data_table(data, path.stem, doc.data)
        for path in _policy_files(root):
            doc = _load(path, errors, digest, root, root_index, what="policy")
            if doc is None:
                continue
            policy = _policy_from_doc(doc, path, root, validator, errors)
            if policy is None:
                continue
            if policy.id in seen:
                errors.append(
                    UserInputError(
                        f"duplicate policy id '{policy.id}' (also in {seen[policy.id].file})",
                        file=policy.file,
                        location=location(doc, ("id",)),
                        hint="ids are unique across every policy directory; rename one",
                    )
                )
                continue
            seen[policy.id] = policy
            policies.append(policy)
        frameworks_dir = root / "frameworks"
        for path in _yaml_files(frameworks_dir) if frameworks_dir.is_dir() else []:
            doc = _load(path, errors, digest, root, root_index, what="framework")
            if doc is None:
                continue
            framework, problems = parse_framework(doc)
            errors.extend(problems)
            if framework is not None:
                framework_docs.append((framework, doc))

    for policy in policies:
        policy.data = data
        errors.extend(policy.check_meaning(Path(policy.file).stem))

    framework_ids: dict[str, str] = {}
    for framework, doc in framework_docs:
        if framework.id in framework_ids:
            errors.append(
                UserInputError(
                    f"duplicate framework id '{framework.id}' "
                    f"(also in {framework_ids[framework.id]})",
                    file=framework.file,
                    location=location(doc, ("id",)),
                )
            )
        framework_ids[framework.id] = framework.file
        errors.extend(check_references(framework, doc, seen))

    if errors:
        raise UserInputErrors(errors)
    return PolicySet(
        policies=tuple(sorted(policies, key=lambda p: p.id)),
        frameworks=tuple(sorted((f for f, _ in framework_docs), key=lambda f: f.id)),
        data=data,
        sha256=digest.hexdigest(),
        directories=tuple(display_path(r) for r in roots),
    )


def add_data_table(data: dict[str, Any], name: str, table: Any) -> None:
    """Register ``data/<name>.yaml``; a mapping's keys also as ``<name>.<key>``.

    One file can then hold a feature's related tables, each cited where it is
    defined (``{data: activity_stream_support.unsupported_engine_modes}``).  A
    later directory's file of the same name replaces the earlier one whole, its
    sub-tables included.
    """
    for key in [k for k in data if k.startswith(name + ".")]:
        del data[key]
    data[name] = table
    if isinstance(table, dict):
        for key, value in table.items():
            data[f"{name}.{key}"] = value


def _load(
    path: Path,
    errors: list[UserInputError],
    digest: Any,
    root: Path,
    root_index: int,
    *,
    what: str,
) -> YamlDoc | None:
    rel = path.relative_to(root).as_posix()
    try:
        digest.update(f"{root_index}:{rel}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
        return load_yaml_file(path, what=what, display=display_path(path))
    except UserInputError as exc:
        errors.append(exc)
        return None
    except OSError as exc:
        errors.append(
            UserInputError(f"cannot read the file: {exc.strerror}", file=display_path(path))
        )
        return None


def _policy_from_doc(
    doc: YamlDoc, path: Path, root: Path, validator: Any, errors: list[UserInputError]
) -> Policy | None:
    problems = structure_errors(doc.data, policy_schema(), doc, condition_ref="#/$defs/condition")
    if not problems:
        problem = schema_error(doc.data, validator, doc)
        problems = [problem] if problem is not None else []
    if problems:
        errors.extend(problems)
        return None
    rel = path.relative_to(root)
    area = rel.parts[0] if len(rel.parts) > 1 else "custom"
    policy = Policy.from_doc(doc.data, area=area, file=doc.file, yaml_doc=doc)
    policy.relpath = rel.as_posix()
    return policy


def load_policy_file(path: Path) -> Policy:
    """One policy file on its own (used by tests and `policies validate FILE`)."""
    errors: list[UserInputError] = []
    doc = _load(path, errors, hashlib.sha256(), path.parent, 0, what="policy")
    policy = None
    if doc is not None:
        policy = _policy_from_doc(doc, path, path.parent, make_validator(policy_schema()), errors)
        if policy is not None:
            errors.extend(policy.check_meaning(path.stem))
    if errors or policy is None:
        raise UserInputErrors(errors)
    return policy
