"""Waiver governance (issue 16 item 7): ticket, approver, grant date, matched
resources, days to expiry, expiring-soon flags, stale waivers, and the refusal
of wildcard waivers on critical or high policies."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from policy_helpers import BASE_POLICY, CliResult, write_policy

from scanner.errors import UserInputError, UserInputErrors
from scanner.model import Resource, ScanResult, Snapshot, Status
from scanner.policy.engine import evaluate
from scanner.policy.loader import PolicySet, load_policies
from scanner.policy.waivers import load_waivers
from scanner.report import render
from scanner.result_file import validate_result_dict
from scanner.snapshot_file import write_snapshot

ACCOUNT = "123456789012"
REGION = "us-east-1"
COLLECTED = "2026-06-01T00:00:00Z"  # the evaluation's "today" for expiry


def cluster(name: str, protected: bool) -> Resource:
    return Resource(
        id=f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{name}",
        type="aws.rds.db_cluster",
        account=ACCOUNT,
        region=REGION,
        attrs={
            "DBClusterIdentifier": name,
            "Engine": "aurora-mysql",
            "DeletionProtection": protected,
            "DBClusterMembers": [],
        },
    )


def estate() -> Snapshot:
    return Snapshot(
        collected_at=COLLECTED,
        accounts=(ACCOUNT,),
        regions=(REGION,),
        resources=(
            cluster("legacy-a", False),
            cluster("legacy-b", False),
            cluster("app", False),
            cluster("good", True),
        ),
    )


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    """Two policies on the same check: one medium, one high."""
    root = tmp_path / "policies"
    write_policy(root, copy.deepcopy(BASE_POLICY))
    high = copy.deepcopy(BASE_POLICY)
    high.update(id="test.cluster.deletion_protection_high", severity="high")
    write_policy(root, high)
    return root


def write_waivers(path: Path, *waivers: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"waivers": list(waivers)}, sort_keys=False))
    return path


def waiver(**fields: Any) -> dict[str, Any]:
    base = {
        "policy": "test.cluster.deletion_protection",
        "resource": "app",
        "reason": "accepted",
        "owner": "dba@example.com",
        "expires": "2026-12-31",
    }
    return {**base, **fields}


def run(ps: PolicySet, path: Path) -> ScanResult:
    return evaluate(estate(), ps, waivers=load_waivers(path))


def test_governance_fields_matched_resources_and_days_to_expiry(
    policies: Path, tmp_path: Path
) -> None:
    ps = load_policies([policies], include_builtin=False)
    path = write_waivers(
        tmp_path / "waivers.yml",
        waiver(
            resource="legacy-*",  # a glob on a medium policy: allowed without the flag
            ticket="SEC-1234",
            approved_by="ciso@example.com",
            granted="2026-05-01",
            expires="2026-06-20",
        ),
        waiver(resource="good", expires="2027-01-01"),  # good passes: matches nothing
        waiver(resource="app", expires="2026-05-31"),  # expired the day before the scan
    )
    result = run(ps, path)
    applied, stale, expired = (result.waivers[k] for k in ("applied", "stale", "expired"))
    assert len(applied) == 1 and len(stale) == 1 and len(expired) == 1
    entry = applied[0]
    assert entry["ticket"] == "SEC-1234"
    assert entry["approved_by"] == "ciso@example.com"
    assert entry["granted"] == "2026-05-01"
    assert entry["resources"] == [
        f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:legacy-a",
        f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:legacy-b",
    ]
    assert entry["findings"] == 2
    assert entry["days_to_expiry"] == 19 and entry["expiring_soon"] is True
    assert stale[0]["resource"] == "good" and stale[0]["resources"] == []
    assert stale[0]["days_to_expiry"] == 214 and stale[0]["expiring_soon"] is False
    assert expired[0]["days_to_expiry"] == -1 and expired[0]["expiring_soon"] is False
    assert result.waivers["expiring_soon_days"] == 30
    waived = [f for f in result.findings if f.status is Status.WAIVED]
    assert {f.waiver["ticket"] for f in waived if f.waiver} == {"SEC-1234"}
    validate_result_dict(result.to_dict())


def test_wildcard_waiver_on_a_high_policy_is_refused(policies: Path, tmp_path: Path) -> None:
    ps = load_policies([policies], include_builtin=False)
    path = write_waivers(
        tmp_path / "waivers.yml",
        waiver(resource="app"),
        waiver(policy="test.cluster.*", resource="app"),  # the policy glob reaches the high one
    )
    with pytest.raises(UserInputErrors) as info:
        run(ps, path)
    text = info.value.errors[0].render()
    assert "wildcard waiver #2" in text
    assert "test.cluster.deletion_protection_high (high)" in text
    assert "waivers.yml at $.waivers[1] (line" in text
    assert "allow_wildcard: true" in text


def test_wildcard_resource_on_a_high_policy_is_refused(policies: Path, tmp_path: Path) -> None:
    ps = load_policies([policies], include_builtin=False)
    path = write_waivers(
        tmp_path / "waivers.yml",
        waiver(policy="test.cluster.deletion_protection_high", resource="*"),
    )
    with pytest.raises(UserInputError, match="wildcard waiver #1"):
        run(ps, path)


def test_allow_wildcard_lets_a_reviewed_wildcard_through(policies: Path, tmp_path: Path) -> None:
    ps = load_policies([policies], include_builtin=False)
    path = write_waivers(
        tmp_path / "waivers.yml",
        waiver(policy="test.cluster.deletion_protection_high", resource="*", allow_wildcard=True),
    )
    result = run(ps, path)
    high = [f for f in result.findings if f.policy_id.endswith("_high")]
    assert {f.status for f in high} == {Status.WAIVED, Status.PASS}
    assert result.waivers["applied"][0]["allow_wildcard"] is True
    assert len(result.waivers["applied"][0]["resources"]) == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"granted": "2026-13-01"}, "'2026-13-01' is not a calendar date"),
        ({"granted": "2027-02-01"}, "granted 2027-02-01 is after expires 2026-12-31"),
        ({"approved_by": ""}, "approved_by"),
        ({"allow_wildcard": "yes"}, "allow_wildcard"),
    ],
)
def test_bad_governance_fields_are_refused(
    tmp_path: Path, fields: dict[str, Any], message: str
) -> None:
    path = write_waivers(tmp_path / "waivers.yml", waiver(**fields))
    with pytest.raises(UserInputError) as info:
        load_waivers(path)
    assert message in info.value.render()


def test_cli_refuses_a_wildcard_waiver_with_exit_2(
    policies: Path,
    tmp_path: Path,
    cli: Callable[[Sequence[str]], CliResult],
) -> None:
    snap = tmp_path / "snap.json"
    write_snapshot(estate(), snap)
    path = write_waivers(tmp_path / "waivers.yml", waiver(policy="*", resource="legacy-*"))
    code, _out, err = cli(
        [
            "evaluate",
            str(snap),
            "--policies",
            str(policies),
            "--waivers",
            str(path),
            "--output-dir",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2
    assert "wildcard waiver #1 (policy '*', resource 'legacy-*')" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_reports_show_waiver_governance(policies: Path, tmp_path: Path) -> None:
    ps = load_policies([policies], include_builtin=False)
    path = write_waivers(
        tmp_path / "waivers.yml",
        waiver(
            resource="legacy-*",
            ticket="SEC-1234",
            approved_by="ciso@example.com",
            granted="2026-05-01",
            expires="2026-06-20",
        ),
        waiver(resource="good", ticket="SEC-9"),
    )
    result = run(ps, path)
    out = tmp_path / "out"
    render(result, ["json", "md", "html"], out)
    md = (out / "summary.md").read_text().replace("\\", "")  # Markdown escapes dropped
    assert "### Waivers" in md
    assert "1 applied, 1 expiring within 30 days, 0 expired, 1 matched nothing." in md
    assert "Expiring within 30 days:** test.cluster.deletion_protection on legacy-*" in md
    assert "SEC-1234" in md and "ciso@example.com" in md and "2026-05-01" in md
    assert "| MATCHED NOTHING |" in md
    assert "cluster:legacy-a" in md
    html = (out / "report.html").read_text()
    section = html[html.index('<section id="waivers"') :]
    section = section[: section.index("</section>")]
    assert 'id="waivers-expiring"' in section
    assert "EXPIRING SOON" in section and "SEC-1234" in section and "ciso@example.com" in section
    assert f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:legacy-b" in section
    assert "STALE" in section
    saved = json.loads((out / "results.json").read_text())
    assert saved["waivers"]["applied"][0]["days_to_expiry"] == 19
