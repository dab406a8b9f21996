"""Record the built-in policy ids a release adds in policies/catalogue.txt (the ledger).

    .venv/bin/python tests/catalogue/release_ledger.py          # print the ids to add
    .venv/bin/python tests/catalogue/release_ledger.py --write  # append them (kept sorted)

A policy id is permanent once released: ``test_meta.py`` fails when an id of
the ledger loses its policy file.  Between releases new policies need no
line; cutting a release records them with ``--write``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LEDGER = ROOT / "policies" / "catalogue.txt"
RESERVED = ("frameworks", "data")


def policy_ids(policies: Path) -> list[str]:
    """Ids of the policy files under ``policies`` (``<area>/<id>.yaml``)."""
    ids = []
    for path in sorted(policies.rglob("*.yaml")):
        if path.relative_to(policies).parts[0] not in RESERVED:
            ids.append(str(yaml.safe_load(path.read_text(encoding="utf-8"))["id"]))
    return sorted(ids)


def split_ledger(text: str) -> tuple[list[str], list[str]]:
    """(comment lines, ids) of the ledger's text."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [line for line in lines if line.startswith("#")], [
        line for line in lines if not line.startswith("#")
    ]


def with_new_ids(text: str, ids: list[str]) -> tuple[str, list[str]]:
    """The ledger text with ``ids`` it lacks added (sorted, comments kept), and those ids."""
    comments, released = split_ledger(text)
    added = sorted(set(ids) - set(released))
    return "\n".join([*comments, *sorted(set(released) | set(added))]) + "\n", added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="append the new ids to the ledger")
    args = parser.parse_args(argv)
    text, added = with_new_ids(LEDGER.read_text(encoding="utf-8"), policy_ids(ROOT / "policies"))
    for policy_id in added:
        print(policy_id)
    if args.write and added:
        LEDGER.write_text(text, encoding="utf-8")
        print(f"added {len(added)} id(s) to {LEDGER.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
