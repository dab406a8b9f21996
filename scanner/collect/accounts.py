"""Who is scanned: the caller, other accounts through a role, an organisation's accounts.

Resolves the targets (own account, ``accounts`` or ``org``), assumes the
role in each (refreshable credentials) and lists its regions when
``all_regions``.  A failed AssumeRole or DescribeRegions is recorded and
leaves that account out; a caller that cannot be identified is a user error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.credentials import RefreshableCredentials

from scanner.collect._calls import error_code_and_message, pages
from scanner.collect.context import AccountTarget, Run
from scanner.collect.network import diagnose
from scanner.errors import UserInputError
from scanner.model import CollectionError


def caller_identity(
    run: Run, region: str, meanwhile: Callable[[], None] = lambda: None
) -> dict[str, str]:
    """GetCallerIdentity; ``meanwhile`` runs once the client exists, before the call."""
    try:
        sts = run.client(None, region, "sts")
        meanwhile()
        ident = sts.get_caller_identity()
    except Exception as exc:  # no credentials, bad profile, bad endpoint URL, unreachable
        code, message = error_code_and_message(exc)
        hint = "configure AWS credentials (or --profile), or --endpoint-url for a test endpoint"
        # The credentials are not the problem when nothing answers: name the real
        # cause (DNS, refused, TLS, proxy, timeout) and its own remedy.
        problem = diagnose(exc, endpoint_flag=run.options.endpoint_url)
        if problem is not None:
            raise UserInputError(
                f"cannot identify the AWS caller: {problem.message}", hint=problem.hint
            ) from exc
        raise UserInputError(
            f"cannot identify the AWS caller ({code}: {message})", hint=hint
        ) from exc
    return {k: str(ident[k]) for k in ("Account", "Arn", "UserId") if k in ident}


# Account.State replaces Account.Status, which botocore's organizations model
# documents as retired on 2026-09-09 (both are returned until then).
ACTIVE = "ACTIVE"


def account_state(account: dict[str, Any]) -> str | None:
    """``State``, else the retired ``Status`` (records from before ``State`` existed)."""
    state = account.get("State")
    if state is None:
        state = account.get("Status")
    return None if state is None else str(state)


def org_accounts(run: Run, region: str, own: str) -> list[str]:
    """The organisation's ACTIVE accounts; the caller's own account when that cannot be known.

    A failed ListAccounts, or a listing with no ACTIVE account (an organisation
    always has its ACTIVE management account), is a recorded error that
    covers every type: the scan of the caller's account that follows is then
    reported incomplete, never mistaken for an organisation scan.
    """
    client = run.client(None, region, "organizations")
    listed: list[dict[str, Any]] = []
    try:
        for page in pages(
            client, "list_accounts", max_pages=run.options.max_pages, stopped=run.stopped
        ):
            listed.extend(page.get("Accounts", []))
    except Exception as exc:
        code, message = error_code_and_message(exc)
        _org_error(run, own, code, message)
        return [own]
    accounts = sorted({str(a["Id"]) for a in listed if account_state(a) == ACTIVE and a.get("Id")})
    if not accounts:
        states = sorted({account_state(a) or "(none)" for a in listed})
        message = (
            f"ListAccounts returned {len(listed)} account(s) and none is ACTIVE "
            f"(State or Status: {', '.join(states) or 'no accounts'}); "
            "only the caller's own account was scanned"
        )
        _org_error(run, own, "NoActiveAccounts", message)
        return [own]
    return accounts


def _org_error(run: Run, own: str, code: str, message: str) -> None:
    run.add_error(
        CollectionError(
            own, "*", "organizations", "ListAccounts", code, message, tuple(sorted(run.types))
        )
    )


def assume(run: Run, region: str, account: str) -> Any:
    """RefreshableCredentials for the role in ``account`` (first AssumeRole happens now)."""
    role_arn = f"arn:{run.partition}:iam::{account}:role/{run.options.role_name}"
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "aurora-scan"}
    if run.options.external_id:
        params["ExternalId"] = run.options.external_id

    def fetch() -> dict[str, str]:
        creds = run.client(None, region, "sts").assume_role(**params)["Credentials"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }

    return RefreshableCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=fetch, method="sts-assume-role"
    )


def prepare_account(
    run: Run, target: AccountTarget, home_region: str, regions: tuple[str, ...]
) -> AccountTarget | None:
    """Assume the role (when needed) and resolve regions; None when the account is unusable."""
    try:
        if target.credentials is None and target.via != "own credentials":
            target.credentials = assume(run, home_region, target.account)
    except Exception as exc:
        code, message = error_code_and_message(exc)
        run.add_error(
            CollectionError(
                target.account, "*", "sts", "AssumeRole", code, message, tuple(sorted(run.types))
            )
        )
        return None
    if not run.options.all_regions:
        target.regions = regions
        return target
    try:
        ec2 = run.client(target, home_region, "ec2")
        found = ec2.describe_regions(AllRegions=False)["Regions"]
        target.regions = tuple(sorted(r["RegionName"] for r in found))
    except Exception as exc:
        code, message = error_code_and_message(exc)
        run.add_error(
            CollectionError(
                target.account,
                "*",
                "ec2",
                "DescribeRegions",
                code,
                message,
                tuple(sorted(run.types)),
            )
        )
        return None
    return target


def targets(run: Run, caller: dict[str, str], home_region: str) -> list[AccountTarget]:
    own = caller["Account"]
    o = run.options
    wanted: list[str] = []
    if o.org:
        wanted = org_accounts(run, home_region, own)
    elif o.accounts:
        wanted = list(dict.fromkeys(o.accounts))
    if not wanted:
        return [AccountTarget(own, None)]
    if not o.role_name:
        raise UserInputError(
            "--accounts and --org need --role-name", hint="e.g. --role-name AuroraScanReadOnly"
        )
    # The caller's own account is scanned with its own credentials.
    return [
        AccountTarget(a, None) if a == own else AccountTarget(a, None, via=f"role {o.role_name}")
        for a in wanted
    ]


def targets_for_snapshot(prepared: list[AccountTarget | None], run: Run) -> list[str]:
    """Every account in scope, including those that failed (their errors say so)."""
    accounts = {t.account for t in prepared if t is not None}
    accounts.update(e.account for e in run.errors if e.region == "*" and e.account)
    return sorted(accounts)
