"""Secrets Manager: metadata of the secrets named by clusters' MasterUserSecret.

Only DescribeSecret: the scanner never reads a secret's value.
"""

from __future__ import annotations

from typing import Any

from scanner.collect.spec import Hooks, Record
from scanner.resource_types import SECRET


def describe(client: Any, secret_id: str) -> tuple[str, str, Record]:
    record: Record = client.describe_secret(SecretId=secret_id)
    record.pop("ResponseMetadata", None)
    arn = str(record["ARN"])
    parts = arn.split(":")
    return arn, parts[4] if len(parts) > 4 else "", record


# The references are the declared master_secret relation's values
# (MasterUserSecret.SecretArn of clusters): the default.
HOOKS: dict[str, Hooks] = {SECRET: Hooks(fetch=describe)}
