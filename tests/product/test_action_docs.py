"""The workflows in docs/github-actions.md, docs/scale.md and the README: true to action.yml.

Every ```yaml block is parsed; every `with:` given to this action (or its
dismiss action) must be an input it declares, every `steps.ID.outputs.NAME`
of it an output it declares; each workflow that uploads SARIF names its
category and the categories differ; the permissions match what each workflow
does; the actions used are the majors action.yml uses and none that runs on
the removed Node 20.  The pull-request workflow is then run step by step on a
git repository (the action's own steps with the real CLI, the workflow's
`run:` steps with bash) to show that it fails on new IaC findings only.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from action_steps import ACTION, ROOT, UPLOAD, RecordingAction

DOCS = ROOT / "docs" / "github-actions.md"
README = ROOT / "README.md"
SCALE = ROOT / "docs" / "scale.md"  # the sharded organisation scan's workflow
DISMISS_ACTION = yaml.safe_load((ROOT / "dismiss" / "action.yml").read_text(encoding="utf-8"))
CORPUS = ROOT / "tests" / "iac" / "corpus" / "cloudformation"
_FENCE = re.compile(r"^```yaml\n(.*?)^```", re.M | re.S)
_STEP_OUTPUT = re.compile(r"steps\.([\w-]+)\.outputs\.([\w-]+)")

# Majors that run on Node 20, removed from GitHub's runners in 2026.
NODE20 = {
    "actions/checkout": {"v1", "v2", "v3", "v4"},
    "actions/setup-python": {"v1", "v2", "v3", "v4", "v5"},
    "actions/cache": {"v1", "v2", "v3", "v4"},
    "actions/upload-artifact": {"v1", "v2", "v3", "v4", "v5"},
    "actions/download-artifact": {"v1", "v2", "v3", "v4", "v5", "v6"},
    "aws-actions/configure-aws-credentials": {"v1", "v2", "v3", "v4", "v5"},
    "github/codeql-action": {"v1", "v2", "v3"},
}


@dataclass(frozen=True)
class Block:
    file: Path
    line: int
    doc: Any

    @property
    def where(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}"

    @property
    def is_workflow(self) -> bool:
        return isinstance(self.doc, dict) and "jobs" in self.doc


def _blocks(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _FENCE.finditer(text)]


SOURCES = [(path, line, source) for path in (DOCS, README, SCALE) for line, source in _blocks(path)]
BLOCKS = [Block(path, line, yaml.safe_load(source)) for path, line, source in SOURCES]
# The workflows the category and gate tests judge; docs/scale.md's sharded scan
# relies on the category the action derives from each shard's accounts.
WORKFLOWS = [b for b in BLOCKS if b.is_workflow and b.file != SCALE]


def _steps(block: Block) -> Iterator[dict[str, Any]]:
    """The steps of a workflow's jobs, or of a block that is a list of steps."""
    if block.is_workflow:
        for job in block.doc["jobs"].values():
            yield from job.get("steps", [])
    elif isinstance(block.doc, list):
        yield from (s for s in block.doc if isinstance(s, dict))


def _is_this_action(step: dict[str, Any]) -> bool:
    uses = str(step.get("uses", ""))
    return uses.startswith("OWNER/aurora-scan@") or uses in ("./", ".")


def _triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert isinstance(on, dict)
    return on


def test_there_are_workflows_to_check() -> None:
    assert len(WORKFLOWS) >= 2
    assert sum(1 for b in BLOCKS for s in _steps(b) if _is_this_action(s)) >= 4


@pytest.mark.parametrize(
    ("path", "line", "source"),
    SOURCES,
    ids=[f"{p.name}:{line}" for p, line, _ in SOURCES],
)
def test_every_yaml_block_is_valid_yaml(path: Path, line: int, source: str) -> None:
    try:
        doc = yaml.safe_load(source)
    except yaml.YAMLError as exc:  # pragma: no cover - the failure message
        pytest.fail(f"{path.name}:{line}: not valid YAML: {exc}")
    assert doc is not None, f"{path.name}:{line}: empty block"


