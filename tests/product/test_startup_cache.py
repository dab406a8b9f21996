"""The start-up cache returns the same policy set, and never a stale one (issue 17 item 5)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.cli import _cache
from scanner.errors import UserInputErrors
from scanner.policy.loader import load_policies

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "policies" / "availability" / "aurora.cluster.multi_az.yaml"
POLICY_ID = "custom.cluster.multi_az_copy"
POLICY = BUILTIN.read_text().replace("id: aurora.cluster.multi_az", f"id: {POLICY_ID}", 1)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("AURORA_SCAN_CACHE_DIR", str(folder))
    monkeypatch.delenv("AURORA_SCAN_NO_CACHE", raising=False)
    return folder


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("policies-*.pickle")) if folder.exists() else []


def test_a_cached_load_equals_a_fresh_one(cache: Path) -> None:
    first = _cache.load_policies_cached([])
    (entry,) = _entries(cache)
    assert entry.stat().st_mode & 0o777 == 0o600
    again = _cache.load_policies_cached([])
    fresh = load_policies([])
    assert again.sha256 == first.sha256 == fresh.sha256
    assert again.ids() == fresh.ids()
    assert [p.severity for p in again.policies] == [p.severity for p in fresh.policies]


def test_an_edited_policy_is_never_served_from_the_cache(cache: Path, tmp_path: Path) -> None:
    extra = tmp_path / "mine"
    (extra / "tags").mkdir(parents=True)
    policy = extra / "tags" / f"{POLICY_ID}.yaml"
    policy.write_text(POLICY)
    good = _cache.load_policies_cached([extra])
    assert POLICY_ID in good.ids()
    policy.write_text(POLICY.replace("severity: ", "severity: catastrophic # ", 1))
    with pytest.raises(UserInputErrors):
        _cache.load_policies_cached([extra])
    assert len(_entries(cache)) == 1  # the failed load stored nothing


def test_a_foreign_or_corrupt_entry_is_ignored(cache: Path) -> None:
    _cache.load_policies_cached([])
    (entry,) = _entries(cache)
    entry.write_bytes(b"not a pickle")
    assert _cache.load_policies_cached([]).ids() == load_policies([]).ids()


def test_the_cache_can_be_turned_off(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_SCAN_NO_CACHE", "1")
    _cache.load_policies_cached([])
    assert not cache.exists()
    assert os.environ["AURORA_SCAN_NO_CACHE"] == "1"
