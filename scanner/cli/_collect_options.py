"""Collection options shared by `collect` and `scan`.

``add_collect_options(parser)`` adds them; ``collect_options_from_args(args)``
validates them into a CollectOptions (bad values are UserInputErrors).  The
verbs wire the progress display themselves (``scanner.progress.Progress``).
"""

from __future__ import annotations

import argparse
import math
import os
import re
from urllib.parse import urlsplit

from scanner.cli._cache import known_regions_cached
from scanner.cli._suggest import closest
from scanner.collect.options import DEFAULT_DEADLINE, MAX_PAGES, CollectOptions
from scanner.errors import UserInputError, UserInputErrors
from scanner.vocabulary import RESOURCE_TYPES

REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
PAGE_SIZE_RANGE = (20, 100)  # RDS MaxRecords bounds
DURATION_RE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([smh]?)$")
UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}
# Longer than any scan needs, and well inside what a thread wait accepts.
MAX_DEADLINE = 7 * 24 * 3600.0

EPILOG = """\
credentials come from the standard AWS chain (environment, --profile, SSO, instance role).
AWS_ENDPOINT_URL, like --endpoint-url, points every client at one endpoint (tests, moto).

option examples:
  --region us-east-1 --region eu-west-1
  --all-regions --accounts 111111111111,222222222222 --role-name AuroraScanReadOnly
  --org --role-name AuroraScanReadOnly --external-id scan-2026
  --endpoint-url http://127.0.0.1:5000 --region us-east-1
"""


def add_collect_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("collection")
    g.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="REGION",
        help="a region to scan; repeat for several, e.g. --region us-east-1 --region eu-west-1 "
        "(default: the profile's region)",
    )
    g.add_argument(
        "--all-regions",
        action="store_true",
        help="scan every region enabled in each account (ec2:DescribeRegions)",
    )
    g.add_argument(
        "--endpoint-url",
        metavar="URL",
        default=None,
        help="send every AWS call to this endpoint, e.g. --endpoint-url http://127.0.0.1:5000 "
        "(default: AWS_ENDPOINT_URL, else AWS)",
    )
    g.add_argument(
        "--profile", metavar="NAME", default=None, help="AWS profile to use, e.g. --profile audit"
    )
    g.add_argument(
        "--accounts",
        action="append",
        default=[],
        metavar="IDS",
        help="other accounts to scan by assuming --role-name in each; comma-separated or "
        "repeated, e.g. --accounts 111111111111,222222222222",
    )
    g.add_argument(
        "--org",
        action="store_true",
        help="scan every ACTIVE account of the AWS Organization (needs --role-name)",
    )
    g.add_argument(
        "--role-name",
        metavar="NAME",
        default=None,
        help="role assumed in each account for --accounts/--org, "
        "e.g. --role-name AuroraScanReadOnly",
    )
    g.add_argument(
        "--external-id",
        metavar="ID",
        default=None,
        help="ExternalId for AssumeRole, e.g. --external-id scan-2026",
    )
    g.add_argument(
        "--resource-types",
        metavar="TYPES",
        default=None,
        help="collect only these types (comma-separated), e.g. "
        "--resource-types aws.rds.db_cluster,aws.kms.key (default: all)",
    )
    g.add_argument(
        "--max-workers",
        type=int,
        default=8,
        metavar="N",
        help="parallel API calls (threads), e.g. --max-workers 16 (default 8)",
    )
    g.add_argument(
        "--page-size",
        type=int,
        default=None,
        metavar="N",
        help="RDS page size (MaxRecords, 20..100), e.g. --page-size 100 (default: AWS default)",
    )
    g.add_argument(
        "--max-attempts",
        type=int,
        default=8,
        metavar="N",
        help="attempts per call with adaptive retries, e.g. --max-attempts 10 (default 8)",
    )
    g.add_argument(
        "--connect-timeout",
        type=float,
        default=CollectOptions.connect_timeout,
        metavar="SECONDS",
        help="give up connecting to an endpoint after this long (then retried up to "
        f"--max-attempts), e.g. --connect-timeout 2 (default {CollectOptions.connect_timeout:g})",
    )
    g.add_argument(
        "--read-timeout",
        type=float,
        default=CollectOptions.read_timeout,
        metavar="SECONDS",
        help="give up waiting for an answer after this long; an endpoint that still does not "
        "answer after the retries is skipped for the rest of the scan, e.g. --read-timeout 20 "
        f"(default {CollectOptions.read_timeout:g})",
    )
    g.add_argument(
        "--deadline",
        default=None,
        metavar="DURATION",
        help="stop collecting after this long, e.g. --deadline 90s, 30m, 2h or 600 (seconds): "
        "unfinished calls are recorded as DeadlineExceeded collection errors, every output is "
        "still written and the exit code is 3 (incomplete); a call that keeps its connection "
        "alive (a byte at a time) never reaches --read-timeout, but is ended by this "
        f"(default {DEFAULT_DEADLINE / 60:g}m); paginated calls also stop after "
        f"{MAX_PAGES} pages or a repeated marker",
    )
    g.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress line on stderr (it only appears when stderr is a terminal)",
    )


