"""Multi-account collection against moto (docs/testing.md): --accounts/--role-name and --org.

moto lets ``sts:AssumeRole`` into any account id without the role existing,
and keeps a separate backend per account, so resources seeded with
assumed-role credentials live in that account only.  One account's
AssumeRole is made to fail with AccessDenied (fault recipe A in docs/testing.md, keyed on
the role's account): that account must become a coverage gap, not a crash.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto_iam import ACCOUNT, client, seed_small_estate

from scanner.collect.runner import CollectOptions, collect
from scanner.edges import build_graph
from scanner.model import ExitCode, Snapshot, Status
from scanner.policy.engine import evaluate
from scanner.policy.loader import PolicySet, load_policies
from scanner.report import render
from scanner.result_file import read_result

# moto warns that an injected error code is not in the STS error shapes: harmless.
pytestmark = pytest.mark.filterwarnings("ignore:Exception.*does not match an error shape")

REGION = "eu-north-1"  # ours alone in this moto process
ROLE = "AuroraScanRole"
ACCOUNT_B = "111111111111"
ACCOUNT_C = "222222222222"
ACCOUNT_DENIED = "333333333333"


def assumed(url: str, account: str) -> dict[str, str]:
    creds = client(url, "sts", REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed"
    )["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


class AssumeRoleRecorder:
    """Fault recipe A (docs/testing.md), per account: AssumeRole into ``deny`` raises AccessDenied.

    Also records every AssumeRole request's parameters, so the test can see
    what the scanner sent (role ARN, external id)."""

    def __init__(self, deny: set[str]) -> None:
        self.deny = deny
        self.calls: list[dict[str, str]] = []

    @contextlib.contextmanager
    def installed(self) -> Iterator[AssumeRoleRecorder]:
        from moto.core.exceptions import ServiceException
        from moto.sts.responses import TokenResponse

        original = TokenResponse.assume_role
        denied = type("AccessDenied", (ServiceException,), {"code": "AccessDenied"})
        recorder = self

        def assume_role(resp: Any) -> Any:
            arn = resp._get_param("RoleArn") or ""
            recorder.calls.append(
                {"RoleArn": arn, "ExternalId": resp._get_param("ExternalId") or ""}
            )
            if arn.split(":")[4] in recorder.deny:
                raise denied(f"not authorized to perform: sts:AssumeRole on resource: {arn}")
            return original(resp)

        TokenResponse.assume_role = assume_role  # type: ignore[method-assign]
        try:
            yield self
        finally:
            TokenResponse.assume_role = original  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def policy_set() -> PolicySet:
    return load_policies()


# moto's state is process-wide (every server in this process shares it): the
# estates outlive this module's server, so they are kept for the whole process.
_SEEDED: dict[str, str] = {}


def _still_seeded(url: str, seeded: dict[str, str]) -> bool:
    """False when another module reset moto in this process (its state is process-wide)."""
    try:
        for account in seeded:
            rds = client(url, "rds", REGION, **assumed(url, account))
            rds.describe_db_clusters(DBClusterIdentifier=f"acct{account[:1]}-c1")
    except ClientError:
        return False
    return True


@pytest.fixture
def estates(moto_url: str) -> dict[str, str]:
    """A small estate in accounts B and C, seeded through assumed-role credentials.

    Seeded once per process and again if another test module reset moto meanwhile.
    """
    if _SEEDED and _still_seeded(moto_url, _SEEDED):
        return _SEEDED
    seeded = {
        account: seed_small_estate(
            moto_url, REGION, f"acct{account[:1]}", **assumed(moto_url, account)
        ).cluster_arn
        for account in (ACCOUNT_B, ACCOUNT_C)
    }
    _SEEDED.clear()
    _SEEDED.update(seeded)
    return seeded


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _collect(url: str, **kw: Any) -> Snapshot:
    return collect(CollectOptions(regions=(REGION,), endpoint_url=url, role_name=ROLE, **kw))


def test_seeded_resources_live_in_their_own_account(moto_url: str, estates: dict[str, str]) -> None:
    for account, arn in estates.items():
        assert f":{account}:cluster:" in arn
    own = client(moto_url, "rds", REGION).describe_db_clusters()["DBClusters"]
    assert not [c for c in own if c["DBClusterArn"] in estates.values()]


def test_accounts_are_scanned_through_the_role_and_findings_carry_their_account(
    moto_url: str, estates: dict[str, str], env: None, policy_set: PolicySet, tmp_path: Path
) -> None:
    recorder = AssumeRoleRecorder(deny={ACCOUNT_DENIED})
    with recorder.installed():
        snapshot = _collect(
            moto_url, accounts=(ACCOUNT_B, ACCOUNT_C, ACCOUNT_DENIED), external_id="xid-42"
        )
    # every account asked for is in scope, the denied one included
    assert set(snapshot.accounts) == {ACCOUNT_B, ACCOUNT_C, ACCOUNT_DENIED}
    roles = sorted(c["RoleArn"] for c in recorder.calls)
    assert roles == [f"arn:aws:iam::{a}:role/{ROLE}" for a in sorted(snapshot.accounts)]
    assert {c["ExternalId"] for c in recorder.calls} == {"xid-42"}

    clusters = {r.id: r.account for r in snapshot.resources if r.type == "aws.rds.db_cluster"}
    assert clusters == {arn: account for account, arn in estates.items()}
    per_account = Counter(r.account for r in snapshot.resources)
    assert set(per_account) == {ACCOUNT_B, ACCOUNT_C}
    # each account's resources carry that account, and only its own
    for r in snapshot.resources:
        if r.id.startswith("arn:aws:"):
            assert r.id.split(":")[4] in ("", r.account), r.id

    # the failed AssumeRole is one account-wide coverage gap, not a crash
    [gap] = [e for e in snapshot.errors if e.account == ACCOUNT_DENIED]
    assert (gap.region, gap.service, gap.operation) == ("*", "sts", "AssumeRole")
    assert gap.error_code == "AccessDenied"
    assert "aws.rds.db_cluster" in gap.resource_types
    assert not [e for e in snapshot.errors if e.account != ACCOUNT_DENIED]

    result = evaluate(snapshot, policy_set)
    accounts = {f.account for f in result.findings}
    assert accounts == {ACCOUNT_B, ACCOUNT_C}
    for f in result.findings:
        if f.resource_id in clusters:
            assert f.account == clusters[f.resource_id]
    assert result.exit_code(None) is ExitCode.INCOMPLETE
    assert result.exit_code(None, allow_incomplete=True) is ExitCode.CLEAN
    assert any(f.status is Status.FAIL for f in result.findings)

    # two scopes never share a SARIF category: it names the accounts
    written = render(result, ["sarif"], tmp_path)
    category = written["sarif"].read_text()
    assert ACCOUNT_B in category and ACCOUNT_C in category


def test_every_accounts_instances_resolve_their_own_ca_certificate(
    moto_url: str, estates: dict[str, str], env: None
) -> None:
    """DescribeCertificates gives every account the same CertificateArn
    (``arn:aws:rds:<region>::cert:<name>``, no account): each account keeps its
    own copy, and each account's instances reach it through uses_certificate."""
    snapshot = _collect(moto_url, accounts=(ACCOUNT_B, ACCOUNT_C))
    assert not snapshot.errors
    certs = [r for r in snapshot.resources if r.type == "aws.rds.certificate"]
    ca = "rds-ca-rsa2048-g1"
    mine = {r.account: r for r in certs if r.attrs["CertificateIdentifier"] == ca}
    assert set(mine) == {ACCOUNT_B, ACCOUNT_C}
    assert {r.attrs["CertificateArn"] for r in mine.values()} == {
        f"arn:aws:rds:{REGION}::cert:{ca}"
    }
    graph = build_graph(snapshot.resources)
    instances = [r for r in snapshot.resources if r.type == "aws.rds.db_instance"]
    assert {r.account for r in instances} == {ACCOUNT_B, ACCOUNT_C}
    for instance in instances:
        assert instance.attrs["CACertificateIdentifier"] == ca
        targets = [t for t, _ in graph.neighbours(instance.id, "uses_certificate")]
        assert targets == [mine[instance.account].id], instance.id


