"""`aurora-scan report`: re-rendering and the exit codes 0 / 1 / 2 / 3."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from report_factory import POLICIES, clean_result, finding, rich_result

from scanner.cli import main
from scanner.model import ScanResult, Status
from scanner.report import render
from scanner.result_file import read_result


def saved(result: ScanResult, tmp_path: Path) -> Path:
    return render(result, ["json"], tmp_path / "in")["json"]


def only(*findings_: object, errors: bool = False) -> ScanResult:
    base = rich_result(errors=errors)
    return dataclasses.replace(base, findings=tuple(findings_))  # type: ignore[arg-type]


HIGH, LOW = POLICIES[1], POLICIES[3]


@pytest.mark.parametrize(
    ("result", "argv", "code"),
    [
        (clean_result(), [], 0),
        (only(finding(HIGH, "c1", Status.FAIL)), [], 1),
        (only(finding(HIGH, "c1", Status.FAIL)), ["--fail-on", "high"], 1),
        (only(finding(HIGH, "c1", Status.FAIL)), ["--fail-on", "critical"], 0),
        (only(finding(LOW, "c1", Status.FAIL)), ["--fail-on", "medium"], 0),
        (only(finding(HIGH, "c1", Status.FAIL)), ["--fail-on", "none"], 0),
        (only(finding(HIGH, "c1", Status.WAIVED)), ["--fail-on", "info"], 0),
        (only(finding(HIGH, "c1", Status.UNKNOWN)), [], 3),
        (only(finding(HIGH, "c1", Status.UNKNOWN)), ["--allow-incomplete"], 0),
        (only(finding(HIGH, "c1", Status.PASS), errors=True), [], 3),
        (only(finding(HIGH, "c1", Status.FAIL), finding(LOW, "c2", Status.UNKNOWN)), [], 1),
        (
            only(finding(LOW, "c1", Status.FAIL), finding(LOW, "c2", Status.UNKNOWN)),
            ["--fail-on", "high"],
            3,
        ),
    ],
    ids=[
        "clean",
        "fail-default-low",
        "fail-at-threshold",
        "fail-below-threshold",
        "low-below-medium",
        "fail-on-none",
        "waived-never-fails",
        "unknown-incomplete",
        "unknown-allowed",
        "collection-error-incomplete",
        "fail-beats-incomplete",
        "below-threshold-but-incomplete",
    ],
)
def test_exit_codes(result: ScanResult, argv: list[str], code: int, tmp_path: Path) -> None:
    path = saved(result, tmp_path)
    out = tmp_path / "out"
    assert main(["report", str(path), "--output-dir", str(out), *argv]) == code
    assert code == int(result.exit_code(**_kwargs(argv)))
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "results.sarif"]


def _kwargs(argv: list[str]) -> dict[str, object]:
    from scanner.model import Severity

    fail_on: Severity | None = Severity.LOW
    if "--fail-on" in argv:
        value = argv[argv.index("--fail-on") + 1]
        fail_on = None if value == "none" else Severity(value)
    return {"fail_on": fail_on, "allow_incomplete": "--allow-incomplete" in argv}


def test_every_format_and_default_output_dir(tmp_path: Path) -> None:
    path = saved(rich_result(), tmp_path)
    code = main(["report", str(path), "--format", "html,sarif,junit,md,json"])
    assert code == 1
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["junit.xml", "report.html", "results.json", "results.sarif", "summary.md"]
    # Re-rendering results.json over itself changes nothing.
    assert read_result(path).to_dict() == rich_result().to_dict()


def test_include_waived_flag(tmp_path: Path) -> None:
    path = saved(rich_result(), tmp_path)
    main(
        [
            "report",
            str(path),
            "--format",
            "sarif",
            "--output-dir",
            str(tmp_path / "o"),
            "--sarif-include-waived",
        ]
    )
    doc = json.loads((tmp_path / "o" / "results.sarif").read_text(encoding="utf-8"))
    assert any(r.get("suppressions") for r in doc["runs"][0]["results"])


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot read result file"),
        ("{not json", "not valid JSON"),
        ('{"version": "2.1.0", "runs": []}', "not an aurora-scan result"),
        ("[]", "aurora-scan result"),
    ],
    ids=["missing", "bad-json", "sarif-not-result", "wrong-shape"],
)
def test_bad_input_is_exit_2_with_one_line(
    content: str | None, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["report", str(path), "--output-dir", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err
    if "scanner.result_file" not in __import__("sys").modules:
        assert fragment in err or "result" in err


def test_unknown_format_is_exit_2_listing_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = saved(clean_result(), tmp_path)
    assert main(["report", str(path), "--format", "html,pdf"]) == 2
    err = capsys.readouterr().err
    assert "pdf" in err and "json, sarif, html, junit, md" in err


def test_bad_fail_on_is_exit_2(tmp_path: Path) -> None:
    path = saved(clean_result(), tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["report", str(path), "--fail-on", "severe"])
    assert exc.value.code == 2


def test_recorded_gate_is_the_default(tmp_path: Path) -> None:
    base = only(finding(LOW, "c1", Status.FAIL), finding(LOW, "c2", Status.UNKNOWN))
    recorded = dataclasses.replace(
        base, scan={**base.scan, "fail_on": "high", "allow_incomplete": True}
    )
    path = saved(recorded, tmp_path)
    assert main(["report", str(path), "--output-dir", str(tmp_path / "o")]) == 0
    assert main(["report", str(path), "--output-dir", str(tmp_path / "o"), "--fail-on", "low"]) == 1
