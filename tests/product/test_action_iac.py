"""The action's `mode: iac`, run step by step (action_steps) with the real CLI on the IaC corpus.

The install step's CLI is a recording wrapper around the real ``aurora-scan``:
it notes the command line the Scan step built, then runs it, so the reports,
exit codes, outputs, SARIF category and upload decision below are those of a
real run on ``tests/iac/corpus``.  Bad action inputs are checked to stop the
action before anything is installed or run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from action_steps import (
    DISMISS,
    STEPS,
    UPLOAD,
    RecordingAction,
    run_action,
    run_step,
    step_env,
)

from scanner.cli import build_parser

CORPUS = Path("tests/iac/corpus")  # relative to ROOT, the working directory
INSTALL_STEPS = ["python", "version", "Cache pip downloads", "install"]


@pytest.fixture
def action(tmp_path: Path) -> RecordingAction:
    return RecordingAction(tmp_path)


def _stale_reports(out: Path) -> None:
    """What an earlier run left in the output directory."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.sarif").write_text(json.dumps({"runs": [{"results": []}]}))
    (out / "results.json").write_text(json.dumps({"summary": {}}))


def _sarif(path: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return doc


def test_iac_mode_runs_aurora_scan_iac_with_the_options_and_paths(
    action: RecordingAction, tmp_path: Path
) -> None:
    out = tmp_path / "out dir"
    run = action(
        {
            "mode": "iac",
            "paths": f"{CORPUS}/cloudformation/secure.yaml\n  {CORPUS}/terraform \n",
            "regions": "eu-west-1",
            "fail-on": "critical",
            "formats": "sarif,html",
            "allow-incomplete": "true",
            "output-dir": str(out),
        }
    )
    assert run.failed_at is None, run.log
    assert action.argv == [
        [
            "iac",
            "--output-dir",
            str(out),
            "--format",
            "sarif,html,json,md",
            "--region",
            "eu-west-1",
            "--fail-on",
            "critical",
            "--allow-incomplete",
            "--",
            f"{CORPUS}/cloudformation/secure.yaml",
            f"{CORPUS}/terraform",
        ]
    ]
    args = build_parser().parse_args(action.argv[0])
    assert args.command == "iac"
    assert args.paths == [CORPUS / "cloudformation/secure.yaml", CORPUS / "terraform"]
    # Installed and run like scan mode; no AWS option reaches the CLI.
    assert set(INSTALL_STEPS) <= set(run.ran)
    assert not {"--accounts", "--org", "--role-name", "--external-id"} & set(action.argv[0])

    outputs = run.outputs
    # The insecure Terraform plan has a critical FAIL (an instance reachable from
    # the internet): exit 1, which the action reports and leaves to the gate.
    assert (outputs["exit-code"], outputs["status"]) == ("1", "failed")
    assert int(outputs["critical"]) > 0
    assert outputs["sarif-file"] == str(out / "results.sarif")
    assert outputs["html-file"] == str(out / "report.html")
    assert outputs["json-file"] == str(out / "results.json")
    # The upload runs, in the iac category, written into the SARIF itself
    # (upload-sarif's category only applies to a SARIF without one).
    assert UPLOAD in run.ran
    assert outputs["sarif-category"] == "aurora-scan-iac/"
    sarif_run = _sarif(outputs["sarif-file"])["runs"][0]
    assert sarif_run["automationDetails"]["id"] == "aurora-scan-iac/"
    assert outputs["waived-in-sarif"] == "false"
    assert DISMISS in run.skipped
    # Locations on the templates and .tf files, relative to the working directory.
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif_run["results"]
    }
    assert uris and all(u.startswith(f"{CORPUS}/") for u in uris), uris
    assert f"{CORPUS}/terraform/main.tf" in uris
    assert "## aurora-scan results" in action.summary.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("inputs", "code", "status"),
    [
        (
            # findings below critical only: a finished scan that passes the gate
            {"paths": f"{CORPUS}/cloudformation/edge.yaml", "fail-on": "critical"}
            | {"allow-incomplete": "true"},
            "0",
            "clean",
        ),
        ({"paths": f"{CORPUS}/cloudformation/insecure.json", "fail-on": "high"}, "1", "failed"),
    ],
    ids=["clean", "failed"],
)
def test_a_finished_iac_scan_uploads_and_leaves_the_gate_to_the_workflow(
    action: RecordingAction, tmp_path: Path, inputs: dict[str, str], code: str, status: str
) -> None:
    out = tmp_path / "out"
    _stale_reports(out)  # overwritten by this run
    run = action({"mode": "iac", "output-dir": str(out)} | inputs)
    assert run.failed_at is None, run.log  # 0 and 1 never fail the action
    outputs = run.outputs
    assert (outputs["exit-code"], outputs["status"]) == (code, status)
    assert outputs["sarif-file"] == str(out / "results.sarif")
    assert _sarif(outputs["sarif-file"])["runs"][0]["results"], (
        "this run's SARIF, not the stale one"
    )
    assert UPLOAD in run.ran
    assert outputs["crash-report"] == ""
    if code == "0":  # fail-on critical
        assert outputs["critical"] == "0"
    else:  # fail-on high
        assert int(outputs["critical"]) + int(outputs["high"]) > 0
    run_without_upload = action(
        {"mode": "iac", "output-dir": str(out), "upload-sarif": "false"} | inputs
    )
    assert run_without_upload.outputs["exit-code"] == code
    assert UPLOAD in run_without_upload.skipped


