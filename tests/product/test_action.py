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
from action_steps import run_step, step_env

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
    "upload-sarif": "true",
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


def _step_env(
    step: dict[str, Any], inputs: dict[str, str], steps: dict[str, str] | None = None
) -> dict[str, str]:
    """The step's env as the runner resolves it (action_steps.step_env: absent inputs
    take action.yml's defaults)."""
    return step_env(step, inputs, steps)


def _check(tmp_path: Path, inputs: dict[str, str]) -> dict[str, str]:
    """The Check the inputs step for real: its outputs as "check.O" for _step_env."""
    result = run_step(
        STEPS["check"], tmp_path, {"PATH": os.environ["PATH"], **step_env(STEPS["check"], inputs)}
    )
    assert result.returncode == 0, result.stderr
    return {f"check.{k}": v for k, v in result.outputs.items()}


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
        **_step_env(SCAN_STEP, inputs, _check(tmp_path, inputs)),
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
        assert re.search(rf"inputs\.{name}(?![\w-])", text), f"input {name} is never used"
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
    install = STEPS["install"]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$VENV/bin/python" -m pip install' in install["run"]


def test_the_callers_python_is_left_alone() -> None:
    """setup-python only seeds the action's own virtualenv: no PATH change, no global pip."""
    setup = STEPS["python"]
    assert setup["uses"] == "actions/setup-python@v6"
    assert setup["with"]["update-environment"] is False
    install = STEPS["install"]["run"]
    assert '"$PYTHON" -m venv "$VENV"' in install
    assert "python -m pip" not in install.replace('"$VENV/bin/python" -m pip', "")
    for step in ACTION["runs"]["steps"]:
        run = str(step.get("run", ""))
        assert "GITHUB_PATH" not in run and "GITHUB_ENV" not in run, step.get("id")
    assert SCAN_STEP["env"]["AURORA_SCAN"] == "${{ steps.install.outputs.bin }}"


def test_pip_downloads_are_cached_per_version(tmp_path: Path) -> None:
    cache = next(s for s in ACTION["runs"]["steps"] if s.get("name") == "Cache pip downloads")
    assert cache["uses"] == "actions/cache@v5"
    assert "steps.version.outputs.version" in cache["with"]["key"]
    assert cache["with"]["path"] == "${{ steps.version.outputs.pip-cache }}"
    assert STEPS["install"]["env"]["PIP_CACHE_DIR"] == "${{ steps.version.outputs.pip-cache }}"
    # The version step for real: it reads the version this checkout installs.
    from scanner import __version__

    outputs = _run_bash_step(
        STEPS["version"],
        tmp_path,
        _step_env(STEPS["version"], ALL_INPUTS, {"python.python-path": sys.executable}),
    )
    assert outputs["version"] == __version__
    assert outputs["venv"].endswith(f"aurora-scan-{__version__}-venv")


def test_upload_sarif_is_the_current_major() -> None:
    upload = next(s for s in ACTION["runs"]["steps"] if s.get("name", "").startswith("Upload"))
    assert upload["uses"] == "github/codeql-action/upload-sarif@v4"


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


@pytest.mark.parametrize("code", [0, 1, 2, 3, 4])
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
        _step_env(
            STEPS["outputs"],
            ALL_INPUTS | {"output-dir": str(out)},
            {"scan.exit-code": "1", "scan.formats": "json,sarif,html,md"},
        ),
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


def _outputs_of(github_output: Path) -> dict[str, str]:
    if not github_output.exists():
        return {}
    return dict(line.split("=", 1) for line in github_output.read_text().splitlines() if line)


