"""Run the composite action's steps (action.yml) the way the runner would, without a runner.

A small stand-in for the GitHub runner: each step's ``if:`` is evaluated on the
outputs of the steps before it, ``${{ inputs.X }}`` takes the action's declared
default when the workflow does not give it, the bash steps run with
``bash --noprofile --norc -eo pipefail`` and the python step with this
interpreter, each with its own ``GITHUB_OUTPUT`` file.  The ``uses:`` steps
(setup-python, cache, upload-sarif) are not run; whether the runner would run
them is recorded.  The install step is replaced by the ``cli`` given: a real
or stand-in ``aurora-scan`` (a pip install per test would take minutes).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS: dict[str, dict[str, Any]] = {s.get("id", s.get("name")): s for s in ACTION["runs"]["steps"]}
UPLOAD_STEP = next(s for s in ACTION["runs"]["steps"] if s.get("name", "").startswith("Upload"))
DISMISS_STEP = next(s for s in ACTION["runs"]["steps"] if s.get("name", "").startswith("Dismiss"))
# How ActionRun.ran / .skipped name a step: its id, else its name.
UPLOAD = str(UPLOAD_STEP.get("id") or UPLOAD_STEP["name"])
DISMISS = str(DISMISS_STEP.get("id") or DISMISS_STEP["name"])
_REF = re.compile(r"\$\{\{\s*(\S+)\s*\}\}")


def with_defaults(inputs: dict[str, str]) -> dict[str, str]:
    """The inputs as the runner sees them: the declared defaults, then what is given."""
    unknown = set(inputs) - set(ACTION["inputs"])
    assert not unknown, f"inputs action.yml does not declare: {sorted(unknown)}"
    return {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()} | inputs


def step_env(
    step: dict[str, Any], inputs: dict[str, str], steps: dict[str, str] | None = None
) -> dict[str, str]:
    """Resolve `${{ inputs.X }}`, `${{ steps.S.outputs.O }}` and `${{ github.action_path }}`
    in a step's env the way the runner does (``steps`` maps "S.O" to a value; absent: "")."""
    given = with_defaults(inputs)
    env = {}
    for key, value in step.get("env", {}).items():
        match = _REF.fullmatch(str(value))
        assert match, f"env {key} of step {step.get('id')} is not a plain reference"
        ref = match.group(1)
        if ref.startswith("inputs."):
            env[key] = given[ref.removeprefix("inputs.")]
        elif ref.startswith("steps."):
            step_id, _, output = ref.removeprefix("steps.").partition(".outputs.")
            assert step_id in STEPS, f"env {key} refers to unknown step {step_id}"
            env[key] = (steps or {}).get(f"{step_id}.{output}", "")
        else:
            assert ref == "github.action_path", ref
            env[key] = str(ROOT)
    return env


def condition(expression: str, context: dict[str, str]) -> bool:
    """The `if:` expressions this action uses: `a == 'x' && b == 'y'` (anything else fails)."""
    result = True
    for term in (t.strip() for t in expression.split("&&")):
        match = re.fullmatch(r"([\w.-]+) == '([^']*)'", term)
        assert match, f"unsupported expression {term!r}"
        result = result and context.get(match.group(1), "") == match.group(2)
    return result


def outputs_of(github_output: Path) -> dict[str, str]:
    if not github_output.exists():
        return {}
    return dict(
        line.split("=", 1)
        for line in github_output.read_text(encoding="utf-8").splitlines()
        if line
    )


@dataclass
class StepRun:
    outputs: dict[str, str]
    returncode: int
    stdout: str
    stderr: str


