"""Registry, JSON, JUnit and Markdown renderers."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import msgspec
import pytest
from report_factory import XSS, rich_result

from scanner.errors import UserInputError
from scanner.model import ScanResult, Status
from scanner.report import DEFAULT_FORMATS, FORMATS, RENDERERS, parse_formats, render
from scanner.result_file import read_result, result_bytes


def test_registry_names_every_contract_file() -> None:
    assert {r.filename for r in RENDERERS.values()} == {
        "results.json",
        "results.sarif",
        "report.html",
        "junit.xml",
        "summary.md",
        "results.ocsf.json",
        "results.csv",
    }
    assert set(DEFAULT_FORMATS) <= set(FORMATS)


def test_parse_formats() -> None:
    assert parse_formats("html, SARIF,html,markdown") == ["html", "sarif", "md"]
    with pytest.raises(UserInputError) as err:
        parse_formats("html,pdf")
    text = err.value.render()
    assert "pdf" in text and all(f in text for f in FORMATS)
    with pytest.raises(UserInputError):
        parse_formats(" , ")


def test_render_writes_only_the_asked_formats(rich: ScanResult, tmp_path: Path) -> None:
    written = render(rich, ["md", "junit"], tmp_path / "new" / "dir")
    assert sorted(p.name for p in written.values()) == ["junit.xml", "summary.md"]
    assert sorted(p.name for p in (tmp_path / "new" / "dir").iterdir()) == [
        "junit.xml",
        "summary.md",
    ]


def test_render_into_a_file_is_user_error(rich: ScanResult, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UserInputError):
        render(rich, ["json"], tmp_path / "f")


def test_json_is_deterministic_and_round_trips(
    rich_reports: dict[str, Path], tmp_path: Path
) -> None:
    text = rich_reports["json"].read_text(encoding="utf-8")
    result = rich_result()
    # Same content as the ScanResult, in the canonical layout write_result uses.
    assert read_result(rich_reports["json"]).to_dict() == result.to_dict()
    assert rich_reports["json"].read_bytes() == result_bytes(result)
    lines = text.rstrip("\n").split("\n")  # not splitlines(): U+2028 may sit in a value
    assert lines[0] == "{" and lines[-1] == "}"
    # Top-level keys sorted, one per line; one compact finding per line.
    # (A line of the ``reasons`` array is a bare string: a key line has ``":``.)
    top = [line.split(":", 1)[0] for line in lines[1:-1] if line.startswith('"') and '":' in line]
    assert top == sorted(top) and '"findings"' in top
    start = lines.index('"findings":[')
    finding_lines = lines[start + 1 : start + 1 + len(result.findings)]
    for line in finding_lines:
        item = json.loads(line.rstrip(","))
        assert line.rstrip(",") == json.dumps(
            item, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
    assert lines[start + 1 + len(result.findings)] == "],"
    shuffled = dataclasses.replace(result, findings=tuple(reversed(result.findings)))
    again = render(shuffled, ["json"], tmp_path)["json"].read_text(encoding="utf-8")
    assert again == text
    assert ScanResult.from_dict(result.to_dict()).to_dict() == result.to_dict()


def test_json_survives_lone_surrogates(tmp_path: Path) -> None:
    result = rich_result()
    bad = msgspec.structs.replace(result.findings[0], message="broken \udc80 surrogate")
    result = dataclasses.replace(result, findings=(bad, *result.findings[1:]))
    for fmt in FORMATS:
        render(result, [fmt], tmp_path)
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert ["broken \udc80 surrogate"] in data["messages"]


def test_junit_parses_and_maps_statuses(rich: ScanResult, rich_reports: dict[str, Path]) -> None:
    root = ET.parse(rich_reports["junit"]).getroot()
    suites = root.findall("testsuite")
    assert {s.get("name") for s in suites} == {p["id"] for p in rich.policies}
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(rich.findings)
    counts = {s: sum(f.status is s for f in rich.findings) for s in Status}
    assert len(root.findall(".//failure")) == counts[Status.FAIL]
    assert len(root.findall(".//error")) == counts[Status.UNKNOWN]
    assert len(root.findall(".//skipped")) == counts[Status.WAIVED] + counts[Status.NOT_APPLICABLE]
    assert int(root.get("tests", "0")) == len(rich.findings)
    assert int(root.get("failures", "0")) == counts[Status.FAIL]
    names = " ".join(c.get("name", "") for c in cases)
    assert XSS in names  # escaped in the file, intact once parsed
    assert "\x00" not in rich_reports["junit"].read_text(encoding="utf-8")


def test_markdown_summary(rich: ScanResult, rich_reports: dict[str, Path]) -> None:
    text = rich_reports["md"].read_text(encoding="utf-8")
    assert "## aurora-scan results" in text
    assert "| critical |" in text
    assert (
        "### Failing policies" in text and "| aurora\\.cluster\\.encrypted | critical | 2 |" in text
    )
    assert "2 collection error(s)" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "1 expired, 1 matched nothing" in text
    # A name can never add a table column: every row of a table has as many
    # unescaped pipes as its header.
    table: list[int] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            table.append(len(re.findall(r"(?<!\\)\|", line)))
        elif table:
            assert len(set(table)) == 1, table
            table = []
    assert len(text) < 100_000


def test_markdown_clean_scan(tmp_path: Path) -> None:
    from report_factory import clean_result

    text = render(clean_result(), ["md"], tmp_path)["md"].read_text(encoding="utf-8")
    assert "No failing findings" in text and "No policy failed." in text


def test_fixtures_and_json_output_match_the_results_contract(
    rich_reports: dict[str, Path], tmp_path: Path
) -> None:
    result_file = pytest.importorskip("scanner.result_file")
    from report_factory import clean_result, synthetic_result

    for result in (rich_result(), clean_result(), synthetic_result(2)):
        result_file.validate_result_dict(result.to_dict())
    # The json format and results_file write the same bytes.
    assert rich_reports["json"].read_bytes() == result_file.result_bytes(rich_result())
    assert result_file.read_result(rich_reports["json"]).to_dict() == rich_result().to_dict()


def test_empty_result_renders_every_format(tmp_path: Path) -> None:
    from github_rules import check_file
    from report_factory import rich_result as base
    from sarif_schema import assert_schema_valid

    from scanner.report.html import extract_data

    empty = dataclasses.replace(base(errors=False), findings=(), policies=(), waivers={})
    paths = render(empty, FORMATS, tmp_path)
    assert_schema_valid(check_file(paths["sarif"]))
    data = extract_data(paths["html"].read_text(encoding="utf-8"))
    assert data["passing"] == [] and data["issueResources"] == [] and data["resources"] == []
    assert ET.parse(paths["junit"]).getroot().get("tests") == "0"
    assert "No policy failed." in paths["md"].read_text(encoding="utf-8")


def test_command_line_secrets_are_masked_in_every_report(tmp_path: Path) -> None:
    result = rich_result()
    leaky = "aurora-scan scan --external-id s3cr3t-value --api-token=tok123 AKIAABCDEFGHIJKLMNOP"
    result = dataclasses.replace(result, scan={**result.scan, "command_line": leaky})
    for fmt, path in render(result, ["sarif", "html", "md"], tmp_path).items():
        text = path.read_text(encoding="utf-8")
        for secret in ("s3cr3t-value", "tok123", "AKIAABCDEFGHIJKLMNOP"):
            assert secret not in text, (fmt, secret)


def test_render_accepts_a_format_string(rich: ScanResult, tmp_path: Path) -> None:
    assert sorted(render(rich, "md,junit", tmp_path)) == ["junit", "md"]
