"""Combine the results of sharded scans into one (``aurora-scan merge``).

A large organisation is scanned as shards (one job per account or per region,
see docs/scale.md); this module folds their ``ScanResult`` files into the one
result a single machine would have produced:

* findings de-duplicated by fingerprint; when two shards report the same
  fingerprint (overlapping shards) the more telling verdict wins, by the same
  rule ``diff`` uses (FAIL > WAIVED > PASS > NOT_APPLICABLE > UNKNOWN, then
  severity, evidence, canonical JSON), so the output never depends on the order
  of the inputs;
* policies unioned by id; the same id with a different definition (another
  catalogue version, another param override) is a user error, because the
  findings would not mean the same thing;
* every shard must have evaluated the same policy ids: a narrower shard's
  accounts would otherwise just lack findings, indistinguishable from clean.
  Different sets are a user error unless ``allow_partial``; then every
  (policy, account) pair no shard evaluated is listed in the header's
  ``not_assessed`` and the merged result counts as incomplete;
* collection errors and waiver lists unioned;
* the scan header merged: accounts and regions unioned, the earliest start
  and the latest finish, and every shard listed with its own hashes and
  caller identity; each merged hash is kept when every shard shares it, and
  otherwise recomputed as the digest of the shards' values.

The summary is not stored: ``ScanResult.to_dict`` recomputes it from the
findings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner import gc_pause
from scanner.diff import index_findings
from scanner.errors import UserInputError
from scanner.model import SCANNER_NAME, CollectionError, ScanResult
from scanner.result_file import parse_result, read_result_bytes


@dataclass(frozen=True)
class Shard:
    """One input: where it came from (for messages and the header) and its result."""

    name: str
    result: ScanResult
    sha256: str = ""  # of the file as read, when there was a file


def read_shard(path: Path) -> Shard:
    """Read one results.json, schema-validated; its sha256 goes into the merged header."""
    raw = read_result_bytes(path)
    with gc_pause.loading():
        result = parse_result(raw, str(path))
    return Shard(name=str(path), result=result, sha256=hashlib.sha256(raw).hexdigest())


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _is_start_key(key: str) -> bool:
    # collected_at of a merged result: when the earliest shard collected.
    return key.startswith("started") or key == "collected_at"


def _is_end_key(key: str) -> bool:
    return key.startswith("finished") or key.startswith("ended")


def _is_hash_key(key: str) -> bool:
    return key.endswith("sha256") or key.endswith("_hash")


# Header keys merged as sorted unions of lists, and counts that add up.
_UNION_KEYS = ("accounts", "regions")
_SUM_KEYS = ("resource_count",)


def canonical_order(shards: Sequence[Shard]) -> list[Shard]:
    """Shards sorted by what they cover, so no merged value depends on argument order."""
    return sorted(
        shards,
        key=lambda s: (
            sorted(s.result.scan.get("accounts") or ()),
            sorted(s.result.scan.get("regions") or ()),
            s.sha256,
            _canonical(s.result.scan),
            s.name,
        ),
    )


def merge_policies(shards: Sequence[Shard]) -> tuple[Mapping[str, Any], ...]:
    by_id: dict[str, tuple[Mapping[str, Any], str]] = {}
    for shard in shards:
        for policy in shard.result.policies:
            pid = str(policy.get("id"))
            seen = by_id.get(pid)
            if seen is None:
                by_id[pid] = (policy, shard.name)
            elif _canonical(seen[0]) != _canonical(policy):
                raise UserInputError(
                    f"policy {pid} differs between {seen[1]} and {shard.name}",
                    file=shard.name,
                    location=f"policies[id={pid}]",
                    expected="every shard scanned with the same policies, config and version",
                    hint="re-run the shards with one aurora-scan version and one --policies/"
                    "--config, then merge again",
                )
    return tuple(by_id[k][0] for k in sorted(by_id))


def _policy_ids(shard: Shard) -> frozenset[str]:
    return frozenset(str(p.get("id")) for p in shard.result.policies)


def _accounts(shard: Shard) -> list[str]:
    return sorted({str(a) for a in shard.result.scan.get("accounts") or ()})


def check_policy_sets(shards: Sequence[Shard]) -> None:
    """Refuse shards evaluated with different policy ids, naming shards and policies."""
    every = frozenset().union(*(_policy_ids(s) for s in shards))
    narrower = [(s, sorted(every - _policy_ids(s))) for s in shards if _policy_ids(s) != every]
    if not narrower:
        return
    parts = []
    for shard, missing in narrower:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        parts.append(f"{shard.name} lacks {shown}")
    raise UserInputError(
        "shards were evaluated with different policy sets: " + "; ".join(parts),
        expected="every shard evaluated with the same policies (same --policies, config and "
        "version)",
        hint="re-run the narrower shards with the same policies, or pass --allow-partial to "
        "merge anyway and list the missing (policy, account) pairs as not assessed",
    )


def not_assessed(shards: Sequence[Shard]) -> list[dict[str, str]]:
    """(policy, account) pairs that no shard covering the account evaluated."""
    every = sorted(frozenset().union(*(_policy_ids(s) for s in shards)))
    assessed: set[tuple[str, str]] = set()
    accounts: set[str] = set()
    for shard in shards:
        ids = _policy_ids(shard)
        for account in _accounts(shard):
            accounts.add(account)
            assessed.update((pid, account) for pid in ids)
    return [
        {"policy_id": pid, "account": account}
        for pid in every
        for account in sorted(accounts)
        if (pid, account) not in assessed
    ]


def merge_errors(shards: Sequence[Shard]) -> tuple[CollectionError, ...]:
    return tuple(sorted({e for s in shards for e in s.result.errors}, key=_canonical_error))


def _canonical_error(e: CollectionError) -> str:
    return _canonical(e.to_dict())


def merge_waivers(shards: Sequence[Shard]) -> dict[str, Any]:
    """Union each waiver list (applied / expired / stale …) without duplicates."""
    out: dict[str, Any] = {}
    for shard in shards:
        for key, value in shard.result.waivers.items():
            if isinstance(value, list):
                known = out.setdefault(key, [])
                if not isinstance(known, list):
                    continue
                seen = {_canonical(v) for v in known}
                known.extend(v for v in value if _canonical(v) not in seen)
            else:
                out.setdefault(key, value)
    for key, value in out.items():
        if isinstance(value, list):
            out[key] = sorted(value, key=_canonical)
    return out


def _shard_entry(shard: Shard) -> dict[str, Any]:
    scan = shard.result.scan
    entry: dict[str, Any] = {
        "name": shard.name,
        "accounts": sorted(scan.get("accounts") or ()),
        "regions": sorted(scan.get("regions") or ()),
        "findings": len(shard.result.findings),
        "errors": len(shard.result.errors),
    }
    if shard.sha256:
        entry["result_sha256"] = shard.sha256
    for key, value in scan.items():
        if _is_hash_key(key) or _is_start_key(key) or _is_end_key(key):
            entry[key] = value
    if "caller_identity" in scan:
        entry["caller_identity"] = scan["caller_identity"]
    entry["scanner_version"] = shard.result.scanner.get("version", "")
    return entry


def merge_scan_headers(shards: Sequence[Shard]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for shard in shards:
        for key, value in shard.result.scan.items():
            if key in _UNION_KEYS and isinstance(value, list | tuple):
                merged[key] = sorted(set(merged.get(key, ())) | {str(v) for v in value})
            elif _is_start_key(key) and isinstance(value, str):
                merged[key] = min(merged.get(key, value), value)
            elif _is_end_key(key) and isinstance(value, str):
                merged[key] = max(merged.get(key, value), value)
            elif _is_hash_key(key) or key == "shards":
                continue  # recomputed below
            elif key in _SUM_KEYS and isinstance(value, int):
                merged[key] = merged.get(key, 0) + value
            elif isinstance(value, list) and isinstance(merged.get(key, []), list):
                # e.g. regions skipped and why: every distinct entry, in a stable order.
                known = merged.setdefault(key, [])
                known.extend(v for v in value if v not in known)
                known.sort(key=_canonical)
            else:
                # Scalars that differ per shard (caller identity, command line)
                # stay per shard in "shards"; the merged header keeps the first.
                merged.setdefault(key, value)
    entries = [_shard_entry(s) for s in shards]
    # Hashes of the whole: a value every shard shares (the policy set, the
    # waiver file) is kept as is; otherwise the merged hash is the sha256 of
    # the shards' distinct values, sorted and joined by newlines, so an auditor
    # can recompute it from the "shards" list.
    hash_keys = sorted({k for s in shards for k in s.result.scan if _is_hash_key(k)})
    for key in hash_keys:
        values = sorted({str(s.result.scan.get(key, "")) for s in shards})
        merged[key] = (
            values[0]
            if len(values) == 1
            else hashlib.sha256("\n".join(values).encode()).hexdigest()
        )
    merged["shards"] = sorted(entries, key=lambda e: (e["accounts"], e["regions"], e["name"]))
    return merged


def merge_results(shards: Sequence[Shard], *, allow_partial: bool = False) -> ScanResult:
    if not shards:
        raise UserInputError("nothing to merge", expected="at least one result file")
    versions = {s.result.schema_version for s in shards}
    if len(versions) > 1:
        raise UserInputError(
            f"results have different schema versions: {', '.join(sorted(versions))}",
            expected="results written by the same aurora-scan version",
            hint="re-render older results with the current version or re-run those shards",
        )
    shards = canonical_order(shards)
    policies = merge_policies(shards)
    if not allow_partial:
        check_policy_sets(shards)
    header = merge_scan_headers(shards)
    missing = not_assessed(shards)
    if missing:
        header["not_assessed"] = missing
    findings = index_findings(f for s in shards for f in s.result.findings)
    scanner_versions = sorted({s.result.scanner.get("version", "") for s in shards})
    return ScanResult(
        schema_version=shards[0].result.schema_version,
        scanner={"name": SCANNER_NAME, "version": ",".join(scanner_versions)},
        scan={**header, "policy_count": len(policies)},
        policies=policies,
        findings=tuple(sorted(findings.values(), key=lambda f: (f.sort_key, f.fingerprint))),
        errors=merge_errors(shards),
        waivers=merge_waivers(shards),
    )
