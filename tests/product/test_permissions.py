"""`aurora-scan permissions`: the printed IAM policy is enough, and every action in it is needed.

Against moto with IAM enforcement on (fault recipe C, docs/testing.md): a scan whose
credentials carry exactly the printed policy completes without an
AccessDenied; with one action removed, the scan records that gap as a
CollectionError naming the operation, and the findings that needed it are
UNKNOWN (never PASS).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto_iam import (
    ACCOUNT,
    REGION,
    client,
    create_user_with_policy,
    iam_enforced,
    seed_small_estate,
)

from scanner.cli import main
from scanner.collect.runner import CollectOptions, collect
from scanner.demo import moto_gaps
from scanner.model import ExitCode, Snapshot, Status
from scanner.permissions import compute_permissions, required_resource_types
from scanner.policy.config import Config
from scanner.policy.engine import evaluate, select
from scanner.policy.loader import PolicySet, load_policies
from scanner.result_file import read_result

# One listing, one augment (extra call per record) and one dependent (JSON protocol).
REMOVED = ["rds:DescribeDBInstances", "rds:DescribeDBClusterSnapshotAttributes", "kms:DescribeKey"]


def _printed_policy(*argv: str) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["permissions", *argv]) == 0
    return dict(json.loads(out.getvalue()))


def _without(document: dict[str, Any], action: str) -> dict[str, Any]:
    doc = json.loads(json.dumps(document))
    statement = doc["Statement"][0]
    assert action in statement["Action"]
    statement["Action"] = [a for a in statement["Action"] if a != action]
    return doc


@pytest.fixture(scope="module")
def policy_set() -> PolicySet:
    return load_policies()  # takes seconds: load once


# moto's state is process-wide (every server in this process shares it), so the
# users outlive this module's server: keep them for the whole process.
_MADE: dict[str, dict[str, str]] = {}


def _still_seeded(url: str) -> bool:
    """False when another module reset moto in this process (its state is process-wide)."""
    try:
        client(url, "iam").get_user(UserName="scanner-exact")
        client(url, "rds").describe_db_clusters(DBClusterIdentifier="perm-c1")
    except ClientError:
        return False
    return True


@pytest.fixture
def users(moto_url: str) -> dict[str, dict[str, str]]:
    """Estate and IAM users, all made before enforcement (the test keys stop working then).

    Made once per process and re-made if another test module reset moto meanwhile.
    """
    if _MADE and _still_seeded(moto_url):
        return _MADE
    estate = seed_small_estate(moto_url)
    moto_gaps.protect_resource(ACCOUNT, REGION, estate.cluster_arn)
    document = _printed_policy()
    made = {"exact": create_user_with_policy(moto_url, "scanner-exact", document)}
    for action in REMOVED:
        name = "scanner-without-" + action.replace(":", "-")
        made[action] = create_user_with_policy(moto_url, name, _without(document, action))
    _MADE.clear()
    _MADE.update(made)
    return made


@pytest.fixture
def as_user(
    monkeypatch: pytest.MonkeyPatch, moto_url: str, users: dict[str, dict[str, str]]
) -> Iterator[Any]:
    del users  # made first: with enforcement on, the test keys stop working

    def use(creds: dict[str, str]) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["aws_access_key_id"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["aws_secret_access_key"])
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)

    with iam_enforced(moto_url):
        yield use


def _scan(moto_url: str, policy_set: PolicySet) -> Snapshot:
    types = required_resource_types(policy_set)
    return collect(
        CollectOptions(regions=(REGION,), endpoint_url=moto_url, resource_types=tuple(types))
    )


def test_exactly_the_printed_policy_is_enough(
    moto_url: str, users: dict[str, dict[str, str]], as_user: Any, policy_set: PolicySet
) -> None:
    as_user(users["exact"])
    snapshot = _scan(moto_url, policy_set)
    denied = [e for e in snapshot.errors if "AccessDenied" in e.error_code + e.message]
    assert not denied, [e.to_dict() for e in denied]
    assert not snapshot.errors, [e.to_dict() for e in snapshot.errors]
    seen = {r.type for r in snapshot.resources}
    missing = {"aws.rds.db_cluster", "aws.rds.db_instance", "aws.kms.key"} - seen
    assert not missing, f"nothing collected for {missing}"
    result = evaluate(snapshot, policy_set)
    assert not [f for f in result.findings if f.status is Status.UNKNOWN]


def test_the_scan_verb_under_exactly_the_printed_policy_is_complete(
    moto_url: str, users: dict[str, dict[str, str]], as_user: Any, tmp_path: Path
) -> None:
    as_user(users["exact"])
    out = tmp_path / "out"
    argv = ["scan", "--region", REGION, "--endpoint-url", moto_url, "--quiet"]
    code = main([*argv, "--output-dir", str(out), "--format", "json"])
    data = read_result(out / "results.json").to_dict()
    assert data["errors"] == [], data["errors"]
    assert code in (ExitCode.CLEAN, ExitCode.FAILED)


@pytest.mark.parametrize("action", REMOVED)
def test_removing_one_action_is_reported_as_that_gap(
    moto_url: str,
    users: dict[str, dict[str, str]],
    as_user: Any,
    policy_set: PolicySet,
    action: str,
) -> None:
    as_user(users[action])
    snapshot = _scan(moto_url, policy_set)
    service, operation = action.split(":")
    gaps = [e for e in snapshot.errors if e.operation == operation]
    assert gaps, f"no CollectionError for {operation}: {[e.to_dict() for e in snapshot.errors]}"
    assert all(e.service == service for e in gaps)
    assert any("AccessDenied" in e.error_code + e.message for e in gaps)
    assert {e.operation for e in snapshot.errors} == {operation}
    result = evaluate(snapshot, policy_set)
    unknown = [f for f in result.findings if f.status is Status.UNKNOWN]
    assert unknown, "findings that needed the missing data must be UNKNOWN"
    assert result.exit_code(None) is ExitCode.INCOMPLETE


# ----- without moto: what goes into the document -----------------------------------


def _policy_dir(tmp_path: Path, policies: dict[str, str]) -> Path:
    for name, text in policies.items():
        area, _ = name.split("/")
        (tmp_path / area).mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


KMS_POLICY = """\
id: custom.cluster.cmk
title: Cluster uses a customer key
severity: high
resource: aws.rds.db_cluster
require:
  path:
    via: [encrypted_with]
    to: aws.kms.key
    where: {attr: KeyManager, op: eq, value: CUSTOMER}
