"""The composite GitHub Action: its inputs, its outputs and what it passes to the CLI.

The scan step's shell script is run for real with a stand-in `aurora-scan` on
PATH that records its arguments; those arguments are then parsed by the real
CLI parser, so an option the CLI does not accept fails here, not in a user's
workflow.  The outputs step runs against a fabricated output directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = {s.get("id", s.get("name")): s for s in ACTION["runs"]["steps"]}
SCAN_STEP = STEPS["scan"]

FAKE_CLI = """#!{python}
import json, os, sys
with open(os.environ["FAKE_ARGS_FILE"], "w") as fh:
    json.dump(sys.argv[1:], fh)
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""

ALL_INPUTS = {
    "regions": "us-east-1, eu-west-1",
    "fail-on": "high",
    "formats": "sarif,html",
    "policies": "my-policies,more-policies",
    "config": "aurora-scan.yml",
    "waivers": "waivers.yml",
    "baseline": "baseline/results.json",
    "accounts": "111111111111,222222222222",
    "org": "false",
    "role-name": "AuroraScanRole",
    "external-id": "xid",
    "allow-incomplete": "true",
    "output-dir": "out dir",
    "python-version": "3.11",
}


def _step_env(step: dict[str, Any], inputs: dict[str, str]) -> dict[str, str]:
    """Resolve `${{ inputs.X }}` in a step's env the way the runner does."""
    env = {}
    for key, value in step.get("env", {}).items():
        match = re.fullmatch(r"\$\{\{\s*inputs\.([a-z-]+)\s*\}\}", str(value))
        assert match, f"env {key} of step {step.get('id')} is not a plain input reference"
        env[key] = inputs[match.group(1)]
    return env


def _run_scan_step(tmp_path: Path, inputs: dict[str, str], exit_code: int) -> tuple[list[str], str]:
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    fake = bindir / "aurora-scan"
    fake.write_text(FAKE_CLI.format(python=sys.executable))
    fake.chmod(0o755)
    args_file, output_file = tmp_path / "args.json", tmp_path / "github_output"
    env = {
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_ARGS_FILE": str(args_file),
        "FAKE_EXIT": str(exit_code),
        "GITHUB_OUTPUT": str(output_file),
        **_step_env(SCAN_STEP, inputs),
    }
    bash = shutil.which("bash")
    assert bash is not None
    # GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
    script = tmp_path / "scan.sh"
    script.write_text(SCAN_STEP["run"])
    proc = subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr  # the step never fails on findings
    return json.loads(args_file.read_text()), output_file.read_text()


def test_every_input_is_used_and_every_output_is_produced() -> None:
    text = (ROOT / "action.yml").read_text()
    for name in ACTION["inputs"]:
        assert f"inputs.{name} }}}}" in text, f"input {name} is never used"
    for name, output in ACTION["outputs"].items():
        match = re.fullmatch(r"\$\{\{ steps\.([a-z-]+)\.outputs\.([a-z-]+) \}\}", output["value"])
        assert match, f"output {name} does not come from a step"
        step_id, key = match.groups()
        assert step_id in STEPS, f"output {name} refers to unknown step {step_id}"
        assert key in STEPS[step_id]["run"], f"step {step_id} never writes {key}"
        assert output.get("description")
    for name, spec in ACTION["inputs"].items():
        assert spec.get("description"), f"input {name} has no description"


