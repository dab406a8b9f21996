"""Helpers shared by the reliability tests (a unique module name: every test
directory has a ``conftest``, so tests import helpers from here, not from it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Estate:
    seeded: Any
    url: str
    clean: Any  # Snapshot
    clean_result: Any  # ScanResult


ESTATES: dict[str, Estate] = {}


def estate_still_there(moto_server: Any, estate: Estate) -> bool:
    """moto state is process-wide: another test may have reset it since."""
    try:
        vpcs = moto_server.client("ec2").describe_vpcs()["Vpcs"]
    except Exception:
        return False
    return [v["VpcId"] for v in vpcs] == [estate.seeded.ids["vpc"]]


def forget_estate() -> None:
    """Call after changing the seeded estate in place."""
    ESTATES.clear()


def findings_by_key(result: Any) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f.policy_id, f.resource_id): f.to_dict() for f in result.findings}
