"""Issue 14 item 14: defence in depth in the read-only guard.

The guard admits exactly the operations the scanner makes (the collectors'
``registry.all_operations()`` and the runner's own identity, region, org and
role calls) and refuses every other operation of every service it builds a
client for.  On top of that, operations that hand out secret material are
refused *by name*, with the reason, so that adding one to a collector by
mistake fails here instead of leaking secrets into snapshots.

The hostile input is botocore's own list of operations for each service: the
test walks all of them through ``guard.verdict`` and prints the table.
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from scanner.collect import guard, registry

# Every service the runner builds a client for (collectors, identity, org, regions),
# plus ssm, whose GetParameter* the deny list names although no collector uses it.
SERVICES = ("rds", "ec2", "kms", "secretsmanager", "backup", "sts", "organizations", "ssm")

# The secret-returning reads the issue names (ssm:GetParameter* included); each
# must be refused by name, whatever the allow-list says.
NAMED_SECRET_READS = (
    ("ec2", "DescribeVpnConnections"),
    ("ec2", "GetVpnConnectionDeviceSampleConfiguration"),
    ("ec2", "GetLaunchTemplateData"),
    ("ec2", "DescribeInstanceAttribute"),
    ("ec2", "GetConsoleOutput"),
    ("ec2", "GetPasswordData"),
    ("secretsmanager", "GetSecretValue"),
    ("secretsmanager", "BatchGetSecretValue"),
    ("kms", "Decrypt"),
    ("kms", "GenerateDataKey"),
    ("kms", "GenerateDataKeyPair"),
    ("kms", "GenerateDataKeyWithoutPlaintext"),
    ("kms", "GenerateDataKeyPairWithoutPlaintext"),
    ("rds", "DownloadDBLogFilePortion"),
    ("ssm", "GetParameter"),
    ("ssm", "GetParameters"),
    ("ssm", "GetParametersByPath"),
    ("ssm", "GetParameterHistory"),
)

# Operations the scanner needs whose output botocore marks `sensitive`, and why
# each is still allowed.  A new allowed operation with sensitive output fails
# the test until it is justified here.
SENSITIVE_BUT_NEEDED = {
    # PendingModifiedValues.MasterUserPassword: a pending password change, which
    # the API reports masked; the clusters and instances are what is scanned.
    ("rds", "DescribeDBClusters"),
    ("rds", "DescribeDBInstances"),
    # Accounts[].Email and Name: contact data, not a secret; --org needs the ids.
    ("organizations", "ListAccounts"),
    # Credentials: --accounts and --org assume the scanning role in each account.
    ("sts", "AssumeRole"),
}


def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def _signing_name(model: Any) -> str:
    meta = model.metadata
    return str(meta.get("signingName") or meta.get("endpointPrefix"))


def _needed() -> set[tuple[str, str]]:
    """What the scanner calls: every collector operation and the runner's own calls."""
    extra = (
        *registry.IDENTITY_ACTIONS,
        *registry.ALL_REGIONS_ACTIONS,
        *registry.ORG_ACTIONS,
        *registry.ASSUME_ROLE_ACTIONS,
    )
    ops = set(registry.all_operations())
    ops.update(tuple(a.split(":", 1)) for a in extra)  # type: ignore[misc]
    return ops


def _sensitive_output(shape: Any, seen: set[str] | None = None) -> bool:
    seen = set() if seen is None else seen
    if shape is None or shape.name in seen:
        return False
    seen.add(shape.name)
    if shape.metadata.get("sensitive"):
        return True
    if shape.type_name == "structure":
        return any(_sensitive_output(m, seen) for m in shape.members.values())
    if shape.type_name == "list":
        return _sensitive_output(shape.member, seen)
    if shape.type_name == "map":
        return _sensitive_output(shape.value, seen)
    return False


def _verdicts() -> list[tuple[str, str, Any]]:
    table = []
    for name in SERVICES:
        model = _model(name)
        service = _signing_name(model)
        for operation in model.operation_names:
            table.append((service, operation, guard.verdict(service, operation)))
    return table


def test_every_botocore_operation_has_a_verdict_and_only_needed_ones_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    table = _verdicts()
    needed = _needed()
    with capsys.disabled():  # the table is the point: `pytest -s` shows it
        print(f"\n{len(table)} operations of {', '.join(SERVICES)}:")
        for service, operation, v in table:
            if v.allowed or v.by_name:
                print(f"  {'ALLOW' if v.allowed else 'DENY '} {service}:{operation}: {v.reason}")
        denied = sum(1 for *_, v in table if not v.allowed and not v.by_name)
        print(f"  DENY  {denied} others: not an operation the scanner makes")
    allowed = {(s, o) for s, o, v in table if v.allowed}
    assert allowed == needed, {
        "allowed but not needed": sorted(allowed - needed),
        "needed but refused": sorted(needed - allowed),
    }
    for service, operation, v in table:
        assert v.reason, f"{service}:{operation} has no reason"


@pytest.mark.parametrize(("service", "operation"), NAMED_SECRET_READS)
def test_secret_returning_reads_are_denied_by_name_with_the_reason(
    service: str, operation: str
) -> None:
    assert operation in _model(service).operation_names, "not a botocore operation"
    assert not guard.is_read_only(service, operation), f"{service}:{operation} is allowed"
    v = guard.verdict(service, operation)
    assert not v.allowed
    assert v.by_name, f"{service}:{operation} is refused only by the allow-list"
    assert len(v.reason) > 20, v.reason
    refused = guard.MutatingCallRefused(service, operation)
    assert v.reason in str(refused)


def test_every_name_on_the_deny_list_is_a_real_operation() -> None:
    # A typo in the deny list would deny nothing.
    for (service, operation), reason in guard.SECRET_READS.items():
        assert operation in _model(service).operation_names, f"{service}:{operation}"
        assert reason


def test_no_needed_operation_is_on_the_deny_list() -> None:
    assert not _needed() & set(guard.SECRET_READS)


def test_allowed_operations_with_sensitive_output_are_the_justified_ones() -> None:
    sensitive = {
        (s, o)
        for s, o, v in _verdicts()
        if v.allowed and _sensitive_output(_model(s).operation_model(o).output_shape)
    }
    assert sensitive == SENSITIVE_BUT_NEEDED


def test_a_runner_client_refuses_a_secret_read_before_sending_it(aws_env: None) -> None:
    from scanner.collect.context import Run
    from scanner.collect.options import CollectOptions

    run = Run(
        options=CollectOptions(
            endpoint_url="http://127.0.0.1:9", max_attempts=1, connect_timeout=1, read_timeout=1
        ),
        partition="aws",
        types=frozenset(),
    )
    client = run.client(None, "us-east-1", "ec2")
    with pytest.raises(guard.MutatingCallRefused, match="pre-shared key"):
        # Port 9 (discard) never answers HTTP: only the guard can end this call.
        client.describe_vpn_connections()
