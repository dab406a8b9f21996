"""Item 10: the read-only guarantee.

Walks every operation a collector declares (``registry.SPECS``) and every
operation of the services the scanner builds clients for, through the guard's
single predicate ``guard.is_read_only``; then proves, against the moto server
with a server-side call counter, that a refused call never leaves the process.
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from scanner.collect import guard, registry
from scanner.collect.options import CollectOptions

# Services the runner may build a client for (collectors, identity, org, regions).
SERVICES = ("rds", "ec2", "kms", "secretsmanager", "backup", "sts", "organizations")
# Output members that carry secret material or live credentials: an operation
# that returns one must be refused even when its name reads like a plain read.
SECRET_MEMBERS = frozenset(
    {
        "SecretString",
        "SecretBinary",
        "PasswordData",
        "Plaintext",
        "SecretAccessKey",
        "SessionToken",
        "WebIdentityToken",
        "RandomPassword",
    }
)
# AssumeRole hands out credentials by design: the scanner needs it for --accounts.
CREDENTIALS_BY_DESIGN = frozenset({("sts", "AssumeRole")})


def _signing_name(model: Any) -> str:
    meta = model.metadata
    return str(meta.get("signingName") or meta.get("endpointPrefix"))


def _models() -> list[Any]:
    session = botocore.session.get_session()
    return [session.get_service_model(s) for s in SERVICES]


def _secret_members(shape: Any) -> set[str]:
    found: set[str] = set()
    seen: set[str] = set()

    def walk(sh: Any) -> None:
        if sh is None or sh.name in seen:
            return
        seen.add(sh.name)
        if sh.type_name == "structure":
            for name, member in sh.members.items():
                if name in SECRET_MEMBERS:
                    found.add(name)
                walk(member)
        elif sh.type_name == "list":
            walk(sh.member)
        elif sh.type_name == "map":
            walk(sh.value)

    walk(shape)
    return found


def test_every_declared_operation_exists_and_is_a_read() -> None:
    session = botocore.session.get_session()
    ops = registry.all_operations()
    assert ops, "the registry declares no operation"
    declared_types = set(registry.SPECS)
    assert declared_types  # every collector contributes its operations
    for service, operation in ops:
        model = session.get_service_model(
            {"backup": "backup", "secretsmanager": "secretsmanager"}.get(service, service)
        )
        assert operation in model.operation_names, f"{service}:{operation} is not an AWS API"
        assert operation.startswith(guard.READ_PREFIXES), f"{service}:{operation}"
        assert guard.is_read_only(service, operation), f"guard refuses {service}:{operation}"
        assert not _secret_members(model.operation_model(operation).output_shape), (
            f"{service}:{operation} returns secret material"
        )
    # The runner's own extra calls are reads too.
    for action in (
        *registry.IDENTITY_ACTIONS,
        *registry.ALL_REGIONS_ACTIONS,
        *registry.ORG_ACTIONS,
        *registry.ASSUME_ROLE_ACTIONS,
    ):
        service, operation = action.split(":", 1)
        assert guard.is_read_only(service, operation), action


def test_the_allow_list_admits_no_mutating_operation() -> None:
    """Every operation the guard lets through, in every service used, is a read."""
    allowed: list[str] = []
    for model in _models():
        service = _signing_name(model)
        for operation in model.operation_names:
            if not guard.is_read_only(service, operation):
                continue
            allowed.append(f"{service}:{operation}")
            if (service, operation) in guard.ALLOWED_EXTRA:
                continue
            assert operation.startswith(guard.READ_PREFIXES), f"{service}:{operation}"
    # Spot checks of the obvious: writes are refused, reads pass.
    for service, operation in [
        ("rds", "DeleteDBCluster"),
        ("rds", "ModifyDBCluster"),
        ("rds", "CreateDBClusterSnapshot"),
        ("rds", "ModifyDBClusterSnapshotAttribute"),
        ("rds", "StopDBCluster"),
        ("rds", "AddTagsToResource"),
        ("ec2", "AuthorizeSecurityGroupIngress"),
        ("ec2", "CreateRoute"),
        ("kms", "ScheduleKeyDeletion"),
        ("kms", "Decrypt"),
        ("secretsmanager", "GetSecretValue"),
        ("secretsmanager", "PutSecretValue"),
        ("backup", "StartBackupJob"),
        ("sts", "GetSessionToken"),
        ("organizations", "CreateAccount"),
    ]:
        assert not guard.is_read_only(service, operation), f"{service}:{operation}"
    assert "rds:DescribeDBClusters" in allowed


def test_the_allow_list_admits_no_operation_that_returns_secrets() -> None:
    leaking = []
    for model in _models():
        service = _signing_name(model)
        for operation in model.operation_names:
            if (service, operation) in CREDENTIALS_BY_DESIGN:
                continue
            if not guard.is_read_only(service, operation):
                continue
            members = _secret_members(model.operation_model(operation).output_shape)
            if members:
                leaking.append(f"{service}:{operation} -> {sorted(members)}")
    assert not leaking, "the guard allows operations that return secrets:\n" + "\n".join(leaking)


@pytest.fixture
def server(moto_server: Any, aws_env: None) -> Any:
    moto_server.reset()
    return moto_server


@pytest.mark.parametrize(
    ("service", "method", "params"),
    [
        ("rds", "delete_db_cluster", {"DBClusterIdentifier": "c1", "SkipFinalSnapshot": True}),
        (
            "rds",
            "modify_db_cluster_snapshot_attribute",
            {
                "DBClusterSnapshotIdentifier": "s1",
                "AttributeName": "restore",
                "ValuesToAdd": ["all"],
            },
        ),
        ("ec2", "create_vpc", {"CidrBlock": "10.9.0.0/16"}),
        ("kms", "schedule_key_deletion", {"KeyId": "k"}),
        ("secretsmanager", "get_secret_value", {"SecretId": "s"}),
    ],
)
def test_the_runner_clients_refuse_a_mutating_call_before_sending_it(
    server: Any, service: str, method: str, params: dict[str, Any]
) -> None:
    from moto_helpers import ServerCallCounter

    from scanner.collect.runner import _Run

    run = _Run(options=CollectOptions(endpoint_url=server.url), partition="aws", types=frozenset())
    client = run.client(None, "us-east-1", service)
    with ServerCallCounter() as counter:
        with pytest.raises(guard.MutatingCallRefused, match="read-only"):
            getattr(client, method)(**params)
        # A read on the same client does reach the server: the counter works.
        if service == "rds":
            client.describe_db_clusters()
    reached = {op for (_svc, op), n in counter.calls.items() if n}
    assert reached <= {"DescribeDBClusters"}, reached