def test_own_account_in_the_list_is_scanned_with_own_credentials(
    moto_url: str, estates: dict[str, str], env: None
) -> None:
    recorder = AssumeRoleRecorder(deny=set())
    with recorder.installed():
        snapshot = _collect(moto_url, accounts=(ACCOUNT, ACCOUNT_B))
    assert [c["RoleArn"].split(":")[4] for c in recorder.calls] == [ACCOUNT_B]
    assert set(snapshot.accounts) == {ACCOUNT, ACCOUNT_B}
    assert not snapshot.errors


def test_org_scans_every_active_account_and_skips_suspended_ones(
    moto_url: str, estates: dict[str, str], env: None
) -> None:
    org = client(moto_url, "organizations", "us-east-1")
    with contextlib.suppress(org.exceptions.AlreadyInOrganizationException):
        org.create_organization(FeatureSet="ALL")
    made = []
    for name in ("workload-a", "workload-b", "closed"):
        status = org.create_account(AccountName=name, Email=f"{name}@example.com")
        made.append(status["CreateAccountStatus"]["AccountId"])
    org.close_account(AccountId=made[2])
    listed = [a for p in org.get_paginator("list_accounts").paginate() for a in p["Accounts"]]
    active = {a["Id"] for a in listed if a["State"] == "ACTIVE"}
    assert made[2] not in active and {made[0], made[1], ACCOUNT} <= active

    # a cluster in one org account, seeded through the role like the scanner reaches it
    arn = seed_small_estate(moto_url, REGION, "orgws", **assumed(moto_url, made[0])).cluster_arn
    recorder = AssumeRoleRecorder(deny=set())
    with recorder.installed():
        snapshot = _collect(moto_url, org=True)
    assert set(snapshot.accounts) == active
    assert made[2] not in {c["RoleArn"].split(":")[4] for c in recorder.calls}
    clusters = {r.id: r.account for r in snapshot.resources if r.type == "aws.rds.db_cluster"}
    assert clusters.get(arn) == made[0]
    assert not snapshot.errors