def test_bad_iac_input_skips_the_upload_and_fails_the_job(
    action: RecordingAction, tmp_path: Path
) -> None:
    """The CLI's own exit 2 (a path that is not there; a glob is not expanded)."""
    out = tmp_path / "out"
    _stale_reports(out)
    run = action(
        {
            "mode": "iac",
            "paths": f"{CORPUS}/cloudformation/*.yaml {CORPUS}/nowhere/",
            "output-dir": str(out),
        }
    )
    assert action.argv[0][-3:] == ["--", f"{CORPUS}/cloudformation/*.yaml", f"{CORPUS}/nowhere/"]
    outputs = run.outputs
    assert (outputs["exit-code"], outputs["status"]) == ("2", "bad-input")
    assert outputs["sarif-file"] == outputs["json-file"] == outputs["html-file"] == ""
    assert UPLOAD in run.skipped
    assert "path not found" in run.steps["scan"].stderr
    assert run.failed_at == "verdict"
    verdict = run.steps["verdict"]
    assert verdict.returncode == 2
    assert "::error title=aurora-scan: bad input::aurora-scan exited 2" in verdict.stdout


def test_no_sarif_written_means_no_upload_in_iac_mode(
    action: RecordingAction, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run = action(
        {
            "mode": "iac",
            "paths": f"{CORPUS}/cloudformation/insecure.json",
            "formats": "json",
            "output-dir": str(out),
        }
    )
    assert run.failed_at is None, run.log
    assert run.outputs["exit-code"] == "1"
    assert run.outputs["json-file"] == str(out / "results.json")
    assert run.outputs["sarif-file"] == "" and run.outputs["sarif-category"] == ""
    assert not (out / "results.sarif").exists()
    assert UPLOAD in run.skipped and DISMISS in run.skipped


def test_the_sarif_category_input_overrides_the_mode_default(
    action: RecordingAction, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run = action(
        {
            "mode": "iac",
            "paths": f"{CORPUS}/cloudformation/insecure.json",
            "sarif-category": "aurora-scan-iac/network-stacks",
            "output-dir": str(out),
        }
    )
    assert run.outputs["sarif-category"] == "aurora-scan-iac/network-stacks/"
    sarif = _sarif(run.outputs["sarif-file"])
    assert sarif["runs"][0]["automationDetails"]["id"] == "aurora-scan-iac/network-stacks/"
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]


SCAN_CLI = """#!{python}
import os, pathlib, shutil, sys
out = pathlib.Path(sys.argv[sys.argv.index("--output-dir") + 1])
out.mkdir(parents=True, exist_ok=True)
for name in ("results.sarif", "results.json"):
    shutil.copy(os.path.join(os.environ["REPORTS"], name), out / name)
sys.exit(1)
"""


@pytest.mark.parametrize(
    ("category", "expected"),
    [("", "aurora-scan/111111111111/us-east-1/"), ("aurora-scan/production", None)],
    ids=["derived", "named"],
)
def test_scan_mode_keeps_its_derived_category_unless_one_is_named(
    tmp_path: Path, category: str, expected: str | None
) -> None:
    """Scan mode without sarif-category leaves results.sarif byte for byte as written."""
    reports = tmp_path / "reports"
    reports.mkdir()
    sarif = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "aurora-scan"}},
                "automationDetails": {"id": "aurora-scan/111111111111/us-east-1/"},
                "results": [],
            }
        ],
    }
    (reports / "results.sarif").write_text(json.dumps(sarif, indent=1))
    (reports / "results.json").write_text(json.dumps({"summary": {}}))
    cli = tmp_path / "aurora-scan"
    cli.write_text(SCAN_CLI.format(python=sys.executable))
    cli.chmod(0o755)
    out = tmp_path / "out"
    run = run_action(
        tmp_path,
        {"sarif-category": category, "output-dir": str(out)},
        cli=cli,
        env={"REPORTS": str(reports)},
    )
    assert run.outputs["exit-code"] == "1" and run.failed_at is None
    written = (out / "results.sarif").read_text()
    if expected is not None:
        assert written == (reports / "results.sarif").read_text()
        assert run.outputs["sarif-category"] == expected
    else:
        assert (
            json.loads(written)["runs"][0]["automationDetails"]["id"] == "aurora-scan/production/"
        )
        assert run.outputs["sarif-category"] == "aurora-scan/production/"
    assert UPLOAD in run.ran


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"mode": "terraform", "paths": "infra/"}, 'not "terraform"'),
        (
            {"mode": "IaC", "paths": "infra/"},
            "mode must be scan (the AWS account, the default) or iac",
        ),
        ({"mode": "iac"}, "mode: iac needs paths"),
        ({"mode": "iac", "paths": " \n \t\n"}, "mode: iac needs paths"),
        (
            {"mode": "iac", "paths": "infra/", "accounts": "111111111111", "role-name": "Scan"},
            "accounts, role-name: for mode: scan only",
        ),
        ({"mode": "iac", "paths": "infra/", "org": "true"}, "org: for mode: scan only"),
        (
            {"mode": "iac", "paths": "infra/", "regions": "us-east-1, eu-west-1"},
            "mode: iac takes at most one region",
        ),
        (
            {"mode": "iac", "paths": "infra/", "include-waived": "true"},
            'include-waived: "true" is not available with mode: iac',
        ),
        ({"paths": "infra/"}, "paths is read with mode: iac only"),
        ({"mode": "iac", "paths": "infra/", "sarif-category": "a\nb"}, "single line"),
    ],
    ids=[
        "unknown-mode",
        "mode-case",
        "no-paths",
        "blank-paths",
        "accounts",
        "org",
        "two-regions",
        "include-waived",
        "paths-in-scan",
        "category-lines",
    ],
)
def test_bad_action_inputs_stop_before_anything_is_installed_or_run(
    action: RecordingAction, tmp_path: Path, inputs: dict[str, str], message: str
) -> None:
    out = tmp_path / "out"
    _stale_reports(out)
    run = action(inputs | {"output-dir": str(out)})
    check = run.steps["check"]
    assert check.returncode == 0 and check.outputs["ok"] == "false"
    errors = [line for line in check.stdout.splitlines() if line.startswith("::")]
    assert errors and all(e.startswith("::error title=aurora-scan: bad input::") for e in errors)
    assert any(message in e for e in errors), check.stdout
    assert message in action.summary.read_text(encoding="utf-8")  # the job summary says why
    # Nothing installed, nothing run, nothing uploaded.
    assert set(INSTALL_STEPS) <= set(run.skipped)
    assert action.argv == []
    assert UPLOAD in run.skipped
    outputs = run.outputs
    assert (outputs["exit-code"], outputs["status"]) == ("2", "bad-input")
    assert outputs["sarif-file"] == outputs["json-file"] == ""  # the stale ones are not offered
    assert run.failed_at == "verdict"
    verdict = run.steps["verdict"]
    assert verdict.returncode == 2
    assert "::error title=aurora-scan: bad input::the action's inputs are wrong" in verdict.stdout


