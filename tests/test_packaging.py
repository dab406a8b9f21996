"""The install is quiet and complete: what setuptools would warn about, checked here.

setuptools warns (dozens of lines per install) when ``project.license`` is a
table instead of an SPDX string, and when a folder holding package data is
not itself listed as a package.  Both would make a working ``make demo`` look
broken, and a policy folder missing from the list would be missing from a
wheel.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _data_packages(package: str, folder: Path) -> set[str]:
    found = {package}
    for sub in folder.rglob("*"):
        if sub.is_dir() and not sub.name.startswith((".", "__")):
            found.add(".".join([package, *sub.relative_to(folder).parts]))
    return found


def test_license_is_an_spdx_string() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    build = PYPROJECT["build-system"]["requires"]
    assert any(req.startswith("setuptools>=77") for req in build), build


def test_every_data_folder_is_a_listed_package() -> None:
    listed = set(SETUPTOOLS["packages"])
    for package, folder in SETUPTOOLS["package-dir"].items():
        missing = _data_packages(package, ROOT / folder) - listed
        assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_every_python_package_is_listed() -> None:
    listed = set(SETUPTOOLS["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "scanner").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {found - listed}"


def test_the_demo_extra_is_lean() -> None:
    """`make demo` installs the runtime and this extra only: no test or lint tools."""
    demo = " ".join(PYPROJECT["project"]["optional-dependencies"]["demo"])
    for tool in ("pytest", "ruff", "mypy", "playwright", "hypothesis"):
        assert tool not in demo
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "demo: $(DEMO_STAMP)" in makefile
    assert "-e '.[demo]'" in makefile
