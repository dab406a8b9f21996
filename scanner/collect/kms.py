"""KMS: the keys that scanned resources reference, each described once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from scanner.collect.spec import Hooks, Record, Reference, references_to
from scanner.derive import storage_encryption
from scanner.model import Resource
from scanner.resource_types import KMS_KEY
from scanner.typeinfo import Rel


def _key_in_use(relation: Rel, r: Resource) -> bool:
    # KmsKeyId of an unencrypted resource names no key in use, and an AWS owned
    # key (sse-rds) is not a key of the account that DescribeKey could describe.
    # A record that says neither (no StorageEncrypted, no StorageEncryptionType)
    # still has its key described: the key policies need it to decide.
    # Not MasterUserSecret.KmsKeyId: no relation leads from a cluster or its
    # secret to that key, so no policy could read it (a DescribeKey per
    # distinct secret key for nothing).
    if relation.name == "encrypted_with":
        return storage_encryption(r.attrs) not in ("none", "sse-rds")
    return True


def references(resources: Iterable[Resource]) -> Iterator[Reference]:
    """The keys named by the declared relations to KMS keys (encrypted_with,
    activity_stream_key, performance_insights_key), storage keys only in use."""
    return references_to(KMS_KEY, resources, _key_in_use)


def describe(client: Any, key_id: str) -> tuple[str, str, Record]:
    meta: Record = client.describe_key(KeyId=key_id)["KeyMetadata"]
    return str(meta["Arn"]), str(meta.get("AWSAccountId", "")), meta


HOOKS: dict[str, Hooks] = {KMS_KEY: Hooks(references=references, fetch=describe)}