def test_the_action_is_given_only_inputs_it_declares() -> None:
    declared = set(ACTION["inputs"])
    dismiss_declared = set(DISMISS_ACTION["inputs"])
    for block in BLOCKS:
        for step in _steps(block):
            given = set(step.get("with") or {})
            if _is_this_action(step):
                assert given <= declared, f"{block.where}: unknown inputs {given - declared}"
            elif str(step.get("uses", "")).startswith("OWNER/aurora-scan/dismiss@"):
                unknown = given - dismiss_declared
                assert given <= dismiss_declared, f"{block.where}: unknown inputs {unknown}"


def test_only_declared_outputs_of_the_action_are_read() -> None:
    declared = set(ACTION["outputs"])
    for (_, _, source), block in zip(SOURCES, BLOCKS, strict=True):
        ids = {s["id"] for s in _steps(block) if _is_this_action(s) and "id" in s}
        for step_id, output in _STEP_OUTPUT.findall(source):
            if step_id in ids:
                assert output in declared, f"{block.where}: steps.{step_id}.outputs.{output}"


def test_each_workflow_uploading_sarif_sets_its_own_category() -> None:
    categories: dict[str, str] = {}
    for block in WORKFLOWS:
        for step in _steps(block):
            uses = str(step.get("uses", ""))
            given = step.get("with") or {}
            if _is_this_action(step) and str(given.get("upload-sarif", "true")) != "false":
                category = given.get("sarif-category")
            elif uses.startswith("github/codeql-action/upload-sarif@"):
                category = given.get("category")
            else:
                continue
            assert category, f"{block.where}: a SARIF upload without a category"
            assert category not in categories, f"{block.where}: {category} used twice"
            categories[str(category)] = block.where
    assert len(categories) >= 2, categories


def test_the_pull_request_and_the_scheduled_workflow_have_what_they_need() -> None:
    iac = [b for b in WORKFLOWS if "pull_request" in _triggers(b.doc)]
    scheduled = [b for b in WORKFLOWS if "schedule" in _triggers(b.doc)]
    assert len(iac) == 1 and len(scheduled) == 1
    pr, account = iac[0].doc, scheduled[0].doc
    assert _triggers(pr)["pull_request"]["paths"], "the IaC workflow filters on its paths"
    assert "main" in _triggers(pr)["push"]["branches"], "main's analysis for code scanning"
    modes = {
        (s.get("with") or {}).get("mode", "scan") for s in _steps(iac[0]) if _is_this_action(s)
    }
    assert modes == {"iac"}
    assert {(s.get("with") or {}).get("mode", "scan") for s in _steps(scheduled[0])} >= {"scan"}
    for workflow in (pr, account):
        permissions = workflow["permissions"]
        assert permissions["contents"] == "read"
        assert permissions["security-events"] == "write"
        assert permissions["actions"] == "read"
    # OIDC only where AWS credentials are configured.
    assert account["permissions"]["id-token"] == "write"
    assert any(
        str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials@")
        for s in _steps(scheduled[0])
    )
    assert "id-token" not in pr["permissions"]
    assert not any("configure-aws-credentials" in str(s.get("uses", "")) for s in _steps(iac[0]))


def test_actions_are_the_majors_action_yml_uses_and_none_on_node_20() -> None:
    refs: dict[str, set[str]] = {}
    for step in ACTION["runs"]["steps"] + [s for b in BLOCKS for s in _steps(b)]:
        uses = str(step.get("uses", ""))
        if "@" not in uses or uses.startswith("OWNER/"):
            continue
        name, ref = uses.split("@")
        repo = "/".join(name.split("/")[:2])  # github/codeql-action/upload-sarif
        assert ref not in NODE20.get(repo, set()), f"{uses} runs on Node 20"
        refs.setdefault(repo, set()).add(ref)
    assert {repo: r for repo, r in refs.items() if len(r) > 1} == {}