def test_action_is_composite_and_installs_its_own_checkout() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert STEPS["Set up Python"]["uses"].startswith("actions/setup-python@")
    install = STEPS["Install aurora-scan"]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert "pip install" in install["run"]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"accounts": "", "org": "true"},
        {k: "" for k in ("regions", "fail-on", "policies", "config", "waivers", "baseline")}
        | {"accounts": "", "role-name": "", "external-id": "", "allow-incomplete": "false"},
    ],
    ids=["accounts", "org", "minimal"],
)
def test_the_arguments_the_action_passes_are_accepted_by_the_cli(
    tmp_path: Path, overrides: dict[str, str]
) -> None:
    inputs = ALL_INPUTS | overrides
    argv, _ = _run_scan_step(tmp_path, inputs, 0)
    args = build_parser().parse_args(argv)  # SystemExit(2) on any unknown option
    assert args.command == "scan"
    assert argv[argv.index("--output-dir") + 1] == "out dir"
    formats = argv[argv.index("--format") + 1].split(",")
    assert {"json", "md"} <= set(formats)
    if inputs["regions"]:
        assert [argv[i + 1] for i, a in enumerate(argv) if a == "--region"] == [
            "us-east-1",
            "eu-west-1",
        ]


def test_every_option_in_the_scan_script_is_a_scan_option() -> None:
    """Static check that also covers branches no parametrised run above takes."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    scan_parser = sub.choices["scan"]  # type: ignore[index]
    accepted = {opt for action in scan_parser._actions for opt in action.option_strings}
    used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", SCAN_STEP["run"]))
    assert used, "no options found in the scan step"
    assert used <= accepted, f"options the CLI does not accept: {sorted(used - accepted)}"


@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_the_step_succeeds_and_reports_the_exit_code(tmp_path: Path, code: int) -> None:
    _, outputs = _run_scan_step(tmp_path, ALL_INPUTS, code)
    assert f"exit-code={code}" in outputs.splitlines()


def test_outputs_step_reads_the_reports_and_appends_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "aurora-scan-output"
    out.mkdir()
    by_severity = {
        s: {"FAIL": n, "PASS": 1}
        for s, n in zip(("critical", "high", "medium", "low", "info"), (1, 2, 3, 4, 5), strict=True)
    }
    (out / "results.json").write_text(
        json.dumps({"summary": {"by_severity": by_severity, "by_status": {"UNKNOWN": 7}}})
    )
    (out / "results.sarif").write_text(
        json.dumps({"runs": [{"automationDetails": {"id": "aurora-scan/111111111111/us-east-1/"}}]})
    )
    (out / "summary.md").write_text("## aurora-scan\n")
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")
    github_output = tmp_path / "github_output"
    script = tmp_path / "outputs.py"
    script.write_text(STEPS["outputs"]["run"])
    assert STEPS["outputs"]["shell"] == "python"
    env = dict(os.environ)
    env.update(
        _step_env(STEPS["outputs"], ALL_INPUTS | {"output-dir": str(out)}),
        GITHUB_OUTPUT=str(github_output),
        GITHUB_STEP_SUMMARY=str(summary),
    )
    subprocess.run([sys.executable, str(script)], env=env, check=True)
    values = dict(line.split("=", 1) for line in github_output.read_text().splitlines())
    assert values["sarif-file"] == str(out / "results.sarif")
    assert values["html-file"] == ""  # not written, so empty
    assert values["sarif-category"] == "aurora-scan/111111111111/us-east-1/"
    assert [values[s] for s in ("critical", "high", "medium", "low", "info")] == list("12345")
    assert values["unknown"] == "7"
    assert summary.read_text() == "earlier step\n## aurora-scan\n\n"
    assert set(values) >= {k for k in ACTION["outputs"] if k != "exit-code"}


def test_outputs_step_copes_with_a_run_that_wrote_nothing(tmp_path: Path) -> None:
    github_output = tmp_path / "github_output"
    script = tmp_path / "outputs.py"
    script.write_text(STEPS["outputs"]["run"])
    env = dict(
        os.environ, IN_OUTPUT_DIR=str(tmp_path / "missing"), GITHUB_OUTPUT=str(github_output)
    )
    env.pop("GITHUB_STEP_SUMMARY", None)
    subprocess.run([sys.executable, str(script)], env=env, check=True)
    values = dict(line.split("=", 1) for line in github_output.read_text().splitlines())
    assert values["sarif-file"] == "" and values["critical"] == "0"
