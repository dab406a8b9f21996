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

import enum
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from scanner import gc_pause
from scanner.diff import index_findings
from scanner.errors import UserInputError
from scanner.model import (
    SCANNER_NAME,
    CollectionError,
    NotAssessed,
    ScanHeader,
    ScanResult,
    ShardEntry,
)
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


class Rule(enum.Enum):
    """How ``merge`` combines one header field across shards."""

    EARLIEST = "earliest"  # the least ISO 8601 string
    LATEST = "latest"  # the greatest ISO 8601 string
    UNION = "union"  # a sorted list of the distinct values, as strings
    DISTINCT = "distinct"  # every distinct entry, sorted by canonical JSON
    SUM = "sum"  # counts that add up
    DIGEST = "digest"  # the shared value, else a digest of the shards' values
    PER_SHARD = "per shard"  # recomputed from the inputs ("shards")
    FIRST = "first"  # the first shard's; each shard's own is in "shards" where it differs
    MAPPING = "mapping"  # keyed entries of every shard (shards cover different resources)


# Every ScanHeader field and how it merges (a test checks the keys match).
# A key the type does not know (a header from a newer writer: the schema
# allows more) keeps the first shard's value.
MERGE_RULES: dict[str, Rule] = {
    "started_at": Rule.EARLIEST,
    "finished_at": Rule.LATEST,
    "collected_at": Rule.EARLIEST,  # when the earliest shard collected
    "collected_by": Rule.FIRST,
    "accounts": Rule.UNION,
    "regions": Rule.UNION,
    "regions_evaluated": Rule.DISTINCT,
    "regions_skipped": Rule.DISTINCT,
    "caller_identity": Rule.FIRST,
    "command_line": Rule.FIRST,
    "snapshot_sha256": Rule.DIGEST,
    "policy_set_sha256": Rule.DIGEST,
    "waivers_sha256": Rule.DIGEST,
    "config": Rule.FIRST,
    "fail_on": Rule.FIRST,
    "allow_incomplete": Rule.FIRST,
    "policy_count": Rule.FIRST,  # merge_results sets it to the merged policy count
    "resource_count": Rule.SUM,
    "frameworks": Rule.DISTINCT,
    "resource_tags": Rule.MAPPING,
    "requirements_not_assessed": Rule.DISTINCT,
    "previous_results": Rule.FIRST,
    "shards": Rule.PER_SHARD,
    "not_assessed": Rule.DISTINCT,  # a merged input's; merge_results adds this merge's own
}

# The header fields each shard's entry in "shards" repeats: its own times and hashes.
_SHARD_OWN = tuple(
    k for k, r in MERGE_RULES.items() if r in (Rule.EARLIEST, Rule.LATEST, Rule.DIGEST)
)


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


def not_assessed(shards: Sequence[Shard]) -> list[NotAssessed]:
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
        NotAssessed(policy_id=pid, account=account)
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


def _shard_entry(shard: Shard) -> ShardEntry:
    scan = shard.result.scan
    entry: dict[str, object] = {
        "name": shard.name,
        "accounts": sorted(scan.get("accounts") or ()),
        "regions": sorted(scan.get("regions") or ()),
        "findings": len(shard.result.findings),
        "errors": len(shard.result.errors),
    }
    if shard.sha256:
        entry["result_sha256"] = shard.sha256
    header = _fields(shard)
    entry.update((key, header[key]) for key in _SHARD_OWN if key in header)
    if "caller_identity" in scan:
        entry["caller_identity"] = scan["caller_identity"]
    entry["scanner_version"] = shard.result.scanner.get("version", "")
    # Built as a plain dict: the times and hashes are copied by key.
    return cast(ShardEntry, entry)


def _merge_field(rule: Rule, merged: dict[str, object], key: str, value: object) -> None:
    """Fold one shard's ``value`` of ``key`` into ``merged`` by ``rule``.

    A value of another shape than the rule expects (a hand-edited file; the
    schema types few fields) is kept only if no shard gave one before.
    """
    current = merged.get(key)
    if rule is Rule.UNION and isinstance(value, list | tuple):
        before = {str(v) for v in current} if isinstance(current, list) else set()
        merged[key] = sorted(before | {str(v) for v in value})
    elif rule is Rule.EARLIEST and isinstance(value, str):
        merged[key] = min(current, value) if isinstance(current, str) else value
    elif rule is Rule.LATEST and isinstance(value, str):
        merged[key] = max(current, value) if isinstance(current, str) else value
    elif rule is Rule.SUM and isinstance(value, int):
        merged[key] = (current if isinstance(current, int) else 0) + value
    elif rule is Rule.DISTINCT and isinstance(value, list) and key not in merged:
        merged[key] = _distinct([], value)
    elif rule is Rule.DISTINCT and isinstance(value, list) and isinstance(current, list):
        # e.g. regions skipped and why: every distinct entry, in a stable order.
        _distinct(current, value)
    elif rule is Rule.MAPPING and isinstance(value, dict):
        both = {**value, **current} if isinstance(current, dict) else value
        merged[key] = dict(sorted(both.items()))
    elif rule not in (Rule.DIGEST, Rule.PER_SHARD):  # those two are recomputed
        merged.setdefault(key, value)


def _distinct(known: list[object], more: list[object]) -> list[object]:
    known.extend(v for v in more if v not in known)
    known.sort(key=_canonical)
    return known


def merge_scan_headers(shards: Sequence[Shard]) -> ScanHeader:
    """The merged header: each field by its rule in ``MERGE_RULES``."""
    merged: dict[str, object] = {}
    for shard in shards:
        for key, value in _fields(shard).items():
            _merge_field(MERGE_RULES.get(key, Rule.FIRST), merged, key, value)
    # Hashes of the whole: a value every shard shares (the policy set, the
    # waiver file) is kept as is; otherwise the merged hash is the sha256 of
    # the shards' distinct values, sorted and joined by newlines, so an auditor
    # can recompute it from the "shards" list.
    present = {k for s in shards for k in s.result.scan}
    for key in sorted(k for k in present if MERGE_RULES.get(k) is Rule.DIGEST):
        values = sorted({str(_fields(s).get(key, "")) for s in shards})
        merged[key] = (
            values[0]
            if len(values) == 1
            else hashlib.sha256("\n".join(values).encode()).hexdigest()
        )
    entries = [_shard_entry(s) for s in shards]
    merged["shards"] = sorted(entries, key=lambda e: (e["accounts"], e["regions"], e["name"]))
    # Each field was merged by the rule for its type above.
    return cast(ScanHeader, merged)


def _fields(shard: Shard) -> Mapping[str, object]:
    """A shard's header as fields to merge by name (``MERGE_RULES``)."""
    return shard.result.scan


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
