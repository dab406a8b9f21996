"""Secrets Manager: metadata of the secrets named by clusters' MasterUserSecret.

Only DescribeSecret: the scanner never reads a secret's value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from scanner.collect.spec import Hooks, Record, Reference, arn_region
from scanner.model import Resource
from scanner.resource_types import CLUSTER, SECRET


def references(resources: Iterable[Resource]) -> Iterator[Reference]:
    for r in resources:
        if r.type != CLUSTER:
            continue
        arn = (r.attrs.get("MasterUserSecret") or {}).get("SecretArn")
        if arn:
            yield Reference(arn_region(str(arn), r.region), str(arn))


def describe(client: Any, secret_id: str) -> tuple[str, str, Record]:
    record: Record = client.describe_secret(SecretId=secret_id)
    record.pop("ResponseMetadata", None)
    arn = str(record["ARN"])
    parts = arn.split(":")
    return arn, parts[4] if len(parts) > 4 else "", record


HOOKS: dict[str, Hooks] = {SECRET: Hooks(references=references, fetch=describe)}
