"""Members botocore marks sensitive never reach a snapshot.

The botocore models flag members such as ``PendingModifiedValues.MasterUserPassword``
(DescribeDBClusters, DescribeDBInstances) ``sensitive``.  The collectors keep
records as AWS returns them, so each such member of a kept record must be
masked: this walks the record shape of every collector and requires it in
``SENSITIVE_MEMBERS``, then checks a collected record on moto.
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
from moto import mock_aws

from scanner.collect._calls import SENSITIVE_MASK, SENSITIVE_MEMBERS, mask_sensitive
from scanner.collect.registry import DEPENDENT, LISTED
from scanner.collect.runner import CollectOptions, collect


def _sensitive_paths(
    shape: Any, path: tuple[str, ...], seen: frozenset[str]
) -> list[tuple[str, ...]]:
    found = [path] if shape.metadata.get("sensitive") else []
    if shape.type_name == "structure" and shape.name not in seen:
        for name, member in shape.members.items():
            found += _sensitive_paths(member, (*path, name), seen | {shape.name})
    elif shape.type_name == "list":
        found += _sensitive_paths(shape.member, (*path, "[]"), seen)
    elif shape.type_name == "map":
        found += _sensitive_paths(shape.value, (*path, "{}"), seen)
    return found


def test_every_sensitive_member_of_a_kept_record_is_masked() -> None:
    session = botocore.session.get_session()
    declared = {t: set(paths) for t, paths in SENSITIVE_MEMBERS.items()}
    found: dict[str, set[tuple[str, ...]]] = {}
    for spec in LISTED:
        output = session.get_service_model(spec.service).operation_model(spec.operation)
        items = output.output_shape.members[spec.items_key]
        paths = _sensitive_paths(items.member, (), frozenset())
        if paths:
            found[spec.type] = set(paths)
    for dep in DEPENDENT:
        output = session.get_service_model(dep.service).operation_model(dep.operation)
        paths = _sensitive_paths(output.output_shape, (), frozenset())
        if paths:
            found[dep.type] = set(paths)
    assert found == declared
    assert found, "botocore marks PendingModifiedValues.MasterUserPassword sensitive"


def test_mask_sensitive_masks_only_what_is_there() -> None:
    record = {"PendingModifiedValues": {"MasterUserPassword": "hunter2-Secret", "Port": 5432}}
    masked = mask_sensitive("aws.rds.db_cluster", record)
    assert masked["PendingModifiedValues"] == {"MasterUserPassword": SENSITIVE_MASK, "Port": 5432}
    assert mask_sensitive("aws.rds.db_cluster", {"Engine": "aurora-mysql"}) == {
        "Engine": "aurora-mysql"
    }


def test_a_pending_master_password_is_not_in_the_snapshot(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        rds = boto3.client("rds", region_name="us-east-1")
        rds.create_db_cluster(
            DBClusterIdentifier="c1",
            Engine="aurora-mysql",
            MasterUsername="admin_user",
            MasterUserPassword="initial-Passw0rd",
        )
        # moto reports no pending changes: add one to the answer as it is read,
        # as AWS shows a password change waiting for the maintenance window.
        import scanner.collect.runner as runner_module

        real_jsonable = runner_module.jsonable

        def with_pending(value: Any) -> Any:
            out = real_jsonable(value)
            if isinstance(out, dict) and out.get("DBClusterIdentifier") == "c1":
                out["PendingModifiedValues"] = {"MasterUserPassword": "new-Passw0rd-123"}
            return out

        monkeypatch.setattr(runner_module, "jsonable", with_pending)
        snapshot = collect(
            CollectOptions(regions=("us-east-1",), resource_types=("aws.rds.db_cluster",))
        )
    (record,) = [r.attrs for r in snapshot.resources if r.type == "aws.rds.db_cluster"]
    assert record["PendingModifiedValues"]["MasterUserPassword"] == SENSITIVE_MASK
    assert "new-Passw0rd-123" not in repr(snapshot.to_dict())