def _split(values: list[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _matching(
    values: list[str],
    pattern: re.Pattern[str],
    option: str,
    what: str,
    expected: str,
    errors: list[UserInputError],
) -> list[str]:
    for value in values:
        if not pattern.match(value):
            errors.append(
                UserInputError(f"{value!r} is not {what}", location=option, expected=expected)
            )
    return values


def _known_regions() -> frozenset[str]:
    """Every region botocore's endpoint data names, in every partition (aws, aws-cn, ...)."""
    from botocore.loaders import create_loader

    data = create_loader().load_data("endpoints")
    partitions = data.get("partitions", ())
    return frozenset(region for partition in partitions for region in partition.get("regions", {}))


def check_regions_known(regions: list[str], errors: list[UserInputError]) -> None:
    """A well-formed but unknown region (``us-east-3``, ``eu-west-01``) would only fail
    at its first call, as a connection error minutes in: refuse it now, with the closest."""
    known = known_regions_cached(_known_regions)
    for region in regions:
        if region in known or not REGION_RE.match(region):
            continue
        best = closest(region, sorted(known))
        hint = f"did you mean {best}?" if best else "list them with `aws ec2 describe-regions`"
        errors.append(
            UserInputError(
                f"unknown region {region!r}",
                location="--region",
                expected="a region this botocore knows, e.g. us-east-1",
                hint=hint,
            )
        )


def collect_options_from_args(args: argparse.Namespace) -> CollectOptions:
    """The collection options, every problem in them reported at once (UserInputErrors)."""
    errors: list[UserInputError] = []
    regions = _matching(
        _split(args.region),
        REGION_RE,
        "--region",
        "an AWS region name",
        "a name like us-east-1",
        errors,
    )
    check_regions_known(regions, errors)
    if regions and args.all_regions:
        errors.append(
            UserInputError(
                "--region and --all-regions cannot be combined", hint="use one or the other"
            )
        )
    accounts = _matching(
        _split(args.accounts), ACCOUNT_RE, "--accounts", "an AWS account id", "12 digits", errors
    )
    if accounts and args.org:
        errors.append(
            UserInputError("--accounts and --org cannot be combined", hint="use one or the other")
        )
    if (accounts or args.org) and not args.role_name:
        errors.append(
            UserInputError(
                "--accounts and --org need --role-name", hint="e.g. --role-name AuroraScanReadOnly"
            )
        )
    types = _split([args.resource_types]) if args.resource_types else []
    for rtype in types:
        if rtype not in RESOURCE_TYPES:
            errors.append(
                UserInputError(
                    f"unknown resource type {rtype!r}",
                    location="--resource-types",
                    expected="one of " + ", ".join(sorted(RESOURCE_TYPES)),
                )
            )
    if args.page_size is not None and not (
        PAGE_SIZE_RANGE[0] <= args.page_size <= PAGE_SIZE_RANGE[1]
    ):
        errors.append(
            UserInputError(
                f"--page-size {args.page_size} is out of range",
                expected=f"{PAGE_SIZE_RANGE[0]}..{PAGE_SIZE_RANGE[1]}",
            )
        )
    for option, value in (
        ("--max-workers", args.max_workers),
        ("--max-attempts", args.max_attempts),
    ):
        if value < 1:
            errors.append(
                UserInputError(
                    f"{option} {value} is too small", expected="a whole number of at least 1"
                )
            )
    for option, seconds in (
        ("--connect-timeout", args.connect_timeout),
        ("--read-timeout", args.read_timeout),
    ):
        if not seconds > 0:  # also refuses nan
            errors.append(
                UserInputError(
                    f"{option} {seconds:g} is not a duration", expected="seconds above 0, e.g. 10"
                )
            )
    deadline = endpoint_url = None
    try:
        deadline = parse_deadline(args.deadline)
    except UserInputError as exc:
        errors.append(exc)
    try:
        endpoint_url = _endpoint_url(args.endpoint_url)
    except UserInputError as exc:
        errors.append(exc)
    if errors:
        raise UserInputErrors(errors)
    assert deadline is not None
    return CollectOptions(
        deadline=deadline,
        regions=tuple(regions),
        all_regions=bool(args.all_regions),
        endpoint_url=endpoint_url,
        profile=args.profile,
        accounts=tuple(accounts),
        role_name=args.role_name,
        external_id=args.external_id,
        org=bool(args.org),
        resource_types=tuple(types),
        max_workers=args.max_workers,
        page_size=args.page_size,
        max_attempts=args.max_attempts,
        connect_timeout=args.connect_timeout,
        read_timeout=args.read_timeout,
    )


def parse_deadline(value: str | None) -> float:
    """``--deadline``: seconds from ``90s``, ``30m``, ``2h`` or a plain number of seconds."""
    if value is None:
        return DEFAULT_DEADLINE
    match = DURATION_RE.match(value.strip().lower())
    seconds = float(match.group(1)) * UNIT_SECONDS[match.group(2)] if match else math.nan
    if not 0 < seconds <= MAX_DEADLINE:  # also refuses nan
        raise UserInputError(
            f"{value!r} is not a duration",
            location="--deadline",
            expected="a duration above 0 and at most 168h, like 90s, 30m, 2h or 600 (seconds)",
        )
    return seconds


def _endpoint_url(flag: str | None) -> str | None:
    """--endpoint-url, else AWS_ENDPOINT_URL; checked here because botocore's own
    error for a bad URL surfaces much later as "cannot identify the AWS caller"."""
    url, source = (
        (flag, "--endpoint-url")
        if flag
        else (os.environ.get("AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL")
    )
    if not url:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        # also urlsplit itself: an unclosed IPv6 bracket such as http://[::1
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserInputError(
            f"{url!r} is not an http(s) URL",
            location=source,
            expected="a URL like http://127.0.0.1:5000 or https://rds.us-east-1.amazonaws.com",
        )
    return url
