"""`aurora-scan policies list | validate | test | show ID`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.cli._options import add_policies_option, print_errors
from scanner.errors import UserInputError
from scanner.iac.runtime import RUNTIME_ONLY
from scanner.model import ExitCode
from scanner.terminal import visible
from scanner.vocabulary import RESOURCE_TYPES

if TYPE_CHECKING:
    from scanner.policy.loader import PolicySet

ORDER = 60

EPILOG = """\
examples:
  aurora-scan policies list
  aurora-scan policies list --framework aws-fsbp
  aurora-scan policies validate --policies ./my-policies
  aurora-scan policies test --policies ./my-policies --no-builtin
  aurora-scan policies show aurora.cluster.deletion_protection
"""


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    add_policies_option(parser)
    parser.add_argument(
        "--no-builtin",
        action="store_true",
        help="leave out the built-in catalogue (only --policies directories), "
        "e.g. to validate your own set",
    )


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "policies",
        help="list, validate, test or show policies",
        description="Work with the policy catalogue: list it, validate it, run the test "
        "cases embedded in each policy, or show one policy.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    p_list = actions.add_parser(
        "list",
        help="list policies (id, severity, area, resource, where it applies: live, iac; title)",
        epilog="example:\n  aurora-scan policies list --framework aws-fsbp --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_source_options(p_list)
    p_list.add_argument(
        "--framework",
        metavar="ID",
        help="only policies mapped by this framework, e.g. --framework aws-fsbp",
    )
    p_list.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_list.set_defaults(func=run, handler=_list)

    p_validate = actions.add_parser(
        "validate",
        help="check every policy and framework file; exit 2 with one line per problem",
        epilog="example:\n  aurora-scan policies validate --policies ./my-policies",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_source_options(p_validate)
    p_validate.set_defaults(func=run, handler=_validate)

    p_test = actions.add_parser(
        "test",
        help="run every policy's embedded test cases; exit 1 when one fails",
        epilog="example:\n  aurora-scan policies test aurora.cluster.backup_retention",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_source_options(p_test)
    p_test.add_argument(
        "ids", nargs="*", metavar="ID", help="only these policies, e.g. aurora.cluster.iam_auth"
    )
    p_test.set_defaults(func=run, handler=_test)

    p_show = actions.add_parser(
        "show",
        help="print one policy as YAML with its frameworks",
        epilog="example:\n  aurora-scan policies show aurora.cluster.deletion_protection",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_source_options(p_show)
    p_show.add_argument("id", metavar="ID", help="policy id, e.g. aurora.cluster.iam_auth")
    p_show.set_defaults(func=run, handler=_show)


def _load(args: argparse.Namespace) -> PolicySet:
    from scanner.policy.loader import load_policies

    return load_policies(args.policies, include_builtin=not args.no_builtin)


def run(args: argparse.Namespace) -> int:
    try:
        return int(args.handler(args))
    except UserInputError as exc:
        return print_errors(exc)


def _list(args: argparse.Namespace) -> int:
    policy_set = _load(args)
    policies = list(policy_set.policies)
    if args.framework:
        framework = policy_set.framework(args.framework)
        if framework is None:
            raise UserInputError(
                f"unknown framework '{args.framework}'",
                location="--framework",
                hint=_hint_for(args.framework, [f.id for f in policy_set.frameworks])
                if policy_set.frameworks
                else "no frameworks are loaded",
            )
        ids = {p for r in framework.requirements for p in r.policies}
        policies = [p for p in policies if p.id in ids]
    if args.json:
        rows = [
            {
                **p.meta(p.effective_params(), policy_set.frameworks_of(p.id)),
                "applies": _applies(p.id),
            }
            for p in policies
        ]
        sys.stdout.write(json.dumps(rows, indent=2, sort_keys=True) + "\n")
        return int(ExitCode.CLEAN)
    width = max((len(p.id) for p in policies), default=10)
    for p in policies:
        resource = ",".join(r.removeprefix("aws.") for r in p.resources)
        applies = ",".join(_applies(p.id))
        sys.stdout.write(
            f"{p.id:<{width}}  {p.severity.value:<8}  {p.area:<12}  {resource:<24}  "
            f"{applies:<8}  {p.title}\n"
        )
    sys.stdout.write(f"{len(policies)} policies\n")
    return int(ExitCode.CLEAN)


def _applies(policy_id: str) -> list[str]:
    """Where a policy gives verdicts: a live estate always, IaC unless runtime only."""
    return ["live"] if policy_id in RUNTIME_ONLY else ["live", "iac"]


def _validate(args: argparse.Namespace) -> int:
    policy_set = _load(args)
    cases = sum(len(p.tests) for p in policy_set.policies)
    sys.stdout.write(
        f"ok: {len(policy_set)} policies, {len(policy_set.frameworks)} frameworks, "
        f"{cases} test cases\n"
    )
    return int(ExitCode.CLEAN)


def _test(args: argparse.Namespace) -> int:
    from scanner.policy.testing import run_policy_tests

    policy_set = _load(args)
    unknown = [i for i in args.ids if policy_set.get(i) is None]
    if unknown:
        raise UserInputError(
            f"unknown policy '{unknown[0]}'", hint=_hint_for(unknown[0], policy_set.ids())
        )
    count, failures = run_policy_tests(policy_set, args.ids or None)
    for failure in failures:
        sys.stdout.write(f"FAIL {visible(failure.render())}\n")
    sys.stdout.write(
        f"{count - len(failures)} of {count} test cases passed"
        + (f"; {len(failures)} failed\n" if failures else "\n")
    )
    return int(ExitCode.FAILED if failures else ExitCode.CLEAN)


def _show(args: argparse.Namespace) -> int:
    policy_set = _load(args)
    policy = policy_set.get(args.id)
    if policy is None:
        raise UserInputError(
            f"unknown policy '{args.id}'", hint=_hint_for(args.id, policy_set.ids())
        )
    out = sys.stdout
    out.write(f"# {policy.file}\n")
    out.write(f"# resource: {', '.join(f'{r} ({RESOURCE_TYPES[r]})' for r in policy.resources)}\n")
    for entry in policy_set.frameworks_of(policy.id):
        out.write(f"# {entry['framework']} {entry['requirement']}: {entry['title']}\n")
    out.write(Path(policy.file).read_text(encoding="utf-8"))
    return int(ExitCode.CLEAN)


def _hint_for(given: str, candidates: Iterable[str]) -> str:
    from scanner.policy.validation import hint_for

    return hint_for(given, candidates)
