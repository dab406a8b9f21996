"""Issue 16 item 5 acceptance ("since when"), on the demo estate served by moto.

Two scans a day apart: the estate is collected, one cluster is then changed
(deletion protection turned off) and one cluster is created, and it is
collected again.  The scan clock is the snapshot's ``collected_at`` (the
evaluation never reads the wall clock), so each snapshot is dated a day apart
before it is evaluated.  The second evaluation takes the history over from
the first (``--previous``); ``first_seen`` and "failing since"
(``last_status_change``) must then be right for old, changed and new findings
in results.json, SARIF, the HTML report (in Chromium), summary.md and
``aurora-scan diff``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from e2e_support import estate_server, run_cli

from scanner.demo.estate import FAKE_CREDENTIALS, isolated_aws_config
from scanner.report.html import extract_data
from scanner.result_file import read_result

DAY1 = "2026-03-01T09:00:00Z"
DAY2 = "2026-03-02T09:00:00Z"
POLICY = "aurora.cluster.deletion_protection"
NEW_CLUSTER = "since-new-cluster"
CHROMIUM = "/usr/bin/chromium"


def _dated(path: Path, when: str) -> None:
    """Set the snapshot's scan time (the evaluation clock) to ``when``."""
    data = json.loads(path.read_text())
    data["collected_at"] = when
    data["context"]["started_at"] = data["context"]["finished_at"] = when
    path.write_text(json.dumps(data))


def _protected_cluster(snapshot: Path) -> tuple[str, str, str]:
    """(identifier, ARN, region) of an Aurora cluster with deletion protection on."""
    for r in json.loads(snapshot.read_text())["resources"]:
        attrs = r["attrs"]
        if (
            r["type"] == "aws.rds.db_cluster"
            and attrs.get("DeletionProtection") is True
            and str(attrs.get("Engine", "")).startswith("aurora")
            and not attrs.get("GlobalClusterIdentifier")
        ):
            return attrs["DBClusterIdentifier"], r["id"], r["region"]
    raise AssertionError("the demo estate has no protected Aurora cluster")


