"""Reading results.json (and snapshots) back: fast validation, same errors, old versions.

results.json 2.0 is decoded by msgspec into typed structs; a file it refuses
goes through the generic path, where the big arrays are checked by a
predicate compiled from the published schema (scanner/schema_check.py) and
only a rejected item goes to jsonschema.  These cases break the 50,000th item
in each way the schema forbids and check the error names the file, the JSON
location, what was expected and a hint, and says exactly what full jsonschema
validation says.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest
from jsonschema.exceptions import best_match
from report_factory import rich_result, synthetic_result

from scanner.cli import main
from scanner.errors import UserInputError
from scanner.merge import read_shard
from scanner.model import RESULT_SCHEMA_VERSION, ScanResult, Status
from scanner.result_file import (
    _validator,
    read_result,
    result_bytes,
    results_schema,
    validate_result_dict,
    write_result,
)
from scanner.schema_check import compile_predicate, json_location
from scanner.snapshot_file import _validator as snapshot_validator
from scanner.snapshot_file import read_snapshot, snapshot_schema

INDEX = 49_999  # the 50,000th finding


@pytest.fixture(scope="module")
def big() -> dict[str, Any]:
    data = json.loads(result_bytes(synthetic_result(1000)))
    assert len(data["findings"]) == 50_000
    return data


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    def mutate(f: dict[str, Any]) -> Any:
        f[key] = value
        return f

    return mutate


def _drop(key: str) -> Callable[[dict[str, Any]], Any]:
    def mutate(f: dict[str, Any]) -> Any:
        del f[key]
        return f

    return mutate


WAIVER = {"policy": "p", "resource": "r", "reason": "x", "owner": "o", "expires": "2030-01-01"}
# (mutation of one finding line, location under findings[i], words of the expectation)
CASES: dict[str, tuple[Callable[[dict[str, Any]], Any], str, str]] = {
    "missing-key": (_drop("status"), "", "an object with the keys"),
    "wrong-enum": (_set("status", "BROKEN"), ".status", "one of PASS, FAIL"),
    "wrong-severity-type": (_set("severity", 3), ".severity", "one of critical"),
    "wrong-type": (_set("resource", "arn:aws:rds:x"), ".resource", "an integer"),
    "null-message": (_set("message", None), ".message", "a string"),
    "bad-fingerprint": (_set("fingerprint", "not-hex"), ".fingerprint", "text matching"),
    "unknown-key": (_set("colour", "red"), "", "only the keys"),
    "evidence-not-index": (_set("evidence", [{"kind": "attr"}]), ".evidence", "an integer"),
    "remediation-not-text": (_set("remediation", {"cli": 1}), ".remediation.cli", "a string"),
    "waiver-incomplete": (
        _set("waiver", {k: v for k, v in WAIVER.items() if k != "owner"}),
        ".waiver",
        "reason, owner",
    ),
    "waiver-bad-date": (
        _set("waiver", {**WAIVER, "expires": "soon"}),
        ".waiver.expires",
        "text matching",
    ),
    "not-an-object": (lambda f: [f], "", "an object"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_50000th_finding_is_one_clear_error(case: str, big: dict[str, Any]) -> None:
    mutate, suffix, expected = CASES[case]
    data = dict(big)
    data["findings"] = list(big["findings"])
    bad = mutate(copy.deepcopy(big["findings"][INDEX]))
    data["findings"][INDEX] = bad
    with pytest.raises(UserInputError) as info:
        validate_result_dict(data, "big.json")
    err = info.value
    assert err.file == "big.json"
    assert err.location == f"$.findings[{INDEX}]{suffix}"
    assert expected in (err.expected or "")
    assert err.hint
    assert "\n" not in err.render()
    # The same words full jsonschema validation gives (on a small document, to stay fast).
    small = {**big, "findings": [big["findings"][0], bad]}
    full = best_match(jsonschema.Draft202012Validator(results_schema()).iter_errors(small))
    assert full is not None
    assert json_location(full.absolute_path) == f"$.findings[1]{suffix}"
    assert full.message[:150] in err.problem


@pytest.mark.parametrize("case", ["wrong-enum", "wrong-type", "unknown-key", "waiver-bad-date"])
def test_read_result_gives_the_schema_error_the_typed_decoding_refused(
    case: str, tmp_path: Path
) -> None:
    mutate, suffix, expected = CASES[case]
    data = json.loads(result_bytes(rich_result()))
    data["findings"][1] = mutate(data["findings"][1])
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    err = _error(read_result, path)
    assert err.location == f"$.findings[1]{suffix}"
    assert expected in (err.expected or "") and err.hint


@pytest.mark.parametrize(
    ("where", "mutate", "location"),
    [
        ("findings", _set("resource", 10**6), "$.findings[1].resource"),
        ("findings", _set("policy", 10**6), "$.findings[1].policy"),
        ("findings", _set("evidence", 10**6), "$.findings[1].evidence"),
        ("findings", _drop("policy"), "$.findings[1]"),
        ("findings", _set("message", 10**6), "$.findings[1].message"),
        ("findings", _set("reason", 10**6), "$.findings[1].reason"),
        (  # only an inherited verdict's message may be left out
            "findings",
            lambda f: {k: v for k, v in f.items() if k not in ("message", "reason")},
            "$.findings[1].message",
        ),
        ("evidence", lambda e: [*e, 10**6], "$.evidence[1]"),
    ],
)
def test_a_reference_outside_its_table_is_one_clear_error(
    where: str, mutate: Callable[[Any], Any], location: str, tmp_path: Path
) -> None:
    data = json.loads(result_bytes(rich_result()))
    data[where][1] = mutate(data[where][1])
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    err = _error(read_result, path)
    assert (err.location or "").startswith(location)
    assert err.expected and err.hint


def test_read_back_is_the_result_that_was_written(tmp_path: Path) -> None:
    for result in (rich_result(), synthetic_result(20)):
        path = write_result(result, tmp_path / "results.json")
        loaded = read_result(path)
        assert list(loaded.findings) == sorted(result.findings, key=lambda f: f.sort_key)
        assert loaded.to_dict() == result.to_dict()
        assert result_bytes(loaded) == path.read_bytes()


def test_shared_data_is_written_once() -> None:
    result = synthetic_result(20)
    data = json.loads(result_bytes(result))
    assert data["schema_version"] == RESULT_SCHEMA_VERSION == "2.1"
    identities = {(f.resource_id, f.resource_type, f.resource_name, f.account, f.region)
                  for f in result.findings}  # fmt: skip
    assert len(data["resources"]) == len(identities)
    assert {(r["id"], r["type"], r["name"], r["account"], r["region"])
            for r in data["resources"]} == identities  # fmt: skip
    for table in ("evidence", "evidence_items"):
        lines = [json.dumps(item, sort_keys=True) for item in data[table]]
        assert len(lines) == len(set(lines)), table
    assert len(data["evidence"]) < len(data["findings"])
    for row in data["findings"]:
        # No copy of the resource, the policy's severity or the derived fingerprint.
        assert not {"resource_id", "account", "region", "fingerprint", "severity"} & set(row)
        assert isinstance(row["resource"], int) and isinstance(row["policy"], int)


def test_the_predicate_is_compiled_and_agrees_with_jsonschema() -> None:
    assert _validator("2").fully_compiled()
    assert _validator("1").fully_compiled()
    assert snapshot_validator().fully_compiled()
    schema = results_schema()
    predicate = compile_predicate(schema["properties"]["findings"]["items"], schema)
    full = jsonschema.Draft202012Validator(schema)
    written = json.loads(result_bytes(rich_result()))
    assert full.is_valid(written)
    for f in written["findings"]:
        assert predicate(f), f
        assert full.is_valid({**written, "findings": [f]})
    # Values a naive check would let through.
    sample = written["findings"][0]
    for mutate in (_set("status", True), _set("evidence", "attr"), _set("waiver", [])):
        bad = mutate(dict(sample))
        assert not predicate(bad)


def test_a_valid_big_result_reads_back_fast(big: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(big))
    assert len(read_result(path).findings) == 50_000


def _v1_0(result: ScanResult) -> dict[str, Any]:
    """The same result as schema 1.0 wrote it: policy frameworks on every finding."""
    data = result.to_dict()
    data["schema_version"] = "1.0"
    frameworks = {p["id"]: p.get("frameworks", []) for p in data["policies"]}
    for f in data["findings"]:
        f["frameworks"] = frameworks[f["policy_id"]]
    return data


def test_a_1_0_result_still_reports_diffs_and_merges(tmp_path: Path) -> None:
    result = rich_result()
    old = tmp_path / "old.json"
    old.write_text(json.dumps(_v1_0(result)))
    loaded = read_result(old)
    assert loaded.schema_version == RESULT_SCHEMA_VERSION
    assert result_bytes(loaded) == result_bytes(result)
    assert read_shard(old).result.to_dict() == loaded.to_dict()
    out = tmp_path / "o"
    assert main(["report", str(old), "--output-dir", str(out), "--format", "json,md"]) in (1, 3)
    assert "frameworks" not in json.loads((out / "results.json").read_text())["findings"][0]
    new = write_result(result, tmp_path / "new.json")
    assert main(["diff", str(old), str(new)]) == 0
    merged = tmp_path / "m"
    assert main(["merge", str(old), str(new), "--output-dir", str(merged)]) != 2


def _v2_0(data: dict[str, Any]) -> dict[str, Any]:
    """A 2.1 document in the 2.0 layout: each message and reason written in full."""
    old = {k: v for k, v in data.items() if k not in ("messages", "reasons")}
    old["schema_version"] = "2.0"
    titles = [p["title"] for p in data["policies"]]
    rows = []
    for row in data["findings"]:
        row = dict(row)
        if "reason" in row:
            row["reason"] = data["reasons"][row["reason"]]
        name = data["resources"][row["resource"]]["name"]
        if "message" in row:
            row["message"] = name.join(data["messages"][row["message"]])
        else:
            owner = row["reason"].removeprefix("inherited from ")
            row["message"] = f"{titles[row['policy']]}: judged on {owner}"
        rows.append(row)
    old["findings"] = rows
    return old


def _with_inherited(result: ScanResult) -> ScanResult:
    """``result`` plus a verdict inherited from a cluster, as the engine words it."""
    first = result.findings[0]
    title = next(p["title"] for p in result.policies if p["id"] == first.policy_id)
    inherited = msgspec.structs.replace(
        first,
        resource_id=first.resource_id + "-member",
        resource_name=first.resource_name + "-member",
        status=Status.NOT_APPLICABLE,
        reason=f"inherited from cluster {first.resource_name}",
        message=f"{title}: judged on cluster {first.resource_name}",
        evidence=(),
        remediation={},
        fingerprint="0" * 64,
    )
    return dataclasses.replace(result, findings=(*result.findings, inherited))


def test_shared_messages_and_reasons_are_written_once(tmp_path: Path) -> None:
    result = _with_inherited(synthetic_result(20))
    data = json.loads(result_bytes(result))
    assert data["schema_version"] == "2.1"
    # A message template filled from the resource: one shape for many findings.
    assert len(data["messages"]) < len(data["findings"]) / 4
    assert len(set(data["reasons"])) == len(data["reasons"])
    # The inherited verdict's message is derived from its reason and policy title.
    assert sum("message" not in row for row in data["findings"]) == 1
    path = write_result(result, tmp_path / "results.json")
    assert read_result(path).findings == tuple(sorted(result.findings, key=lambda f: f.sort_key))
    assert result_bytes(read_result(path)) == path.read_bytes()


def test_a_2_0_result_reads_as_it_was(tmp_path: Path) -> None:
    result = _with_inherited(rich_result())
    old = tmp_path / "old.json"
    old.write_text(json.dumps(_v2_0(json.loads(result_bytes(result)))))
    loaded = read_result(old)
    assert loaded.findings == tuple(sorted(result.findings, key=lambda f: f.sort_key))
    assert result_bytes(loaded) == result_bytes(result)
    new = write_result(result, tmp_path / "new.json")
    assert main(["diff", str(old), str(new)]) == 0


def test_a_1_1_result_reads_as_it_was(tmp_path: Path) -> None:
    result = rich_result()
    old = tmp_path / "old.json"
    old.write_text(json.dumps(result.to_dict()))  # the expanded layout 1.1 files hold
    assert result.to_dict()["schema_version"] == "1.1"
    assert result_bytes(read_result(old)) == result_bytes(result)


def test_results_are_written_without_frameworks_on_findings() -> None:
    data = json.loads(result_bytes(rich_result()))
    assert all("frameworks" not in f for f in data["findings"])
    assert any(p["frameworks"] for p in data["policies"])


def _error(read: Callable[[Path], Any], path: Path) -> UserInputError:
    with pytest.raises(UserInputError) as info:
        read(path)
    assert "\n" not in info.value.render()
    assert info.value.file == str(path)
    return info.value


def test_wrong_files_say_what_was_expected_and_what_to_do(tmp_path: Path) -> None:
    results = write_result(rich_result(), tmp_path / "results.json")
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(
        json.dumps(
            {
                "schema_version": "1.0",
                "scanner": {"name": "aurora-scan", "version": "0"},
                "collected_at": "2026-01-01T00:00:00Z",
                "accounts": [],
                "regions": [],
                "resources": [],
                "errors": [],
            }
        )
    )
    sarif = tmp_path / "results.sarif.json"  # not *.sarif: the conftest validates those
    sarif.write_text(json.dumps({"version": "2.1.0", "runs": []}))
    for read in (read_result, lambda p: read_shard(p)):
        err = _error(read, snapshot)
        assert err.expected and "aurora-scan evaluate" in (err.hint or "")
        err = _error(read, sarif)
        assert err.expected and "SARIF" in (err.hint or "")
        err = _error(read, tmp_path)
        assert "directory" in err.problem and err.expected and "results.json" in (err.hint or "")
        err = _error(read, tmp_path / "missing.json")
        assert "not found" in err.problem and err.expected and err.hint
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**json.loads(results.read_text()), "schema_version": "3.0"}))
    err = _error(read_result, other)
    assert err.location == "$.schema_version" and err.expected == "1.x or 2.x"

    err = _error(read_snapshot, results)
    assert err.expected and "aurora-scan report" in (err.hint or "")
    err = _error(read_snapshot, tmp_path)
    assert "directory" in err.problem and err.expected and err.hint
    err = _error(read_snapshot, tmp_path / "missing.json")
    assert err.expected and err.hint


def _resources(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"arn:aws:rds:us-east-1:123456789012:cluster:c{i}",
            "type": "aws.rds.db_cluster",
            "account": "123456789012",
            "region": "us-east-1",
            "attrs": {"DBClusterIdentifier": f"c{i}"},
        }
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("key", "value", "where", "expected"),
    [
        ("type", "aws.rds.nope", ".type", "one of aws.backup"),
        ("attrs", [], ".attrs", "an object"),
        ("id", "", ".id", "at least 1 characters"),
        ("account", None, ".account", "a string"),
    ],
)
def test_a_bad_50000th_snapshot_resource(
    key: str, value: Any, where: str, expected: str, tmp_path: Path
) -> None:
    resources = _resources(50_000)
    resources[INDEX][key] = value
    path = tmp_path / "snapshot.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": "1.0",
                "scanner": {"name": "aurora-scan", "version": "0"},
                "collected_at": "2026-01-01T00:00:00Z",
                "accounts": ["123456789012"],
                "regions": ["us-east-1"],
                "resources": resources,
                "errors": [],
            }
        )
    )
    err = _error(read_snapshot, path)
    assert err.location == f"$.resources[{INDEX}]{where}"
    assert expected in (err.expected or "")
    assert err.hint
    assert snapshot_schema()["properties"]["resources"]


def test_odd_values_are_written_as_json_writes_them() -> None:
    from types import MappingProxyType

    import msgspec

    findings = list(rich_result().findings)
    message = 'lone \ud800 surrogate, \u2028 separator, \x00 nul, "quotes" </script>'
    evidence = {"kind": "attr", "observed": [1.5, None, {"b": 1, "a": 2}]}
    odd = msgspec.structs.replace(
        findings[0],
        message=message,
        evidence=(MappingProxyType(evidence),),  # type: ignore[arg-type]
        remediation=MappingProxyType({"text": "t", "cli": "c"}),
        waiver=MappingProxyType(WAIVER),
    )
    result = dataclasses.replace(rich_result(), findings=(odd, *findings[1:]))
    data = json.loads(result_bytes(result))
    resource = findings[0].resource_name
    shape = message.split(resource) if resource else [message]
    row = next(r for r in data["findings"] if data["messages"][r["message"]] == shape)
    assert row["remediation"] == {"text": "t", "cli": "c"} and row["waiver"] == WAIVER
    items = [data["evidence_items"][i] for i in data["evidence"][row["evidence"]]]
    assert items == [evidence]


@pytest.mark.parametrize(
    ("tags", "location"),
    [
        ({"arn:x": {"Owner": 7}}, ["scan", "resource_tags", "arn:x", "Owner"]),
        ({"arn:x": ["Owner"]}, ["scan", "resource_tags", "arn:x"]),
        (["arn:x"], ["scan", "resource_tags"]),
    ],
)
def test_bad_resource_tags_are_one_clear_error(tags: Any, location: str, tmp_path: Path) -> None:
    # resource_tags is checked by msgspec rather than jsonschema (it is the one big
    # map in the header); the error must still say where and what was expected.
    data = json.loads(result_bytes(rich_result()))
    data["scan"]["resource_tags"] = tags
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    err = _error(read_result, path)
    assert err.location == json_location(location)  # as jsonschema's errors say it
    assert err.expected and err.hint


def test_resource_tags_read_back_as_written(tmp_path: Path) -> None:
    result = rich_result()
    tags = {"arn:aws:rds:us-east-1:1:cluster:a": {"Owner": "Zürich – 東京", "env": "<b>"}}
    result = dataclasses.replace(result, scan={**result.scan, "resource_tags": tags})
    path = write_result(result, tmp_path / "results.json")
    assert read_result(path).scan["resource_tags"] == tags


def test_an_empty_message_shape_is_one_clear_error(tmp_path: Path) -> None:
    # The schema says a shape has at least one part; the typed decoding must not
    # turn [] into an empty message silently.
    data = json.loads(result_bytes(rich_result()))
    assert data["messages"], "the fixture has message shapes"
    data["messages"][0] = []
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    err = _error(read_result, path)
    assert err.location == "$.messages[0]"
    assert err.expected and err.hint