def test_org_listing_denied_is_a_gap_and_the_own_account_is_still_scanned(
    moto_url: str, env: None
) -> None:
    from moto.core.exceptions import ServiceException
    from moto.organizations.responses import OrganizationsResponse

    denied = type("AccessDeniedException", (ServiceException,), {"code": "AccessDeniedException"})

    def list_accounts(self: Any) -> Any:
        raise denied("You don't have permissions to access this resource.")

    original = OrganizationsResponse.list_accounts
    OrganizationsResponse.list_accounts = list_accounts  # type: ignore[method-assign]
    try:
        snapshot = _collect(moto_url, org=True)
    finally:
        OrganizationsResponse.list_accounts = original  # type: ignore[method-assign]
    assert snapshot.accounts == (ACCOUNT,)
    [gap] = snapshot.errors
    assert (gap.service, gap.operation, gap.error_code) == (
        "organizations",
        "ListAccounts",
        "AccessDeniedException",
    )


def test_scan_verb_with_accounts_and_a_denied_role_exits_incomplete(
    moto_url: str, estates: dict[str, str], env: None, tmp_path: Path
) -> None:
    import json

    from scanner.cli import main

    out = tmp_path / "out"
    argv = ["scan", "--region", REGION, "--endpoint-url", moto_url, "--quiet"]
    argv += ["--accounts", f"{ACCOUNT_B},{ACCOUNT_DENIED}", "--role-name", ROLE]
    with AssumeRoleRecorder(deny={ACCOUNT_DENIED}).installed():
        code = main(
            [*argv, "--output-dir", str(out), "--format", "json,sarif", "--fail-on", "none"]
        )
    assert code == ExitCode.INCOMPLETE
    data = read_result(out / "results.json").to_dict()
    assert data["scan"]["accounts"] == [ACCOUNT_B, ACCOUNT_DENIED]
    assert [(e["account"], e["operation"]) for e in data["errors"]] == [
        (ACCOUNT_DENIED, "AssumeRole")
    ]
    assert {f["account"] for f in data["findings"]} == {ACCOUNT_B}
    sarif = json.loads((out / "results.sarif").read_text())
    category = sarif["runs"][0]["automationDetails"]["id"]
    assert f"{ACCOUNT_B}+{ACCOUNT_DENIED}" in category
