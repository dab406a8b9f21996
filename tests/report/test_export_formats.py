"""OCSF and CSV exports (issue 16 item 11).

OCSF events are validated against the OCSF schema as modelled by
``py-ocsf-models`` (Prowler's maintained pydantic models of OCSF 1.5, from
PyPI): every event must validate as a ``ComplianceFinding``, and every key we
write must be one the model knows (pydantic would silently ignore a misspelt
one), with ``cloud`` checked against the model's ``Cloud`` object (the cloud
profile) and ``unmapped`` free-form by definition.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any

import msgspec
import pytest
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.objects.cloud import Cloud
from pydantic import BaseModel
from report_factory import HOSTILE_NAMES, rich_result

from scanner.model import ScanResult, Status
from scanner.report import OcsfOptions, parse_formats, render
from scanner.report._export import first_seen, normalise_tags, tags_of
from scanner.report.csv_format import COLUMNS
from scanner.report.ocsf import CLASS_UID, render_ocsf

FREE_FORM = {"unmapped", "data"}  # OCSF objects of any shape


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``Optional[list[Model]]`` and the like."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def unknown_keys(model: type[BaseModel], data: Any, where: str = "") -> list[str]:
    """Keys in ``data`` the OCSF model does not define, recursively."""
    if isinstance(data, list):
        return [
            p for i, item in enumerate(data) for p in unknown_keys(model, item, f"{where}[{i}]")
        ]
    if not isinstance(data, dict):
        return []
    problems = []
    for key, value in data.items():
        path = f"{where}.{key}" if where else key
        if key in FREE_FORM:
            continue
        field = model.model_fields.get(key)
        if field is None:
            problems.append(path)
            continue
        inner = _model_of(field.annotation)
        if inner is not None:
            problems += unknown_keys(inner, value, path)
    return problems


def validate_event(event: dict[str, Any]) -> None:
    ComplianceFinding.model_validate(event)
    Cloud.model_validate(event["cloud"])  # the cloud profile, not in the class model
    rest = {k: v for k, v in event.items() if k != "cloud"}
    assert unknown_keys(ComplianceFinding, rest) == [], event["finding_info"]["uid"]


def _ocsf(result: ScanResult, tmp_path: Path, **options: Any) -> list[dict[str, Any]]:
    path = render_ocsf(result, tmp_path / "results.ocsf.json", OcsfOptions(**options))
    events: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return events


def test_ocsf_events_validate_against_the_schema(tmp_path: Path) -> None:
    result = rich_result()
    events = _ocsf(result, tmp_path)
    assert events
    for event in events:
        validate_event(event)
        assert event["class_uid"] == CLASS_UID and event["type_uid"] == CLASS_UID * 100 + 1
        assert event["metadata"]["version"].startswith("1.")


def test_ocsf_one_event_per_finding_needing_attention_unless_include_passed(
    tmp_path: Path,
) -> None:
    result = rich_result()
    attention = (Status.FAIL, Status.UNKNOWN, Status.WAIVED)
    non_pass = [f for f in result.findings if f.status in attention]
    events = _ocsf(result, tmp_path / "default")
    assert sorted(e["finding_info"]["uid"] for e in events) == sorted(
        f.fingerprint for f in non_pass
    )
    everything = _ocsf(result, tmp_path / "all", include_passed=True)
    assert len(everything) == len(result.findings)
    for event in everything:
        validate_event(event)


def test_ocsf_maps_statuses_severity_and_the_resource(tmp_path: Path) -> None:
    result = rich_result()
    by_uid = {e["finding_info"]["uid"]: e for e in _ocsf(result, tmp_path, include_passed=True)}
    expected = {
        Status.PASS: (1, 1),
        Status.FAIL: (3, 1),
        Status.WAIVED: (3, 3),  # the control fails; the finding is suppressed
        Status.UNKNOWN: (0, 1),
        Status.NOT_APPLICABLE: (99, 1),
    }
    seen = set()
    for f in result.findings:
        event = by_uid[f.fingerprint]
        assert (event["compliance"]["status_id"], event["status_id"]) == expected[f.status]
        assert event["status_code"] == f.status.value
        assert event["resources"][0]["uid"] == f.resource_id  # hostile names intact
        assert event["cloud"]["account"]["uid"] == f.account
        assert event["cloud"]["region"] == f.region
        assert event["metadata"]["event_code"] == f.policy_id
        if f.status is Status.UNKNOWN:
            assert event["status_detail"] == f.reason
        if f.status is Status.WAIVED:
            assert "dba-team@example.com" in event["status_detail"]
            assert event["unmapped"]["waiver"]["owner"] == "dba-team@example.com"
        if f.remediation.get("cli"):
            assert event["remediation"]["desc"] == f.remediation["cli"]
        seen.add(f.status)
    assert seen == set(Status)
    encrypted = next(e for e in by_uid.values() if e["compliance"]["control"].endswith("encrypted"))
    assert "AWS FSBP RDS.27" in encrypted["compliance"]["requirements"]
    assert encrypted["severity_id"] == 5 and encrypted["severity"] == "Critical"


def test_first_seen_and_tags_are_read_when_results_carry_them() -> None:
    finding = types.SimpleNamespace(
        first_seen="2026-11-01T00:00:00Z",
        tags=[{"Key": "Owner", "Value": "Zürich – 東京"}, {"Key": "Team", "Value": "dba"}],
        resource_id="arn:aws:rds:us-east-1:1:cluster:c",
    )
    assert first_seen(finding) == "2026-11-01T00:00:00Z"  # type: ignore[arg-type]
    result = types.SimpleNamespace()
    assert tags_of(result, finding) == {"Owner": "Zürich – 東京", "Team": "dba"}  # type: ignore[arg-type]
    bare = types.SimpleNamespace(resource_id="arn:aws:rds:us-east-1:1:cluster:c")
    record = {"TagList": [{"Key": "Environment", "Value": "prod"}]}
    table = types.SimpleNamespace(resource_tags={bare.resource_id: record})
    assert tags_of(table, bare) == {"Environment": "prod"}  # type: ignore[arg-type]
    assert first_seen(bare) == ""  # type: ignore[arg-type]
    assert normalise_tags({"a": "b"}) == {"a": "b"}
    assert normalise_tags(None) == {}


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def test_csv_round_trips_one_row_per_finding(tmp_path: Path) -> None:
    result = rich_result()
    paths = render(result, parse_formats("csv"), tmp_path)
    rows = _csv_rows(paths["csv"])
    assert len(rows) == len(result.findings)
    by_fingerprint = {row["fingerprint"]: row for row in rows}
    assert len(by_fingerprint) == len(rows)
    for f in result.findings:
        row = by_fingerprint[f.fingerprint]
        # Names with quotes, commas, newlines, control characters survive the trip.
        assert row["resource_arn"] == f.resource_id
        assert row["resource_name"] == f.resource_name
        assert (row["account"], row["region"]) == (f.account, f.region)
        assert (row["policy_id"], row["status"], row["severity"]) == (
            f.policy_id,
            f.status.value,
            f.severity.value,
        )
        assert row["message"] == f.message
        assert row["remediation"] == f.remediation.get("cli", row["remediation"])
        assert row["first_seen"] == "" and row["tags"] == ""
    encrypted = next(r for r in rows if r["policy_id"] == "aurora.cluster.encrypted")
    assert encrypted["requirements"] == "AWS FSBP RDS.27; PCI DSS 4.0 3.5.1"
    names = {row["resource_name"] for row in rows}
    assert {n for n in HOSTILE_NAMES if n and "\x00" not in n} <= names | {""}


@pytest.mark.parametrize("formula", ['=HYPERLINK("https://evil")', "+1", "-2+3", "@SUM(A1)"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(
    tmp_path: Path, formula: str
) -> None:

    base = rich_result()
    first = msgspec.structs.replace(base.findings[0], message=formula)
    result = dataclasses.replace(base, findings=(first, *base.findings[1:]))
    rows = _csv_rows(render(result, ["csv"], tmp_path)["csv"])
    row = next(r for r in rows if r["fingerprint"] == first.fingerprint)
    assert row["message"] == "'" + formula


def test_formats_are_registered_with_their_file_names(tmp_path: Path) -> None:
    assert parse_formats("ocsf,csv") == ["ocsf", "csv"]
    paths = render(rich_result(), "ocsf,csv", tmp_path)
    assert paths["ocsf"].name == "results.ocsf.json" and paths["csv"].name == "results.csv"


def test_report_verb_writes_ocsf_and_csv_and_include_passed(tmp_path: Path) -> None:
    from scanner.cli import main

    result = rich_result()
    saved = render(result, ["json"], tmp_path / "in")["json"]
    base = ["report", str(saved), "--format", "ocsf,csv", "--fail-on", "none"]
    main([*base, "--allow-incomplete", "--output-dir", str(tmp_path / "a")])
    main([*base, "--allow-incomplete", "--output-dir", str(tmp_path / "b"), "--include-passed"])
    default = json.loads((tmp_path / "a" / "results.ocsf.json").read_text(encoding="utf-8"))
    everything = json.loads((tmp_path / "b" / "results.ocsf.json").read_text(encoding="utf-8"))
    attention = (Status.FAIL, Status.UNKNOWN, Status.WAIVED)
    assert len(default) == sum(f.status in attention for f in result.findings)
    assert len(everything) == len(result.findings)
    assert len(_csv_rows(tmp_path / "a" / "results.csv")) == len(result.findings)
