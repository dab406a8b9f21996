"""Multi-account collection: assumed roles, organisations, failed AssumeRole."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto_helpers import ACCOUNT, REGION

from scanner.collect.runner import CollectOptions, collect

OTHER = "111111111111"
DENIED = "222222222222"


def assumed_client(account: str, service: str) -> Any:
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed"
    )["Credentials"]
    return boto3.client(
        service,
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


@pytest.fixture
def deny_assume_role_into(mocked_aws: None) -> Iterator[None]:
    """AssumeRole into DENIED fails with AccessDenied (moto allows any role otherwise)."""
    from moto.core.exceptions import ServiceException
    from moto.sts.responses import TokenResponse

    original = TokenResponse.assume_role

    class AccessDenied(ServiceException):
        code = "AccessDenied"

    AccessDenied.__module__ = TokenResponse.__module__

    def assume_role(self: Any) -> Any:
        if f":{DENIED}:" in (self._get_param("RoleArn") or ""):
            raise AccessDenied("not authorized to perform: sts:AssumeRole")
        return original(self)

    patched: Any = TokenResponse
    patched.assume_role = assume_role
    try:
        yield
    finally:
        patched.assume_role = original


def test_accounts_are_scanned_through_the_role_and_a_failed_assume_is_recorded(
    deny_assume_role_into: None,
) -> None:
    assumed_client(OTHER, "rds").create_db_cluster(
        DBClusterIdentifier="other-1",
        Engine="aurora-postgresql",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password-1",
    )
    options = CollectOptions(
        regions=(REGION,),
        accounts=(ACCOUNT, OTHER, DENIED),
        role_name="AuroraScanReadOnly",
        resource_types=("aws.rds.db_cluster", "aws.ec2.vpc"),
    )
    snapshot = collect(options)
    assert snapshot.accounts == (OTHER, ACCOUNT, DENIED)
    clusters = [r for r in snapshot.resources if r.type == "aws.rds.db_cluster"]
    assert [(r.account, r.attrs["DBClusterIdentifier"]) for r in clusters] == [(OTHER, "other-1")]
    assert clusters[0].id.startswith(f"arn:aws:rds:{REGION}:{OTHER}:cluster:")
    vpcs = collections.Counter(r.account for r in snapshot.resources if r.type == "aws.ec2.vpc")
    assert vpcs == {ACCOUNT: 1, OTHER: 1}  # each account's default VPC
    (error,) = snapshot.errors
    assert (error.account, error.region, error.operation, error.error_code) == (
        DENIED,
        "*",
        "AssumeRole",
        "AccessDenied",
    )
    assert set(error.resource_types) == {"aws.rds.db_cluster", "aws.ec2.vpc"}
    assert snapshot.context["accounts"][OTHER]["via"] == "role AuroraScanReadOnly"


def test_org_scans_every_active_account(mocked_aws: None) -> None:
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="workload", Email="w@example.com")
    member = next(a["Id"] for a in org.list_accounts()["Accounts"] if a["Id"] != ACCOUNT)
    options = CollectOptions(
        regions=(REGION,), org=True, role_name="scan", resource_types=("aws.ec2.vpc",)
    )
    snapshot = collect(options)
    assert snapshot.accounts == tuple(sorted((ACCOUNT, member)))
    assert snapshot.errors == ()
    assert set(snapshot.context["accounts"]) == {ACCOUNT, member}
    assert {r.account for r in snapshot.resources} == {ACCOUNT, member}


@pytest.fixture
def accounts_report(monkeypatch: pytest.MonkeyPatch) -> dict[str, str | None]:
    """ListAccounts answers as AWS will after 2026-09-09: ``State`` and no ``Status``.

    botocore's organizations model documents ``Account.Status`` as retired on
    that date (``State`` replaces it); moto still sends both.  Account ids in
    the returned mapping get that ``State`` instead of their own.
    """
    from moto.organizations.models import FakeAccount

    original = FakeAccount.describe
    states: dict[str, str | None] = {}

    def describe(self: Any) -> dict[str, Any]:
        record = dict(original(self))
        record.pop("Status", None)
        state = states.get(record["Id"], record["State"])
        if state is None:
            record.pop("State")
        else:
            record["State"] = state
        return record

    monkeypatch.setattr(FakeAccount, "describe", describe)
    return states


def _org_with_member() -> str:
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="workload", Email="w@example.com")
    return next(a["Id"] for a in org.list_accounts()["Accounts"] if a["Id"] != ACCOUNT)


def _org_options() -> CollectOptions:
    return CollectOptions(
        regions=(REGION,), org=True, role_name="scan", resource_types=("aws.ec2.vpc",)
    )


def test_org_reads_state_when_status_is_retired(
    mocked_aws: None, accounts_report: dict[str, str | None]
) -> None:
    member = _org_with_member()
    listed = boto3.client("organizations", region_name=REGION).list_accounts()["Accounts"]
    assert all("Status" not in a and a["State"] == "ACTIVE" for a in listed)
    snapshot = collect(_org_options())
    assert snapshot.accounts == tuple(sorted((ACCOUNT, member)))
    assert snapshot.errors == ()
    assert {r.account for r in snapshot.resources} == {ACCOUNT, member}


def test_org_skips_accounts_whose_state_is_not_active(
    mocked_aws: None, accounts_report: dict[str, str | None]
) -> None:
    member = _org_with_member()
    accounts_report[member] = "PENDING_CLOSURE"
    snapshot = collect(_org_options())
    assert snapshot.accounts == (ACCOUNT,)
    assert snapshot.errors == ()


def test_org_falls_back_to_status_for_records_without_state(
    mocked_aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.organizations.models import FakeAccount

    original = FakeAccount.describe

    def describe(self: Any) -> dict[str, Any]:
        record = dict(original(self))
        record.pop("State")  # an answer from before State was introduced
        return record

    monkeypatch.setattr(FakeAccount, "describe", describe)
    member = _org_with_member()
    snapshot = collect(_org_options())
    assert snapshot.accounts == tuple(sorted((ACCOUNT, member)))
    assert snapshot.errors == ()


def test_org_with_no_active_account_is_a_recorded_error(
    mocked_aws: None, accounts_report: dict[str, str | None]
) -> None:
    from scanner.model import ExitCode
    from scanner.policy.engine import evaluate
    from scanner.policy.loader import load_policies

    member = _org_with_member()
    accounts_report.update({ACCOUNT: "SUSPENDED", member: "CLOSED"})
    snapshot = collect(_org_options())
    (error,) = snapshot.errors
    assert (error.account, error.region, error.service, error.operation) == (
        ACCOUNT,
        "*",
        "organizations",
        "ListAccounts",
    )
    assert error.error_code == "NoActiveAccounts"
    assert "CLOSED, SUSPENDED" in error.message
    assert error.resource_types == ("aws.ec2.vpc",)
    # the caller's account is still scanned, and the scan says it is incomplete
    assert snapshot.accounts == (ACCOUNT,)
    result = evaluate(snapshot, load_policies())
    assert result.exit_code(None) is ExitCode.INCOMPLETE