# -- the pull-request workflow, run ------------------------------------------


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def _pull_request(tmp_path: Path, base: dict[str, str], change: dict[str, str]) -> Path:
    """A repository checked out at GitHub's merge commit of a pull request:
    HEAD^1 is the base branch, HEAD^2 the pull request's branch."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "--quiet", "--initial-branch=main")
    for files in (base, change):
        for name, text in files.items():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_text(text, encoding="utf-8")
        if files is base:
            _git(repo, "add", "-A")
            _git(repo, "commit", "--quiet", "-m", "base")
            _git(repo, "checkout", "--quiet", "-b", "feature")
    _git(repo, "add", "-A")
    _git(repo, "commit", "--quiet", "-m", "the pull request")
    _git(repo, "checkout", "--quiet", "main")
    _git(repo, "merge", "--quiet", "--no-ff", "-m", "merge", "feature")
    _git(repo, "checkout", "--quiet", "--detach", "HEAD")
    return repo


class Runner:
    """Runs the documented pull-request workflow's steps for a `pull_request` event."""

    def __init__(self, tmp_path: Path, repo: Path) -> None:
        self.repo = repo
        self.temp = tmp_path / "runner-temp"
        self.temp.mkdir()
        self.action = RecordingAction(tmp_path)
        self.sha = _git(repo, "rev-parse", "HEAD")
        self.outputs: dict[str, dict[str, str]] = {}
        self.logs: dict[str, str] = {}
        self.codes: dict[str, int] = {}
        self.uploaded: dict[str, bool] = {}
        self.argv: dict[str, list[list[str]]] = {}

    def expression(self, text: str) -> str:
        """The `${{ }}` expressions the workflow uses; an unknown one fails the test."""
        text = text.strip()
        if text == "runner.temp":
            return str(self.temp)
        if text == "github.event_name == 'push' || !github.event.pull_request.head.repo.fork":
            return "true"  # a pull request from a branch of the repository
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text)
        if match:
            return self.outputs.get(match.group(1), {}).get(match.group(2), "")
        pytest.fail(f"the workflow uses an expression this test does not know: {text}")

    def resolve(self, value: Any) -> str:
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: self.expression(m.group(1)), str(value))

    def runs(self, step: dict[str, Any]) -> bool:
        expression = str(step.get("if", "")).strip()
        if not expression:
            return True
        if expression == "github.event_name == 'pull_request'":
            return True
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+) != ''", expression)
        if match:
            return self.expression(f"steps.{match.group(1)}.outputs.{match.group(2)}") != ""
        pytest.fail(f"the workflow uses a condition this test does not know: {expression}")

    def run(self, workflow: dict[str, Any]) -> None:
        (job,) = workflow["jobs"].values()
        for step in job["steps"]:
            uses = str(step.get("uses", ""))
            key = str(step.get("id") or step.get("name") or uses)
            if not self.runs(step):
                continue
            if uses.startswith("actions/checkout@"):
                # The repository is at the merge commit; the base is its first parent.
                assert str((step.get("with") or {}).get("fetch-depth")) == "2"
            elif _is_this_action(step):
                inputs = {k: self.resolve(v) for k, v in (step.get("with") or {}).items()}
                run = self.action(inputs, cwd=self.repo)
                self.outputs[key] = run.outputs
                self.logs[key] = run.log
                self.uploaded[key] = UPLOAD in run.ran
                self.argv[key] = self.action.argv
                self.codes[key] = 1 if run.failed_at else 0
                if run.failed_at and not step.get("continue-on-error"):
                    return
            elif "run" in step:
                env = {k: self.resolve(v) for k, v in (step.get("env") or {}).items()}
                proc = subprocess.run(
                    ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                    cwd=self.repo,
                    env={**os.environ, **env, "GITHUB_SHA": self.sha},
                    capture_output=True,
                    text=True,
                    check=False,
                )
                self.logs[key] = proc.stdout + proc.stderr
                self.codes[key] = proc.returncode
                if proc.returncode:
                    return
            else:
                assert uses.startswith("actions/upload-artifact@"), uses


