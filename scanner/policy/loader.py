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

import errno
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


def _yaml_files(root: Path, errors: list[UserInputError]) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` file under ``root``, following directory symlinks.

    Nothing is skipped silently: a directory that cannot be listed, a symlink
    that leads nowhere (dangling, or a loop of links) and a directory symlink
    back to a directory already being walked are problems in ``errors``, each
    naming its path.  (``Path.rglob`` drops all of these without a word.)
    """
    found: list[Path] = []
    pending: list[tuple[Path, tuple[tuple[int, int], ...]]] = [(root, ())]
    while pending:
        directory, ancestors = pending.pop()
        try:
            info = directory.stat()
            key = (info.st_dev, info.st_ino)
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            errors.append(_unreadable(directory, exc))
            continue
        if key in ancestors:
            errors.append(
                UserInputError(
                    "symlink loop: this directory leads back to one that contains it",
                    file=display_path(directory),
                    hint="remove the symlink, or point it outside the policy directory",
                )
            )
            continue
        for entry in entries:
            path = directory / entry.name
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
                if entry.is_symlink() and not (is_dir or is_file):
                    path.stat()  # dangling or a loop of links: raises, with the reason
            except OSError as exc:
                errors.append(_unreadable(path, exc))
                continue
            if is_dir:
                pending.append((path, (*ancestors, key)))
            elif is_file and path.suffix in YAML_SUFFIXES:
                found.append(path)
    return sorted(found)


def _unreadable(path: Path, exc: OSError) -> UserInputError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ELOOP:
        reason = "symlink loop"
    elif exc.errno == errno.ENOENT and path.is_symlink():
        reason = f"dangling symlink (to {os.readlink(path)})"
    return UserInputError(
        f"cannot read the policy path: {reason}",
        file=display_path(path),
        hint="fix or remove it; a policy that cannot be read is never skipped",
    )


def _files_by_kind(root: Path, errors: list[UserInputError]) -> dict[str, list[Path]]:
    """The root's YAML files: ``data`` tables, ``frameworks`` and ``policies`` (the rest)."""
    kinds: dict[str, list[Path]] = {"data": [], "frameworks": [], "policies": []}
    before = len(errors)
    for path in _yaml_files(root, errors):
        top = path.relative_to(root).parts[0]
        if top in RESERVED_DIRS and len(path.relative_to(root).parts) > 1:
            kinds[top].append(path)
        elif not path.name.startswith("."):
            kinds["policies"].append(path)
    if len(errors) == before and not any(kinds.values()):
        errors.append(
            UserInputError(
                "no policy files in this directory",
                file=display_path(root),
                expected="<area>/<id>.yaml policy files (or frameworks/*.yaml, data/*.yaml)",
                hint="check the path given to --policies; a directory without policies "
                "would add nothing to the scan",
            )
        )
    return kinds


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
                    _not_a_directory(path),
                    file=str(extra),
                    location="--policies",
                    hint="--policies takes a directory of <area>/<id>.yaml files",
                )
            )
        elif path.resolve() not in [r.resolve() for r in roots]:
            roots.append(path)
    if not roots and not errors:
        errors.append(
            UserInputError(
                "no policies to load: the built-in catalogue is left out and no --policies "
                "directory is given",
                location="--no-builtin",
                hint="add --policies DIR, or drop --no-builtin",
            )
        )
    if errors:
        raise UserInputErrors(errors)
    return load_roots(roots)


def _not_a_directory(path: Path) -> str:
    if path.is_symlink():
        try:
            path.stat()
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "symlink loop, not a policy directory"
            return f"dangling symlink (to {os.readlink(path)}), not a policy directory"
    return "policy directory does not exist" if not path.exists() else "not a directory"


def load_roots(roots: Sequence[Path]) -> PolicySet:
    errors: list[UserInputError] = []
    digest = hashlib.sha256()
    data: dict[str, Any] = {}
    policies: list[Policy] = []
    seen: dict[str, Policy] = {}
    validator = make_validator(policy_schema())
    framework_docs: list[tuple[Framework, YamlDoc]] = []

    for root_index, root in enumerate(roots):
        files = _files_by_kind(root, errors)
        for path in files["data"]:
            doc = _load(path, errors, digest, root, root_index, what="data table")
            if doc is not None:
                add_data_table(data, path.stem, doc.data)
        for path in files["policies"]:
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
        for path in files["frameworks"]:
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
