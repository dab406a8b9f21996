"""Where the data that ships with the package lives, installed or not.

In a source checkout (and an editable install) the built-in policies and
report templates sit at the repository root (docs/architecture.md); a wheel
carries them inside the package as ``scanner.builtin_policies`` and
``scanner.report_templates`` (see pyproject.toml).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_CHECKOUT_ROOT = Path(__file__).resolve().parent.parent


def _data_dir(package: str, checkout_name: str) -> Path:
    in_checkout = _CHECKOUT_ROOT / checkout_name
    if in_checkout.is_dir():
        return in_checkout
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"aurora-scan data '{checkout_name}' is missing from the install")
    return Path(next(iter(spec.submodule_search_locations)))


def builtin_policies_dir() -> Path:
    return _data_dir("scanner.builtin_policies", "policies")


def report_templates_dir() -> Path:
    return _data_dir("scanner.report_templates", "report_templates")
