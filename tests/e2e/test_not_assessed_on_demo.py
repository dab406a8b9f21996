"""Issue 16 item 4 acceptance, on the demo estate collected from moto: a config
excluding ``aurora.mysql.*`` shows the framework requirements only those
policies cover as NOT ASSESSED in results.json, summary.md and report.html."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from e2e_support import E2E, HERE, run_cli

from scanner.policy.loader import load_policies

EXCLUDED = "aurora.mysql.*"


def _mysql_only_requirements() -> set[tuple[str, str]]:
    """(framework, requirement) pairs every mapped policy of which is an aurora.mysql one."""
    out = set()
    for framework in load_policies().frameworks:
        for requirement in framework.requirements:
            if requirement.policies and all(
                p.startswith("aurora.mysql.") for p in requirement.policies
            ):
                out.add((framework.id, requirement.id))
    return out


def test_excluded_policies_leave_their_requirements_not_assessed(e2e: E2E, tmp_path: Path) -> None:
    expected = _mysql_only_requirements()
    assert ("aws-fsbp", "RDS.14") in expected  # backtracking: aurora.mysql.backtrack_enabled
    config = yaml.safe_load((HERE / "e2e-config.yml").read_text())
    config["policies"] = {"exclude": [EXCLUDED]}
    config_path = tmp_path / "aurora-scan.yml"
    config_path.write_text(yaml.safe_dump(config))
    out = tmp_path / "out"
    run = run_cli(
        [
            "evaluate",
            str(e2e.full_dir / "snapshot.json"),
            "--config",
            str(config_path),
            "--output-dir",
            str(out),
            "--format",
            "json,md,html",
        ]
    )
    assert run.code in (0, 1, 3), run.stderr

    results = json.loads((out / "results.json").read_text())
    assert results["scan"]["config"]["policies"]["exclude"] == [EXCLUDED]
    assert results["scan"]["config"]["file"] == str(config_path)
    assert len(results["scan"]["config"]["sha256"]) == 64
    listed = {
        (r["framework"], r["requirement"]): r for r in results["scan"]["requirements_not_assessed"]
    }
    not_assessed = {k for k, r in listed.items() if r["status"] == "NOT_ASSESSED"}
    assert not_assessed == expected
    rds14 = listed[("aws-fsbp", "RDS.14")]
    assert rds14["policies_left_out"] == ["aurora.mysql.backtrack_enabled"]
    assert f"excluded by policies.exclude '{EXCLUDED}'" in rds14["reason"]
    assert not any(p["id"].startswith("aurora.mysql.") for p in results["policies"])

    md = (out / "summary.md").read_text().replace("\\", "")  # Markdown escapes dropped
    assert f"exclude {EXCLUDED}" in md
    for _framework, requirement in expected:
        row = next(line for line in md.splitlines() if f"| {requirement} " in line)
        assert "| NOT ASSESSED |" in row and "excluded by policies.exclude" in row, row

    html = (out / "report.html").read_text()
    compliance = html[html.index('<section id="compliance"') :]
    compliance = compliance[: compliance.index("</section>")]
    for _framework, requirement in expected:
        row = re.search(
            rf"<td><code>{re.escape(requirement)}</code></td>.*?</tr>", compliance, re.S
        )
        assert row is not None, requirement
        assert "<strong>NOT ASSESSED</strong>" in row.group(0)
        assert "excluded by policies.exclude" in row.group(0)
    scope = html[html.index('id="scope-config"') :]
    assert f"<code>{EXCLUDED}</code>" in scope
    assert results["scan"]["config"]["sha256"] in scope
    panel = scope[scope.index('id="requirements-not-assessed"') :]
    assert "RDS.14" in panel[: panel.index("</td>")]
