"""KMS: the keys that scanned resources reference, each described once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from scanner.collect.spec import Hooks, Record, Reference, arn_region
from scanner.derive import storage_encryption
from scanner.model import Resource
from scanner.resource_types import CLUSTER, CLUSTER_SNAPSHOT, INSTANCE, KMS_KEY

_ENCRYPTED_TYPES = (CLUSTER, INSTANCE, CLUSTER_SNAPSHOT)


def _key_refs(r: Resource) -> Iterator[str]:
    a = r.attrs
    # KmsKeyId of an unencrypted resource names no key in use, and an AWS owned
    # key (sse-rds) is not a key of the account that DescribeKey could describe.
    # A record that says neither (no StorageEncrypted, no StorageEncryptionType)
    # still has its key described: the key policies need it to decide.
    in_use = storage_encryption(a) not in ("none", "sse-rds")
    if r.type in _ENCRYPTED_TYPES and in_use and a.get("KmsKeyId"):
        yield str(a["KmsKeyId"])
    # Not MasterUserSecret.KmsKeyId: no relation leads from a cluster or its
    # secret to that key, so no policy could read it (a DescribeKey per
    # distinct secret key for nothing).
    if r.type == CLUSTER and a.get("ActivityStreamKmsKeyId"):
        yield str(a["ActivityStreamKmsKeyId"])
    if r.type == INSTANCE and a.get("PerformanceInsightsKMSKeyId"):
        yield str(a["PerformanceInsightsKMSKeyId"])


def references(resources: Iterable[Resource]) -> Iterator[Reference]:
    for r in resources:
        for value in _key_refs(r):
            yield Reference(arn_region(value, r.region), value)


def describe(client: Any, key_id: str) -> tuple[str, str, Record]:
    meta: Record = client.describe_key(KeyId=key_id)["KeyMetadata"]
    return str(meta["Arn"]), str(meta.get("AWSAccountId", "")), meta


HOOKS: dict[str, Hooks] = {KMS_KEY: Hooks(references=references, fetch=describe)}