def _run_bash_step(
    step: dict[str, Any], tmp_path: Path, env: dict[str, str], *, expect_success: bool = True
) -> dict[str, str]:
    github_output = tmp_path / f"github_output_{step.get('id')}"
    github_output.unlink(missing_ok=True)
    script = tmp_path / f"{step.get('id')}.sh"
    script.write_text(step["run"])
    bash = shutil.which("bash")
    assert bash is not None
    proc = subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        env={
            **os.environ,
            "RUNNER_TEMP": str(tmp_path),
            "GITHUB_OUTPUT": str(github_output),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    if expect_success:
        assert proc.returncode == 0, proc.stderr
    outputs = _outputs_of(github_output)
    outputs["__returncode__"] = str(proc.returncode)
    outputs["__stdout__"] = proc.stdout
    return outputs


def _condition(expression: str, context: dict[str, str]) -> bool:
    """The `if:` expressions this action uses: `a == 'x' && b == 'y'` (anything else fails)."""
    terms = [t.strip() for t in expression.split("&&")]
    result = True
    for term in terms:
        match = re.fullmatch(r"([\w.-]+) == '([^']*)'", term)
        assert match, f"unsupported expression {term!r}"
        result = result and context.get(match.group(1), "") == match.group(2)
    return result


def _run_action(tmp_path: Path, exit_code: int, inputs: dict[str, str]) -> dict[str, Any]:
    """Scan (a stand-in CLI), outputs, upload condition and verdict, as the runner would."""
    _, scan_output = _run_scan_step(tmp_path, inputs, exit_code)
    scan = dict(line.split("=", 1) for line in scan_output.splitlines() if line)
    checked = _check(tmp_path, inputs)
    github_output = tmp_path / "github_output_outputs"
    script = tmp_path / "outputs.py"
    script.write_text(STEPS["outputs"]["run"])
    env = dict(os.environ)
    env.pop("GITHUB_STEP_SUMMARY", None)
    env.update(
        _step_env(
            STEPS["outputs"],
            inputs,
            checked | {"scan.exit-code": scan["exit-code"], "scan.formats": scan["formats"]},
        ),
        GITHUB_OUTPUT=str(github_output),
    )
    subprocess.run([sys.executable, str(script)], env=env, check=True)
    outputs = _outputs_of(github_output)
    upload_step = next(s for s in ACTION["runs"]["steps"] if s.get("name", "").startswith("Upload"))
    uploads = _condition(
        upload_step["if"],
        {"inputs.upload-sarif": inputs.get("upload-sarif", "true")}
        | {f"steps.outputs.outputs.{k}": v for k, v in outputs.items()},
    )
    verdict = _run_bash_step(
        STEPS["verdict"],
        tmp_path,
        _step_env(
            STEPS["verdict"],
            inputs,
            checked
            | {
                "scan.exit-code": scan["exit-code"],
                "outputs.crash-report": outputs["crash-report"],
            },
        ),
        expect_success=False,
    )
    return {"outputs": outputs, "uploads": uploads, "verdict": verdict}


def _stale_reports(out: Path) -> None:
    """What an earlier run left in the output directory."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.sarif").write_text(json.dumps({"runs": [{"results": []}]}))
    (out / "results.json").write_text(json.dumps({"summary": {}}))


def test_an_internal_error_skips_the_upload_and_fails_the_job(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _stale_reports(out)
    crash = out / "aurora-scan-crash-20261204T000000Z-42.txt"
    crash.write_text("Traceback ...")
    result = _run_action(tmp_path, 4, ALL_INPUTS | {"output-dir": str(out)})
    outputs = result["outputs"]
    assert outputs["status"] == "internal-error"
    assert outputs["sarif-file"] == "" and outputs["json-file"] == ""  # stale: never offered
    assert outputs["crash-report"] == str(crash)
    assert result["uploads"] is False
    verdict = result["verdict"]
    assert verdict["__returncode__"] == "4"
    assert "::error title=aurora-scan: internal error::" in verdict["__stdout__"]
    assert str(crash) in verdict["__stdout__"]
    assert "not a finding" in verdict["__stdout__"]


def test_bad_input_skips_the_upload_and_fails_the_job(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _stale_reports(out)
    result = _run_action(tmp_path, 2, ALL_INPUTS | {"output-dir": str(out)})
    assert result["outputs"]["status"] == "bad-input"
    assert result["outputs"]["sarif-file"] == "" and result["outputs"]["crash-report"] == ""
    assert result["uploads"] is False
    assert result["verdict"]["__returncode__"] == "2"
    assert "::error title=aurora-scan: bad input::" in result["verdict"]["__stdout__"]


@pytest.mark.parametrize(("code", "status"), [(0, "clean"), (1, "failed"), (3, "incomplete")])
def test_a_finished_scan_uploads_and_leaves_the_gate_to_the_workflow(
    tmp_path: Path, code: int, status: str
) -> None:
    out = tmp_path / "out"
    _stale_reports(out)  # here: this run's reports
    result = _run_action(tmp_path, code, ALL_INPUTS | {"output-dir": str(out)})
    assert result["outputs"]["status"] == status
    assert result["outputs"]["sarif-file"] == str(out / "results.sarif")
    assert result["uploads"] is True
    assert result["verdict"]["__returncode__"] == "0"
    opted_out = _run_action(
        tmp_path, code, ALL_INPUTS | {"output-dir": str(out)} | {"upload-sarif": "false"}
    )
    assert opted_out["uploads"] is False


def test_no_sarif_written_means_no_upload(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text(json.dumps({"summary": {}}))
    result = _run_action(tmp_path, 0, ALL_INPUTS | {"output-dir": str(out), "formats": "json"})
    assert result["outputs"]["sarif-file"] == ""
    assert result["uploads"] is False


def test_docs_and_readme_branch_on_all_five_exit_codes() -> None:
    docs = (ROOT / "docs" / "github-actions.md").read_text()
    readme = (ROOT / "README.md").read_text()
    for code in "01234":
        assert re.search(rf"^\s*{code}\)", docs, re.M), f"docs gate has no branch for {code}"
        assert re.search(rf"^\|\s*{code}\s*\|", readme, re.M), f"README exit codes lack {code}"
    for text in (docs, readme):
        assert "upload-sarif@v3" not in text
        assert "actions: read" in text


def test_a_star_in_regions_or_policies_is_passed_on_not_globbed(tmp_path: Path) -> None:
    # The inputs are split on commas and spaces only; bash must not expand a
    # '*' into whatever files happen to match on the runner.
    (tmp_path / "pol-a").mkdir()
    (tmp_path / "pol-b").mkdir()
    pattern = f"{tmp_path}/pol-*"
    argv, _ = _run_scan_step(
        tmp_path, ALL_INPUTS | {"policies": pattern, "regions": f"{tmp_path}/pol-*"}, 0
    )
    assert argv[argv.index("--policies") + 1] == pattern
    assert argv.count("--policies") == 1
    assert argv[argv.index("--region") + 1] == pattern