message: "Cluster {DBClusterIdentifier} key check"
tests:
  - name: customer key passes
    resources:
      - {type: aws.rds.db_cluster, id: c1, DBClusterIdentifier: c1, KmsKeyId: k1}
      - {type: aws.kms.key, id: k1, KeyId: k1, Arn: k1, KeyManager: CUSTOMER}
    expect: {c1: pass}
"""

WRITER_POLICY = """\
id: custom.cluster.writer_az
title: Writer in a known AZ
severity: low
resource: aws.rds.db_cluster
require: {attr: x_writer.AvailabilityZone, op: exists}
message: "Cluster {DBClusterIdentifier} writer"
tests:
  - name: no writer fails
    resources:
      - {type: aws.rds.db_cluster, id: c1, DBClusterIdentifier: c1}
    expect: {c1: fail}
"""


def test_a_path_policy_needs_its_subject_and_the_types_it_reaches(tmp_path: Path) -> None:
    root = _policy_dir(tmp_path, {"encryption/custom.cluster.cmk.yaml": KMS_POLICY})
    policy_set = load_policies([root], include_builtin=False)
    perms = compute_permissions(select(policy_set, Config()))
    assert perms.actions == (
        "kms:DescribeKey",
        "rds:DescribeDBClusters",
        "sts:GetCallerIdentity",
    )
    assert perms.scanner_document() is None
    assert perms.why["kms:DescribeKey"] == ("aws.kms.key",)


def test_cross_type_derived_facts_pull_in_their_source_type(tmp_path: Path) -> None:
    root = _policy_dir(tmp_path, {"availability/custom.cluster.writer_az.yaml": WRITER_POLICY})
    types = required_resource_types(load_policies([root], include_builtin=False))
    assert types == ["aws.rds.db_cluster", "aws.rds.db_instance"]


def test_config_selection_shrinks_the_document(tmp_path: Path) -> None:
    root = _policy_dir(
        tmp_path,
        {
            "encryption/custom.cluster.cmk.yaml": KMS_POLICY,
            "availability/custom.cluster.writer_az.yaml": WRITER_POLICY,
        },
    )
    policy_set = load_policies([root], include_builtin=False)
    everything = compute_permissions(select(policy_set, Config()))
    only_writer = compute_permissions(select(policy_set, Config(exclude=("custom.cluster.cmk",))))
    assert "kms:DescribeKey" in everything.actions
    assert "kms:DescribeKey" not in only_writer.actions
    assert "rds:DescribeDBInstances" in only_writer.actions


def test_multi_account_adds_a_document_for_the_scanning_identity(policy_set: PolicySet) -> None:
    perms = compute_permissions(
        select(policy_set, Config()), role_name="AuroraScanRole", org=True, all_regions=True
    )
    doc = perms.scanner_document()
    assert doc is not None
    assume, identity = doc["Statement"]
    assert assume["Action"] == ["sts:AssumeRole"]
    assert assume["Resource"] == "arn:aws:iam::*:role/AuroraScanRole"
    assert "organizations:ListAccounts" in identity["Action"]
    assert "ec2:DescribeRegions" in perms.actions
    assert any("management account" in n for n in perms.notes)


def test_cli_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["permissions"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["Version"] == "2012-10-17"
    actions = document["Statement"][0]["Action"]
    assert actions == sorted(actions) and "sts:GetCallerIdentity" in actions
    assert not [a for a in actions if not a.split(":")[1].startswith(("Describe", "List", "Get"))]
    assert main(["permissions", "--format", "json", "--role-name", "R"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["target_policy"] == document
    assert data["scanner_policy"]["Statement"][0]["Resource"] == "arn:aws:iam::*:role/R"
    assert main(["permissions", "--format", "text"]) == 0
    assert "aws.rds.db_cluster" in capsys.readouterr().out
    assert main(["permissions", "--policies", "/nonexistent"]) == 2