def run_step(
    step: dict[str, Any], tmp_path: Path, env: dict[str, str], *, cwd: Path | None = None
) -> StepRun:
    """One `run:` step, bash or python, with a fresh GITHUB_OUTPUT."""
    name = str(step.get("id") or step.get("name")).replace(" ", "-")
    github_output = tmp_path / f"github_output_{name}"
    github_output.unlink(missing_ok=True)
    script = tmp_path / f"step_{name}"
    script.write_text(step["run"], encoding="utf-8")
    if step["shell"] == "bash":
        bash = shutil.which("bash")
        assert bash is not None
        # GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
        command = [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)]
    else:
        assert step["shell"] == "python", step["shell"]
        command = [sys.executable, str(script)]
    proc = subprocess.run(
        command,
        env={"RUNNER_TEMP": str(tmp_path), **env, "GITHUB_OUTPUT": str(github_output)},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return StepRun(outputs_of(github_output), proc.returncode, proc.stdout, proc.stderr)


@dataclass
class ActionRun:
    """What the runner would have done: which steps ran, their outputs, the action's outputs."""

    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    steps: dict[str, StepRun] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    failed_at: str | None = None

    @property
    def outputs(self) -> dict[str, str]:
        """The action's declared outputs, resolved from the steps' outputs."""
        values = {}
        for name, spec in ACTION["outputs"].items():
            match = _REF.fullmatch(spec["value"])
            assert match, name
            values[name] = self.context.get(match.group(1), "")
        return values

    @property
    def log(self) -> str:
        return "".join(run.stdout + run.stderr for run in self.steps.values())


def run_action(
    tmp_path: Path,
    inputs: dict[str, str],
    *,
    cli: Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> ActionRun:
    """Every step of action.yml in order, as the runner would for a workflow's `with:`.

    ``cli`` stands in for what the install step puts into the action's virtualenv.
    The upload counts as a success when the runner would have run it.  The first
    failing step ends the run (a composite action stops there), like on GitHub.
    """
    given = with_defaults(inputs)
    # The test process's environment (AURORA_SCAN_CACHE_DIR from tests/conftest.py
    # among it), without a real runner's GITHUB_* / RUNNER_* if the suite runs in one.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    base_env = {**inherited, **(env or {})}
    run = ActionRun(context={f"inputs.{k}": v for k, v in given.items()})
    for step in ACTION["runs"]["steps"]:
        key = str(step.get("id") or step.get("name"))
        if "if" in step and not condition(step["if"], run.context):
            run.skipped.append(key)
            continue
        run.ran.append(key)
        step_id = step.get("id")
        if "uses" in step:
            if step_id:
                run.context[f"steps.{step_id}.outcome"] = "success"
            continue
        if step_id == "install":
            run.context["steps.install.outputs.bin"] = str(cli)
            run.context["steps.install.outcome"] = "success"
            continue
        steps = {
            k.removeprefix("steps.").replace(".outputs.", ".", 1): v
            for k, v in run.context.items()
            if k.startswith("steps.") and ".outputs." in k
        }
        extra = {"PYTHON": sys.executable} if step_id == "version" else {}
        result = run_step(
            step, tmp_path, {**base_env, **step_env(step, inputs, steps), **extra}, cwd=cwd
        )
        run.steps[key] = result
        if step_id:
            for name, value in result.outputs.items():
                run.context[f"steps.{step_id}.outputs.{name}"] = value
            run.context[f"steps.{step_id}.outcome"] = (
                "success" if result.returncode == 0 else "failure"
            )
        if result.returncode != 0:
            run.failed_at = key
            break
    return run


RECORDING_CLI = """#!{python}
import json, os, sys
with open(os.environ["AURORA_SCAN_ARGV_FILE"], "a", encoding="utf-8") as fh:
    fh.write(json.dumps(sys.argv[1:]) + "\\n")
from scanner.cli import main
sys.exit(main(sys.argv[1:]))
"""


class RecordingAction:
    """The action with a recording wrapper around the real CLI as the installed one.

    Each call is one run of the action, as a workflow step; ``argv`` is every
    command line the Scan step (and the waived step) gave the CLI in it.
    """

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.cli = tmp_path / "venv-bin" / "aurora-scan"
        self.cli.parent.mkdir()
        self.cli.write_text(RECORDING_CLI.format(python=sys.executable), encoding="utf-8")
        self.cli.chmod(0o755)
        self.argv_file = tmp_path / "argv.jsonl"
        self.summary = tmp_path / "step_summary.md"

    def __call__(
        self, inputs: dict[str, str], *, cwd: Path = ROOT, env: dict[str, str] | None = None
    ) -> ActionRun:
        self.argv_file.unlink(missing_ok=True)
        self.summary.write_text("", encoding="utf-8")
        return run_action(
            self.tmp_path,
            inputs,
            cli=self.cli,
            cwd=cwd,
            env={
                **(env or {}),
                "AURORA_SCAN_ARGV_FILE": str(self.argv_file),
                "GITHUB_STEP_SUMMARY": str(self.summary),
            },
        )

    @property
    def argv(self) -> list[list[str]]:
        """Every command line the CLI was called with in the last run."""
        if not self.argv_file.exists():
            return []
        return [json.loads(line) for line in self.argv_file.read_text().splitlines()]
