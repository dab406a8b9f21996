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


# Scan times, not verdicts: two scans of the same estate differ in them.
_SCAN_TIMES = ("first_seen", "last_status_change")


def findings_by_key(result: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Each finding's verdict, evidence and message by (policy, resource)."""
    return {
        (f.policy_id, f.resource_id): {k: v for k, v in f.to_dict().items() if k not in _SCAN_TIMES}
        for f in result.findings
    }
