"""The typed shared data (scanner/model.py) matches what the stages really build.

mypy checks the code that builds headers and evidence against the types; these
tests check the other direction at run time: every key the evaluator and the
conditions write is declared, every declared required key is written, and
``merge`` has a rule for every header field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any, NotRequired, get_args, get_origin, get_type_hints

import pytest

from scanner.edges import build_graph
from scanner.merge import MERGE_RULES, Rule, Shard, merge_results
from scanner.model import Evidence, Finding, ScanHeader, ScanResult, Severity, ShardEntry, Status
from scanner.policy.engine import Identity, Row, Run, Selected, evaluate_policy, parse_time
from scanner.policy.loader import load_policies
from scanner.policy.testing import DEFAULT_NOW, case_errors, case_resources
from scanner.provenance import Gaps

CATALOGUE = load_policies()
ACCOUNT_A, ACCOUNT_B = "111111111111", "222222222222"
EVIDENCE_KINDS = {get_args(get_type_hints(t)["kind"])[0]: t for t in get_args(Evidence)}


def _keys(typed: Any) -> tuple[frozenset[str], frozenset[str]]:
    """(required, optional) keys of a TypedDict.  From the hints, not
    ``__required_keys__``: under postponed annotations Python 3.11 does not see
    ``NotRequired`` and counts those keys as required."""
    hints = get_type_hints(typed, include_extras=True)
    optional = {k for k, h in hints.items() if not typed.__total__ or get_origin(h) is NotRequired}
    return frozenset(hints) - optional, frozenset(optional)


def test_merge_has_a_rule_for_every_header_field_and_no_other() -> None:
    required, optional = _keys(ScanHeader)
    assert set(MERGE_RULES) == required | optional


def test_evaluate_writes_every_header_field_but_the_merge_ones() -> None:
    header = _catalogue_result_header()
    _required, optional = _keys(ScanHeader)
    # previous_results: only with --previous/--baseline (scanner.history.carry_forward).
    assert set(header) == optional - {"shards", "not_assessed", "previous_results"}


def _catalogue_result_header() -> Mapping[str, Any]:
    from scanner.model import Snapshot
    from scanner.policy.engine import evaluate

    resources = tuple(
        r for p in CATALOGUE.policies[:3] for case in p.tests for r in case_resources(case)
    )
    snapshot = Snapshot(
        collected_at=DEFAULT_NOW,
        accounts=(ACCOUNT_A,),
        regions=("eu-west-1",),
        resources=tuple({r.id: r for r in resources}.values()),
    )
    return evaluate(snapshot, CATALOGUE).scan


def _all_evidence() -> Iterator[Mapping[str, Any]]:
    """Every evidence entry, nested ones included, of every embedded case of every policy."""
    for pol in CATALOGUE.policies:
        for case in pol.tests:
            program, _ = pol.compile(case.get("params") or None)
            errors = case_errors(case)
            run = Run(
                graph=build_graph(case_resources(case), Gaps.of(errors)),
                now=parse_time(str(case.get("now", DEFAULT_NOW))),
                scan_facts={"accounts": [ACCOUNT_A], "regions": ["eu-west-1"]},
                errors=errors,
            )
            for f in evaluate_policy(run, Selected(pol, program, ())):
                yield from _nested(f.evidence)


def _nested(entries: Any) -> Iterator[Mapping[str, Any]]:
    for entry in entries:
        yield entry
        yield from _nested(entry.get("end") or ())
        for reached in entry.get("reached") or ():
            assert set(reached) == {"nodes", "end"}
            yield from _nested(reached["end"])


def test_every_evidence_entry_has_the_keys_of_its_kind() -> None:
    seen: Counter[str] = Counter()
    for entry in _all_evidence():
        kind = entry["kind"]
        required, optional = _keys(EVIDENCE_KINDS[kind])
        keys = set(entry)
        assert required <= keys <= required | optional, (kind, sorted(keys))
        seen[kind] += 1
    # The catalogue's cases exercise every kind, so none of the types goes unchecked.
    assert set(seen) == set(EVIDENCE_KINDS)


def test_rows_and_identities_are_named_tuples_that_unpack_in_order() -> None:
    pol = CATALOGUE.policies[0]
    case = pol.tests[0]
    run = Run(
        graph=build_graph(case_resources(case)),
        now=parse_time(DEFAULT_NOW),
        scan_facts={},
        errors=(),
    )
    rows = run.rows(pol.resources[0])
    assert rows
    for row in rows:
        assert isinstance(row, Row)
        resource, rid, type_, name, account, region, rid_bytes, key = row
        assert row.resource is resource
        assert Identity(rid, type_, name, account, region, rid_bytes) == run.identity(resource)
        assert (rid, type_, rid_bytes, key) == (
            resource.id,
            resource.type,
            resource.id.encode(),
            (resource.account, resource.region),
        )


def _finding(account: str, status: Status = Status.PASS) -> Finding:
    rid = f"arn:aws:rds:eu-west-1:{account}:cluster:c1"
    return Finding(
        policy_id="aurora.cluster.test",
        resource_id=rid,
        resource_type="aws.rds.db_cluster",
        resource_name="c1",
        account=account,
        region="eu-west-1",
        status=status,
        severity=Severity.HIGH,
        message="m",
        evidence=(
            {
                "kind": "attr",
                "attr": "A",
                "op": "eq",
                "expected": 1,
                "observed": 2,
                "result": False,
            },
        ),
        fingerprint=f"fp-{account}",
    )


def _shard(name: str, account: str, scan: Mapping[str, Any]) -> Shard:
    header: Any = {"accounts": [account], "regions": ["eu-west-1"], **scan}
    return Shard(
        name=name,
        result=ScanResult(
            scan=header,
            policies=({"id": "aurora.cluster.test", "title": "t", "severity": "high"},),
            findings=(_finding(account),),
        ),
    )


@pytest.mark.parametrize(
    ("field", "values", "merged"),
    [
        ("started_at", ["2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"], "2026-01-01T00:00:00Z"),
        ("collected_at", ["2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"], "2026-01-01T00:00:00Z"),
        ("finished_at", ["2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"], "2026-01-02T00:00:00Z"),
        ("resource_count", [3, 4], 7),
        ("regions_evaluated", [["eu-west-1"], ["us-east-1", "eu-west-1"]], None),
        ("command_line", ["aurora-scan scan A", "aurora-scan scan B"], "aurora-scan scan A"),
        ("policy_set_sha256", ["a" * 64, "a" * 64], "a" * 64),
    ],
)
def test_each_rule_merges_as_documented(field: str, values: list[Any], merged: Any) -> None:
    shards = [
        _shard(f"s{i}.json", account, {field: value})
        for i, (account, value) in enumerate(zip((ACCOUNT_A, ACCOUNT_B), values, strict=True))
    ]
    header: Mapping[str, Any] = merge_results(shards).scan
    rule = MERGE_RULES[field]
    if rule is Rule.DISTINCT:
        assert header[field] == ["eu-west-1", "us-east-1"]
    else:
        assert header[field] == merged
    entries: list[ShardEntry] = header["shards"]
    own = rule in (Rule.EARLIEST, Rule.LATEST, Rule.DIGEST)
    assert all((field in e) is own for e in entries)


def test_a_field_the_header_type_does_not_know_keeps_the_first_shards_value() -> None:
    # The results schema allows more keys (a newer writer): merge keeps them as they are.
    shards = [
        _shard("a.json", ACCOUNT_A, {"x_note": ["one"]}),
        _shard("b.json", ACCOUNT_B, {"x_note": ["two"]}),
    ]
    header: Mapping[str, Any] = merge_results(shards).scan
    assert header["x_note"] == ["one"]


def test_a_finding_read_back_keeps_its_evidence_and_status() -> None:
    f = _finding(ACCOUNT_A, Status.FAIL)
    assert Finding.from_dict(f.to_dict()) == f
