"""`aurora-scan permissions`: the least-privilege IAM policy the selected policies need."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scanner.cli._options import add_policies_option

ORDER = 50

EPILOG = """\
formats:
  policy  the IAM policy document only, ready for `aws iam create-policy` (default)
  json    both documents (scanned accounts; scanning identity when --role-name/--org)
          with the resource types and policies behind every action
  text    the same, for people

The document covers the resource types the selected policies read (their subject,
every type their paths reach) and nothing else; `scan` collects exactly those types.

examples:
  aurora-scan permissions > aurora-scan-policy.json
  aurora-scan permissions --policies ./my-policies --config aurora-scan.yml --format text
  aurora-scan permissions --role-name AuroraScanRole --org --format json
"""


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "permissions",
        help="print the least-privilege IAM policy the selected policies need",
        description="Print the IAM policy a scan with the selected policies needs, no more.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_policies_option(p)
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="config file whose policy selection applies "
        "(default ./aurora-scan.yml when present), e.g. --config aurora-scan.yml",
    )
    p.add_argument(
        "--format",
        choices=("policy", "json", "text"),
        default="policy",
        help="policy: the IAM document only (default); json: with the why; text: for people, "
        "e.g. --format text",
    )
    p.add_argument(
        "--role-name",
        metavar="NAME",
        help="multi-account: also print the scanning identity's policy "
        "(sts:AssumeRole on this role in every account), e.g. --role-name AuroraScanRead",
    )
    p.add_argument(
        "--org",
        action="store_true",
        help="multi-account through AWS Organizations: add organizations:ListAccounts "
        "to the scanning identity's policy",
    )
    p.add_argument(
        "--all-regions",
        action="store_true",
        help="add ec2:DescribeRegions, which scans with --all-regions make in every account",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scanner.permissions import compute_permissions, render_text
    from scanner.policy.config import Config, default_config_path, load_config
    from scanner.policy.engine import select
    from scanner.policy.loader import load_policies

    policy_set = load_policies(args.policies)
    path = args.config if args.config is not None else default_config_path()
    config = load_config(path) if path is not None else Config()
    perms = compute_permissions(
        select(policy_set, config),
        role_name=args.role_name,
        org=args.org,
        all_regions=args.all_regions,
    )
    if args.format == "policy":
        text = json.dumps(perms.target_document(), indent=2) + "\n"
    elif args.format == "json":
        text = json.dumps(perms.to_dict(), indent=2, sort_keys=True) + "\n"
    else:
        text = render_text(perms)
    sys.stdout.write(text)
    return 0
