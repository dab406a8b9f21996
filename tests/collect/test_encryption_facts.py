"""Storage encryption as the RDS API reports it: x_encryption and which keys get described.

Records follow the botocore shapes: a cluster or snapshot encrypted with an
AWS owned key reports ``StorageEncrypted: false``, ``StorageEncryptionType:
sse-rds`` and no ``KmsKeyId`` (DBCluster.StorageEncrypted documentation).
"""

from __future__ import annotations

from typing import Any

import pytest

from scanner.collect import kms
from scanner.edges import build_graph
from scanner.model import Resource

ACCT = "123456789012"
REGION = "us-east-1"
KEY = f"arn:aws:kms:{REGION}:{ACCT}:key/1111aaaa-0000-0000-0000-000000000001"


def res(rid: str, rtype: str, **attrs: Any) -> Resource:
    return Resource(id=rid, type=f"aws.{rtype}", account=ACCT, region=REGION, attrs=attrs)


@pytest.mark.parametrize(
    ("attrs", "want"),
    [
        ({"StorageEncrypted": False, "StorageEncryptionType": "sse-rds"}, "sse-rds"),
        ({"StorageEncrypted": True, "StorageEncryptionType": "sse-kms"}, "sse-kms"),
        ({"StorageEncrypted": False, "StorageEncryptionType": "none"}, "none"),
        # Older records without StorageEncryptionType: StorageEncrypted decides.
        ({"StorageEncrypted": True, "KmsKeyId": KEY}, "sse-kms"),
        ({"StorageEncrypted": False}, "none"),
        # The type wins over the flag when both are present.
        ({"StorageEncrypted": True, "StorageEncryptionType": "none"}, "none"),
    ],
)
@pytest.mark.parametrize(
    "rtype", ["rds.db_cluster", "rds.db_cluster_snapshot", "rds.global_cluster"]
)
def test_x_encryption_follows_storage_encryption_type(
    rtype: str, attrs: dict[str, Any], want: str
) -> None:
    graph = build_graph([res("r1", rtype, Engine="aurora-mysql", **attrs)])
    assert graph.resource("r1").attrs["x_encryption"] == want


@pytest.mark.parametrize(
    "rtype", ["rds.db_cluster", "rds.db_cluster_snapshot", "rds.global_cluster"]
)
def test_x_encryption_is_not_invented_without_either_field(rtype: str) -> None:
    graph = build_graph([res("r1", rtype, Engine="aurora-mysql")])
    assert "x_encryption" not in graph.resource("r1").attrs


def test_a_stated_x_encryption_is_kept_when_the_record_has_no_source() -> None:
    graph = build_graph([res("c1", "rds.db_cluster", x_encryption="sse-rds")])
    assert graph.resource("c1").attrs["x_encryption"] == "sse-rds"


@pytest.mark.parametrize(
    ("attrs", "described"),
    [
        ({"StorageEncrypted": True, "StorageEncryptionType": "sse-kms", "KmsKeyId": KEY}, True),
        # Neither field: the key may be in use, and the key policies need it to decide.
        ({"KmsKeyId": KEY}, True),
        ({"StorageEncrypted": True, "KmsKeyId": KEY}, True),
        # Unencrypted: a KmsKeyId there (moto invents one) names no key in use.
        ({"StorageEncrypted": False, "KmsKeyId": KEY}, False),
        ({"StorageEncryptionType": "none", "KmsKeyId": KEY}, False),
        # An AWS owned key is not a key of the account; DescribeKey has nothing to describe.
        ({"StorageEncrypted": False, "StorageEncryptionType": "sse-rds"}, False),
        ({"StorageEncrypted": False, "StorageEncryptionType": "sse-rds", "KmsKeyId": KEY}, False),
    ],
)
@pytest.mark.parametrize("rtype", ["rds.db_cluster", "rds.db_cluster_snapshot", "rds.db_instance"])
def test_storage_keys_described_follow_the_encryption_type(
    rtype: str, attrs: dict[str, Any], described: bool
) -> None:
    refs = [ref.value for ref in kms.references([res("r1", rtype, **attrs)])]
    assert refs == ([KEY] if described else [])


def test_other_keys_of_an_sse_rds_cluster_are_still_described() -> None:
    """Activity stream and Performance Insights keys do not depend on storage encryption."""
    stream_key = KEY.replace("1111aaaa", "3333cccc")
    pi_key = KEY.replace("1111aaaa", "4444dddd")
    cluster = res(
        "c1",
        "rds.db_cluster",
        StorageEncrypted=False,
        StorageEncryptionType="sse-rds",
        ActivityStreamKmsKeyId=stream_key,
    )
    instance = res(
        "i1",
        "rds.db_instance",
        StorageEncrypted=False,
        StorageEncryptionType="sse-rds",
        PerformanceInsightsKMSKeyId=pi_key,
    )
    assert [ref.value for ref in kms.references([cluster, instance])] == [stream_key, pi_key]