def test_an_input_value_cannot_start_a_workflow_command(action: RecordingAction) -> None:
    run = action({"mode": "x\n::warning::injected%0A", "paths": "infra/"})
    stdout = run.steps["check"].stdout
    commands = [line for line in stdout.splitlines() if line.startswith("::")]
    assert len(commands) == 1 and commands[0].startswith("::error ")
    assert "%0A::warning::injected%250A" in commands[0]


def test_the_input_checks_need_nothing_but_bash(tmp_path: Path) -> None:
    """The check step runs before setup-python: bash builtins only, nothing on PATH."""
    inputs = {"mode": "iac", "paths": "infra/ stacks/db.yaml"}
    result = run_step(
        STEPS["check"],
        tmp_path,
        {"PATH": str(tmp_path / "empty"), **step_env(STEPS["check"], inputs)},
    )
    assert result.returncode == 0, result.stderr
    assert result.outputs == {"ok": "true", "mode": "iac", "sarif-category": "aurora-scan-iac/"}


def test_reports_an_earlier_run_left_are_never_offered(
    action: RecordingAction, tmp_path: Path
) -> None:
    # One job, two runs in one output directory: a scan wrote results.sarif and
    # report.html, then iac is asked for json only. The old SARIF must not be
    # relabelled with the iac category and uploaded as this run's.
    out = tmp_path / "out"
    _stale_reports(out)
    (out / "report.html").write_text("<html>an earlier run</html>")
    stale_sarif = (out / "results.sarif").read_text()
    run = action(
        {
            "mode": "iac",
            "paths": f"{CORPUS}/cloudformation/insecure.json",
            "formats": "json",
            "output-dir": str(out),
        }
    )
    assert run.failed_at is None, run.log
    assert run.outputs["exit-code"] == "1"
    assert run.outputs["json-file"] == str(out / "results.json")
    assert run.outputs["sarif-file"] == "" and run.outputs["html-file"] == ""
    assert run.outputs["sarif-category"] == ""
    assert UPLOAD in run.skipped
    assert (out / "results.sarif").read_text() == stale_sarif  # not rewritten either