@pytest.fixture(scope="module")
def two_scans(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("since")
    with estate_server() as (url, estate):
        regions = [arg for region in estate["regions"] for arg in ("--region", region)]

        def collect(name: str) -> Path:
            path = root / f"{name}.json"
            run = run_cli(["collect", *regions, "--endpoint-url", url, "--output", str(path)])
            assert run.code in (0, 3), run.stderr
            return path

        snap1 = collect("day1")
        changed, changed_arn, region = _protected_cluster(snap1)
        with isolated_aws_config():
            rds = boto3.client("rds", region_name=region, endpoint_url=url, **FAKE_CREDENTIALS)
            rds.modify_db_cluster(
                DBClusterIdentifier=changed, DeletionProtection=False, ApplyImmediately=True
            )
            rds.create_db_cluster(
                DBClusterIdentifier=NEW_CLUSTER,
                Engine="aurora-postgresql",
                MasterUsername="admin_user",
                MasterUserPassword="not-a-real-password-1",
                DeletionProtection=False,
            )
        snap2 = collect("day2")
    _dated(snap1, DAY1)
    _dated(snap2, DAY2)
    day1, day2 = root / "out1", root / "out2"
    common = ["--format", "json,sarif,html,md", "--fail-on", "none", "--allow-incomplete"]
    first = run_cli(["evaluate", str(snap1), "--output-dir", str(day1), *common])
    assert first.code == 0, first.stderr
    second = run_cli(
        [
            "evaluate",
            str(snap2),
            "--output-dir",
            str(day2),
            "--previous",
            str(day1 / "results.json"),
            *common,
        ]
    )
    assert second.code == 0, second.stderr
    results = read_result(day2 / "results.json").to_dict()
    new_arn = next(
        f["resource_id"]
        for f in results["findings"]
        if f["resource_id"].endswith(f":cluster:{NEW_CLUSTER}")
    )
    yield {
        "day1": day1,
        "day2": day2,
        "results": results,
        "changed_arn": changed_arn,
        "new_arn": new_arn,
    }


def _finding(results: dict[str, Any], policy: str, resource: str) -> dict[str, Any]:
    return next(
        f for f in results["findings"] if f["policy_id"] == policy and f["resource_id"] == resource
    )


def _old_failure(results: dict[str, Any], exclude: set[str]) -> dict[str, Any]:
    """A FAIL of day 2 that was already failing on day 1."""
    return next(
        f
        for f in results["findings"]
        if f["status"] == "FAIL" and f["resource_id"] not in exclude and f["first_seen"] == DAY1
    )


def test_results_json(two_scans: dict[str, Any]) -> None:
    results = two_scans["results"]
    assert results["scan"]["previous_results"]["collected_at"] == DAY1
    changed = _finding(results, POLICY, two_scans["changed_arn"])
    assert changed["status"] == "FAIL"
    assert (changed["first_seen"], changed["last_status_change"]) == (DAY1, DAY2)
    new = _finding(results, POLICY, two_scans["new_arn"])
    assert new["status"] == "FAIL"
    assert (new["first_seen"], new["last_status_change"]) == (DAY2, DAY2)
    old = _old_failure(results, {two_scans["changed_arn"], two_scans["new_arn"]})
    assert old["last_status_change"] == DAY1
    # Every finding of the new cluster is new; every other one was seen on day 1.
    for f in results["findings"]:
        expected = DAY2 if f["resource_id"] == two_scans["new_arn"] else DAY1
        assert f["first_seen"] == expected, f
    first = read_result(two_scans["day1"] / "results.json").to_dict()
    assert {f["first_seen"] for f in first["findings"]} == {DAY1}


def test_sarif(two_scans: dict[str, Any]) -> None:
    sarif = json.loads((two_scans["day2"] / "results.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert results and all(
        "firstSeen" in r["properties"] and "lastStatusChange" in r["properties"] for r in results
    )

    def props(policy: str, arn: str) -> dict[str, Any]:
        (found,) = [
            r["properties"]
            for r in results
            if r["ruleId"] == policy
            and r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == arn
        ]
        return found

    changed = props(POLICY, two_scans["changed_arn"])
    assert (changed["firstSeen"], changed["lastStatusChange"]) == (DAY1, DAY2)
    new = props(POLICY, two_scans["new_arn"])
    assert (new["firstSeen"], new["lastStatusChange"]) == (DAY2, DAY2)
    old = _old_failure(two_scans["results"], {two_scans["changed_arn"], two_scans["new_arn"]})
    assert props(old["policy_id"], old["resource_id"])["lastStatusChange"] == DAY1


def test_diff(two_scans: dict[str, Any]) -> None:
    old, new = (str(two_scans[d] / "results.json") for d in ("day1", "day2"))
    run = run_cli(["diff", old, new, "--format", "json"])
    data = json.loads(run.stdout)
    changed = next(
        e for e in data["findings"]["changed"] if e["resource_id"] == two_scans["changed_arn"]
    )
    assert (changed["first_seen"], changed["last_status_change"]) == (DAY1, DAY2)
    added = [e for e in data["findings"]["new"] if e["resource_id"] == two_scans["new_arn"]]
    assert added and {e["first_seen"] for e in added} == {DAY2}
    text = run_cli(["diff", old, new]).stdout
    line = next(x for x in text.splitlines() if POLICY in x and "PASS -> FAIL" in x)
    assert f"failing since {DAY2} (first seen {DAY1})" in line
    # Without --previous on the second scan, diff works the history out itself.
    plain = two_scans["day2"].parent / "plain"
    day2_snapshot = two_scans["day2"].parent / "day2.json"
    args = ["--format", "json", "--fail-on", "none", "--allow-incomplete"]
    assert run_cli(["evaluate", str(day2_snapshot), "--output-dir", str(plain), *args]).code == 0
    again = json.loads(
        run_cli(["diff", old, str(plain / "results.json"), "--format", "json"]).stdout
    )
    assert again["findings"]["changed"] == data["findings"]["changed"]


def test_summary_md(two_scans: dict[str, Any]) -> None:
    md = (two_scans["day2"] / "summary.md").read_text().replace("\\", "")
    assert f"Since the previous scan ({two_scans['day1'] / 'results.json'}, collected {DAY1})" in md
    row = next(x for x in md.splitlines() if x.startswith(f"| {POLICY} |"))
    assert f"| {DAY1} |" in row  # other clusters were failing before the change


def test_html_in_chromium(two_scans: dict[str, Any]) -> None:
    html_path = two_scans["day2"] / "report.html"
    data = extract_data(html_path.read_text())
    assert data["seen"] == DAY2 and DAY1 in data["times"]
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    sync_api = pytest.importorskip("playwright.sync_api")
    name = two_scans["changed_arn"].rsplit(":", 1)[-1]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(html_path.resolve().as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=15_000)
            page.click("button[data-tab='findings']")
            page.fill("#f-search", two_scans["changed_arn"])
            details = ""
            deadline = time.monotonic() + 30  # the machine may be busy
            while time.monotonic() < deadline:
                rows = page.query_selector_all("#finding-table tbody tr.finding")
                match = [
                    r
                    for r in rows
                    if [c.inner_text() for c in r.query_selector_all("td")][2:4] == [POLICY, name]
                ]
                if len(match) == 1:
                    match[0].click()
                    details = page.inner_text("#finding-table tbody tr.detail")
                    break
                time.sleep(0.2)
            assert f"First seen: {DAY1}" in details, details
            assert f"Failing since: {DAY2}" in details, details
            assert not errors, errors
        finally:
            browser.close()
