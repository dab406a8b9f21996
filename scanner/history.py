"""Since when: each finding's ``first_seen`` and ``last_status_change``.

A finding is keyed by its fingerprint (policy and resource, never the
verdict), so the same check on the same resource is recognised from one scan
to the next.  ``first_seen`` is the collection time of the first scan that
produced the fingerprint; ``last_status_change`` the collection time of the
first scan in which it had its current status (for a FAIL: failing since).

Times are scan times, never the wall clock: the snapshot's ``collected_at``,
so re-evaluating the same snapshot against the same previous results gives
the same answer.  The engine stamps every finding with its scan's time;
``carry_forward`` then takes the history over from a previous results file
(``--previous``, or ``--baseline``; recorded in the header as
``scan.previous_results``), and ``diff`` works it out from its two
inputs (``since``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import fields, replace
from operator import attrgetter

from scanner.errors import UserInputError
from scanner.model import Finding, ScanHeader, ScanResult


def _field_names() -> tuple[str, ...]:
    """Finding's fields in order, the two history fields last (checked: the
    positional copy below relies on it)."""
    names = getattr(Finding, "__struct_fields__", None) or tuple(f.name for f in fields(Finding))
    if tuple(names[-2:]) != ("first_seen", "last_status_change"):
        raise TypeError("Finding must end with first_seen, last_status_change")
    return tuple(names)


# A finding's fields but the history ones, in order: a positional copy with new
# history is about twice as fast as dataclasses.replace, which a steady estate
# pays for nearly every finding (500,000 at 10,000 clusters).
_OTHER_FIELDS = attrgetter(*_field_names()[:-2])
_new_finding: Callable[..., Finding] = Finding  # positional, all fields


def _instant(text: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def since(
    old: Finding | None, old_at: str, new: Finding, new_at: str, *, trust_new: bool = False
) -> tuple[str, str]:
    """``(first_seen, last_status_change)`` of ``new``, given the same fingerprint's
    finding ``old`` in an earlier scan collected at ``old_at`` (None: not in it).

    ``trust_new``: ``new`` already carries its history (its result was made
    with a previous one), so it is kept as it is.
    """
    first = new.first_seen or new_at
    if trust_new or old is None:
        return first, new.last_status_change or first
    old_first = old.first_seen or old_at
    if old.status is new.status:
        return old_first, old.last_status_change or old_first
    return old_first, new_at


def check_order(previous: ScanResult, current: ScanResult, previous_file: str) -> None:
    """History runs forwards: the previous results must not be from a later scan."""
    before = _instant(str(previous.scan.get("collected_at") or ""))
    after = _instant(str(current.scan.get("collected_at") or ""))
    if before is not None and after is not None and before > after:
        raise UserInputError(
            f"the previous results were collected at {previous.scan.get('collected_at')}, "
            f"after this scan ({current.scan.get('collected_at')})",
            file=previous_file,
            location="--previous",
            expected="results of an earlier scan",
            hint="pass the results of the scan before this one",
        )


def carry_forward(
    current: ScanResult, previous: ScanResult, *, previous_file: str, previous_sha256: str
) -> ScanResult:
    """``current`` with every finding's history taken over from ``previous``.

    A finding whose fingerprint ``previous`` has keeps its ``first_seen``, and
    its ``last_status_change`` too when the status is the same; one that
    changed status changed it in this scan; a new one was first seen now.
    The header records the previous results (file, sha256, collection time).
    """
    check_order(previous, current, previous_file)
    old_at = str(previous.scan.get("collected_at") or "")
    new_at = str(current.scan.get("collected_at") or "")
    before = {f.fingerprint: f for f in previous.findings if f.fingerprint}
    findings = []
    for finding in current.findings:
        old = before.get(finding.fingerprint)
        if old is None:
            findings.append(finding)
            continue
        first, last = since(old, old_at, finding, new_at)
        if (first, last) != (finding.first_seen, finding.last_status_change):
            finding = _new_finding(*_OTHER_FIELDS(finding), first, last)
        findings.append(finding)
    scan: ScanHeader = {
        **current.scan,
        "previous_results": {
            "file": previous_file,
            "sha256": previous_sha256,
            "collected_at": old_at,
        },
    }
    return replace(current, findings=tuple(findings), scan=scan)