def _pr_workflow() -> dict[str, Any]:
    (block,) = [b for b in WORKFLOWS if "pull_request" in _triggers(b.doc)]
    workflow: dict[str, Any] = block.doc
    return workflow


# A stack with high (and lower) failures but no critical one, already on main.
STACK = (CORPUS / "edge.yaml").read_text(encoding="utf-8")
INSECURE = (CORPUS / "insecure.json").read_text(encoding="utf-8")
MOVED = "# Reformatted: every resource is further down now.\n\n\n" + STACK


def test_a_pull_request_adding_an_insecure_stack_fails_the_gate(tmp_path: Path) -> None:
    repo = _pull_request(
        tmp_path,
        {"README.md": "infra\n", "infra/db.yaml": STACK},
        {"infra/db.yaml": MOVED, "infra/legacy.json": INSECURE},
    )
    runner = Runner(tmp_path, repo)
    runner.run(_pr_workflow())
    # The base was scanned (its own high failure is in the baseline), not uploaded.
    assert runner.outputs["base"]["json-file"]
    assert runner.uploaded["base"] is False
    assert runner.outputs["aurora"]["exit-code"] == "1"
    assert runner.uploaded["aurora"] is True
    assert runner.outputs["aurora"]["sarif-category"] == "aurora-scan-iac/"
    (base_argv,) = runner.argv["base"]
    assert "--baseline" not in base_argv and base_argv[-2:] == ["--", "infra/"]
    (argv,) = runner.argv["aurora"]
    assert argv[argv.index("--baseline") + 1] == runner.outputs["base"]["json-file"]
    # The new stack's findings are located on its file, for the annotations.
    sarif = json.loads(Path(runner.outputs["aurora"]["sarif-file"]).read_text(encoding="utf-8"))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert {"infra/db.yaml", "infra/legacy.json"} <= uris
    gate = "Gate on new findings"
    assert runner.codes[gate] == 1
    assert "::error::aurora-scan: this pull request adds failures" in runner.logs[gate]
    assert "::warning::" not in runner.logs[gate]
    assert _git(repo, "rev-parse", "HEAD") == runner.sha  # back on the pull request


def test_a_pull_request_that_only_moves_lines_passes_the_gate(tmp_path: Path) -> None:
    repo = _pull_request(
        tmp_path,
        {"infra/db.yaml": STACK},
        {"infra/db.yaml": MOVED},
    )
    runner = Runner(tmp_path, repo)
    runner.run(_pr_workflow())
    assert runner.outputs["base"]["exit-code"] == "1"  # the base fails: high and below
    assert runner.outputs["aurora"]["exit-code"] == "0", runner.logs["aurora"]
    (argv,) = runner.argv["aurora"]
    assert argv[argv.index("--baseline") + 1] == runner.outputs["base"]["json-file"]
    assert int(runner.outputs["aurora"]["high"]) > 0  # still reported, just not new
    assert runner.codes["Gate on new findings"] == 0


def test_a_pull_request_adding_the_first_templates_counts_every_failure(tmp_path: Path) -> None:
    repo = _pull_request(tmp_path, {"README.md": "no infra yet\n"}, {"infra/db.yaml": STACK})
    runner = Runner(tmp_path, repo)
    runner.run(_pr_workflow())
    assert runner.outputs["base"]["exit-code"] == "2"  # infra/ is not there: no baseline
    assert runner.codes["base"] == 1  # failed, and continue-on-error carried on
    assert runner.outputs["aurora"]["exit-code"] == "1"
    gate = "Gate on new findings"
    assert runner.codes[gate] == 1
    assert "the base could not be scanned" in runner.logs[gate]
